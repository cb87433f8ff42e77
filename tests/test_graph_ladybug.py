"""The embedded LadybugDB store: schema, bulk load, idempotent upserts, queries, persistence, CLI."""
from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from kgmine.graph.schema import NODE_TYPES, REL_TYPES
from kgmine.graph.stores import StoreError, open_store
from kgmine.graph.stores.ladybug_store import (
    DB_FILE,
    LadybugStore,
    query_parameters,
    rel_table_ddl,
    schema_ddl,
    write_clauses,
)
from kgmine.graph.tables import KGTables


def make_tables() -> KGTables:
    """A small shop graph touching a multi-pair relationship type (MENTIONS)."""
    t = KGTables()
    t.add_nodes("Product", pd.DataFrame({"id": ["p1", "p2", "p3"], "title": ["Red mug", "Blue mug", "Tea"],
                                         "price": [9.5, 11.0, None]}))
    t.add_nodes("Brand", pd.DataFrame({"id": ["b:acme", "b:zen"], "name": ["Acme", "Zen"]}))
    t.add_nodes("User", pd.DataFrame({"id": ["u1", "u2"], "source": ["demo", "demo"]}))
    t.add_nodes("Review", pd.DataFrame({"id": ["r1"], "text": ["Acme mugs are great"], "rating": [5.0]}))
    t.add_edges("HAS_BRAND", "Product", "Brand",
                pd.DataFrame({"src": ["p1", "p2", "p3"], "dst": ["b:acme", "b:acme", "b:zen"],
                              "extractor": "ruler", "confidence": [0.9, 0.8, 1.0]}))
    t.add_edges("BOUGHT", "User", "Product",
                pd.DataFrame({"src": ["u1", "u1", "u2"], "dst": ["p1", "p3", "p2"], "timestamp": [10, 20, 30]}))
    t.add_edges("MENTIONS", "Review", "Brand", pd.DataFrame({"src": ["r1"], "dst": ["b:acme"], "source_doc": ["r1"]}))
    t.add_edges("MENTIONS", "Review", "Product", pd.DataFrame({"src": ["r1"], "dst": ["p1"], "source_doc": ["r1"]}))
    return t


def nonzero(counts: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in counts.items() if v}


@pytest.fixture
def store(tmp_path):
    s = LadybugStore(tmp_path / "store")
    yield s
    s.close()


@pytest.fixture
def loaded(store):
    store.load(make_tables(), progress=False)
    return store


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One loaded store for the tests that only read."""
    s = LadybugStore(tmp_path_factory.mktemp("shared") / "store")
    s.load(make_tables(), progress=False)
    yield s
    s.close()


# ---------------------------------------------------------------- schema


def test_schema_ddl_covers_every_label_and_type():
    ddl = schema_ddl()
    assert len(ddl) == len(NODE_TYPES) + len(REL_TYPES)
    assert all("PRIMARY KEY(`id`)" in s for s in ddl[:len(NODE_TYPES)])
    mentions = rel_table_ddl("MENTIONS")
    assert mentions.count("FROM ") == len(REL_TYPES["MENTIONS"].pairs)
    assert "`confidence` DOUBLE" in mentions


def test_create_schema_twice_makes_every_table(store):
    store.create_schema()
    store.create_schema()
    counts = store.counts()
    assert set(counts) == set(NODE_TYPES) | set(REL_TYPES)
    assert not any(counts.values())


# ---------------------------------------------------------------- loading


def test_load_counts_match_tables(shared):
    assert nonzero(shared.counts()) == make_tables().counts()


def test_reload_is_idempotent(loaded):
    before = loaded.counts()
    after = loaded.load(make_tables(), progress=False)
    assert after == before
    assert loaded.last_write_["new"] == 0 and loaded.last_write_["updated"] == 0


def test_upsert_updates_properties_without_duplicates(loaded):
    before = loaded.counts()
    loaded.upsert_nodes("Product", pd.DataFrame({"id": ["p2"], "title": ["Green mug"]}))
    assert loaded.last_write_ == {"new": 0, "updated": 1, "unchanged": 0}
    loaded.upsert_edges("BOUGHT", "User", "Product", pd.DataFrame({"src": ["u1"], "dst": ["p1"], "timestamp": [99]}))
    assert loaded.counts() == before
    row = loaded.query("MATCH (p:Product {id: $id}) RETURN p.title AS title, p.price AS price", {"id": "p2"})
    assert row.to_dict("records") == [{"title": "Green mug", "price": 11.0}]  # price untouched
    ts = loaded.query("MATCH (:User {id: 'u1'})-[e:BOUGHT]->(:Product {id: 'p1'}) RETURN e.timestamp AS t")
    assert ts["t"].tolist() == [99]


def test_partial_upsert_sets_only_given_columns_and_adds_new_rows(loaded):
    loaded.upsert_nodes("Product", pd.DataFrame({"id": ["p1", "p9"], "pagerank": [0.25, 0.5]}))
    assert loaded.last_write_ == {"new": 1, "updated": 1, "unchanged": 0}
    rows = loaded.query("MATCH (p:Product) WHERE p.id IN ['p1', 'p9'] RETURN p.id AS id, p.title AS title, "
                        "p.pagerank AS pr ORDER BY id")
    assert rows["title"].iloc[0] == "Red mug" and pd.isna(rows["title"].iloc[1])
    assert rows["pr"].tolist() == [0.25, 0.5]


def test_null_in_given_column_clears_property(loaded):
    loaded.upsert_nodes("Product", pd.DataFrame({"id": ["p1"], "price": [None]}))
    assert pd.isna(loaded.query("MATCH (p:Product {id: 'p1'}) RETURN p.price AS x")["x"].iloc[0])


def test_edge_to_unknown_node_is_refused_and_nothing_written(loaded):
    before = loaded.counts()
    with pytest.raises(StoreError, match="unknown User id 'ghost'"):
        loaded.upsert_edges("BOUGHT", "User", "Product",
                            pd.DataFrame({"src": ["u2", "ghost"], "dst": ["p1", "p1"]}))
    assert loaded.counts() == before


def test_failed_load_leaves_store_as_before(loaded, monkeypatch):
    before = loaded.counts()
    more = KGTables()
    more.add_nodes("Product", pd.DataFrame({"id": ["p10", "p11"]}))
    more.add_nodes("User", pd.DataFrame({"id": ["u10"]}))
    more.add_edges("BOUGHT", "User", "Product", pd.DataFrame({"src": ["u10"], "dst": ["p10"]}))

    def broken(*args, **kwargs):
        raise StoreError("disk on fire")

    monkeypatch.setattr(loaded, "_upsert_edges", broken)
    with pytest.raises(StoreError, match="disk on fire"):
        loaded.load(more, progress=False)
    assert loaded.counts() == before  # the new nodes were rolled back too
    monkeypatch.undo()
    after = loaded.load(more, progress=False)  # and the store still works
    assert after["Product"] == before["Product"] + 2 and after["BOUGHT"] == before["BOUGHT"] + 1


def test_database_error_mid_load_rolls_back_and_store_keeps_working(loaded, monkeypatch):
    """A statement LadybugDB itself rejects, after a node COPY in the same transaction."""
    import kgmine.graph.stores.ladybug_store as module

    before = loaded.counts()
    more = KGTables()
    more.add_nodes("User", pd.DataFrame({"id": ["u20", "u21"]}))
    more.add_edges("WROTE", "User", "Review", pd.DataFrame({"src": ["u20"], "dst": ["r1"]}))
    more.add_nodes("Review", pd.DataFrame({"id": ["r1"]}))
    real_widen = module._widen

    def bad_widen(rows, names, columns, types):  # a relationship COPY with a missing column
        table = real_widen(rows, names, columns, types)
        return table.drop_columns([table.column_names[-1]]) if "src" in names else table

    monkeypatch.setattr(module, "_widen", bad_widen)
    with pytest.raises(StoreError, match="columns"):
        loaded.load(more, progress=False)
    assert loaded.counts() == before
    monkeypatch.undo()
    loaded.upsert_nodes("User", pd.DataFrame({"id": ["u20"]}))  # the node table that was rolled back
    assert loaded.load(more, progress=False)["User"] == before["User"] + 2


def test_unknown_columns_and_bad_pairs_are_refused(store):
    with pytest.raises(StoreError, match="no properties"):
        store.upsert_nodes("Product", pd.DataFrame({"id": ["p"], "colour": ["red"]}))
    with pytest.raises(StoreError, match="does not connect"):
        store.upsert_edges("BOUGHT", "Product", "User", pd.DataFrame({"src": ["p"], "dst": ["u"]}))


def test_invalid_labels_are_rejected_by_check_identifier(store):
    with pytest.raises(ValueError, match="invalid label"):
        store.upsert_nodes("Product`) DETACH DELETE (n", pd.DataFrame({"id": ["x"]}))
    with pytest.raises(ValueError, match="invalid relationship type"):
        store.delete_edges("BOUGHT]->() DELETE x//", "User", "Product")


def test_delete_edges_all_or_matching(loaded):
    loaded.delete_edges("BOUGHT", "User", "Product", where={"timestamp": 20})
    assert loaded.counts()["BOUGHT"] == 2
    loaded.delete_edges("MENTIONS", "Review", "Brand")
    counts = loaded.counts()
    assert counts["MENTIONS"] == 1  # the Review -> Product pair stays
    with pytest.raises(StoreError, match="no property"):
        loaded.delete_edges("BOUGHT", "User", "Product", where={"nope": 1})


# ---------------------------------------------------------------- persistence


def test_close_and_reopen_keeps_everything(loaded, tmp_path):
    before = loaded.counts()
    loaded.close()
    assert (tmp_path / "store" / DB_FILE).exists()
    again = open_store("ladybug", path=tmp_path / "store")
    try:
        assert again.counts() == before
        assert again.query("MATCH (b:Brand {id: $id}) RETURN b.name AS name", {"id": "b:zen"})["name"].tolist() == ["Zen"]
    finally:
        again.close()
    reader = LadybugStore(tmp_path / "store", read_only=True)
    try:
        assert reader.counts() == before
        with pytest.raises(StoreError, match="read-only"):
            reader.upsert_nodes("Brand", pd.DataFrame({"id": ["b:new"]}))
    finally:
        reader.close()


def test_missing_store_is_not_created_when_create_false(tmp_path):
    with pytest.raises(StoreError, match="no LadybugDB store"):
        LadybugStore(tmp_path / "absent", create=False)
    assert not (tmp_path / "absent").exists()


# ---------------------------------------------------------------- queries


def test_query_with_params_returns_dataframe(shared):
    frame = shared.query("MATCH (u:User)-[e:BOUGHT]->(p:Product) WHERE e.timestamp >= $t "
                         "RETURN u.id AS user, p.id AS product, e.timestamp AS ts ORDER BY ts", {"t": 20})
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == ["user", "product", "ts"]
    assert frame.to_dict("records") == [{"user": "u1", "product": "p3", "ts": 20},
                                        {"user": "u2", "product": "p2", "ts": 30}]


def test_query_collect_gives_python_lists(shared):
    frame = shared.query("MATCH (p:Product)-[:HAS_BRAND]->(b:Brand) RETURN b.name AS brand, "
                         "collect(p.id) AS products ORDER BY brand")
    assert sorted(frame["products"].iloc[0]) == ["p1", "p2"] and isinstance(frame["products"].iloc[0], list)


def test_write_query_refused_unless_write_true(loaded):
    with pytest.raises(StoreError, match="--write"):
        loaded.query("MATCH (p:Product {id: 'p1'}) SET p.title = 'x'")
    loaded.query("MATCH (p:Product {id: $id}) SET p.title = $t", {"id": "p1", "t": "x"}, write=True)
    assert loaded.query("MATCH (p:Product {id: 'p1'}) RETURN p.title AS t")["t"].tolist() == ["x"]


def test_write_clause_detection_ignores_literals_and_names():
    assert write_clauses("MATCH (n) WHERE n.note = 'CREATE or SET' RETURN n.set, n.`delete` // MERGE") == []
    assert write_clauses("MATCH (n:Set) RETURN {create: 1} AS m, $merge AS x") == []
    assert write_clauses("MATCH (n) DETACH DELETE n") == ["DETACH", "DELETE"]
    assert write_clauses("match (n) set n.x = 1") == ["SET"]
    assert query_parameters("RETURN $a, '$b', $a + $c") == ["a", "c"]


def test_bad_cypher_gives_one_line_store_error(shared):
    for cypher in ("MATC (n) RETURN n", "MATCH (n:NoSuchLabel) RETURN n", "RETURN $missing"):
        with pytest.raises(StoreError) as info:
            shared.query(cypher)
        assert "\n" not in str(info.value) and str(info.value)
    assert shared.counts()["Product"] == 3  # the store still answers


# ---------------------------------------------------------------- a generated world


def test_small_world_loads_twice_with_same_counts(small_world, tmp_path):
    from kgmine.graph.build import build_tables

    tables = build_tables(small_world)
    with LadybugStore(tmp_path / "world") as s:
        first = s.load(tables, progress=False)
        assert nonzero(first) == tables.counts()
        assert s.load(tables, progress=False) == first


# ---------------------------------------------------------------- CLI


def _make_store_dir(path):
    with LadybugStore(path) as s:
        s.load(make_tables(), progress=False)
    return path


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory):
    """A closed store directory for read-only CLI runs."""
    return _make_store_dir(tmp_path_factory.mktemp("cli") / "store")


def _run(*args: str):
    from kgmine.cli import app

    return CliRunner().invoke(app, ["query", *args])


def test_cli_query_prints_rows(store_dir):
    result = _run("--store", str(store_dir),
                  "MATCH (p:Product)-[:HAS_BRAND]->(b:Brand) WHERE p.price > $min "
                  "RETURN b.name AS brand, count(p) AS n ORDER BY n DESC", "--param", "min=9")
    assert result.exit_code == 0, result.output
    assert "Acme" in result.output and "brand" in result.output and "1 row" in result.output


def test_cli_query_json_and_param_types(store_dir):
    result = _run("--store", str(store_dir), "RETURN $i AS i, $f AS f, $l AS l, $s AS s", "--json",
                  "-p", "i=3", "-p", "f=2.5", "-p", "l=[1, 2]", "-p", "s=red mug")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [{"i": 3, "f": 2.5, "l": [1, 2], "s": "red mug"}]


@pytest.mark.parametrize("args, message", [
    (("MATC (n) RETURN n",), "Parser exception"),
    (("MATCH (p:Product) DETACH DELETE p",), "--write"),
    (("RETURN 1", "--param", "nonsense"), "name=value"),
])
def test_cli_query_errors_are_one_line(store_dir, args, message):
    result = _run("--store", str(store_dir), *args)
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output


def test_cli_query_missing_store_is_an_error_and_not_created(tmp_path):
    result = _run("--store", str(tmp_path / "nowhere"), "MATCH (n) RETURN n")
    assert result.exit_code == 1 and "does not exist" in result.output
    assert not (tmp_path / "nowhere").exists()


def test_cli_query_write_flag_allows_writes(tmp_path):
    store_dir = _make_store_dir(tmp_path / "store")
    result = _run("--store", str(store_dir), "MATCH (p:Product {id: $id}) SET p.title = $t RETURN p.title AS t",
                  "--write", "-p", "id=p3", "-p", "t=Green tea")
    assert result.exit_code == 0, result.output
    with LadybugStore(store_dir, read_only=True) as s:
        assert s.query("MATCH (p:Product {id: 'p3'}) RETURN p.title AS t")["t"].tolist() == ["Green tea"]


def _older_store(path, *statements: str):
    """A LadybugDB store as an older kgmine wrote it: every node table, then ``statements`` (its rel tables, data)."""
    import ladybug

    from kgmine.graph.stores.ladybug_store import DB_FILE, node_table_ddl

    path.mkdir()
    db = ladybug.Database(str(path / DB_FILE))
    conn = ladybug.Connection(db)
    for statement in [node_table_ddl(label) for label in NODE_TYPES] + list(statements):
        conn.execute(statement)
    conn.close()
    db.close()
    return path


def test_an_older_store_gets_the_new_label_pairs_of_a_relationship_type(tmp_path):
    """A store written before MENTIONS could start at a Product or end at an Entity is migrated in place."""
    path = _older_store(tmp_path / "old",
                        "CREATE REL TABLE MENTIONS(FROM Review TO Brand, FROM Review TO AttributeValue, "
                        "FROM Review TO Product, source_doc STRING, extractor STRING, confidence DOUBLE)",
                        "CREATE (:Review {id: 'r1'})-[:MENTIONS {confidence: 0.9}]->(:Brand {id: 'acme'})")
    store = open_store("ladybug", path=path)
    try:
        store.create_schema()
        assert store._rel_pairs("MENTIONS") == set(REL_TYPES["MENTIONS"].pairs)
        store.upsert_nodes("Entity", pd.DataFrame({"id": ["org:acme"], "name": ["Acme"], "kind": ["org"]}))
        store.upsert_nodes("Product", pd.DataFrame({"id": ["p1"]}))
        store.upsert_edges("MENTIONS", "Product", "Entity", pd.DataFrame({"src": ["p1"], "dst": ["org:acme"]}))
        rows = store.query("MATCH (a)-[m:MENTIONS]->(b) RETURN a.id AS src, b.id AS dst ORDER BY src")
        assert list(zip(rows["src"], rows["dst"])) == [("p1", "org:acme"), ("r1", "acme")]
    finally:
        store.close()


def test_tabular_viewed_interactions_become_viewed_edges(tmp_path):
    """A ``viewed`` row of an interactions file is a User -VIEWED-> Product edge (latest view's properties),
    not the Product-Product ALSO_VIEWED link."""
    from kgmine.graph.build import build_tables
    from kgmine.io import read_tabular

    catalog = tmp_path / "catalog.csv"
    catalog.write_text("product_id,title\nP1,Red shirt\nP2,Blue mug\n")
    inter = tmp_path / "events.csv"
    inter.write_text("user_id,product_id,event,timestamp,split\n"
                     "u1,P1,viewed,100,train\nu1,P1,viewed,300,test\nu1,P2,bought,200,train\n"
                     "u2,P2,viewed,150,train\n")
    with open_store("ladybug", path=tmp_path / "store") as store:
        store.load(build_tables(read_tabular(catalog, inter)), progress=False)
        rows = store.query("MATCH (u:User)-[v:VIEWED]->(p:Product) RETURN u.id AS uid, p.id AS pid, "
                           "v.timestamp AS t, v.split AS s ORDER BY uid, pid")
        assert list(rows.itertuples(index=False, name=None)) == [("u1", "P1", 300, "test"), ("u2", "P2", 150, "train")]
        counts = store.counts()
        assert counts["VIEWED"] == 2 and counts["BOUGHT"] == 1 and counts["ALSO_VIEWED"] == 0


def test_an_older_store_gains_the_viewed_table_on_open(tmp_path):
    """A store written before VIEWED existed gets the table when opened for writing; its data stays."""
    from kgmine.graph.stores.ladybug_store import rel_table_ddl

    path = _older_store(tmp_path / "old", rel_table_ddl("BOUGHT"),
                        "CREATE (:User {id: 'u1'})-[:BOUGHT {timestamp: 5}]->(:Product {id: 'p1'})")
    with open_store("ladybug", path=path) as store:
        store.create_schema()
        assert "VIEWED" in store._table_columns()
        store.upsert_edges("VIEWED", "User", "Product", pd.DataFrame({"src": ["u1"], "dst": ["p1"], "timestamp": [9]}))
        assert store.counts()["VIEWED"] == 1 and store.counts()["BOUGHT"] == 1
