"""Non-neural baselines scored by the same full-ranking protocol: Popularity and ItemKNN.

Both follow the scikit-learn estimator pattern (parameters in ``__init__``, ``fit(data)`` sets the
learned state with a trailing underscore) and expose ``score(users) -> (len(users), n_items)``
tensor scores, which is what :func:`kgmine.recommend.evaluate.evaluate` and the serving code use.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import torch

from kgmine.recommend.data import InteractionData


class Popularity:
    """Most-popular items: the score of an item is its number of training interactions.

    The non-personalised baseline of every top-K paper; ranks are the same for all users (up to
    the masking of each user's own training items).
    """

    def __init__(self, device: str | torch.device = "cpu"):
        self.device = device

    def fit(self, data: InteractionData) -> "Popularity":
        """Count training interactions per item."""
        self.item_counts_ = torch.from_numpy(np.asarray(data.csr("train").sum(0)).ravel().astype(np.float32))
        self.item_counts_ = self.item_counts_.to(self.device)
        self.n_items_ = data.n_items
        return self

    def score(self, users: torch.Tensor) -> torch.Tensor:
        """``(len(users), n_items)`` scores: the item counts, repeated per user."""
        return self.item_counts_.expand(len(users), -1).clone()


class ItemKNN:
    """Item-based k-nearest-neighbours CF (Sarwar et al., WWW 2001; Deshpande & Karypis, TOIS 2004).

    Item-item cosine similarity of the training columns, ``sim(i, j) = |U_i ∩ U_j| /
    (sqrt(|U_i| |U_j|) + shrink)``, keeping the ``k`` most similar neighbours of each item; the score
    of item ``j`` for user ``u`` is ``sum_{i in train(u)} sim(i, j)``.

    Args:
        k (int): neighbours kept per item (default ``100``).
        shrink (float): shrinkage added to the cosine denominator (default ``0``).
        device: where scores are computed.
    """

    def __init__(self, k: int = 100, shrink: float = 0.0, device: str | torch.device = "cpu"):
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        self.k, self.shrink, self.device = k, shrink, device

    def fit(self, data: InteractionData) -> "ItemKNN":
        """Compute the top-``k`` item-item cosine similarity matrix ``similarity_`` (scipy CSR)."""
        r = data.csr("train").astype(np.float32)
        self.train_ = r
        co = (r.T @ r).tocsr()
        co.setdiag(0)
        co.eliminate_zeros()
        norm = np.sqrt(np.asarray(r.sum(0)).ravel())
        co = co.tocoo()
        vals = co.data / (norm[co.row] * norm[co.col] + self.shrink + 1e-12)
        sim = sp.csr_matrix((vals.astype(np.float32), (co.row, co.col)), shape=co.shape)
        self.similarity_ = _top_k_per_row(sim, self.k)
        return self

    def score(self, users: torch.Tensor) -> torch.Tensor:
        """``(len(users), n_items)`` scores ``R[users] @ S``."""
        rows = self.train_[users.cpu().numpy()]
        return torch.from_numpy((rows @ self.similarity_).toarray()).to(self.device)

    def similar_items(self, item: int, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` nearest neighbours of item index ``item`` and their similarities."""
        row = self.similarity_[item]
        order = np.argsort(-row.data)[:k]
        return row.indices[order], row.data[order]


def _top_k_per_row(m: sp.csr_matrix, k: int) -> sp.csr_matrix:
    """Keep the ``k`` largest entries of every row of ``m``."""
    m = m.tocsr()
    counts = np.diff(m.indptr)
    if counts.max(initial=0) <= k:
        return m
    rows = np.repeat(np.arange(m.shape[0]), counts)
    order = np.lexsort((-m.data, rows))
    rank = np.arange(len(order)) - np.repeat(m.indptr[:-1], counts)
    keep = order[rank < k]
    return sp.csr_matrix((m.data[keep], (rows[keep], m.indices[keep])), shape=m.shape)
