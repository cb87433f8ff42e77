"""The confidence of a relation triple: the measured precision of the rule that produced it.

``rule_precision.json`` beside this module holds, for every rule of :data:`kgmine.extract.relations.RULES`,
how many of its triples were judged by hand on the calibration source (WDC-PAVE offers; the judged keys
are in ``benchmarks/labels/``) and how many were correct, with the smoothed precision (c + 1) / (n + 2).
A rule without judgements is unmeasured: it takes the smaller of its relation's pooled value and 0.5
(the uninformed (0 + 1) / (0 + 2)), so it passes no threshold above 0.5. ``benchmarks/relation_precision.py``
re-measures it and checks the threshold on held-out text (Amazon product texts).

A pipeline run writes a triple into the graph when its confidence reaches ``extract.relations.min_confidence``
(:data:`kgmine.config.DEFAULTS`); the triples below it stay in ``artifacts/relations.parquet``.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

PRECISION_FILE = Path(__file__).with_name("rule_precision.json")


@lru_cache(maxsize=1)
def _table() -> dict:
    if not PRECISION_FILE.is_file():
        return {"rules": {}, "relations": {}}
    return json.loads(PRECISION_FILE.read_text())


def rule_precision() -> dict[str, float]:
    """``{rule name: measured precision}`` for every rule (at most 0.5 where a rule has no judgement)."""
    from kgmine.extract.relations import RULES

    table = _table()
    rules, pooled = table.get("rules", {}), table.get("relations", {})
    out = {}
    for rule in RULES:
        entry = rules.get(rule.name)
        if entry is None:  # a rule newer than the table: unmeasured
            entry = {"precision": min(float(pooled.get(rule.relation, {}).get("precision", 0.0)), 0.5)}
        out[rule.name] = float(entry.get("precision", 0.0))
    return out
