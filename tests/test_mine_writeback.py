"""Mining results written back to the embedded store, idempotently; the `kgmine mine` commands."""
from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from kgmine.mine.rules import AssociationRules
from kgmine.mine.writeback import analytics_tables, cluster_tables, rules_edges, rules_tables


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory, small_world):
    pytest.importorskip("ladybug")
    from kgmine.graph.build import build_tables
    from kgmine.graph.stores import open_store

    path = tmp_path_factory.mktemp("mine") / "store"
    with open_store("ladybug", path) as store:
        store.load(build_tables(small_world), progress=False)
    return path


def test_rules_edges_are_pairwise_with_metrics():
    model = AssociationRules(0.1, 0.3, min_len=1).fit([["a", "b"], ["a", "b", "c"], ["a"], ["b", "c"]])
    edges = rules_edges(model)
    assert len(edges) == len(model.pairwise_rules()) > 0
    assert list(edges.columns) == ["src", "dst", "support", "confidence", "lift", "leverage", "conviction"]
    row = edges[(edges["src"] == "a") & (edges["dst"] == "b")].iloc[0]
    assert row["support"] == pytest.approx(0.5) and row["confidence"] == pytest.approx(2 / 3)
    fragment = rules_tables(model, min_lift=1.0)
    assert fragment.counts().get("FREQUENTLY_BOUGHT_WITH", 0) == int((edges["lift"] >= 1).sum())


def test_write_back_is_idempotent(store_dir, small_world):
    from kgmine.graph.stores import open_store
    from kgmine.mine.analytics import GraphAnalytics
    from kgmine.mine.baskets import baskets_from_store
    from kgmine.mine.clusters import ProductClusterer, UserClusterer
    from kgmine.mine.writeback import write_analytics, write_clusters, write_rules

    with open_store("ladybug", store_dir) as store:
        baskets = baskets_from_store(store)
        # The graph keeps one BOUGHT edge per (user, product), so a repeat purchase keeps only its
        # latest basket: stored baskets are the shop's baskets minus repeats.
        shop = small_world.baskets().groupby("basket_id")["product_id"].agg(set)
        assert 0 < len(baskets) <= len(shop)
        assert all(set(items) <= set(shop[bid]) for bid, items in zip(baskets.ids, baskets.transactions))
        rules = AssociationRules(0.002, 0.1, min_len=2).fit(baskets)
        products = ProductClusterer(n_clusters=8, progress=False).fit(store)
        users = UserClusterer(n_clusters=5, progress=False).fit(store)
        graph = GraphAnalytics().fit(store)
        for _ in range(2):  # the second run must leave every count unchanged
            write_rules(store, rules)
            write_clusters(store, products)
            write_clusters(store, users)
            write_analytics(store, graph)
            counts = store.counts()
            if _ == 0:
                first = counts
        assert counts == first
        assert counts["FREQUENTLY_BOUGHT_WITH"] == len(rules.pairwise_rules())
        assert counts["Cluster"] == 8 + 5 and counts["IN_CLUSTER"] == len(products.labels_) + len(users.labels_)
        assert counts["Community"] == graph.summary_["communities"]
        stored = store.query("MATCH (p:Product) RETURN p.id AS id, p.title AS title, p.pagerank AS pagerank, "
                             "p.component AS component")
        assert stored["title"].notna().all()  # measures were added, nothing else was touched
        assert stored["pagerank"].sum() == pytest.approx(1.0)
        # A smaller clustering of the same run replaces the old one instead of adding to it.
        write_clusters(store, ProductClusterer(n_clusters=4, progress=False).fit(store))
        assert store.counts()["Cluster"] == 4 + 5


def test_fragments_follow_the_schema(small_world):
    from kgmine.mine.analytics import GraphAnalytics
    from kgmine.mine.clusters import ProductClusterer

    clusters = cluster_tables(ProductClusterer(n_clusters=3, progress=False).fit(small_world), run="demo")
    assert set(clusters.nodes["Cluster"]["id"]) == {"product:demo:0", "product:demo:1", "product:demo:2"}
    analytics = analytics_tables(GraphAnalytics().fit(small_world))
    assert list(analytics.nodes["Product"].columns) == ["id", "pagerank", "degree", "betweenness", "component"]


def test_cli_rules_clusters_analytics(store_dir, tmp_path):
    from kgmine.cli import app

    runner = CliRunner()
    baskets = tmp_path / "b.csv"
    baskets.write_text("milk,bread\nmilk,bread,eggs\neggs\nmilk,bread,eggs\n")
    result = runner.invoke(app, ["mine", "rules", "--baskets", str(baskets), "-s", "0.5", "-c", "0.6", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["summary"]["rules"] == len(AssociationRules(0.5, 0.6).fit(baskets).rules_)
    assert {"antecedent", "lift", "conviction"} <= set(payload["rules"][0])
    result = runner.invoke(app, ["mine", "rules", "--baskets", str(baskets), "-s", "0.5", "-c", "0.6"])
    assert result.exit_code == 0 and "rules from" in result.output
    result = runner.invoke(app, ["mine", "rules", "--baskets", str(tmp_path / "missing.csv")])
    assert result.exit_code == 1 and "missing.csv" in result.output
    result = runner.invoke(app, ["mine", "rules", "--baskets", str(baskets), "--write"])
    assert result.exit_code == 1 and "--store" in result.output

    result = runner.invoke(app, ["mine", "rules", "--store", str(store_dir), "-s", "0.003", "-c", "0.1",
                                 "--min-len", "2", "--write"])
    assert result.exit_code == 0, result.output
    assert "FREQUENTLY_BOUGHT_WITH" in result.output
    result = runner.invoke(app, ["mine", "clusters", "--store", str(store_dir), "--k", "6", "--evaluate", "category",
                                 "--json", "--write"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)["summary"]
    assert summary["clusters"] == 6 and 0 < summary["ari_category"] <= 1
    result = runner.invoke(app, ["mine", "analytics", "--store", str(store_dir), "--json", "--top", "3"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert len(payload["top"]) == 3 and payload["summary"]["nodes"] > 0
    result = runner.invoke(app, ["mine", "analytics", "--store", str(tmp_path / "nostore")])
    assert result.exit_code == 1 and "does not exist" in result.output


def test_cli_clusters_from_products_file(tmp_path):
    from kgmine.cli import app

    path = tmp_path / "products.csv"
    pd.DataFrame({"product_id": [f"p{i}" for i in range(8)],
                  "title": ["red cotton shirt", "blue cotton shirt", "green cotton shirt", "white cotton shirt",
                            "steel chef knife", "steel bread knife", "steel paring knife", "steel utility knife"],
                  "category_path": ["Tops"] * 4 + ["Kitchen"] * 4}).to_csv(path, index=False)
    out = tmp_path / "labels.csv"
    result = CliRunner().invoke(app, ["mine", "clusters", "--products", str(path), "--k-max", "4",
                                      "--fields", "title", "--evaluate", "category", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "ARI vs category 1.000" in " ".join(result.output.split())
    assert len(pd.read_csv(out)) == 8


def test_the_rules_file_is_one_format_for_the_command_and_the_run(tmp_path):
    """`kgmine mine rules --out x.parquet` writes what a run's artifacts/rules.parquet holds (save_rules):
    antecedent / consequent as lists of ids; CSV joins them with |; the report reads the file."""
    import pandas as pd

    from kgmine.cli import app
    from kgmine.mine.rules import RULE_FILE_COLUMNS, save_rules

    baskets = tmp_path / "b.csv"
    baskets.write_text("milk,bread\nmilk,bread,eggs\neggs\nmilk,bread,eggs\n")
    out = tmp_path / "rules.parquet"
    result = CliRunner().invoke(app, ["mine", "rules", "--baskets", str(baskets), "-s", "0.5", "-c", "0.6",
                                      "--max-consequent", "0", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rules = AssociationRules(0.5, 0.6, max_consequent_len=None).fit(baskets).rules_
    saved = pd.read_parquet(out)
    assert list(saved.columns) == RULE_FILE_COLUMNS
    assert [list(a) for a in saved["antecedent"]] == [list(a) for a in rules["antecedent"]]
    assert any(len(c) > 1 for c in saved["consequent"])
    save_rules(rules, tmp_path / "artifact.parquet")
    assert pd.read_parquet(tmp_path / "artifact.parquet").astype(str).equals(saved.astype(str))
    csv = pd.read_csv(save_rules(rules, tmp_path / "rules.csv"), keep_default_na=False)
    assert list(csv["consequent"]) == ["|".join(c) for c in rules["consequent"]]
