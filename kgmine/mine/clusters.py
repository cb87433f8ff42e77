"""Clustering products (text, attributes, behaviour) and users (behaviour), estimator style.

:func:`cluster_matrix` is the shared core: KMeans (Lloyd; ``n_init`` restarts, k-means++ seeding,
Arthur & Vassilvitskii 2007), MiniBatchKMeans (Sculley 2010), HDBSCAN (Campello, Moulavi & Sander
2013; ``sklearn.cluster.HDBSCAN``, no k, noise label -1) or Ward agglomerative clustering. When
``n_clusters`` is None, k is chosen over ``k_range`` by the silhouette coefficient (Rousseeuw 1987,
higher is better) or the Davies-Bouldin index (1979, lower is better), both computed on the
clustered feature matrix.

:class:`ProductClusterer` builds product features from three weighted blocks (see
:mod:`kgmine.mine.embed`): text (TF-IDF + SVD by default, MiniLM embeddings on request), attribute
one-hots (brand, colour, material, ...; the ``category`` levels are left out by default so that
clusters can be checked against them), and behaviour (the users who interacted with a product and
its product-product links, TF-IDF weighted and SVD-reduced). :class:`UserClusterer` clusters users
by the products they bought or rated. Both name each cluster by its top TF-IDF terms and
attribute values and return pandas DataFrames.
"""
from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.cluster import HDBSCAN, AgglomerativeClustering, KMeans, MiniBatchKMeans
from sklearn.metrics import adjusted_rand_score, davies_bouldin_score, silhouette_score

from kgmine.extract.values import is_unit_word
from kgmine.mine.catalog import CatalogView, as_catalog
from kgmine.mine.config import METHODS
from kgmine.mine.embed import (TextVectorizer, attribute_onehots, behaviour_embedding, incidence,
                               stack_blocks)

SELECTIONS = ("silhouette", "davies_bouldin")
MAX_AGGLOMERATIVE = 20_000


def _fit_labels(x: np.ndarray, method: str, k: int | None, random_state: int | None, n_init: int,
                min_cluster_size: int) -> np.ndarray:
    if method == "kmeans":
        return KMeans(k, n_init=n_init, random_state=random_state).fit_predict(x)
    if method == "minibatch":
        return MiniBatchKMeans(k, n_init=n_init, batch_size=2048, random_state=random_state).fit_predict(x)
    if method == "agglomerative":
        if len(x) > MAX_AGGLOMERATIVE:
            raise ValueError(f"agglomerative clustering of {len(x)} rows needs O(n^2) memory; "
                             f"use kmeans or minibatch above {MAX_AGGLOMERATIVE}")
        return AgglomerativeClustering(k, linkage="ward").fit_predict(x)
    if method == "hdbscan":
        return HDBSCAN(min_cluster_size=min_cluster_size, copy=True).fit_predict(x)
    raise ValueError(f"method must be one of {METHODS}, not {method!r}")


def score_labels(x: np.ndarray, labels: np.ndarray, sample_size: int = 4000,
                 random_state: int | None = 0) -> dict[str, float]:
    """Silhouette (on at most ``sample_size`` rows) and Davies-Bouldin of a labelling; noise (-1)
    rows are left out; NaN when fewer than two clusters remain."""
    keep = labels >= 0
    x, labels = x[keep], labels[keep]
    n_labels = len(np.unique(labels))
    if n_labels < 2 or n_labels >= len(labels):
        return {"silhouette": float("nan"), "davies_bouldin": float("nan")}
    sample = min(sample_size, len(labels))
    return {"silhouette": float(silhouette_score(x, labels, sample_size=sample, random_state=random_state)),
            "davies_bouldin": float(davies_bouldin_score(x, labels))}


def adjusted_rand(labels: pd.Series, truth: pd.Series) -> float:
    """Adjusted Rand index of cluster ``labels`` against ``truth`` (both indexed by member id), over the
    members both know; noise (cluster -1) is included, truth values are compared as strings."""
    common = labels.index.intersection(truth.index)
    return float(adjusted_rand_score(truth.loc[common].astype(str), labels.loc[common]))


def cluster_matrix(x: np.ndarray, method: str = "kmeans", n_clusters: int | None = None,
                   k_range: Sequence[int] = tuple(range(2, 31)), selection: str = "silhouette",
                   random_state: int | None = 0, n_init: int = 4, min_cluster_size: int = 10,
                   progress: bool = True) -> tuple[np.ndarray, pd.DataFrame]:
    """Cluster the rows of ``x``; returns (labels, selection table with k, silhouette, davies_bouldin,
    chosen). With ``n_clusters=None`` (and a method that takes k) every k of ``k_range`` below the
    number of rows is tried and the best by ``selection`` kept."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")
    if selection not in SELECTIONS:
        raise ValueError(f"selection must be one of {SELECTIONS}, not {selection!r}")
    if len(x) < 2:
        raise ValueError(f"need at least 2 rows to cluster, got {len(x)}")
    if method == "hdbscan":
        candidates: list[int | None] = [None]
    elif n_clusters is not None:
        if not 1 <= n_clusters <= len(x):
            raise ValueError(f"n_clusters must be in [1, {len(x)}], not {n_clusters}")
        candidates = [n_clusters]
    else:
        candidates = [k for k in k_range if 2 <= k < len(x)]
        if not candidates:
            raise ValueError(f"no k in k_range {list(k_range)} fits {len(x)} rows")
    from kgmine.progress import track

    rows, fits = [], []
    for k in track(candidates, f"{method} k", disable=not progress or len(candidates) == 1):
        labels = _fit_labels(x, method, k, random_state, n_init, min_cluster_size)
        scores = score_labels(x, labels, random_state=random_state)
        rows.append({"k": int(len(np.unique(labels[labels >= 0]))), **scores})
        fits.append(labels)
    table = pd.DataFrame(rows)
    if len(fits) == 1:
        best = 0
    else:
        metric = table[selection].fillna(-np.inf if selection == "silhouette" else np.inf)
        best = int(metric.idxmax() if selection == "silhouette" else metric.idxmin())
    table["chosen"] = False
    table.loc[best, "chosen"] = True
    return fits[best], table


def member_scores(x: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Cosine similarity of each row to its cluster's mean row (NaN for noise)."""
    out = np.full(len(labels), np.nan)
    norms = np.linalg.norm(x, axis=1) + 1e-12
    for c in np.unique(labels[labels >= 0]):
        rows = labels == c
        centre = x[rows].mean(axis=0)
        out[rows] = x[rows] @ centre / (norms[rows] * (np.linalg.norm(centre) + 1e-12))
    return out


def top_terms(tfidf: sp.spmatrix, terms: np.ndarray, labels: np.ndarray, n: int = 5) -> dict[int, list[str]]:
    """Per cluster, the ``n`` terms whose mean TF-IDF inside the cluster most exceeds the mean outside."""
    out: dict[int, list[str]] = {}
    if tfidf.shape[1] == 0:
        return out
    tfidf = sp.csr_matrix(tfidf)
    total = np.asarray(tfidf.sum(axis=0)).ravel()
    for c in np.unique(labels[labels >= 0]):
        rows = labels == c
        inside = np.asarray(tfidf[rows].sum(axis=0)).ravel()
        n_in, n_out = int(rows.sum()), max(int((~rows).sum()), 1)
        lift = inside / n_in - (total - inside) / n_out
        best = np.argsort(-lift, kind="stable")[:n]
        out[int(c)] = [str(terms[i]) for i in best if lift[i] > 0]
    return out


def top_attributes(ids: pd.Series, attributes: pd.DataFrame, labels: np.ndarray, n: int = 3,
                   min_share: float = 0.3) -> dict[int, list[tuple[str, float]]]:
    """Per cluster, up to ``n`` ``attribute=value`` facts held by at least ``min_share`` of its members
    and more common inside than outside, as (fact, share) by share descending."""
    out: dict[int, list[tuple[str, float]]] = {}
    if attributes.empty:
        return out
    member = pd.DataFrame({"id": ids.astype("string").to_numpy(), "cluster": labels})
    facts = attributes.dropna().assign(id=lambda f: f["id"].astype("string"))
    facts = facts.assign(fact=facts["attribute"].astype(str) + "=" + facts["value"].astype(str))
    facts = facts.drop_duplicates(["id", "fact"]).merge(member, on="id")
    sizes = member["cluster"].value_counts()
    overall = facts["fact"].value_counts() / len(member)
    counts = facts.groupby(["cluster", "fact"]).size().rename("n").reset_index()
    counts["share"] = counts["n"] / counts["cluster"].map(sizes)
    counts["lift"] = counts["share"] / counts["fact"].map(overall)
    good = counts[(counts["share"] >= min_share) & (counts["lift"] > 1) & (counts["cluster"] >= 0)]
    for c, group in good.sort_values(["share", "fact"], ascending=[False, True]).groupby("cluster", sort=False):
        out[int(c)] = [(f, float(s)) for f, s in zip(group["fact"].head(n), group["share"].head(n))]
    return out


def describe_clusters(labels: np.ndarray, terms: dict[int, list[str]],
                      attrs: dict[int, list[tuple[str, float]]]) -> pd.DataFrame:
    """One row per cluster: cluster, size, label, top_terms, top_attributes (noise excluded)."""
    rows = []
    for c, size in zip(*np.unique(labels[labels >= 0], return_counts=True)):
        c = int(c)
        facts = attrs.get(c, [])
        words = terms.get(c, [])
        named = [w for w in words if not is_unit_word(w)]  # "Kitchen / cm / ml" names no kind of product
        head = [f.split("=", 1)[1] for f, share in facts[:2] if share >= 0.6]
        label = " / ".join(head + [w for w in named if all(w.lower() not in h.lower() for h in head)][:3 - len(head)])
        rows.append({"cluster": c, "size": int(size), "label": label or f"cluster {c}",
                     "top_terms": ", ".join(words),
                     "top_attributes": ", ".join(f"{f} ({share:.0%})" for f, share in facts)})
    return pd.DataFrame(rows, columns=["cluster", "size", "label", "top_terms", "top_attributes"])


class _BaseClusterer:
    """Shared parameters and the fit tail (cluster, score, describe) of both clusterers."""

    scope = "entity"

    def __init__(self, method: str = "kmeans", n_clusters: int | None = None,
                 k_range: Sequence[int] = tuple(range(2, 31)), selection: str = "silhouette",
                 min_cluster_size: int = 10, n_init: int = 4, random_state: int | None = 0, progress: bool = True,
                 threads: int | None = 1):
        self.threads = threads
        self.method = method
        self.n_clusters = n_clusters
        self.k_range = k_range
        self.selection = selection
        self.min_cluster_size = min_cluster_size
        self.n_init = n_init
        self.random_state = random_state
        self.progress = progress

    def _cluster(self, ids: pd.Series, features: np.ndarray, tfidf: sp.spmatrix | None, terms: np.ndarray | None,
                 attributes: pd.DataFrame) -> None:
        self.features_ = features
        with self._limited():
            labels, self.selection_ = cluster_matrix(
                features, self.method, self.n_clusters, self.k_range, self.selection, self.random_state,
                self.n_init, self.min_cluster_size, self.progress)
        self.n_clusters_ = int(len(np.unique(labels[labels >= 0])))
        self.labels_ = pd.DataFrame({f"{self.scope}_id": ids.astype("string").to_numpy(), "cluster": labels,
                                     "score": member_scores(features, labels)})
        terms_by = top_terms(tfidf, terms, labels) if tfidf is not None and terms is not None else {}
        self.clusters_ = describe_clusters(labels, terms_by, top_attributes(ids, attributes, labels))

    def fit(self, source: Any) -> "_BaseClusterer":
        """Cluster the entities of ``source`` (a CatalogView, ShopData, KGTables, graph store,
        products DataFrame or products file)."""
        return self._fit(as_catalog(source))

    def _limited(self) -> Any:
        """Context limiting BLAS/OpenMP threads to ``threads`` (SVD, k-means, scores); the MiniLM
        encoder runs outside it with torch's own threads."""
        from threadpoolctl import threadpool_limits

        return nullcontext() if self.threads is None else threadpool_limits(limits=self.threads)

    @property
    def silhouette_(self) -> float:
        """Silhouette of the chosen clustering."""
        return float(self.selection_.loc[self.selection_["chosen"], "silhouette"].iloc[0])

    def fit_predict(self, source: Any) -> np.ndarray:
        """Fit, then return the cluster of each row (noise = -1)."""
        return self.fit(source).labels_["cluster"].to_numpy()

    def _fit(self, catalog: CatalogView) -> "_BaseClusterer":  # pragma: no cover - abstract
        raise NotImplementedError


class ProductClusterer(_BaseClusterer):
    """Cluster products on text, attribute and behaviour features.

    Args:
        method: one of :data:`METHODS` (default ``"kmeans"``).
        n_clusters: k, or None (default) to choose it over ``k_range`` by ``selection``.
        k_range: candidate k values (default 2..30).
        selection: ``"silhouette"`` (default) or ``"davies_bouldin"``.
        text: ``"tfidf"`` (default), ``"minilm"`` or None (no text block).
        text_fields: product fields joined into the text (default title and description).
        n_components: SVD dimensions of the text block (default 30: a low-rank LSA keeps the
            dominant topics, and the silhouette then peaks at the topic count instead of growing
            with k as it does in 100 dimensions).
        text_weight, attribute_weight, behaviour_weight: block weights (0 leaves a block out;
            behaviour is off by default: co-purchase links complementary products across
            categories, which is a different grouping from what products are).
        attributes: attribute names to one-hot (None = all that the catalog has).
        exclude_attributes: attribute names never used as features (default the category levels,
            so that clusters can be evaluated against them).
        min_cluster_size: HDBSCAN's minimum cluster size.
        n_init, random_state, progress: KMeans restarts, seed, progress bars.
        threads: BLAS/OpenMP threads for SVD, k-means and scores (default 1: on a shared or small
            machine extra threads of these small dense problems spin and cost up to 10x; None = no
            limit). The MiniLM encoder is not limited.

    Attributes (after :meth:`fit`): ``labels_`` (product_id, cluster, score = cosine to the cluster
    mean), ``clusters_`` (cluster, size, label, top_terms, top_attributes), ``selection_`` (k,
    silhouette, davies_bouldin, chosen), ``n_clusters_``, ``features_``, ``feature_blocks_``.
    """

    scope = "product"

    def __init__(self, method: str = "kmeans", n_clusters: int | None = None,
                 k_range: Sequence[int] = tuple(range(2, 31)), selection: str = "silhouette",
                 text: str | None = "tfidf", text_fields: tuple[str, ...] = ("title", "description"),
                 n_components: int = 30, text_weight: float = 1.0, attribute_weight: float = 0.5,
                 behaviour_weight: float = 0.0, attributes: Sequence[str] | None = None,
                 exclude_attributes: Sequence[str] = ("category", "subcategory"), min_cluster_size: int = 10,
                 n_init: int = 4, random_state: int | None = 0, progress: bool = True, threads: int | None = 1):
        super().__init__(method, n_clusters, k_range, selection, min_cluster_size, n_init, random_state, progress,
                         threads)
        self.text = text
        self.text_fields = text_fields
        self.n_components = n_components
        self.text_weight = text_weight
        self.attribute_weight = attribute_weight
        self.behaviour_weight = behaviour_weight
        self.attributes = attributes
        self.exclude_attributes = exclude_attributes

    def _fit(self, catalog: CatalogView) -> "ProductClusterer":
        ids = catalog.product_ids
        if len(ids) < 2:
            raise ValueError(f"{catalog.name}: need at least 2 products to cluster, got {len(ids)}")
        blocks: list[tuple[np.ndarray, float]] = []
        names: list[str] = []
        tfidf = terms = None
        text = self.text
        if text is not None and self.text_weight > 0:
            vectorizer = TextVectorizer(text, n_components=self.n_components, random_state=self.random_state)
            with self._limited() if text == "tfidf" else nullcontext():
                vectors = vectorizer.fit_transform(catalog.texts(tuple(self.text_fields)))
            blocks.append((vectors, self.text_weight))
            names.append(f"text:{text}")
            tfidf, terms = vectorizer.tfidf_, vectorizer.terms_
        facts = self._facts(catalog)
        if self.attribute_weight > 0 and len(facts):
            onehot, _ = attribute_onehots(ids, facts)
            blocks.append((onehot, self.attribute_weight))
            names.append("attributes")
        if self.behaviour_weight > 0:
            matrix = self._behaviour_matrix(catalog)
            if matrix.nnz:
                with self._limited():
                    embedded = behaviour_embedding(matrix, random_state=self.random_state)
                blocks.append((embedded, self.behaviour_weight))
                names.append("behaviour")
        self.feature_blocks_ = names
        self._cluster(ids, stack_blocks(blocks), tfidf, terms, catalog.attributes)
        return self

    def _facts(self, catalog: CatalogView) -> pd.DataFrame:
        facts = catalog.attributes
        if self.attributes is not None:
            facts = facts[facts["attribute"].isin(list(self.attributes))]
        return facts[~facts["attribute"].isin(list(self.exclude_attributes))]

    @staticmethod
    def _behaviour_matrix(catalog: CatalogView) -> sp.csr_matrix:
        ids = catalog.product_ids
        users = incidence(ids, catalog.interactions.dropna(subset=["user_id", "product_id"]), "product_id", "user_id")
        edges = catalog.item_edges.dropna(subset=["src", "dst"])
        both = pd.concat([edges[["src", "dst"]], edges.rename(columns={"src": "dst", "dst": "src"})[["src", "dst"]]])
        links = incidence(ids, both, "src", "dst")
        return sp.hstack([users, links]).tocsr()


class UserClusterer(_BaseClusterer):
    """Cluster users by behaviour: the products they bought or rated (TF-IDF weighted, SVD-reduced),
    plus the attribute values of those products (e.g. their categories and brands).

    Args are those of :class:`ProductClusterer` that apply (method, n_clusters, k_range, selection,
    min_cluster_size, n_init, random_state, progress), plus ``events`` (interaction events used,
    default bought and rated), ``n_components`` and ``attribute_weight``.

    Attributes (after :meth:`fit`): ``labels_`` (user_id, cluster, score), ``clusters_`` (labels from
    the attribute values the cluster's users buy most, relative to all users), ``selection_``,
    ``n_clusters_``, ``features_``.
    """

    scope = "user"

    def __init__(self, method: str = "kmeans", n_clusters: int | None = None,
                 k_range: Sequence[int] = tuple(range(2, 31)), selection: str = "silhouette",
                 events: Sequence[str] = ("bought", "rated"), n_components: int = 32, attribute_weight: float = 1.0,
                 min_cluster_size: int = 10, n_init: int = 4, random_state: int | None = 0, progress: bool = True,
                 threads: int | None = 1):
        super().__init__(method, n_clusters, k_range, selection, min_cluster_size, n_init, random_state, progress,
                         threads)
        self.events = events
        self.n_components = n_components
        self.attribute_weight = attribute_weight

    def _fit(self, catalog: CatalogView) -> "UserClusterer":
        inter = catalog.interactions.dropna(subset=["user_id", "product_id"])
        inter = inter[inter["event"].isin(list(self.events))]
        ids = pd.Series(pd.unique(inter["user_id"].astype("string")), dtype="string")
        if len(ids) < 2:
            raise ValueError(f"{catalog.name}: need interactions of at least 2 users to cluster, got {len(ids)}")
        with self._limited():
            blocks = [(behaviour_embedding(incidence(ids, inter, "user_id", "product_id"), self.n_components,
                                           self.random_state), 1.0)]
        # The attribute values of the products a user touched, as a bag (e.g. category=Tops x 3).
        facts = catalog.attributes.dropna().assign(id=lambda f: f["id"].astype("string"))
        bag = inter[["user_id", "product_id"]].astype("string").merge(facts, left_on="product_id", right_on="id")
        user_facts = pd.DataFrame({"id": bag["user_id"], "attribute": bag["attribute"], "value": bag["value"]})
        if self.attribute_weight > 0 and len(bag):
            fact = bag["attribute"].astype(str) + "=" + bag["value"].astype(str)
            matrix = incidence(ids, bag.assign(fact=fact), "user_id", "fact")
            with self._limited():
                embedded = behaviour_embedding(matrix, self.n_components, self.random_state)
            blocks.append((embedded, self.attribute_weight))
        self._cluster(ids, stack_blocks(blocks), None, None, user_facts)
        return self


def clusters_to_tables(clusterer: _BaseClusterer, run: str | None = None) -> Any:
    """Cluster nodes and IN_CLUSTER edges as a KGTables fragment (see :func:`kgmine.mine.writeback.cluster_tables`)."""
    from kgmine.mine.writeback import cluster_tables

    return cluster_tables(clusterer, run)


__all__ = ["METHODS", "SELECTIONS", "ProductClusterer", "clusters_to_tables", "UserClusterer", "cluster_matrix", "describe_clusters",
           "member_scores", "score_labels", "top_attributes", "top_terms"]
