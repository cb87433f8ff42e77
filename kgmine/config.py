"""Pipeline configuration: defaults, YAML loading, validation with clear errors.

A pipeline config is a nested mapping (see ``pipelines/demo.yaml``). :func:`load_config` merges a
YAML file over :data:`DEFAULTS` and rejects unknown keys, naming the file and the dotted key, so a
typo never silently falls back to a default.
"""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from kgmine.recommend.pipeline import RecommendConfig

DEFAULTS: dict[str, Any] = {
    "name": "demo",
    "seed": 0,
    "data": {
        "kind": "demo",          # demo | amazon | tabular | movielens | lightgcn | recbole
        "n_products": 2000,      # demo world size
        "n_users": 1000,
        "options": {},           # passed to the reader (paths, column mapping, ...)
    },
    "store": {
        "kind": "ladybug",       # ladybug (embedded, default) | neo4j
        "path": None,            # ladybug directory; default OUT/store
        "uri": None, "user": None, "database": None,  # neo4j; password only from NEO4J_PASSWORD
    },
    "extract": {
        "enabled": True,
        "batch_size": 256,
        "n_process": 1,
        "reviews": True,         # also extract MENTIONS from review texts
        "model": "default",      # default (shipped open extractor) | a span-model directory
        "min_confidence": 0.5,   # attribute values below this stay in artifacts/extraction.parquet only
        "entities": True,        # NER mentions in descriptions and reviews become MENTIONS edges
        "relations": {
            "enabled": True,         # relation triples become MADE_OF / COMPATIBLE_WITH / PART_OF / HAS_FEATURE
            "min_confidence": 0.8,   # a rule's measured precision must reach this (see extract/rule_precision.json)
        },
    },
    "mine": {
        "rules": {"enabled": True, "min_support": 0.0005, "min_confidence": 0.1, "min_len": 2, "max_len": 3},
        "clusters": {"enabled": True, "method": "kmeans", "n_clusters": None,
                     "text": "tfidf"},  # tfidf | minilm | null (no text block)
        "analytics": {"enabled": True},
    },
    "recommend": RecommendConfig().to_dict(),  # the stage's dataclass holds its keys and defaults
    "report": {"enabled": True},
}


class ConfigError(ValueError):
    """A pipeline config is invalid; the message names the file and the key."""


def merge_config(overrides: dict[str, Any] | None, source: str = "config") -> dict[str, Any]:
    """Deep-merge ``overrides`` over :data:`DEFAULTS`; unknown keys raise :class:`ConfigError`.

    Keys under ``data.options`` are free-form (they go to the reader).
    """
    merged = copy.deepcopy(DEFAULTS)
    _merge(merged, overrides or {}, source, prefix="")
    return merged


def _merge(base: dict[str, Any], new: dict[str, Any], source: str, prefix: str) -> None:
    if not isinstance(new, dict):
        raise ConfigError(f"{source}: {prefix.rstrip('.') or 'top level'} must be a mapping")
    for key, value in new.items():
        dotted = f"{prefix}{key}"
        if key not in base:
            raise ConfigError(f"{source}: unknown key {dotted!r} (known: {sorted(base)})")
        if isinstance(base[key], dict) and dotted != "data.options":
            _merge(base[key], value, source, prefix=dotted + ".")
        else:
            base[key] = value


def load_config(path: str | Path) -> dict[str, Any]:
    """Read a pipeline YAML file and merge it over the defaults."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: no such pipeline file")
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc})") from None
    return merge_config(raw, source=str(path))
