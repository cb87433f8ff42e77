"""Graph analytics: igraph against networkx, the betweenness estimator, the product graph."""
from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from kgmine.mine.analytics import GraphAnalytics, product_graph
from kgmine.mine.catalog import CatalogView


def _two_communities() -> tuple[pd.Index, sp.csr_matrix, nx.Graph]:
    graph = nx.planted_partition_graph(2, 15, 0.6, 0.02, seed=3)
    graph.add_node(30)  # an isolated product: its own component
    ids = pd.Index([f"p{i}" for i in range(31)])
    adjacency = nx.to_scipy_sparse_array(graph, nodelist=range(31), format="csr")
    return ids, sp.csr_matrix(adjacency, dtype=float), graph


def test_igraph_matches_networkx_exactly():
    ids, adjacency, graph = _two_communities()
    fast = GraphAnalytics(betweenness_k=1000, community="louvain").fit((ids, adjacency))
    slow = GraphAnalytics(betweenness_k=1000, community="louvain", backend="networkx").fit((ids, adjacency))
    np.testing.assert_allclose(fast.nodes_["pagerank"], slow.nodes_["pagerank"], atol=1e-8)
    np.testing.assert_allclose(fast.nodes_["betweenness"], slow.nodes_["betweenness"], atol=1e-12)
    reference = nx.betweenness_centrality(graph)
    np.testing.assert_allclose(fast.nodes_["betweenness"], [reference[i] for i in range(31)], atol=1e-12)
    assert (fast.nodes_["component"] == slow.nodes_["component"]).all()
    assert fast.summary_["components"] == 2 and fast.nodes_.loc[30, "component"] == 1
    assert fast.nodes_["degree"].tolist() == [graph.degree(i) for i in range(31)]


def test_sampled_betweenness_estimates_exact():
    graph = nx.barabasi_albert_graph(400, 3, seed=1)
    ids = pd.Index([str(i) for i in range(400)])
    adjacency = sp.csr_matrix(nx.to_scipy_sparse_array(graph, nodelist=range(400)), dtype=float)
    exact = GraphAnalytics(betweenness_k=10_000).fit((ids, adjacency)).nodes_["betweenness"].to_numpy()
    approx = GraphAnalytics(betweenness_k=200).fit((ids, adjacency)).nodes_["betweenness"].to_numpy()
    assert np.corrcoef(exact, approx)[0, 1] > 0.95
    assert approx.sum() == pytest.approx(exact.sum(), rel=0.15)  # unbiased scale, not a rank only


def test_communities_recover_planted_partition():
    ids, adjacency, _ = _two_communities()
    model = GraphAnalytics(community="leiden").fit((ids, adjacency))
    first, second = model.nodes_["community"][:15], model.nodes_["community"][15:30]
    assert first.nunique() == 1 and second.nunique() == 1 and first.iloc[0] != second.iloc[0]
    assert model.summary_["modularity"] > 0.3
    assert model.communities_["size"].tolist()[:2] == [15, 15]
    with pytest.raises(ValueError, match="Leiden"):
        GraphAnalytics(backend="networkx").fit((ids, adjacency))


def test_product_graph_from_baskets_and_links():
    catalog = CatalogView(
        products=pd.DataFrame({"product_id": ["a", "b", "c", "d"]}),
        interactions=pd.DataFrame({"user_id": ["u", "u", "v", "v", "v"], "product_id": ["a", "b", "a", "b", "c"],
                                   "event": "bought", "basket_id": ["o1", "o1", "o2", "o2", "o2"]}),
        item_edges=pd.DataFrame({"src": ["c"], "dst": ["d"], "relation": ["also_bought"]}))
    ids, adjacency = product_graph(catalog)
    dense = pd.DataFrame(adjacency.toarray(), index=ids, columns=ids)
    assert dense.loc["a", "b"] == 2 and dense.loc["a", "c"] == 1 and dense.loc["c", "d"] == 1
    assert (dense.to_numpy() == dense.to_numpy().T).all() and np.trace(dense.to_numpy()) == 0
    only_links = product_graph(catalog, co_purchase=False)[1]
    assert only_links.nnz == 2


def test_small_world_analytics(small_world):
    model = GraphAnalytics().fit(small_world)
    nodes = model.nodes_
    assert len(nodes) == len(small_world.products)
    assert nodes["pagerank"].sum() == pytest.approx(1.0)
    assert model.summary_["communities"] >= 2
    # Strongly co-purchased products sit in the same community more often than chance.
    adjacency = model.adjacency_.tocoo()
    same = (nodes["community"].to_numpy()[adjacency.row] == nodes["community"].to_numpy()[adjacency.col])
    chance = ((nodes["community"].value_counts(normalize=True)) ** 2).sum()
    assert same.mean() > chance


def test_modularity_formula_equals_igraph():
    import igraph as ig
    import scipy.sparse as sp

    from kgmine.mine.partition import modularity

    rng = np.random.default_rng(4)
    dense = np.triu(rng.integers(0, 3, (30, 30)) * (rng.random((30, 30)) < 0.2), k=1).astype(float)
    upper = sp.coo_matrix(dense)
    membership = rng.integers(0, 4, 30)
    graph = ig.Graph(n=30, edges=list(zip(upper.row.tolist(), upper.col.tolist())))
    for resolution in (1.0, 0.5):
        want = graph.modularity(membership.tolist(), weights=upper.data.tolist(), resolution=resolution)
        assert modularity(upper, membership, resolution) == pytest.approx(want, abs=1e-12)
    assert modularity(sp.coo_matrix((30, 30)), membership) == 0.0
