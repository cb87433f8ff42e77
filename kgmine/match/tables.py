"""Matching two product tables end to end: records, blocking, scoring, clustering; saving a matcher."""
from __future__ import annotations

import json
import pickle
from pathlib import Path

import pandas as pd

from kgmine.match.blocking import block
from kgmine.match.cluster import cluster_pairs
from kgmine.match.matcher import ProductMatcher

MODEL_FILE = "matcher.pkl"


def records_of(products: pd.DataFrame) -> list[dict]:
    """Matcher records (title, description, manufacturer, price as text) of a products frame (``read_catalog``)."""
    cols = {"title": "title", "description": "description", "brand": "manufacturer", "price": "price"}
    out = []
    for row in products.to_dict("records"):
        out.append({dst: ("" if pd.isna(row.get(src)) else str(row.get(src)).lower())
                    for src, dst in cols.items() if src in row})
    return out


def match_tables(left: pd.DataFrame, right: pd.DataFrame, matcher: ProductMatcher, k: int = 20,
                 progress: bool = True) -> pd.DataFrame:
    """Scored candidate pairs of two products frames: ``left_id``, ``right_id``, ``score``, ``match``,
    ``cluster`` (connected components of the matches, ids prefixed ``L:`` / ``R:``)."""
    from kgmine.progress import track

    lrec, rrec = records_of(left), records_of(right)
    cands = block(lrec, rrec, k=k)
    scores = []
    step = 2000
    for start in track(range(0, len(cands), step), "scoring candidate pairs", disable=not progress):
        part = cands.iloc[start:start + step]
        pairs = pd.DataFrame({"left": [lrec[i] for i in part["left_index"]],
                              "right": [rrec[j] for j in part["right_index"]]})
        scores.extend(matcher.predict_proba(pairs)[:, 1])
    lid, rid = left["product_id"].astype(str).to_numpy(), right["product_id"].astype(str).to_numpy()
    out = pd.DataFrame({"left_id": lid[cands["left_index"].to_numpy(int)] if len(cands) else [],
                        "right_id": rid[cands["right_index"].to_numpy(int)] if len(cands) else [],
                        "score": scores, "blocking": cands["source"].to_numpy()})
    out["match"] = out["score"] >= matcher.threshold_
    keyed = out.assign(left_id="L:" + out["left_id"], right_id="R:" + out["right_id"])
    clusters = cluster_pairs([f"L:{i}" for i in lid] + [f"R:{i}" for i in rid], keyed, matcher.threshold_)
    cmap = dict(zip(clusters["record_id"], clusters["cluster"]))
    out["cluster"] = [cmap[f"L:{i}"] for i in out["left_id"]]
    return out.sort_values(["left_id", "score"], ascending=[True, False]).reset_index(drop=True)


def save_matcher(matcher: ProductMatcher, directory: str | Path) -> Path:
    """Write ``matcher`` (pickle) and a small ``matcher.json`` summary to ``directory``."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    with open(d / MODEL_FILE, "wb") as handle:
        pickle.dump(matcher, handle)
    (d / "matcher.json").write_text(json.dumps({"threshold": matcher.threshold_}, indent=2))
    return d


def load_matcher(directory: str | Path) -> ProductMatcher:
    """A matcher saved by :func:`save_matcher` (only load directories you wrote yourself: pickle)."""
    path = Path(directory) / MODEL_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{directory}: not a matcher directory (no {MODEL_FILE})")
    with open(path, "rb") as handle:
        return pickle.load(handle)
