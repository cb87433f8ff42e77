"""Exports to networkx and PyG HeteroData, from KGTables and from a loaded LadybugStore."""
from __future__ import annotations

import pandas as pd
import pytest
import torch

from kgmine.graph.export import read_tables, to_hetero_data, to_networkx
from kgmine.graph.stores.ladybug_store import LadybugStore
from kgmine.graph.tables import KGTables


@pytest.fixture(scope="module")
def tables() -> KGTables:
    t = KGTables()
    t.add_nodes("User", pd.DataFrame({"id": ["u1", "u2", "u3"]}))
    t.add_nodes("Product", pd.DataFrame({"id": ["p1", "p2"], "title": ["Mug", "Tea"], "price": [9.5, None],
                                         "component": [0, 1]}))
    t.add_nodes("Brand", pd.DataFrame({"id": ["b1"], "name": ["Acme"]}))
    t.add_edges("RATED", "User", "Product", pd.DataFrame({"src": ["u1", "u2", "u3", "u3"], "dst": ["p1", "p1", "p2", "p1"],
                                                          "rating": [5.0, 3.0, 4.0, 1.0], "timestamp": [1, 2, 3, 4]}))
    t.add_edges("HAS_BRAND", "Product", "Brand", pd.DataFrame({"src": ["p1"], "dst": ["b1"], "confidence": [0.75]}))
    t.add_edges("ALSO_BOUGHT", "Product", "Product", pd.DataFrame({"src": ["p1"], "dst": ["p2"]}))
    return t


@pytest.fixture(scope="module")
def store(tables, tmp_path_factory):
    s = LadybugStore(tmp_path_factory.mktemp("export") / "store")
    s.load(tables, progress=False)
    yield s
    s.close()


def _edge_set(graph, type_):
    return {(u[1], v[1]) for u, v, k in graph.edges(keys=True) if k == type_}


def test_networkx_from_tables_has_nodes_edges_and_attributes(tables):
    g = to_networkx(tables)
    assert g.number_of_nodes() == 6 and g.number_of_edges() == 6
    assert g.nodes["Product", "p1"] == {"label": "Product", "id": "p1", "title": "Mug", "price": 9.5, "component": 0}
    assert "price" not in g.nodes["Product", "p2"]  # nulls are left out
    assert g.edges[("User", "u3"), ("Product", "p2"), "RATED"] == {"type": "RATED", "rating": 4.0, "timestamp": 3}
    assert _edge_set(g, "RATED") == {("u1", "p1"), ("u2", "p1"), ("u3", "p2"), ("u3", "p1")}


def test_networkx_filters_labels_and_types(tables):
    g = to_networkx(tables, node_labels=["Product", "Brand"])
    assert {n[0] for n in g.nodes} == {"Product", "Brand"}
    assert {k for _, _, k in g.edges(keys=True)} == {"HAS_BRAND", "ALSO_BOUGHT"}
    g = to_networkx(tables, rel_types=["RATED"])
    assert {k for _, _, k in g.edges(keys=True)} == {"RATED"} and g.number_of_nodes() == 6
    with pytest.raises(ValueError, match="invalid label"):
        to_networkx(tables, node_labels=["Product) DELETE (x"])


def test_networkx_from_store_equals_from_tables(tables, store):
    a, b = to_networkx(tables), to_networkx(store)
    assert dict(a.nodes(data=True)) == dict(b.nodes(data=True))
    assert sorted(a.edges(keys=True, data=True)) == sorted(b.edges(keys=True, data=True))


def test_hetero_data_edge_index_maps_back_to_ids(tables):
    data, id_maps = to_hetero_data(tables)
    assert data["User"].num_nodes == 3 and data["Product"].num_nodes == 2
    ei = data["User", "RATED", "Product"].edge_index
    assert ei.dtype == torch.long and ei.shape == (2, 4)
    pairs = {(id_maps["User"][s], id_maps["Product"][d]) for s, d in ei.t().tolist()}
    assert pairs == {("u1", "p1"), ("u2", "p1"), ("u3", "p2"), ("u3", "p1")}
    # numeric properties travel with the edges, in the same order
    ratings = dict(zip([(id_maps["User"][s], id_maps["Product"][d]) for s, d in ei.t().tolist()],
                       data["User", "RATED", "Product"].rating.tolist()))
    assert ratings[("u3", "p1")] == 1.0 and ratings[("u1", "p1")] == 5.0
    assert data["User", "RATED", "Product"].timestamp.dtype == torch.long
    price = data["Product"].price
    assert price.dtype == torch.float32 and torch.isnan(price[id_maps["Product"].get_loc("p2")])
    assert data["Product"].component.dtype == torch.long


def test_hetero_data_from_store_matches_tables(tables, store):
    d1, m1 = to_hetero_data(tables)
    d2, m2 = to_hetero_data(store)
    assert set(d1.edge_types) == set(d2.edge_types)
    def as_ids(data, maps, et):
        return [(maps[et[0]][s], maps[et[2]][d]) for s, d in data[et].edge_index.t().tolist()]

    for et in d1.edge_types:
        assert as_ids(d1, m1, et) == as_ids(d2, m2, et)  # same pairs in the same (canonical) order
    for label in m1:
        assert sorted(m1[label]) == sorted(m2[label])


def test_hetero_data_restricted_to_interactions(store):
    data, _ = to_hetero_data(store, node_labels=["User", "Product"], rel_types=["RATED"], properties=False)
    assert data.edge_types == [("User", "RATED", "Product")]
    assert set(data.node_types) == {"User", "Product"} and "rating" not in data["User", "RATED", "Product"]


def test_read_tables_round_trip(tables, store):
    back = read_tables(store)
    assert back.counts() == tables.counts()
    pd.testing.assert_frame_equal(back.nodes["Product"].sort_values("id").reset_index(drop=True),
                                  tables.nodes["Product"].sort_values("id").reset_index(drop=True),
                                  check_dtype=False)


def test_dangling_edge_is_an_error():
    t = KGTables()
    t.add_nodes("User", pd.DataFrame({"id": ["u1"]}))
    t.add_nodes("Product", pd.DataFrame({"id": ["p1"]}))
    t.edges[("BOUGHT", "User", "Product")] = next(iter(_bought(["u1", "u9"], ["p1", "p1"]).edges.values()))
    with pytest.raises(ValueError, match="unknown User id 'u9'"):
        to_hetero_data(t)


def _bought(src, dst) -> KGTables:
    t = KGTables()
    t.add_edges("BOUGHT", "User", "Product", pd.DataFrame({"src": src, "dst": dst}))
    return t


def test_small_world_store_exports(small_world, tmp_path):
    from kgmine.graph.build import build_tables

    built = build_tables(small_world)
    with LadybugStore(tmp_path / "world") as s:
        s.load(built, progress=False)
        data, id_maps = to_hetero_data(s, node_labels=["User", "Product"], rel_types=["BOUGHT"])
    assert data["User", "BOUGHT", "Product"].edge_index.shape[1] == len(built.edges["BOUGHT", "User", "Product"].frame)
    assert data["Product"].num_nodes == len(built.nodes["Product"]) == len(id_maps["Product"])
