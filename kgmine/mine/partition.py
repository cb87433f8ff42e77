"""Partitions of a graph's nodes (components, communities) as label arrays: ranked labels and modularity.

Shared by the in-process analytics (:mod:`kgmine.mine.analytics`) and the GraphX ones
(:mod:`kgmine.spark.graphx`), so both number their groups, and score them, the same way.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def modularity(upper: sp.coo_matrix, community: np.ndarray, resolution: float = 1.0) -> float:
    """Newman's weighted modularity of a partition of the undirected graph whose upper triangle is
    ``upper``: sum over communities of ``w_in / m - resolution * (s_c / 2m)^2`` (0 for no edges)."""
    m = float(upper.data.sum())
    if m == 0:
        return 0.0
    community = np.asarray(community)
    inside = upper.data[community[upper.row] == community[upper.col]].sum()
    strength = np.bincount(upper.row, upper.data, len(community)) + np.bincount(upper.col, upper.data, len(community))
    per_community = np.bincount(community, strength)
    return float(inside / m - resolution * ((per_community / (2 * m)) ** 2).sum())


def rank_labels(labels: np.ndarray) -> np.ndarray:
    """Relabel so that 0 is the largest group, ties by first appearance."""
    labels = np.asarray(labels)
    if labels.size == 0:
        return labels.astype(np.int64)
    uniq, first, counts = np.unique(labels, return_index=True, return_counts=True)
    order = np.lexsort((first, -counts))
    new = np.empty(len(uniq), dtype=np.int64)
    new[order] = np.arange(len(uniq))
    return new[np.searchsorted(uniq, labels)]


__all__ = ["modularity", "rank_labels"]
