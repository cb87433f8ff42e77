"""Clustering matched pairs into products: connected components over pairs scoring at least a threshold."""
from __future__ import annotations

import pandas as pd


def cluster_pairs(record_ids: list[str], pairs: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """``record_id`` -> ``cluster`` (the smallest record id of its component) over ``pairs`` (``left_id``,
    ``right_id``, ``score``) with ``score >= threshold``; records without a match are their own cluster."""
    parent = {r: r for r in record_ids}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    kept = pairs[pairs["score"] >= threshold] if len(pairs) else pairs
    for a, b in zip(kept.get("left_id", []), kept.get("right_id", [])):
        parent.setdefault(a, a)
        parent.setdefault(b, b)
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return pd.DataFrame({"record_id": list(parent), "cluster": [find(r) for r in parent]})
