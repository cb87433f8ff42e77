"""The Spark engine in local mode: one SparkSession for the module (kgmine.spark.session)."""
from __future__ import annotations

import dataclasses

import json
import os

import numpy as np
import pandas as pd
import pytest

try:
    import pyspark  # noqa: F401
except ImportError:  # CI installs the spark extra: there a missing pyspark is a failure, not a skip
    if os.environ.get("CI", "").lower() == "true":
        raise
    pytest.skip('the Spark tests need the spark extra: pip install "kgmine[spark]"', allow_module_level=True)


@pytest.fixture(scope="module")
def spark():
    from kgmine.spark import spark_session

    session = spark_session("local[2]")
    yield session
    session.stop()


def _rule_set(frame: pd.DataFrame) -> pd.DataFrame:
    keyed = frame.assign(a=frame["antecedent"].map(lambda t: tuple(sorted(map(str, t)))),
                         c=frame["consequent"].map(lambda t: tuple(sorted(map(str, t)))))
    cols = ["a", "c", "count", "support", "confidence", "lift", "leverage", "conviction", "length"]
    return keyed[cols].sort_values(["a", "c"]).reset_index(drop=True)


def test_master_url_order(monkeypatch):
    from kgmine.spark.session import master_url

    monkeypatch.delenv("KGMINE_SPARK_MASTER", raising=False)
    assert master_url() == "local[*]"
    monkeypatch.setenv("KGMINE_SPARK_MASTER", "spark://host:7077")
    assert master_url() == "spark://host:7077"
    assert master_url("local[3]") == "local[3]"


def test_missing_pyspark_is_one_line(monkeypatch):
    import builtins

    from kgmine.spark.session import SparkMissing, require_pyspark

    real_import = builtins.__import__

    def no_pyspark(name, *args, **kwargs):
        if name == "pyspark" or name.startswith("pyspark."):
            raise ImportError("No module named 'pyspark'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyspark)
    with pytest.raises(SparkMissing, match=r'pip install "kgmine\[spark\]"'):
        require_pyspark()


def test_session_settings(spark):
    conf = spark.sparkContext.getConf()
    assert conf.get("spark.ui.enabled") == "false"
    assert int(spark.conf.get("spark.sql.shuffle.partitions")) <= 8


def test_spark_rules_equal_pyfim_small(spark):
    from kgmine.mine.rules import AssociationRules

    rng = np.random.default_rng(3)
    baskets = [list(rng.choice(12, size=rng.integers(1, 6), replace=False)) for _ in range(400)]
    baskets.append([])  # an empty basket still counts in N
    ours = AssociationRules(0.02, 0.15, max_len=3, engine="spark").fit(baskets)
    ref = AssociationRules(0.02, 0.15, max_len=3, engine="pyfim").fit(baskets)
    assert len(ref.rules_) > 20
    assert list(ours.rules_.columns) == list(ref.rules_.columns)
    assert ours.summary() == ref.summary()
    pd.testing.assert_frame_equal(_rule_set(ours.rules_), _rule_set(ref.rules_))
    pd.testing.assert_frame_equal(ours.itemsets_.reset_index(drop=True), ref.itemsets_.reset_index(drop=True))


@pytest.mark.shared_data
def test_spark_rules_groceries_equal_pyfim(spark, shared_data):
    from kgmine.mine.baskets import Baskets
    from kgmine.mine.rules import AssociationRules

    data = Baskets.from_file(shared_data / "baskets" / "groceries.csv")
    ours = AssociationRules(0.01, 0.5, engine="spark").fit(data)
    ref = AssociationRules(0.01, 0.5, engine="pyfim").fit(data)
    assert ours.min_count_ == 99 and len(ref.rules_) > 0
    assert ours.summary() == ref.summary()
    pd.testing.assert_frame_equal(_rule_set(ours.rules_), _rule_set(ref.rules_))


def test_cli_rules_engine_spark_json(spark, tmp_path):
    from typer.testing import CliRunner

    from kgmine.cli import app

    path = tmp_path / "b.csv"
    rng = np.random.default_rng(5)
    path.write_text("\n".join(",".join(f"i{x}" for x in rng.choice(8, size=rng.integers(1, 5), replace=False))
                              for _ in range(200)) + "\n")
    outs = {}
    for engine in ("spark", "pyfim"):
        result = CliRunner().invoke(app, ["mine", "rules", "--baskets", str(path), "-s", "0.05", "-c", "0.3",
                                          "--engine", engine, "--json", "--spark-master", "local[2]"])
        assert result.exit_code == 0, result.output
        outs[engine] = json.loads(result.output)
    for doc in outs.values():
        doc["summary"].pop("seconds")
    assert outs["spark"] == outs["pyfim"]
    assert outs["spark"]["summary"]["rules"] > 0


def test_graphx_pagerank_and_components_match_networkx(spark, tmp_path):
    import networkx as nx

    from kgmine.spark.graphx import graphx_analytics

    rng = np.random.default_rng(11)
    n = 120
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    for block in (range(0, 70), range(70, 110), range(110, 120)):  # three components, no isolated node
        nodes = list(block)
        for a, b in zip(nodes, nodes[1:]):
            graph.add_edge(a, b)
        for _ in range(len(nodes)):
            a, b = rng.choice(nodes, 2, replace=False)
            graph.add_edge(int(a), int(b))
    src, dst = map(np.array, zip(*graph.edges()))
    ours = graphx_analytics(src, dst, n, iterations=50, workdir=str(tmp_path))
    ref = nx.pagerank(graph, alpha=0.85, tol=1e-12, max_iter=1000, weight=None)
    assert np.abs(ours["pagerank"].to_numpy() - np.array([ref[i] for i in range(n)])).max() < 1e-5
    components = {frozenset(c) for c in nx.connected_components(graph)}
    got = {frozenset(ours.loc[ours["component"] == c, "node"]) for c in ours["component"].unique()}
    assert got == components
    assert set(ours.loc[ours["component"] == 0, "node"]) == set(range(70))  # component 0 is the largest


def test_graph_analytics_on_graphx_are_written_back_like_in_process(spark, small_world, tmp_path):
    """backend='spark': the same components as igraph, PageRank summing to 1, label-propagation communities
    that split two cliques joined by one edge, and write_analytics storing them as it stores igraph's."""
    import scipy.sparse as sp

    from kgmine.graph.build import build_tables
    from kgmine.graph.stores.ladybug_store import LadybugStore
    from kgmine.mine.analytics import GraphAnalytics
    from kgmine.mine.writeback import write_analytics

    cliques = [(a, b) for block in (range(0, 6), range(6, 12)) for a in block for b in block if a < b] + [(5, 6)]
    rows, cols = map(np.array, zip(*cliques))
    adjacency = sp.coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(13, 13))  # node 12 isolated
    ids = [f"p{i}" for i in range(13)]
    toy = GraphAnalytics(backend="spark", betweenness_k=0).fit((ids, (adjacency + adjacency.T).tocsr()))
    nodes = toy.nodes_.set_index("product_id")
    assert nodes["pagerank"].sum() == pytest.approx(1.0, abs=1e-6)
    community = nodes["community"]
    assert community[[f"p{i}" for i in range(6)]].nunique() == 1 and community[[f"p{i}" for i in range(6, 12)]].nunique() == 1
    assert community["p0"] != community["p11"] and toy.summary_["modularity"] > 0.3
    assert nodes["component"].nunique() == 2 and nodes["betweenness"].isna().all()

    store = LadybugStore(tmp_path / "store")
    try:
        store.load(build_tables(small_world), progress=False)
        on_spark = GraphAnalytics(backend="spark", betweenness_k=0).fit(store)
        local = GraphAnalytics(betweenness_k=0).fit(store)
        same = on_spark.nodes_.set_index("product_id")["component"].groupby(
            local.nodes_.set_index("product_id")["component"]).nunique()
        assert (same == 1).all() and on_spark.summary_["components"] == local.summary_["components"]
        written = write_analytics(store, on_spark)
        stored = store.query("MATCH (p:Product) WHERE p.pagerank IS NOT NULL RETURN count(*) AS n")["n"][0]
        assert stored == len(on_spark.nodes_) == written["Product"]
        communities = store.query("MATCH (c:Community) RETURN count(*) AS n")["n"][0]
        assert communities == on_spark.summary_["communities"] == written.get("Community", 0)
        assert write_analytics(store, on_spark) == written  # idempotent
        assert store.query("MATCH (c:Community) RETURN count(*) AS n")["n"][0] == communities
    finally:
        store.close()


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.astype({c: "Int64" for c in ("start", "end", "head_start", "head_end", "tail_start", "tail_end")
                          if c in frame.columns})
    frame = frame.astype({c: object for c in frame.columns if frame[c].dtype != "Int64" and frame[c].dtype != float})
    for c in frame.columns:  # a null string comes back from Spark as NaN or None: one spelling
        if frame[c].dtype == object:
            frame[c] = [None if v is None or (isinstance(v, float) and v != v) else v for v in frame[c]]
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


def test_spark_extraction_rows_equal_in_process(spark, small_world):
    from kgmine.extract.catalog import extract_catalog
    from kgmine.spark.extract import extract_products_spark

    products = small_world.products
    texts = int(products["title"].notna().sum() + products["description"].notna().sum())
    assert texts >= 500
    ref = extract_catalog(products, progress=False)
    ours = extract_products_spark(products)
    for table in ("attributes", "relations", "entities"):
        got = ours[table].toPandas()
        want = getattr(ref, table)
        assert len(want) > 50, table
        pd.testing.assert_frame_equal(_sorted(got), _sorted(want[got.columns.tolist()]), check_dtype=False)
    # the pipeline was loaded at most once in each Python worker that ran a partition
    def probe(batches):
        import os

        from kgmine.spark.extract import worker_pipeline

        for _ in batches:
            yield pd.DataFrame({"pid": [os.getpid()], "loads": [worker_pipeline.cache_info().misses]})
    loads = spark.range(0, 8, numPartitions=8).mapInPandas(probe, "pid long, loads long").toPandas()
    per_worker = loads.groupby("pid")["loads"].max()
    assert (per_worker <= 1).all() and per_worker.sum() >= 1


def test_spark_review_extraction_rows_equal_in_process(spark, small_world):
    from kgmine.extract.catalog import _extract_reviews
    from kgmine.spark.extract import extract_products_spark, extract_reviews_spark, worker_pipeline

    reviews = small_world.reviews.head(400)
    key = extract_products_spark(small_world.products.head(20), tables=("attributes",))["key"]
    want_mentions, want_ents = _extract_reviews(worker_pipeline(key), reviews, 64, 1, False)
    ours = extract_reviews_spark(reviews, key)
    got = ours["review_mentions"].toPandas()
    assert len(want_mentions) > 50
    pd.testing.assert_frame_equal(_sorted(got), _sorted(want_mentions[got.columns.tolist()]), check_dtype=False)
    want_ents = pd.DataFrame(want_ents)
    got_ents = ours["entities"].toPandas()
    assert (got_ents["source"] == "review").all() and len(got_ents) == len(want_ents)
    pd.testing.assert_frame_equal(_sorted(got_ents), _sorted(want_ents[got_ents.columns.tolist()]), check_dtype=False)
    with pytest.raises(ValueError, match="review_id"):
        extract_reviews_spark(reviews.drop(columns=["review_id"]), key)


@pytest.fixture(scope="module")
def kg_tables(small_world):
    from kgmine.graph.build import build_tables

    return build_tables(small_world)


def test_interaction_tables_on_spark_equal_build_tables(spark, small_world, kg_tables):
    from kgmine.spark.interaction_tables import interaction_tables_spark

    events = small_world.interactions
    assert {"bought", "rated"} <= set(events["event"])
    # a repeat purchase with an equal timestamp: the later row of the input wins, as in build_tables' stable sort
    dup = events[events["event"] == "bought"].head(1).assign(basket_id="later-row")
    events = pd.concat([events, dup], ignore_index=True)
    world = dataclasses.replace(small_world, interactions=events)
    from kgmine.graph.build import build_tables

    want_tables = build_tables(world)
    out = interaction_tables_spark(events, small_world.users, small_world.reviews, source=small_world.name)
    assert set(out) == {"User"} | {k for k in want_tables.edges if k[0] in ("BOUGHT", "RATED", "VIEWED")}
    for key, frame in out.items():
        want = want_tables.nodes["User"] if key == "User" else want_tables.edges[key].frame
        got = frame.toPandas()
        assert list(got.columns) == list(want.columns), key
        assert len(got) == len(want) > 100, key
        pd.testing.assert_frame_equal(_sorted(got.astype(str)), _sorted(want.astype(str)), check_dtype=False)
    bought = out[("BOUGHT", "User", "Product")].toPandas()
    assert (bought["basket_id"] == "later-row").sum() == 1 and bought["purchases"].max() >= 2
    # handed to build_tables (as `kgmine run --engine spark` does), the whole graph is the in-process one
    via_spark = build_tables(world, behaviour={key: frame.toPandas() for key, frame in out.items()})
    assert via_spark.counts() == want_tables.counts()
    with pytest.raises(ValueError, match="'event'"):
        interaction_tables_spark(events.drop(columns=["event"]))


def test_kg_tables_to_parquet(spark, kg_tables, tmp_path):
    from kgmine.spark.graph_load import kg_tables_to_spark, write_parquet

    nodes, edges = kg_tables_to_spark(kg_tables)
    written = write_parquet(nodes, edges, str(tmp_path / "kg"))
    assert len(written) == len(nodes) + len(edges) >= 4
    for label, frame in kg_tables.nodes.items():
        if len(frame):
            assert len(pd.read_parquet(tmp_path / "kg" / "nodes" / label)) == len(frame)
    # ... and into the embedded store: the counts of an in-process load, and a re-run changes nothing
    from kgmine.graph.stores.ladybug_store import LadybugStore
    from kgmine.spark.graph_load import load_ladybug_parquet

    direct, from_parquet = LadybugStore(tmp_path / "direct"), LadybugStore(tmp_path / "parquet")
    try:
        want = direct.load(kg_tables, progress=False)
        assert load_ladybug_parquet(from_parquet, tmp_path / "kg", progress=False) == want
        assert load_ladybug_parquet(from_parquet, tmp_path / "kg", progress=False) == want
        query = "MATCH (u:User)-[b:BOUGHT]->(p:Product) RETURN u.id AS user_id, p.id AS product_id ORDER BY user_id, product_id"
        assert direct.query(query).equals(from_parquet.query(query))
    finally:
        direct.close()
        from_parquet.close()
    with pytest.raises(FileNotFoundError, match="write_parquet"):
        load_ladybug_parquet(None, tmp_path)


@pytest.mark.neo4j
def test_neo4j_write_from_partitions_exact_and_idempotent(spark, kg_tables):
    from kgmine.graph.stores import open_store
    from kgmine.spark.graph_load import kg_tables_to_spark, load_neo4j_spark

    uri = os.environ.get("NEO4J_URI")
    if not uri:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI must run the Spark Neo4j test: NEO4J_URI is not set")
        pytest.skip("NEO4J_URI not set (start a server with docker/neo4j-server.sh)")
    settings = {"uri": uri, "user": os.environ.get("NEO4J_USER"), "password": os.environ.get("NEO4J_PASSWORD")}
    store = open_store("neo4j", uri=uri, progress=False)
    try:
        store.clear()
        nodes, edges = kg_tables_to_spark(kg_tables)
        first = load_neo4j_spark(nodes, edges, settings, node_partitions=3)
        counts = store.counts()
        again = load_neo4j_spark(nodes, edges, settings, node_partitions=3)
        assert store.counts() == counts  # a re-run MERGEs onto the same nodes and relationships
    finally:
        store.close()
    assert first == again
    for label, frame in kg_tables.nodes.items():
        assert counts[label] == frame["id"].nunique() == first[label]
    by_type: dict[str, int] = {}
    for (type_, _, _), table in kg_tables.edges.items():
        by_type[type_] = by_type.get(type_, 0) + len(table.frame[["src", "dst"]].drop_duplicates())
    for type_, n in by_type.items():
        assert counts[type_] == n, type_


def test_demo_pipeline_engine_spark_same_graph_and_rules(spark, tmp_path):
    from kgmine.pipeline import run_pipeline

    cfg = {"data": {"kind": "demo", "n_products": 200, "n_users": 150},
           "mine": {"clusters": {"enabled": False}, "analytics": {"enabled": False}},
           "recommend": {"enabled": False}, "report": {"enabled": False}}
    local = run_pipeline(cfg, tmp_path / "local")
    ours = run_pipeline({**cfg, "engine": "spark"}, tmp_path / "spark")
    assert ours.counts == local.counts and sum(local.counts.values()) > 500
    assert ours.metrics["extraction"]["rows"] == local.metrics["extraction"]["rows"] > 100
    rules = [pd.read_parquet(r.out_dir / "artifacts" / "rules.parquet") for r in (local, ours)]
    assert len(rules[0]) > 0
    pd.testing.assert_frame_equal(*(_rule_set(r.assign(antecedent=r["antecedent"].map(tuple),
                                                        consequent=r["consequent"].map(tuple))) for r in rules))


def test_pipeline_engine_is_checked():
    from kgmine.config import ConfigError, pipeline_config

    with pytest.raises(ConfigError, match="engine"):
        pipeline_config({"engine": "dask"})


def test_torch_distributor_ddp_two_ranks_identical_weights(spark, small_world):
    from kgmine.recommend.data import InteractionData
    from kgmine.recommend.ddp import run_distributed

    data = InteractionData.from_shop(small_world)
    out = run_distributed(data, num_processes=2, params={"embedding_dim": 16, "num_layers": 2},
                          config={"epochs": 3, "batch_size": 512, "lr": 0.01, "progress": False})
    assert len(out["digests"]) == 2 and out["digests"][0] == out["digests"][1]
    assert np.isfinite(out["loss"]) and 0 < out["loss"] < 0.7  # below BPR's log 2 at random scores
    assert 0 <= out["metrics"]["ndcg_at_20"] <= 1
    # two ranks on halves of every batch, gradients averaged == one process on the whole batches
    from kgmine.recommend.train import TrainConfig, build_model, evaluate_model, fit
    from kgmine.seeding import seed_everything

    seed_everything(0)
    net = build_model("lightgcn", data, embedding_dim=16, num_layers=2)
    fit(net, data, TrainConfig(epochs=3, batch_size=512, lr=0.01, progress=False, eval_every=3, num_threads=1))
    single = evaluate_model(net, data.graph(), data, "test", (20,))
    for metric in ("recall_at_20", "ndcg_at_20"):
        assert out["metrics"][metric] == pytest.approx(single[metric], abs=2e-3), metric


@pytest.mark.shared_data
def test_spark_rules_groceries_arules_count(spark, shared_data):
    from kgmine.mine.baskets import Baskets
    from kgmine.mine.rules import AssociationRules

    model = AssociationRules(0.001, 0.5, engine="spark").fit(Baskets.from_file(shared_data / "baskets" / "groceries.csv"))
    assert model.min_count_ == 10
    assert len(model.rules_) == 5668  # arules apriori, see ../shared/data/README.md
    assert model.summary()["rules_by_length"] == {2: 11, 3: 1461, 4: 3211, 5: 939, 6: 46}


def test_cli_engine_spark_without_pyspark_is_one_line(monkeypatch, tmp_path):
    from typer.testing import CliRunner

    import kgmine.spark.session as session
    from kgmine.cli import app

    def missing(master=None, app_name="kgmine"):
        raise session.SparkMissing(session.INSTALL_HINT)

    monkeypatch.setattr(session, "spark_session", missing)
    path = tmp_path / "b.csv"
    path.write_text("a,b\na,b,c\nb,c\n")
    result = CliRunner().invoke(app, ["mine", "rules", "--baskets", str(path), "--engine", "spark", "--top", "0"])
    assert result.exit_code == 1
    assert 'pip install "kgmine[spark]"' in result.output and "Traceback" not in result.output
