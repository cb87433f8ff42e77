"""Neo4jStore against a real Neo4j 5.26 server (docker/neo4j-server.sh), and against LadybugStore.

The server: ``NEO4J_URI`` from the environment (``.ci/run`` starts one with docker/neo4j-server.sh);
otherwise this module starts a private one with that script in a temporary directory and stops it
afterwards. The tests wipe the database, so a ``NEO4J_URI`` that the script does not manage is used
only with ``KGMINE_NEO4J_TEST_ALLOW_WIPE=1``. Without Java 17+ or Maven the module is skipped with
the reason, except under ``CI=true``, where every missing prerequisite is a failure: CI must run
these tests.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from kgmine.graph.stores.base import StoreError

pytestmark = pytest.mark.neo4j

REPO = Path(__file__).resolve().parents[1]
SERVER = REPO / "docker" / "neo4j-server.sh"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _unavailable(reason: str) -> None:
    """Skip with ``reason``, or fail under CI (the Neo4j tests must never be skipped there)."""
    if IN_CI:
        pytest.fail(f"CI=true but the Neo4j tests cannot run: {reason}", pytrace=False)
    pytest.skip(reason)


def _script(env: dict[str, str], *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(SERVER), *args], env=env, text=True, capture_output=True, timeout=timeout)


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> dict[str, str]:
    """``{"uri": ..., "env": ...}`` of a running scratch server; ``env`` lets the script restart it.

    These tests wipe the database. A ``NEO4J_URI`` is used only when docker/neo4j-server.sh (with the
    current environment, e.g. ``KGMINE_NEO4J_HOME``) reports that it manages that server, or when
    ``KGMINE_NEO4J_TEST_ALLOW_WIPE=1`` says the database may be wiped.
    """
    uri = os.environ.get("NEO4J_URI")
    if uri:
        env = dict(os.environ)
        status = _script(env, "status", timeout=60)
        managed = status.returncode == 0 and uri in status.stdout
        if not managed and os.environ.get("KGMINE_NEO4J_TEST_ALLOW_WIPE") != "1":
            _unavailable(f"NEO4J_URI={uri} is not a server started by docker/neo4j-server.sh, and these tests "
                         f"wipe the database; set KGMINE_NEO4J_TEST_ALLOW_WIPE=1 to allow that")
        yield {"uri": uri, "env": env}
        return
    missing = [tool for tool in ("java", "mvn") if shutil.which(tool) is None]
    if missing:
        _unavailable(f"NEO4J_URI is not set and {' and '.join(missing)} (needed to start the test server "
                     f"with docker/neo4j-server.sh) not found")
    env = {**os.environ, "KGMINE_NEO4J_HOME": str(tmp_path_factory.mktemp("neo4j-home"))}
    started = _script(env, "start")
    if started.returncode != 0:
        _unavailable(f"docker/neo4j-server.sh start failed: {started.stderr.strip().splitlines()[-1:]}")
    try:
        yield {"uri": started.stdout.strip(), "env": env}
    finally:
        _script(env, "stop", timeout=300)


@pytest.fixture
def store(server):
    """A connected Neo4jStore on an emptied database."""
    from kgmine.graph.stores.neo4j_store import Neo4jStore

    s = Neo4jStore(uri=server["uri"], progress=False)
    s.clear()
    s.create_schema()
    yield s
    s.close()


# --------------------------------------------------------------------------- a small shop graph

def _shop_tables():
    """KGTables of the seeded synthetic demo world, plus extracted-style attributes (with provenance)
    and mined edges (RECOMMENDED by two models, FREQUENTLY_BOUGHT_WITH, IN_CLUSTER, review MENTIONS)."""
    from kgmine.demo.world import generate_world
    from kgmine.graph.build import build_tables

    world = generate_world(n_products=300, n_users=200, seed=7)
    attrs = world.truth["product_attributes"]
    extracted = attrs.melt(id_vars="product_id", value_vars=["brand", "colour", "material", "size"],
                           var_name="attribute", value_name="value").dropna()
    extracted = extracted.assign(extractor="ruler", confidence=0.9, source_doc=extracted["product_id"])
    kg = build_tables(world, extracted=extracted)

    bought = kg.edges[("BOUGHT", "User", "Product")].frame[["src", "dst"]]
    popularity = bought.groupby("dst").size()
    ranked = sorted(popularity.index, key=lambda p: (-popularity[p], p))
    have = bought.groupby("src")["dst"].agg(set).to_dict()
    brand_of = dict(kg.edges[("HAS_BRAND", "Product", "Brand")].frame[["src", "dst"]].itertuples(index=False))
    by_brand: dict[str, list[str]] = {}
    for product in ranked + sorted(set(brand_of) - set(ranked)):
        by_brand.setdefault(brand_of.get(product), []).append(product)
    recs = []
    for user in kg.nodes["User"]["id"]:
        mine = set(have.get(user, ()))
        for rank, product in enumerate([p for p in ranked[:30] if p not in mine][:5], 1):
            recs.append((user, product, float(popularity[product]), rank, "popularity"))
        same_brand = sorted({p for b in {brand_of.get(q) for q in mine} for p in by_brand.get(b, [])} - mine,
                            key=lambda p: (-popularity.get(p, 0), p))
        for rank, product in enumerate(same_brand[:5], 1):
            recs.append((user, product, 1.0 / rank, rank, "brand-affinity"))
    kg.add_edges("RECOMMENDED", "User", "Product",
                 pd.DataFrame(recs, columns=["src", "dst", "score", "rank", "model"]))

    pairs = bought.merge(bought, on="src")
    pairs = pairs[pairs["dst_x"] != pairs["dst_y"]]
    co = pairs.groupby(["dst_x", "dst_y"]).size().rename("n").reset_index()
    co = co[co["n"] >= 2]
    n_users = bought["src"].nunique()
    co = co.assign(support=co["n"] / n_users, confidence=co["n"] / co["dst_x"].map(popularity))
    co = co.assign(lift=co["confidence"] / (co["dst_y"].map(popularity) / n_users))
    kg.add_edges("FREQUENTLY_BOUGHT_WITH", "Product", "Product", co.rename(columns={"dst_x": "src", "dst_y": "dst"}))

    cat = kg.edges[("IN_CATEGORY", "Product", "Category")].frame
    clusters = cat.assign(dst="cl:" + cat["dst"].str.split(" > ").str[0])[["src", "dst"]]
    kg.add_nodes("Cluster", pd.DataFrame({"id": sorted(clusters["dst"].unique()), "method": "category"}))
    kg.add_edges("IN_CLUSTER", "Product", "Cluster", clusters.assign(score=1.0))

    reviews = kg.nodes["Review"][["id", "text"]].merge(
        kg.edges[("REVIEW_OF", "Review", "Product")].frame[["src", "dst"]], left_on="id", right_on="src")
    reviews = reviews.assign(brand=reviews["dst"].map(brand_of)).dropna(subset=["brand"])
    names = dict(kg.nodes["Brand"][["id", "name"]].itertuples(index=False))
    hit = reviews[[str(names[b]).lower() in str(t).lower() for b, t in zip(reviews["brand"], reviews["text"])]]
    kg.add_edges("MENTIONS", "Review", "Brand", pd.DataFrame(
        {"src": hit["id"], "dst": hit["brand"], "source_doc": hit["id"], "extractor": "substring", "confidence": 0.8}))
    return kg


@pytest.fixture(scope="module")
def shop():
    return _shop_tables()


@pytest.fixture
def loaded(server, shop):
    """A Neo4jStore holding exactly ``shop`` (loaded once, reloaded only if a test changed the counts)."""
    from kgmine.graph.schema import NODE_TYPES, REL_TYPES
    from kgmine.graph.stores.neo4j_store import Neo4jStore

    s = Neo4jStore(uri=server["uri"], progress=False)
    expected = {name: shop.counts().get(name, 0) for name in [*NODE_TYPES, *REL_TYPES]}
    if s.counts() != expected:
        s.clear()
        assert s.load(shop, progress=False) == expected
    yield s
    s.close()


def _rows(frame: pd.DataFrame) -> list[tuple]:
    """Rows as plain tuples (NaN/NA -> None, numpy scalars and arrays -> Python values) for equality."""
    def plain(v):
        if isinstance(v, (list, tuple, np.ndarray)):
            return [plain(x) for x in v]
        if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
            return None
        return v.item() if isinstance(v, np.generic) else v
    return [tuple(plain(v) for v in row) for row in frame.itertuples(index=False)]


# --------------------------------------------------------------------------- tests without a server

def test_settings_come_from_args_then_config_then_env_and_hide_the_password():
    from kgmine.graph.stores.neo4j_store import Neo4jSettings

    env = {"NEO4J_URI": "bolt://env:1", "NEO4J_USER": "envuser", "NEO4J_PASSWORD": "env-secret",
           "NEO4J_DATABASE": "envdb"}
    s = Neo4jSettings.resolve(uri="bolt://arg:2", config={"user": "cfguser"}, environ=env)
    assert (s.uri, s.user, s.password, s.database) == ("bolt://arg:2", "cfguser", "env-secret", "envdb")
    assert "env-secret" not in repr(s)
    d = Neo4jSettings.resolve(environ={})
    assert (d.uri, d.user, d.password, d.database) == ("bolt://localhost:7687", "neo4j", None, None)
    with pytest.raises(StoreError, match="unknown neo4j config key"):
        Neo4jSettings.resolve(config={"url": "x"}, environ={})


def test_refused_connection_is_one_clear_line_without_the_password():
    from kgmine.graph.stores.neo4j_store import Neo4jStore

    t0 = time.perf_counter()
    with pytest.raises(StoreError) as info:
        Neo4jStore(uri="bolt://127.0.0.1:9", password="pw-that-must-not-leak", connect_timeout=5)
    message = str(info.value)
    assert "\n" not in message
    assert "bolt://127.0.0.1:9" in message and "refused" in message.lower()
    assert "pw-that-must-not-leak" not in message
    assert time.perf_counter() - t0 < 30  # fails fast rather than hanging (not a benchmark)


def test_refused_connection_on_the_command_line_is_one_line_and_exit_1():
    env = {**os.environ, "NEO4J_URI": "bolt://127.0.0.1:9", "NEO4J_PASSWORD": "pw-that-must-not-leak"}
    proc = subprocess.run([sys.executable, "-m", "kgmine.cli", "query", "--kind", "neo4j", "RETURN 1 AS x"],
                          env=env, text=True, capture_output=True, timeout=120)
    if "No module named kgmine.cli.__main__" in proc.stderr or "cannot be directly executed" in proc.stderr:
        proc = subprocess.run(["kgmine", "query", "--kind", "neo4j", "RETURN 1 AS x"],
                              env=env, text=True, capture_output=True, timeout=120)
    assert proc.returncode == 1
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert "127.0.0.1:9" in lines[0] and "pw-that-must-not-leak" not in proc.stderr


# --------------------------------------------------------------------------- tests on the server

def test_schema_has_a_uniqueness_constraint_per_label_and_lookup_indexes(store):
    from kgmine.graph.schema import NODE_TYPES
    from kgmine.graph.stores.neo4j_store import LOOKUP_INDEXES

    store.create_schema()  # idempotent
    constraints = store.query("SHOW CONSTRAINTS YIELD type, labelsOrTypes, properties "
                              "RETURN type, labelsOrTypes[0] AS label, properties")
    unique = constraints[constraints["type"] == "UNIQUENESS"]
    assert {label for label, props in zip(unique["label"], unique["properties"]) if list(props) == ["id"]} \
        == set(NODE_TYPES)
    indexes = store.query("SHOW INDEXES YIELD type, labelsOrTypes, properties, state WHERE type = 'RANGE' "
                          "RETURN labelsOrTypes[0] AS label, properties, state")
    found = {(label, tuple(props)) for label, props in zip(indexes["label"], indexes["properties"])}
    assert all((label, props) in found for label, props in LOOKUP_INDEXES)
    assert set(indexes["state"]) == {"ONLINE"}


def test_constraint_violation_gives_a_clear_error(store):
    store.upsert_nodes("Brand", pd.DataFrame({"id": ["acme"], "name": ["Acme"]}))
    with pytest.raises(StoreError) as info:
        store.query("CREATE (b:Brand {id: $id, name: 'Acme again'})", {"id": "acme"}, write=True)
    message = str(info.value)
    assert "\n" not in message
    assert "constraint" in message.lower() and "Brand" in message and "acme" in message
    assert int(store.query("MATCH (b:Brand) RETURN count(b) AS n")["n"].iloc[0]) == 1


def test_read_mode_refuses_writes_unless_asked(store):
    with pytest.raises(StoreError, match="writes to the store"):  # the query guard, before the server
        store.query("CREATE (b:Brand {id: $id})", {"id": "x"})
    with pytest.raises(StoreError, match="read access mode"):  # behind it, the READ transaction
        store._read(lambda tx: tx.run("CREATE (b:Brand {id: $id})", id="x").consume(), what="query")
    assert int(store.query("MATCH (b:Brand) RETURN count(b) AS n")["n"].iloc[0]) == 0
    out = store.query("CREATE (b:Brand {id: $id}) RETURN b.id AS id", {"id": "x"}, write=True)
    assert out["id"].tolist() == ["x"]


def test_bad_input_is_refused_with_the_name_of_the_problem(store):
    with pytest.raises(StoreError, match="colour"):
        store.upsert_nodes("Product", pd.DataFrame({"id": ["p1"], "colour": ["red"]}))
    with pytest.raises(ValueError, match="invalid label"):
        store.upsert_nodes("Product) DETACH DELETE (n", pd.DataFrame({"id": ["p1"]}))
    store.upsert_nodes("Product", pd.DataFrame({"id": ["p1"]}))
    store.upsert_nodes("Brand", pd.DataFrame({"id": ["b1"]}))
    with pytest.raises(StoreError, match="missing.*Product id 'p2'"):
        store.upsert_edges("HAS_BRAND", "Product", "Brand", pd.DataFrame({"src": ["p1", "p2"], "dst": ["b1", "b1"]}))
    # an upsert is one transaction: nothing written (as on LadybugDB; tests/test_store_contract.py)
    assert int(store.query("MATCH ()-[e:HAS_BRAND]->() RETURN count(e) AS n")["n"].iloc[0]) == 0


def test_load_is_idempotent_and_updates_in_place_with_provenance(loaded, shop):
    store = loaded
    first = store.counts()
    assert {k: v for k, v in first.items() if v} == shop.counts()
    again = store.load(shop, progress=False)
    assert again == first
    dup = store.query("MATCH (a)-[r]->(b) WITH a, b, type(r) AS t, count(r) AS c WHERE c > 1 RETURN count(*) AS n")
    assert int(dup["n"].iloc[0]) == 0

    prov = store.query("MATCH (p:Product)-[h:HAS_ATTRIBUTE]->(a:AttributeValue) "
                       "RETURN p.id AS p, a.id AS a, h.extractor AS extractor, h.confidence AS confidence, "
                       "h.source_doc AS source_doc ORDER BY p, a")
    table = shop.edges[("HAS_ATTRIBUTE", "Product", "AttributeValue")].frame.sort_values(["src", "dst"])
    assert prov["extractor"].tolist() == table["extractor"].tolist()
    assert prov["source_doc"].tolist() == table["source_doc"].tolist()
    assert np.allclose(prov["confidence"], table["confidence"])

    products = shop.nodes["Product"].head(3).copy()
    products["title"] = ["renamed A", "renamed B", None]
    store.upsert_nodes("Product", products[["id", "title"]])
    got = store.query("MATCH (p:Product) WHERE p.id IN $ids RETURN p.id AS id, p.title AS title, p.price AS price "
                      "ORDER BY id", {"ids": products["id"].tolist()})
    assert got["title"].tolist()[:2] == ["renamed A", "renamed B"] and pd.isna(got["title"].iloc[2])
    assert np.allclose(got["price"], products["price"])  # columns not given are left alone
    assert store.counts() == first
    store.upsert_nodes("Product", shop.nodes["Product"])  # restore the titles for the tests that follow


def test_shared_queries_return_identical_rows_on_neo4j_and_ladybug(loaded, shop, tmp_path):
    from kgmine.graph.queries import QUERIES, representative_params, run_named
    from kgmine.graph.stores.ladybug_store import LadybugStore

    assert len(QUERIES) >= 10
    embedded = LadybugStore(tmp_path / "store")
    try:
        store = loaded
        assert embedded.load(shop, progress=False) == store.counts()
        params = representative_params(embedded)
        assert params == representative_params(store)
        # this graph has no relation edges read from text (tests/test_text_queries.py runs those queries)
        assert set(params) == {"product_id", "user_id", "brand_id", "category_id", "attribute", "material"}
        counts, empty = store.counts(), []
        for name, q in QUERIES.items():
            if any(p not in params and p not in q.defaults for p in q.params):
                assert q.needs and not all(counts[t] for t in q.needs), name
                continue
            a, b = run_named(embedded, name, params), run_named(store, name, params)
            assert list(a.columns) == list(b.columns), name
            assert _rows(a) == _rows(b), f"{name}: rows differ\n{a.head()}\n{b.head()}"
            if a.empty:
                empty.append(name)
        assert not empty, f"queries without rows on the test graph (compare nothing): {empty}"
    finally:
        embedded.close()


def test_exports_from_neo4j_match_the_tables(loaded, shop):
    from kgmine.graph.export import read_tables, to_networkx

    store = loaded
    back = read_tables(store)
    assert back.counts() == shop.counts()
    graph = to_networkx(store, node_labels=["User", "Product"], rel_types=["BOUGHT"])
    assert graph.number_of_edges() == shop.counts()["BOUGHT"]


def _wait_until_running(uri: str, worker: threading.Thread, marker: str) -> bool:
    """Wait (up to 120 s) until a server transaction runs a query containing ``marker``; True if
    ``worker`` is still alive then. A write call is one transaction, so its progress is not visible."""
    from kgmine.graph.stores.neo4j_store import Neo4jStore

    probe = Neo4jStore(uri=uri, progress=False)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and worker.is_alive():
        running = probe.query("SHOW TRANSACTIONS YIELD currentQuery WHERE currentQuery CONTAINS $q RETURN count(*) AS n",
                              {"q": marker})
        if int(running["n"].iloc[0]) > 0:
            break
        time.sleep(0.2)
    probe.close()
    return worker.is_alive()


def _restart_during(server: dict[str, str], key: str, call) -> tuple[dict, threading.Thread, bool, Any]:
    """Start ``call()`` in a thread (its result under ``outcome[key]``, a StoreError under
    ``outcome["error"]``) and restart the server once a BOUGHT MERGE runs.

    Returns ``(outcome, thread, whether it was still running at the restart, the restart's process)``.
    """
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome[key] = call()
        except StoreError as exc:
            outcome["error"] = exc

    worker = threading.Thread(target=run)
    worker.start()
    mid_load = _wait_until_running(server["uri"], worker, "MERGE (a)-[e:BOUGHT]->(b)")
    return outcome, worker, mid_load, _script(server["env"], "restart", timeout=600)


def _random_bought(n_users: int, n_items: int, n_edges: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Users, items and ``n_edges`` distinct random BOUGHT pairs between them."""
    rng = np.random.default_rng(0)
    codes = rng.choice(n_users * n_items, size=n_edges, replace=False)
    edges = pd.DataFrame({"src": [f"u{c // n_items}" for c in codes], "dst": [f"i{c % n_items}" for c in codes]})
    return (pd.DataFrame({"id": [f"u{i}" for i in range(n_users)]}),
            pd.DataFrame({"id": [f"i{i}" for i in range(n_items)]}), edges)


def test_server_restarted_mid_load_the_load_is_retried_as_a_whole_and_exact(server):
    """A whole load is one managed transaction: a restart rolls it back and the driver runs it again."""
    from kgmine.graph.stores.neo4j_store import Neo4jStore
    from kgmine.graph.tables import KGTables

    env = server["env"]
    status = _script(env, "status", timeout=60)
    if status.returncode != 0 or server["uri"] not in status.stdout:
        _unavailable(f"the server at {server['uri']} is not managed by docker/neo4j-server.sh; cannot restart it")
    users, items, edges = _random_bought(1000, 2000, 24_000)
    tables = KGTables()
    tables.add_nodes("User", users)
    tables.add_nodes("Product", items)
    tables.add_edges("BOUGHT", "User", "Product", edges)
    store = Neo4jStore(uri=server["uri"], batch_size=2000, max_retry_time=240, progress=False)
    store.clear()
    outcome, worker, mid_load, restarted = _restart_during(server, "counts", lambda: store.load(tables, progress=False))
    assert restarted.returncode == 0, restarted.stderr
    worker.join(timeout=600)
    assert not worker.is_alive() and mid_load, "the load finished before the server was stopped; make it larger"
    assert "error" not in outcome, outcome.get("error")
    counts = outcome["counts"]
    assert (counts["User"], counts["Product"], counts["BOUGHT"]) == (1000, 2000, 24_000)
    pairs = store.query("MATCH (u:User)-[r:BOUGHT]->(p:Product) WITH u, p, count(r) AS c "
                        "RETURN count(*) AS pairs, max(c) AS most")
    assert int(pairs["pairs"].iloc[0]) == 24_000 and int(pairs["most"].iloc[0]) == 1
    store.close()


def test_server_stopped_mid_load_then_load_completes_or_fails_cleanly_and_rerun_is_exact(server):
    """Stop and restart the server while a 24k-edge upsert (12 batches, one transaction) runs, then check
    exact counts."""
    from kgmine.graph.stores.neo4j_store import Neo4jStore

    env = server["env"]
    status = _script(env, "status", timeout=60)
    if status.returncode != 0 or server["uri"] not in status.stdout:
        _unavailable(f"the server at {server['uri']} is not managed by docker/neo4j-server.sh "
                     f"(status: {status.stdout.strip() or status.stderr.strip()}); cannot restart it")
    n_users, n_items, n_edges = 1000, 2000, 24_000
    users, items, edges = _random_bought(n_users, n_items, n_edges)

    store = Neo4jStore(uri=server["uri"], batch_size=2000, max_retry_time=240, progress=False)
    store.clear()
    store.create_schema()
    store.upsert_nodes("User", users)
    store.upsert_nodes("Product", items)
    outcome, worker, mid_load, restarted = _restart_during(
        server, "written", lambda: store.upsert_edges("BOUGHT", "User", "Product", edges))
    assert restarted.returncode == 0, restarted.stderr
    assert restarted.stdout.strip() == server["uri"]
    worker.join(timeout=600)
    assert not worker.is_alive()
    assert mid_load, "the load finished before the server was stopped; make it larger"

    if "error" in outcome:  # failed cleanly: one line that says what to do; then a re-run completes
        message = str(outcome["error"])
        assert "\n" not in message and "re-run" in message
        assert store.upsert_edges("BOUGHT", "User", "Product", edges) == n_edges
    else:
        assert outcome["written"] == n_edges
    count = store.query("MATCH ()-[r:BOUGHT]->() RETURN count(r) AS n")["n"].iloc[0]
    pairs = store.query("MATCH (u:User)-[r:BOUGHT]->(p:Product) WITH u, p, count(r) AS c "
                        "RETURN count(*) AS pairs, max(c) AS most")
    assert int(count) == n_edges
    assert int(pairs["pairs"].iloc[0]) == n_edges and int(pairs["most"].iloc[0]) == 1
    store.close()


def test_recommender_commands_run_on_neo4j_as_on_ladybug(loaded, shop, server, tmp_path):
    """fit-recommender, recommend and similar against the Neo4j server give the lists they give on the
    embedded store holding the same graph (GF-CF: training-free, deterministic)."""
    from typer.testing import CliRunner

    from kgmine.cli import app
    from kgmine.graph.stores.ladybug_store import LadybugStore

    embedded = LadybugStore(tmp_path / "store")
    try:
        embedded.load(shop, progress=False)
    finally:
        embedded.close()
    runner = CliRunner()
    env = {"NEO4J_URI": server["uri"], "COLUMNS": "250"}
    user = str(loaded.query("MATCH (u:User)-[:BOUGHT]->(:Product) RETURN u.id AS id ORDER BY id LIMIT 1")["id"][0])
    outputs = {}
    for name, store in (("neo4j", "neo4j"), ("ladybug", str(tmp_path / "store"))):
        model = tmp_path / f"{name}-gf.pt"
        fit = runner.invoke(app, ["fit-recommender", "--store", store, "--model", "gf_cf", "--model-path", str(model)],
                            env=env)
        assert fit.exit_code == 0, fit.output
        rec = runner.invoke(app, ["recommend", "--store", store, "--model", "gf_cf", "--model-path", str(model),
                                  "--user", user, "-k", "5"], env=env)
        assert rec.exit_code == 0, rec.output
        from kgmine.recommend.fitted import FittedRecommender
        from kgmine.recommend.serve import recommend_topk, similar_items

        fitted = FittedRecommender.load(model)
        top = recommend_topk(fitted, [user], 5)["product_id"].tolist()
        assert all(pid in rec.output for pid in top)
        item = top[0]
        sim = runner.invoke(app, ["similar", "--store", store, "--model", "gf_cf", "--model-path", str(model),
                                  "--item", item, "-k", "3"], env=env)
        assert sim.exit_code == 0, sim.output
        assert all(pid in sim.output for pid in similar_items(fitted, item, 3)["similar_id"])
        outputs[name] = (top, fitted.data.n_users, fitted.data.n_items)
    assert outputs["neo4j"] == outputs["ladybug"]
