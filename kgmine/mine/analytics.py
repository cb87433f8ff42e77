"""Graph analytics on the product graph: PageRank, degree, approximate betweenness, communities,
connected components.

The product graph is undirected and weighted: products are nodes; two products are linked when
they were bought in the same basket (weight = number of such baskets, from the co-occurrence matrix
``B^T B`` of the basket-by-product incidence ``B``) and/or by a product-product edge of the catalog
or the graph (ALSO_BOUGHT, ALSO_VIEWED, FREQUENTLY_BOUGHT_WITH, RELATED_TO; weight 1 each).

Measures (igraph's C implementations; networkx as the pure-Python reference backend):

* PageRank (Brin & Page 1998) with damping 0.85 on the weighted graph;
* ``degree`` = distinct neighbours, ``strength`` = summed edge weight;
* betweenness (Freeman 1977) over hop-count shortest paths, estimated from ``betweenness_k``
  sampled source nodes and scaled by ``n / k`` (Brandes & Pich 2007, the estimator networkx's
  ``betweenness_centrality(k=...)`` uses), exact when ``k >= n``; normalised by
  ``(n - 1)(n - 2) / 2`` as networkx does for undirected graphs;
* communities: Leiden (Traag, Waltman & van Eck 2019; ``leidenalg``, modularity with a resolution
  parameter, RB configuration model) or Louvain (Blondel et al. 2008);
* connected components (component 0 is the largest).

``backend="spark"`` runs the graph measures on Apache Spark's GraphX (:mod:`kgmine.spark.graphx`):
*unweighted* PageRank (GraphX's), connected components, and label-propagation communities in place of
Leiden / Louvain; betweenness is not computed there (NaN). The node table has the same columns, so it is
written back exactly like the in-process one (:func:`kgmine.mine.writeback.write_analytics`).
"""
from __future__ import annotations

import random
from collections.abc import Sequence
from contextlib import contextmanager
from typing import Any, Iterator

import numpy as np
import pandas as pd
import scipy.sparse as sp

from kgmine.mine.catalog import CatalogView, as_catalog
from kgmine.mine.partition import modularity, rank_labels

COMMUNITY_METHODS = ("leiden", "louvain")
BACKENDS = ("igraph", "networkx", "spark")


def product_graph(catalog: CatalogView, co_purchase: bool = True, relations: Sequence[str] | None = None,
                  basket_by: str = "basket") -> tuple[pd.Index, sp.csr_matrix]:
    """The weighted undirected product graph of ``catalog`` as (product ids, symmetric CSR adjacency).

    ``relations`` limits the item-edge relations used (None = all); ``basket_by`` groups purchases
    into baskets (see :func:`kgmine.mine.baskets.baskets_from_interactions`).
    """
    from kgmine.mine.baskets import baskets_from_interactions

    ids = pd.Index(catalog.product_ids.astype("string"))
    n = len(ids)
    adjacency = sp.csr_matrix((n, n), dtype=np.float64)
    if co_purchase and len(catalog.interactions):
        inter = catalog.interactions
        usable = inter.dropna(subset=["basket_id"]) if basket_by == "basket" else inter
        if len(usable):
            baskets = baskets_from_interactions(usable, group_by=basket_by)
            rows = np.repeat(np.arange(len(baskets)), [len(b) for b in baskets.transactions])
            cols = ids.get_indexer(pd.Index([str(i) for b in baskets.transactions for i in b]))
            keep = cols >= 0
            incidence = sp.csr_matrix((np.ones(int(keep.sum())), (rows[keep], cols[keep])),
                                      shape=(len(baskets), n))
            incidence.data[:] = 1.0
            co = (incidence.T @ incidence).tocsr()
            co.setdiag(0)
            adjacency = adjacency + co
    edges = catalog.item_edges.dropna(subset=["src", "dst"])
    if relations is not None:
        edges = edges[edges["relation"].isin(list(relations))]
    if len(edges):
        src = ids.get_indexer(edges["src"].astype("string"))
        dst = ids.get_indexer(edges["dst"].astype("string"))
        keep = (src >= 0) & (dst >= 0) & (src != dst)
        links = sp.csr_matrix((np.ones(int(keep.sum())), (src[keep], dst[keep])), shape=(n, n))
        adjacency = adjacency + links + links.T
    adjacency = sp.csr_matrix(adjacency)
    adjacency.eliminate_zeros()
    return ids, adjacency


@contextmanager
def _seeded(seed: int | None) -> Iterator[None]:
    # igraph draws from Python's ``random``; seed it for the block and restore the caller's state.
    state = random.getstate()
    if seed is not None:
        random.seed(seed)
    try:
        yield
    finally:
        random.setstate(state)


class GraphAnalytics:
    """PageRank, degree, approximate betweenness, communities and components of the product graph.

    Args:
        co_purchase: link products bought in the same basket (default True).
        relations: product-product relations to include (None = all in the catalog/graph).
        basket_by: how purchases form baskets for co-purchase: ``"basket"`` (order id), ``"user"``
            or ``"window"``.
        damping: PageRank damping factor (0.85).
        betweenness_k: sampled source nodes for betweenness (exact when >= number of nodes; 0 skips).
        community: ``"leiden"`` (default) or ``"louvain"``.
        resolution: modularity resolution (1.0; higher gives more, smaller communities).
        min_community_size: communities smaller than this are not written back as nodes (default 2).
        backend: ``"igraph"`` (default, C), ``"networkx"`` (pure Python reference) or ``"spark"`` (GraphX,
            see the module docstring; ``community`` is then label propagation).
        random_state: seed for sampling and community detection.

    Attributes (after :meth:`fit`): ``nodes_`` (product_id, degree, strength, pagerank, betweenness,
    component, community), ``communities_`` (community, size, internal_weight), ``summary_`` (dict:
    nodes, edges, components, largest_component, communities, modularity).
    """

    def __init__(self, co_purchase: bool = True, relations: Sequence[str] | None = None, basket_by: str = "basket",
                 damping: float = 0.85, betweenness_k: int = 256, community: str = "leiden", resolution: float = 1.0,
                 min_community_size: int = 2, backend: str = "igraph", random_state: int | None = 0):
        self.co_purchase = co_purchase
        self.relations = relations
        self.basket_by = basket_by
        self.damping = damping
        self.betweenness_k = betweenness_k
        self.community = community
        self.resolution = resolution
        self.min_community_size = min_community_size
        self.backend = backend
        self.random_state = random_state

    def fit(self, source: Any) -> "GraphAnalytics":
        """Analyse the product graph of ``source`` (CatalogView, ShopData, KGTables or graph store), or
        of a given ``(ids, adjacency)`` pair."""
        if self.community not in COMMUNITY_METHODS:
            raise ValueError(f"community must be one of {COMMUNITY_METHODS}, not {self.community!r}")
        if self.backend not in BACKENDS:
            raise ValueError(f"backend must be one of {BACKENDS}, not {self.backend!r}")
        if self.backend == "networkx" and self.community == "leiden":
            raise ValueError("the networkx backend has no Leiden implementation; "
                             "use community='louvain' or backend='igraph'")
        if not 0 < self.damping < 1:
            raise ValueError(f"damping must be in (0, 1), not {self.damping}")
        if isinstance(source, tuple):
            ids, adjacency = pd.Index(source[0]), sp.csr_matrix(source[1])
        else:
            ids, adjacency = product_graph(as_catalog(source), self.co_purchase, self.relations, self.basket_by)
        self.ids_, self.adjacency_ = ids, adjacency
        upper = sp.triu(adjacency, k=1).tocoo()
        measures = {"igraph": self._igraph, "networkx": self._networkx, "spark": self._spark}[self.backend](
            len(ids), upper)
        degree = np.diff(adjacency.indptr)
        strength = np.asarray(adjacency.sum(axis=1)).ravel()
        component = rank_labels(measures["component"])
        community = rank_labels(measures["community"])
        self.nodes_ = pd.DataFrame({"product_id": ids.astype("string"), "degree": degree.astype(np.int64),
                                    "strength": strength, "pagerank": measures["pagerank"],
                                    "betweenness": measures["betweenness"], "component": component,
                                    "community": community})
        inside = _internal_weight(upper, community)
        sizes = np.bincount(community)
        self.communities_ = pd.DataFrame({"community": np.arange(len(sizes)), "size": sizes,
                                          "internal_weight": inside})
        comp_sizes = np.bincount(component)
        self.summary_ = {"nodes": int(len(ids)), "edges": int(upper.nnz), "components": int(len(comp_sizes)),
                         "largest_component": int(comp_sizes.max()) if len(comp_sizes) else 0,
                         "communities": int((sizes >= self.min_community_size).sum()),
                         "modularity": float(measures["modularity"])}
        return self

    def _betweenness_sources(self, n: int) -> list[int] | None:
        if self.betweenness_k >= n:
            return None
        rng = np.random.default_rng(self.random_state)
        return sorted(rng.choice(n, size=self.betweenness_k, replace=False).tolist())

    def _igraph(self, n: int, upper: sp.coo_matrix) -> dict[str, Any]:
        import igraph as ig

        graph = ig.Graph(n=n, edges=list(zip(upper.row.tolist(), upper.col.tolist())), directed=False)
        weights = upper.data.tolist()
        out: dict[str, Any] = {"pagerank": np.asarray(graph.pagerank(damping=self.damping, weights=weights or None))}
        if n and not weights:  # no edges: uniform PageRank
            out["pagerank"] = np.full(n, 1.0 / n)
        if self.betweenness_k > 0 and n > 2:
            sources = self._betweenness_sources(n)
            raw = np.asarray(graph.betweenness(directed=False, sources=sources) if sources is not None
                             else graph.betweenness(directed=False))
            if sources is not None:  # the sampled sources' share of the exact sum, scaled to all n
                raw = raw * n / len(sources)
            out["betweenness"] = raw / ((n - 1) * (n - 2) / 2)
        else:
            out["betweenness"] = np.full(n, np.nan)
        out["component"] = np.asarray(graph.connected_components().membership)
        with _seeded(self.random_state):
            if self.community == "leiden":
                import leidenalg

                partition = leidenalg.find_partition(
                    graph, leidenalg.RBConfigurationVertexPartition, weights=weights or None,
                    resolution_parameter=self.resolution, n_iterations=-1, seed=self.random_state)
                membership = np.asarray(partition.membership)
            else:
                membership = np.asarray(graph.community_multilevel(weights=weights or None,
                                                                   resolution=self.resolution).membership)
        out["community"] = membership
        out["modularity"] = graph.modularity(membership.tolist(), weights=weights or None,
                                             resolution=self.resolution) if weights else 0.0
        return out

    def _spark(self, n: int, upper: sp.coo_matrix) -> dict[str, Any]:
        from kgmine.spark.graphx import graphx_analytics

        frame = graphx_analytics(upper.row, upper.col, n, damping=self.damping, communities=True)
        pagerank = frame["pagerank"].to_numpy()
        if n:  # GraphX never sees isolated products: give them the teleport-only share, then sum to 1
            pagerank = np.where(np.isnan(pagerank), (1 - self.damping) / n, pagerank)
            pagerank = pagerank / pagerank.sum()
        community = frame["community"].to_numpy()
        return {"pagerank": pagerank, "betweenness": np.full(n, np.nan), "component": frame["component"].to_numpy(),
                "community": community, "modularity": modularity(upper, community, self.resolution)}

    def _networkx(self, n: int, upper: sp.coo_matrix) -> dict[str, Any]:
        import networkx as nx

        graph = nx.Graph()
        graph.add_nodes_from(range(n))
        graph.add_weighted_edges_from(zip(upper.row.tolist(), upper.col.tolist(), upper.data.tolist()))
        pagerank = nx.pagerank(graph, alpha=self.damping, weight="weight", tol=1e-10)
        out: dict[str, Any] = {"pagerank": np.array([pagerank[i] for i in range(n)])}
        if self.betweenness_k > 0 and n > 2:
            k = None if self.betweenness_k >= n else self.betweenness_k
            bc = nx.betweenness_centrality(graph, k=k, seed=self.random_state, normalized=True)
            out["betweenness"] = np.array([bc[i] for i in range(n)])
        else:
            out["betweenness"] = np.full(n, np.nan)
        component = np.empty(n, dtype=np.int64)
        for c, nodes in enumerate(nx.connected_components(graph)):
            component[list(nodes)] = c
        out["component"] = component
        parts = nx.community.louvain_communities(graph, weight="weight", resolution=self.resolution,
                                                 seed=self.random_state)
        community = np.empty(n, dtype=np.int64)
        for c, nodes in enumerate(parts):
            community[list(nodes)] = c
        out["community"] = community
        out["modularity"] = (nx.community.modularity(graph, parts, weight="weight", resolution=self.resolution)
                             if graph.number_of_edges() else 0.0)
        return out


def analyse_store(store: Any, **params: Any) -> dict[str, Any]:
    """Fit :class:`GraphAnalytics` (``params``) on a store's product graph, write the Product measures
    and Community nodes back, and return the summary (nodes, edges, components, communities, modularity)."""
    from kgmine.mine.writeback import write_analytics

    model = GraphAnalytics(**params).fit(store)
    write_analytics(store, model)
    return {f"graph_{k}": v for k, v in model.summary_.items()}


def _internal_weight(upper: sp.coo_matrix, community: np.ndarray) -> np.ndarray:
    same = community[upper.row] == community[upper.col]
    return np.bincount(community[upper.row[same]], weights=upper.data[same],
                       minlength=int(community.max()) + 1 if len(community) else 0)


__all__ = ["BACKENDS", "COMMUNITY_METHODS", "GraphAnalytics", "analyse_store", "product_graph"]
