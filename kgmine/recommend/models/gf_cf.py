"""GF-CF: graph-filter collaborative filtering, training-free (Shen et al., CIKM 2021).

"How Powerful is Graph Convolution for Recommendation?", official code yshenaw/GF_CF. With the
train matrix R (users x items), D_u / D_i its row / column sums and

    R~ = D_u^-1/2 R D_i^-1/2,   P = R~^T R~                         (normalised item-item operator)

the score of a user with train row r is (paper eq. 9, official ``GF_CF.getUsersRating``)

    s = r P + alpha * r D_i^-1/2 V_k^T V_k D_i^1/2                  (linear filter + ideal low-pass)

where V_k holds the top-k right singular vectors of R~ (k = 256, alpha = 0.3 on Gowalla). P is never
formed: a batch of rows Y is multiplied as ``Y P = ((R~ Y^T)^T R~)`` with torch sparse CSR products
(multi-threaded), so memory is O(nnz + batch x items). :func:`normalize`, :func:`ideal_lowpass` and
:func:`linear_filter` are shared with :mod:`kgmine.recommend.models.bspm`.

**KG-aware operator** (kgmine's extension, ``kg_weight > 0``): every knowledge-graph entity linked to at
least two items (a brand, a category, an extracted attribute value, an item reached by ALSO_BOUGHT ...)
becomes a pseudo-user whose row holds ``kg_weight`` on the items linked to it (:func:`kg_incidence`).
R~, P and the SVD are computed over the stacked matrix [R; kg_weight * E], so P also links items that
share entities, while the rows r that are filtered stay the users' own. ``kg_weight = 0`` is the plain
filter.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
import torch
from scipy.sparse.linalg import svds


def _inv_sqrt(x: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        out = np.power(x.astype(np.float64), -0.5)
    out[~np.isfinite(out)] = 0.0
    return out


def normalize(train: sp.spmatrix) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """``(R~, d_i^-1/2, d_i^1/2)`` of a binary-or-weighted users x items matrix (zero degrees -> 0)."""
    r = sp.csr_matrix(train, dtype=np.float64)
    du = _inv_sqrt(np.asarray(r.sum(axis=1)).ravel())
    di = _inv_sqrt(np.asarray(r.sum(axis=0)).ravel())
    di_sqrt = np.zeros_like(di)
    di_sqrt[di > 0] = 1.0 / di[di > 0]
    return sp.csr_matrix(sp.diags(du) @ r @ sp.diags(di)), di, di_sqrt


def top_right_singular(norm: sp.csr_matrix, k: int, seed: int = 0) -> np.ndarray:
    """The ``k x items`` top-k right singular vectors of ``norm`` (scipy ARPACK, deterministic start)."""
    k = min(k, min(norm.shape) - 1)
    if k < 1:  # a store too small for an SVD: the ideal low-pass term is zero
        return np.zeros((0, norm.shape[1]))
    v0 = np.random.default_rng(seed).random(min(norm.shape))
    _, _, vt = svds(norm, k=k, v0=v0)
    return np.ascontiguousarray(vt)


def kg_incidence(kg, n_items: int) -> sp.csr_matrix:
    """``entities x items`` 0/1 matrix of a :class:`~kgmine.recommend.data.KGTriples`: row e marks the head
    items of the triples whose tail is e, and e itself when e is an item; rows with fewer than two items
    (which link nothing) are dropped."""
    heads = np.asarray(kg.heads, dtype=np.int64)
    tails = np.asarray(kg.tails, dtype=np.int64)
    own = np.unique(tails[tails < n_items])
    rows = np.concatenate([tails, own])
    cols = np.concatenate([heads, own])
    m = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(kg.n_entities, n_items))
    m.data[:] = 1.0  # duplicate triples count once
    m = m[np.flatnonzero(m.getnnz(axis=1) >= 2)]
    m.sort_indices()
    return m


def _to_torch_csr(m: sp.csr_matrix, dtype: torch.dtype) -> torch.Tensor:
    m = sp.csr_matrix(m)
    with warnings.catch_warnings():  # "Sparse CSR tensor support is in beta state": the products used here are stable
        warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta state")
        return _csr(m, dtype)


def _csr(m: sp.csr_matrix, dtype: torch.dtype) -> torch.Tensor:
    return torch.sparse_csr_tensor(torch.from_numpy(m.indptr.astype(np.int64)),
                                   torch.from_numpy(m.indices.astype(np.int64)),
                                   torch.from_numpy(m.data).to(dtype), size=m.shape,
                                   check_invariants=False)


@dataclass
class FilterOperators:
    """Everything a graph filter needs at scoring time, computed once by :meth:`build`."""

    train: torch.Tensor          # R (sparse CSR, users x items)
    norm: torch.Tensor           # R~ (sparse CSR, users x items)
    norm_t: torch.Tensor         # R~^T (sparse CSR, items x users)
    di: torch.Tensor             # D_i^-1/2 (items,)
    di_sqrt: torch.Tensor        # D_i^1/2 (items,)
    vt: torch.Tensor | None = field(default=None)   # V_k (k x items), dense

    @classmethod
    def build(cls, train: sp.spmatrix, k: int | None, dtype: torch.dtype = torch.float32,
              seed: int = 0, side: sp.spmatrix | None = None, vt: torch.Tensor | None = None) -> "FilterOperators":
        """The operators of ``train``; ``side`` (pseudo-user rows x items, e.g. the weighted
        :func:`kg_incidence`) joins the rows that R~, P and the SVD are computed over. ``vt`` reuses SVD
        factors computed before (a saved model) instead of computing them."""
        stacked = train if side is None or side.shape[0] == 0 else sp.vstack([sp.csr_matrix(train), side]).tocsr()
        norm, di, di_sqrt = normalize(stacked)
        if vt is not None:
            if vt.shape[1] != norm.shape[1]:
                raise ValueError(f"saved SVD factors cover {vt.shape[1]} items, the data has {norm.shape[1]}")
            vt = vt.to(dtype)
        elif k:
            vt = torch.from_numpy(top_right_singular(norm, k, seed)).to(dtype)
        return cls(_to_torch_csr(sp.csr_matrix(train, dtype=np.float64), dtype), _to_torch_csr(norm, dtype),
                   _to_torch_csr(norm.T.tocsr(), dtype), torch.from_numpy(di).to(dtype),
                   torch.from_numpy(di_sqrt).to(dtype), vt)

    def rows(self, users: torch.Tensor) -> torch.Tensor:
        """Dense train rows r of ``users`` (batch x items)."""
        crow, col, val = self.train.crow_indices(), self.train.col_indices(), self.train.values()
        m = sp.csr_matrix((val.numpy(), col.numpy(), crow.numpy()), shape=tuple(self.train.shape))
        return torch.from_numpy(m[users.cpu().numpy()].toarray())


def train_matrix(train) -> sp.spmatrix:
    """The users x items train matrix of an InteractionData (``csr("train")``) or a sparse matrix as is."""
    return train.csr("train") if hasattr(train, "csr") else train


def linear_filter(ops: FilterOperators, y: torch.Tensor) -> torch.Tensor:
    """``y P = y R~^T R~`` for dense rows ``y`` (batch x items), without forming P."""
    a = torch.sparse.mm(ops.norm, y.t().contiguous())        # users x batch
    return torch.sparse.mm(ops.norm_t, a).t()                 # batch x items


def ideal_lowpass(ops: FilterOperators, y: torch.Tensor) -> torch.Tensor:
    """``y D_i^-1/2 V_k^T V_k D_i^1/2`` (the ideal low-pass filter)."""
    if ops.vt is None:
        raise ValueError("the ideal low-pass filter needs the SVD factors (k > 0)")
    return ((y * ops.di) @ ops.vt.t()) @ ops.vt * ops.di_sqrt


class GraphFilter:
    """Shared fit/score of the graph filters: ``fit(data)`` builds :class:`FilterOperators` once (the SVD
    only when ``ideal_weight()`` is non-zero); ``score(users)`` applies :meth:`propagate` to their train rows."""

    k: int
    dtype: torch.dtype
    seed: int
    kg_weight: float = 0.0
    ops_: FilterOperators | None = None

    def ideal_weight(self) -> float:
        raise NotImplementedError

    def propagate(self, r: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def blur(self, r: torch.Tensor) -> torch.Tensor:
        """``r P + w * ideal(r)``: the linear filter plus the weighted ideal low-pass filter."""
        out = linear_filter(self.ops_, r)
        w = self.ideal_weight()
        return out + w * ideal_lowpass(self.ops_, r) if w else out

    def fit(self, train, factors: torch.Tensor | None = None) -> "GraphFilter":
        """Compute R~ and the SVD factors of ``train`` (an InteractionData's train split or a sparse matrix);
        with ``kg_weight > 0`` over the users' rows and the weighted KG rows of an InteractionData's ``kg``.
        ``factors`` (``ops_.vt`` of an earlier fit on the same data, as a saved model keeps them) skips the SVD."""
        matrix = train_matrix(train)
        side = None
        kg = getattr(train, "kg", None)
        if self.kg_weight > 0 and kg is not None and len(kg):
            side = self.kg_weight * kg_incidence(kg, matrix.shape[1])
        self.ops_ = FilterOperators.build(matrix, self.k if self.ideal_weight() else None, self.dtype, self.seed,
                                          side=side, vt=factors if self.ideal_weight() else None)
        return self

    def score(self, users: torch.Tensor) -> torch.Tensor:
        """``(len(users), n_items)`` scores of user indices ``users``."""
        if self.ops_ is None:
            raise RuntimeError("call fit() before scoring")
        return self.propagate(self.ops_.rows(torch.as_tensor(users, dtype=torch.long)))

    def __call__(self, users: torch.Tensor) -> torch.Tensor:
        return self.score(users)


class GFCF(GraphFilter):
    """GF-CF scorer (module docstring): ``s = r P + alpha * ideal(r)``."""

    def __init__(self, k: int = 256, alpha: float = 0.3, dtype: torch.dtype = torch.float32, seed: int = 0,
                 kg_weight: float = 0.0):
        self.k, self.alpha, self.dtype, self.seed, self.kg_weight = k, alpha, dtype, seed, kg_weight
        self.ops_ = None

    def ideal_weight(self) -> float:
        return self.alpha

    def propagate(self, r: torch.Tensor) -> torch.Tensor:
        return self.blur(r)
