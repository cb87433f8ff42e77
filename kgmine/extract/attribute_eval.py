"""Evaluation of attribute-value extraction with the WDC-PAVE / ExtractGPT metric.

Metric (Brinkmann et al., arXiv 2403.02130 and its code ``pieutils/evaluation.py``): every
(offer, attribute) pair listed in the offer's ``target_scores`` is one slot; the system predicts at
most one value per slot. Each slot falls in exactly one class:

======  =============================================  ================
``NN``  gold ``n/a``, nothing predicted                 (counted nowhere)
``NV``  gold ``n/a``, a value predicted                 false positive
``VN``  gold value(s), nothing predicted                false negative
``VC``  predicted value equals one of the gold values   true positive
``VW``  predicted value is not a gold value             counts in both
======  =============================================  ================

precision = VC / (NV + VC + VW), recall = VC / (VN + VC + VW), F1 their harmonic mean. *Micro* sums
the counts over all slots; *macro* averages the F1 of the category-attribute pairs (the paper's
per-pair rows; ``macro_attribute`` averages over attribute names instead). A prediction equals a
gold value when both are equal after :func:`~kgmine.extract.attribute_data.value_key` (case-folded,
whitespace collapsed) — the paper compares stripped strings case-sensitively; the case-sensitive
``strict_micro`` is reported beside it. Predictions for attributes an offer does not list are not
scored, as in the paper. Gold values that do not occur in the text stay in the count (``VN``/``VW``).
"""
from __future__ import annotations

import os
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from kgmine.extract.attribute_data import AttributeDocument, load_dataset, slot_class
from kgmine.extract.attribute_model import AttributeExtractor, cache_key

CLASSES = ("NN", "NV", "VN", "VC", "VW")

__all__ = ["CLASSES", "cache_root", "evaluate_attribute_dataset", "prf", "score_predictions", "slot_class"]


def prf(c: Counter | dict) -> dict[str, float]:
    """Precision, recall, F1 (fractions) of one count dict with the classes of :data:`CLASSES`."""
    pred = c["NV"] + c["VC"] + c["VW"]
    gold = c["VN"] + c["VC"] + c["VW"]
    p = c["VC"] / pred if pred else 0.0
    r = c["VC"] / gold if gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f}


def score_predictions(docs: Sequence[AttributeDocument], predictions: pd.DataFrame) -> dict:
    """Score ``predictions`` (columns doc_id, attribute, value; at most one row per slot) on ``docs``.

    Returns ``{"micro": {...}, "macro": {...}, "macro_attribute": {...}, "strict_micro": {...},
    "counts": {...}, "per_attribute": DataFrame, "per_pair": DataFrame}``.
    """
    pred: dict[tuple[str, str], str] = {}
    for row in predictions[["doc_id", "attribute", "value"]].itertuples(index=False):
        pred.setdefault((str(row.doc_id), row.attribute), row.value)
    pair: dict[tuple[str, str], Counter] = defaultdict(Counter)
    by_attr: dict[str, Counter] = defaultdict(Counter)
    total, strict = Counter(), Counter()
    for d in docs:
        for attribute, gold in d.gold.items():
            p = pred.get((d.doc_id, attribute))
            cls = slot_class(gold, p)
            pair[(d.category, attribute)][cls] += 1
            by_attr[attribute][cls] += 1
            total[cls] += 1
            strict[slot_class(gold, p, strict=True)] += 1

    def table(counts: dict, keys: list[str]) -> pd.DataFrame:
        rows = []
        for k, c in counts.items():
            k = k if isinstance(k, tuple) else (k,)
            if c["NV"] + c["VC"] + c["VW"] + c["VN"] == 0:
                continue  # only n/a slots, nothing predicted: not scored (paper)
            rows.append({**dict(zip(keys, k)), **prf(c), **{cl: c[cl] for cl in CLASSES},
                         "n_gold": c["VN"] + c["VC"] + c["VW"]})
        return pd.DataFrame(rows).sort_values(keys).reset_index(drop=True) if rows else pd.DataFrame(
            columns=[*keys, "precision", "recall", "f1", *CLASSES, "n_gold"])

    per_pair = table(pair, ["category", "attribute"])
    per_attr = table(by_attr, ["attribute"])

    def macro(frame: pd.DataFrame) -> dict[str, float]:
        if frame.empty:
            return {"precision": 0.0, "recall": 0.0, "f1": 0.0}
        return {m: float(frame[m].mean()) for m in ("precision", "recall", "f1")}

    return {"micro": prf(total), "macro": macro(per_pair), "macro_attribute": macro(per_attr),
            "strict_micro": prf(strict), "counts": {c: int(total[c]) for c in CLASSES},
            "per_attribute": per_attr, "per_pair": per_pair}


def cache_root() -> Path:
    """Where trained models are cached: ``$KGMINE_CACHE_DIR`` or ``~/.cache/kgmine``, plus ``/models``."""
    base = os.environ.get("KGMINE_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "kgmine")
    return Path(base) / "models"


def evaluate_attribute_dataset(name: str, data_root: str | Path, *, retrain: bool = False,
                               cache_dir: str | Path | None = None, progress: bool = True,
                               max_train: int | None = None, max_test: int | None = None, **params) -> dict:
    """Train on the train split of benchmark ``name`` (``wdc-pave`` or ``ae-110k``), score the test split.

    The fitted model is cached under ``cache_dir`` (default :func:`cache_root`) in
    ``<name>-<hash of data files, params and code version>``; a second run loads it unless
    ``retrain``. ``max_train`` / ``max_test`` take the first offers only (for quick checks).
    ``params`` go to :class:`~kgmine.extract.attribute_model.AttributeExtractor`.
    Returns the metrics of :func:`score_predictions` plus run information.
    """
    data = load_dataset(name, data_root)
    train = data.train[:max_train] if max_train else data.train
    test = data.test[:max_test] if max_test else data.test
    model = AttributeExtractor(progress=progress, **params)
    key_params = {**model.get_params(), "max_train": max_train}
    model_dir = Path(cache_dir) if cache_dir else cache_root()
    model_dir = model_dir / f"{name}-{cache_key(name, data.source, key_params)}"
    cached = (model_dir / "meta.json").exists() and not retrain
    t0 = time.perf_counter()
    if cached:
        model = AttributeExtractor.from_disk(model_dir)
    else:
        model.fit(train, data.schema)
        model.to_disk(model_dir)
    train_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    predictions = model.predict(test)
    predict_s = time.perf_counter() - t0
    scores = score_predictions(test, predictions)
    scores.update({"dataset": name, "n_train": len(train), "n_test": len(test),
                   "n_slots": int(sum(len(d.gold) for d in test)), "threshold": model.threshold_,
                   "model_dir": str(model_dir), "cached": cached, "train_seconds": round(train_s, 2),
                   "predict_seconds": round(predict_s, 2), "history": model.history_,
                   "predictions": predictions})
    return scores
