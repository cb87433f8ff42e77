"""The GraphStore contract: every store method, the same assertions on LadybugDB and on a real Neo4j server.

Each test runs once per backend (``[ladybug]`` and ``[neo4j]``; the Neo4j runs carry the ``neo4j`` marker
and use the server fixture of tests/test_graph_neo4j.py, which under ``CI=true`` fails rather than skips
when no server can run). A test here states what callers may rely on, whatever store they hold.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from test_graph_neo4j import server  # noqa: F401 - the Neo4j server fixture (module scope)

from kgmine.graph.schema import NODE_TYPES, REL_TYPES
from kgmine.graph.stores import GraphStore, StoreError, open_store
from kgmine.graph.tables import KGTables


@pytest.fixture(params=["ladybug", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def store(request, tmp_path):
    """An empty store with the schema created, of each backend."""
    if request.param == "ladybug":
        s = open_store("ladybug", path=tmp_path / "store")
    else:
        s = open_store("neo4j", uri=request.getfixturevalue("server")["uri"], progress=False)
        s.clear()
    s.create_schema()
    yield s
    s.close()


def shop() -> KGTables:
    """A small graph with a multi-pair relationship type, nulls, ints, floats and strings."""
    t = KGTables()
    t.add_nodes("Product", pd.DataFrame({"id": ["p1", "p2", "p3"], "title": ["Red mug", "Blue mug", "Tea"],
                                         "price": [9.5, 11.0, None], "degree": [1, 2, 3]}))
    t.add_nodes("Brand", pd.DataFrame({"id": ["acme", "zen"], "name": ["Acme", "Zen"]}))
    t.add_nodes("User", pd.DataFrame({"id": ["u1", "u2"], "source": ["demo", None]}))
    t.add_nodes("Review", pd.DataFrame({"id": ["r1"], "text": ["Acme mugs are great"], "rating": [5.0]}))
    t.add_edges("HAS_BRAND", "Product", "Brand", pd.DataFrame(
        {"src": ["p1", "p2", "p3"], "dst": ["acme", "acme", "zen"], "extractor": ["ruler", "ruler", None],
         "confidence": [0.9, 0.8, 1.0]}))
    t.add_edges("BOUGHT", "User", "Product", pd.DataFrame(
        {"src": ["u1", "u1", "u2"], "dst": ["p1", "p3", "p2"], "timestamp": [10, 20, 30]}))
    t.add_edges("RECOMMENDED", "User", "Product", pd.DataFrame(
        {"src": ["u1", "u2", "u2"], "dst": ["p2", "p1", "p3"], "score": [0.5, 0.9, 0.1], "rank": [1, 1, 2],
         "model": ["pop", "pop", "knn"]}))
    t.add_edges("MENTIONS", "Review", "Brand", pd.DataFrame({"src": ["r1"], "dst": ["acme"], "source_doc": ["r1"]}))
    t.add_edges("MENTIONS", "Review", "Product", pd.DataFrame({"src": ["r1"], "dst": ["p1"], "source_doc": ["r1"]}))
    return t


@pytest.fixture
def loaded(store):
    store.load(shop(), progress=False)
    return store


def plain(v):
    """A stored value as a plain Python value (NaN/NA -> None, numpy scalars -> Python)."""
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return None
    return v.item() if isinstance(v, np.generic) else v


def rows(frame: pd.DataFrame, columns: list[str] | None = None) -> list[tuple]:
    frame = frame if columns is None else frame[columns]
    return [tuple(plain(v) for v in row) for row in frame.itertuples(index=False)]


def nonzero(counts: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in counts.items() if v}


def edges(store: GraphStore, type_: str, src: str, dst: str, *props: str) -> list[tuple]:
    return rows(store.read_edges(type_, src, dst), ["src", "dst", *props])


EXPECTED = {"Product": 3, "Brand": 2, "User": 2, "Review": 1, "HAS_BRAND": 3, "BOUGHT": 3, "RECOMMENDED": 3,
            "MENTIONS": 2}


# ---------------------------------------------------------------- schema and counts

def test_create_schema_is_idempotent_and_counts_name_every_label_and_type(store):
    store.create_schema()
    counts = store.counts()
    assert set(counts) == set(NODE_TYPES) | set(REL_TYPES)
    assert all(n == 0 for n in counts.values())


def test_counts_are_per_label_and_type(loaded):
    assert nonzero(loaded.counts()) == EXPECTED


# ---------------------------------------------------------------- load

def test_load_returns_counts_and_reads_back_every_value(store):
    assert nonzero(store.load(shop(), progress=False)) == EXPECTED
    assert rows(store.read_nodes("Product"), ["id", "title", "price", "degree"]) == [
        ("p1", "Red mug", 9.5, 1), ("p2", "Blue mug", 11.0, 2), ("p3", "Tea", None, 3)]
    assert rows(store.read_nodes("User"), ["id", "source"]) == [("u1", "demo"), ("u2", None)]
    assert edges(store, "HAS_BRAND", "Product", "Brand", "extractor", "confidence") == [
        ("p1", "acme", "ruler", 0.9), ("p2", "acme", "ruler", 0.8), ("p3", "zen", None, 1.0)]
    assert edges(store, "MENTIONS", "Review", "Brand") == [("r1", "acme")]
    assert edges(store, "MENTIONS", "Review", "Product") == [("r1", "p1")]


def test_reload_is_idempotent(loaded):
    before = loaded.counts()
    nodes, bought = loaded.read_nodes("Product"), loaded.read_edges("BOUGHT", "User", "Product")
    assert loaded.load(shop(), progress=False) == before
    assert rows(loaded.read_nodes("Product")) == rows(nodes)
    assert rows(loaded.read_edges("BOUGHT", "User", "Product")) == rows(bought)


def test_reload_with_changed_values_updates_in_place(loaded):
    more = shop()
    more.nodes["Product"].loc[0, "title"] = "Green mug"
    more.edges[("BOUGHT", "User", "Product")].frame.loc[0, "timestamp"] = 99
    assert nonzero(loaded.load(more, progress=False)) == EXPECTED
    assert rows(loaded.read_nodes("Product"), ["id", "title"])[0] == ("p1", "Green mug")
    assert edges(loaded, "BOUGHT", "User", "Product", "timestamp")[0] == ("u1", "p1", 99)


def test_failed_validation_writes_nothing(loaded):
    before = loaded.counts()
    bad = KGTables()
    bad.add_nodes("Product", pd.DataFrame({"id": ["p10"]}))
    bad.nodes["Brand"] = pd.DataFrame({"id": ["b10"], "colour": ["red"]})  # not a Brand property
    with pytest.raises(StoreError, match="colour"):
        loaded.load(bad, progress=False)
    dangling = KGTables()
    dangling.add_nodes("User", pd.DataFrame({"id": ["u10"]}))
    dangling.add_edges("BOUGHT", "User", "Product", pd.DataFrame({"src": ["u10"], "dst": ["p99"]}))
    with pytest.raises(ValueError, match="unknown Product id 'p99'"):
        loaded.load(dangling, progress=False)
    assert loaded.counts() == before


def test_failed_load_leaves_the_store_as_it_was_and_a_rerun_completes(loaded, monkeypatch):
    """A failure after some node and edge tables were written rolls the whole load back."""
    before = loaded.counts()
    products = rows(loaded.read_nodes("Product"))
    more = KGTables()
    more.add_nodes("Product", pd.DataFrame({"id": ["p1", "p10"], "title": ["changed", "new"]}))
    more.add_nodes("User", pd.DataFrame({"id": ["u10"]}))
    more.add_edges("BOUGHT", "User", "Product", pd.DataFrame({"src": ["u10"], "dst": ["p10"]}))
    more.add_edges("RECOMMENDED", "User", "Product", pd.DataFrame({"src": ["u10"], "dst": ["p1"]}))
    real = loaded._load_edges
    calls = []

    def second_table_fails(type_, src_label, dst_label, frame):
        calls.append(type_)
        if len(calls) == 2:
            raise StoreError("disk on fire")
        real(type_, src_label, dst_label, frame)

    monkeypatch.setattr(loaded, "_load_edges", second_table_fails)
    with pytest.raises(StoreError, match="disk on fire"):
        loaded.load(more, progress=False)
    assert calls == ["BOUGHT", "RECOMMENDED"]
    assert loaded.counts() == before
    assert rows(loaded.read_nodes("Product")) == products  # the changed title was rolled back too
    monkeypatch.undo()
    after = loaded.load(more, progress=False)
    assert after["Product"] == before["Product"] + 1 and after["BOUGHT"] == before["BOUGHT"] + 1
    assert rows(loaded.read_nodes("Product"), ["id", "title"])[0] == ("p1", "changed")


def test_database_error_inside_a_load_rolls_back(loaded, monkeypatch):
    """A statement the database itself rejects (not a Python-side check) mid-load."""
    before = loaded.counts()
    more = KGTables()
    more.add_nodes("User", pd.DataFrame({"id": ["u20"]}))
    more.add_nodes("Product", pd.DataFrame({"id": ["p1"]}))
    more.add_edges("BOUGHT", "User", "Product", pd.DataFrame({"src": ["u20"], "dst": ["p1"]}))

    def bad_statement(*args, **kwargs):
        loaded.query("RETURN 1 +", write=True)  # a syntax error the database reports

    monkeypatch.setattr(loaded, "_load_edges", bad_statement)
    with pytest.raises(StoreError):
        loaded.load(more, progress=False)
    assert loaded.counts() == before
    monkeypatch.undo()
    assert loaded.load(more, progress=False)["BOUGHT"] == before["BOUGHT"] + 1


# ---------------------------------------------------------------- upserts

def test_upsert_nodes_sets_only_given_columns_later_rows_win_and_null_clears(loaded):
    # returns the rows written: one per distinct id
    assert loaded.upsert_nodes("Product", pd.DataFrame({"id": ["p1", "p4", "p1"], "price": [1.0, 2.0, 3.0]})) == 2
    assert rows(loaded.read_nodes("Product"), ["id", "title", "price"]) == [
        ("p1", "Red mug", 3.0), ("p2", "Blue mug", 11.0), ("p3", "Tea", None), ("p4", None, 2.0)]
    loaded.upsert_nodes("Product", pd.DataFrame({"id": ["p2"], "title": [None]}))
    assert rows(loaded.read_nodes("Product"), ["id", "title"])[1] == ("p2", None)
    before = loaded.counts()
    loaded.upsert_nodes("Product", pd.DataFrame({"id": ["p2"], "title": [None]}))
    assert loaded.counts() == before


def test_upsert_edges_merges_per_pair_and_sets_only_given_columns(loaded):
    frame = pd.DataFrame({"src": ["u1", "u2", "u2"], "dst": ["p1", "p1", "p1"], "timestamp": [11, 40, 41]})
    assert loaded.upsert_edges("BOUGHT", "User", "Product", frame) == 2  # one per distinct (src, dst)
    assert edges(loaded, "BOUGHT", "User", "Product", "timestamp") == [
        ("u1", "p1", 11), ("u1", "p3", 20), ("u2", "p1", 41), ("u2", "p2", 30)]
    loaded.upsert_edges("RECOMMENDED", "User", "Product", pd.DataFrame({"src": ["u1"], "dst": ["p2"], "rank": [7]}))
    assert edges(loaded, "RECOMMENDED", "User", "Product", "score", "rank", "model")[0] == ("u1", "p2", 0.5, 7, "pop")


def test_upsert_edges_with_an_unknown_endpoint_writes_nothing(loaded):
    before = loaded.counts()
    for frame, missing in ((pd.DataFrame({"src": ["u2", "ghost"], "dst": ["p1", "p1"]}), "User id 'ghost'"),
                           (pd.DataFrame({"src": ["u2", "u2"], "dst": ["p1", "nope"]}), "Product id 'nope'")):
        with pytest.raises(StoreError, match=missing):
            loaded.upsert_edges("BOUGHT", "User", "Product", frame)
    assert loaded.counts() == before


def test_bad_input_is_refused_before_writing(store):
    with pytest.raises(StoreError, match="colour"):
        store.upsert_nodes("Product", pd.DataFrame({"id": ["p"], "colour": ["red"]}))
    with pytest.raises(StoreError, match="'id'"):
        store.upsert_nodes("Product", pd.DataFrame({"title": ["no id"]}))
    with pytest.raises(StoreError, match="does not connect"):
        store.upsert_edges("BOUGHT", "Product", "User", pd.DataFrame({"src": ["p"], "dst": ["u"]}))
    with pytest.raises(StoreError, match="'src' and 'dst'"):
        store.upsert_edges("BOUGHT", "User", "Product", pd.DataFrame({"src": ["u"]}))
    with pytest.raises(ValueError, match="invalid label"):
        store.upsert_nodes("Product`) DETACH DELETE (n", pd.DataFrame({"id": ["x"]}))
    with pytest.raises(ValueError, match="unknown node label"):
        store.upsert_nodes("Gadget", pd.DataFrame({"id": ["x"]}))
    with pytest.raises(ValueError, match="invalid relationship type"):
        store.upsert_edges("BOUGHT]->() DELETE x//", "User", "Product", pd.DataFrame({"src": [], "dst": []}))
    assert all(n == 0 for n in store.counts().values())


# ---------------------------------------------------------------- deletes

def test_delete_edges_all_by_property_by_null_and_by_source(loaded):
    loaded.delete_edges("RECOMMENDED", "User", "Product", where={"model": "pop"}, src_ids=["u2"])
    assert edges(loaded, "RECOMMENDED", "User", "Product") == [("u1", "p2"), ("u2", "p3")]
    loaded.delete_edges("HAS_BRAND", "Product", "Brand", where={"extractor": None})  # None = missing
    assert edges(loaded, "HAS_BRAND", "Product", "Brand") == [("p1", "acme"), ("p2", "acme")]
    loaded.delete_edges("HAS_BRAND", "Product", "Brand", where={"confidence": np.float64(0.9)})
    assert edges(loaded, "HAS_BRAND", "Product", "Brand") == [("p2", "acme")]
    loaded.delete_edges("BOUGHT", "User", "Product", where={"timestamp": np.int64(20)})
    assert edges(loaded, "BOUGHT", "User", "Product") == [("u1", "p1"), ("u2", "p2")]
    loaded.delete_edges("MENTIONS", "Review", "Brand")
    assert edges(loaded, "MENTIONS", "Review", "Product") == [("r1", "p1")]  # the other pair stays
    assert loaded.counts()["MENTIONS"] == 1
    loaded.delete_edges("BOUGHT", "User", "Product", src_ids=[])
    assert loaded.counts()["BOUGHT"] == 2
    loaded.delete_edges("BOUGHT", "User", "Product")
    assert loaded.counts()["BOUGHT"] == 0
    assert loaded.counts()["User"] == 2  # deleting edges keeps the nodes


def test_delete_edges_refuses_unknown_properties_and_pairs(loaded):
    before = loaded.counts()
    with pytest.raises(StoreError, match="no property 'nope'"):
        loaded.delete_edges("BOUGHT", "User", "Product", where={"nope": 1})
    with pytest.raises(StoreError, match="does not connect"):
        loaded.delete_edges("BOUGHT", "Product", "User")
    with pytest.raises(ValueError, match="invalid relationship type"):
        loaded.delete_edges("BOUGHT]->() DELETE x//", "User", "Product")
    assert loaded.counts() == before


def test_delete_nodes_detaches_and_filters_by_property_null_and_ids(loaded):
    loaded.delete_nodes("User", where={"source": None})  # u2 has no source
    assert rows(loaded.read_nodes("User"), ["id"]) == [("u1",)]
    assert edges(loaded, "BOUGHT", "User", "Product") == [("u1", "p1"), ("u1", "p3")]  # u2's edges went too
    loaded.delete_nodes("Product", where={"title": "Tea"})
    assert rows(loaded.read_nodes("Product"), ["id"]) == [("p1",), ("p2",)]
    loaded.delete_nodes("Product", ids=["p2", "not-there"])
    assert rows(loaded.read_nodes("Product"), ["id"]) == [("p1",)]
    loaded.delete_nodes("Brand", where={"name": "Acme"}, ids=["zen"])  # both must hold: nothing
    assert loaded.counts()["Brand"] == 2
    loaded.delete_nodes("Brand")
    assert loaded.counts()["Brand"] == 0 and loaded.counts()["HAS_BRAND"] == 0
    with pytest.raises(StoreError, match="no property 'nope'"):
        loaded.delete_nodes("User", where={"nope": 1})
    with pytest.raises(ValueError, match="invalid label"):
        loaded.delete_nodes("User) DETACH DELETE (n")


def test_clear_empties_the_store_and_keeps_the_schema(loaded):
    loaded.clear()
    assert all(n == 0 for n in loaded.counts().values())
    loaded.clear()
    assert nonzero(loaded.load(shop(), progress=False)) == EXPECTED


# ---------------------------------------------------------------- transactions

def test_transaction_commits_and_reads_inside_see_its_writes(loaded):
    with loaded.transaction() as tx:
        assert tx is loaded
        loaded.delete_nodes("Product", ids=["p3"])
        loaded.upsert_nodes("Product", pd.DataFrame({"id": ["p9"]}))
        loaded.upsert_edges("BOUGHT", "User", "Product", pd.DataFrame({"src": ["u2"], "dst": ["p9"]}))
        assert loaded.counts()["BOUGHT"] == 3
        assert [r[0] for r in rows(loaded.read_nodes("Product"), ["id"])] == ["p1", "p2", "p9"]
    assert loaded.counts()["Product"] == 3
    assert edges(loaded, "BOUGHT", "User", "Product") == [("u1", "p1"), ("u2", "p2"), ("u2", "p9")]


def test_transaction_rolls_everything_back_when_the_block_raises(loaded):
    before, products = loaded.counts(), rows(loaded.read_nodes("Product"))
    with pytest.raises(KeyError):
        with loaded.transaction():
            loaded.upsert_nodes("Product", pd.DataFrame({"id": ["p1", "p9"], "title": ["x", "y"]}))
            loaded.delete_edges("BOUGHT", "User", "Product")
            loaded.delete_nodes("Brand")
            loaded.query("MATCH (u:User {id: $id}) SET u.source = $s", {"id": "u1", "s": "changed"}, write=True)
            with loaded.transaction():  # nested: joins the outer transaction
                loaded.clear()
            raise KeyError("caller bug")
    assert loaded.counts() == before
    assert rows(loaded.read_nodes("Product")) == products
    assert rows(loaded.read_nodes("User"), ["id", "source"]) == [("u1", "demo"), ("u2", None)]


def test_a_failed_store_call_aborts_the_transaction_even_if_caught(loaded):
    before = loaded.counts()
    with pytest.raises(StoreError, match="rolled back"):
        with loaded.transaction():
            loaded.upsert_nodes("User", pd.DataFrame({"id": ["u9"]}))
            with pytest.raises(StoreError, match="ghost"):
                loaded.upsert_edges("BOUGHT", "User", "Product", pd.DataFrame({"src": ["ghost"], "dst": ["p1"]}))
    assert loaded.counts() == before
    with pytest.raises(StoreError):
        with loaded.transaction():
            with pytest.raises(StoreError):
                loaded.query("RETURN 1 +")  # the database rejects it
            loaded.upsert_nodes("User", pd.DataFrame({"id": ["u9"]}))  # refused: the transaction failed
    assert loaded.counts() == before


def test_errors_found_before_writing_do_not_abort_the_transaction(loaded):
    with loaded.transaction():
        with pytest.raises(StoreError, match="colour"):
            loaded.upsert_nodes("Product", pd.DataFrame({"id": ["p9"], "colour": ["red"]}))
        with pytest.raises(StoreError, match="does not connect"):
            loaded.delete_edges("BOUGHT", "Product", "User")
        with pytest.raises(StoreError, match="write"):
            loaded.query("CREATE (b:Brand {id: $id})", {"id": "sneaky"})  # writes without write=True
        loaded.upsert_nodes("Product", pd.DataFrame({"id": ["p9"]}))
    assert loaded.counts()["Product"] == 4 and loaded.counts()["Brand"] == 2


def test_create_schema_inside_a_transaction_is_harmless(loaded):
    with loaded.transaction():
        loaded.upsert_nodes("Brand", pd.DataFrame({"id": ["b9"]}))
        loaded.create_schema()
    assert loaded.counts()["Brand"] == 3


# ---------------------------------------------------------------- queries and exports

def test_query_takes_parameters_and_returns_the_return_columns(loaded):
    frame = loaded.query("MATCH (u:User)-[b:BOUGHT]->(p:Product) WHERE b.timestamp >= $t "
                         "RETURN u.id AS user, p.id AS product, b.timestamp AS ts ORDER BY ts", {"t": np.int64(20)})
    assert list(frame.columns) == ["user", "product", "ts"]
    assert rows(frame) == [("u1", "p3", 20), ("u2", "p2", 30)]
    empty = loaded.query("MATCH (p:Product {id: $id}) RETURN p.id AS id, p.title AS title", {"id": "none"})
    assert list(empty.columns) == ["id", "title"] and len(empty) == 0
    listed = loaded.query("MATCH (u:User {id: 'u1'})-[:BOUGHT]->(p:Product) RETURN collect(p.id) AS ids")
    assert sorted(listed["ids"].iloc[0]) == ["p1", "p3"]


def test_query_refuses_writes_unless_asked(loaded):
    with pytest.raises(StoreError, match="write"):
        loaded.query("MATCH (p:Product {id: $id}) SET p.title = $t", {"id": "p1", "t": "x"})
    assert rows(loaded.read_nodes("Product"), ["id", "title"])[0] == ("p1", "Red mug")
    loaded.query("MATCH (p:Product {id: $id}) SET p.title = $t", {"id": "p1", "t": "x"}, write=True)
    assert rows(loaded.read_nodes("Product"), ["id", "title"])[0] == ("p1", "x")


def test_query_errors_are_one_line_store_errors(loaded):
    with pytest.raises(StoreError) as info:
        loaded.query("MATCH (n:Product RETURN n")
    assert "\n" not in str(info.value)


def test_query_arrow_gives_the_rows_of_query(loaded):
    cypher = "MATCH (p:Product) RETURN p.id AS id, p.price AS price ORDER BY id"
    table = loaded.query_arrow(cypher)
    assert isinstance(table, pa.Table) and table.column_names == ["id", "price"]
    assert table.to_pylist() == [{"id": "p1", "price": 9.5}, {"id": "p2", "price": 11.0}, {"id": "p3", "price": None}]


def test_read_nodes_and_read_edges_have_every_schema_column(loaded):
    nodes = loaded.read_nodes("Review")
    assert list(nodes.columns) == ["id", *NODE_TYPES["Review"].properties]
    assert rows(nodes, ["id", "text", "rating", "timestamp"]) == [("r1", "Acme mugs are great", 5.0, None)]
    bought = loaded.read_edges("BOUGHT", "User", "Product")
    assert list(bought.columns) == ["src", "dst", *REL_TYPES["BOUGHT"].properties]
    assert len(loaded.read_nodes("Category")) == 0
    with pytest.raises(StoreError, match="does not connect"):
        loaded.read_edges("BOUGHT", "Product", "User")

