"""Score what the pipeline recovered against the demo world's planted truth (synthetic data only)."""
from __future__ import annotations

import pandas as pd

from kgmine.graph.keys import entity_key


def score_extraction(extracted: pd.DataFrame, truth: pd.DataFrame, variants: dict[str, list[str]] | None = None,
                     attributes: tuple[str, ...] = ("colour", "material", "size")) -> dict[str, float]:
    """Brand accuracy and per-attribute precision / recall / F1 of ``extracted`` against ``truth``.

    ``extracted``: product_id, attribute, value (one row per extracted value). ``truth``: the demo
    world's ``product_attributes``. Brand accuracy counts a product as right when its most confident
    extracted brand equals the planted brand (a product with no brand counts as wrong). Values are
    compared after :func:`entity_key`; ``variants`` maps a canonical value to its accepted spellings.
    """
    canon = {entity_key(v): entity_key(k) for k, vs in (variants or {}).items() for v in vs}
    norm = lambda s: canon.get(entity_key(s), entity_key(s))  # noqa: E731
    ext = extracted.dropna(subset=["value"]).copy()
    ext["norm"] = ext["value"].map(norm)
    out: dict[str, float] = {}
    brands = ext[ext["attribute"] == "brand"]
    if "confidence" in brands.columns:
        brands = brands.sort_values("confidence", ascending=False, kind="stable")
    best = brands.drop_duplicates("product_id").set_index("product_id")["norm"]
    gold = truth.set_index("product_id")["brand"].map(norm)
    out["brand_accuracy"] = float((best.reindex(gold.index) == gold).mean())
    for attr in attributes:
        pred = set(zip(ext.loc[ext["attribute"] == attr, "product_id"], ext.loc[ext["attribute"] == attr, "norm"]))
        true = set(zip(truth["product_id"], truth[attr].map(norm)))
        tp = len(pred & true)
        p = tp / len(pred) if pred else 0.0
        r = tp / len(true) if true else 0.0
        out[f"{attr}_precision"], out[f"{attr}_recall"] = p, r
        out[f"{attr}_f1"] = 2 * p * r / (p + r) if p + r else 0.0
    return out
