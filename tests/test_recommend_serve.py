"""Serving on a real LadybugDB store built from the demo world: top-K, explanation paths that exist in
the store, RECOMMENDED edges written idempotently, and the `kgmine recommend` / `kgmine similar` commands."""
from __future__ import annotations

import pytest
from typer.testing import CliRunner

from kgmine.recommend.fitted import FittedRecommender, default_model_path
from kgmine.recommend.serve import (explain, fallback_topk, path_exists, recommend_topk, similar_items,
                                    write_recommendations)
from kgmine.recommend.train import fit_recommender


@pytest.fixture(scope="module")
def demo(small_world, tmp_path_factory):
    from kgmine.graph.build import build_tables
    from kgmine.graph.stores import open_store

    root = tmp_path_factory.mktemp("rec")
    store_dir = root / "store"
    store = open_store("ladybug", store_dir)
    store.load(build_tables(small_world), progress=False)
    store.close()
    fitted, metrics, _ = fit_recommender(small_world, "lightgcn",
                                         dict(epochs=20, lr=1e-2, eval_every=5, progress=False, sampling="edge"),
                                         seed=0, split="random", model_params={"num_layers": 2})
    fitted.save(default_model_path(store_dir, "lightgcn"))
    return store_dir, fitted


def test_topk_excludes_known_items_and_ranks(demo):
    _, fitted = demo
    user = str(fitted.data.user_ids[0])
    recs = recommend_topk(fitted, [user], k=10)
    assert list(recs.columns) == ["user_id", "product_id", "score", "rank", "model"]
    assert list(recs["rank"]) == list(range(1, 11)) and recs["score"].is_monotonic_decreasing
    known = {fitted.data.item_ids[i] for s in ("train", "valid", "test")
             for u, i in getattr(fitted.data, s) if u == 0}
    assert not known & set(recs["product_id"])
    sims = similar_items(fitted, recs["product_id"].iloc[0], k=5)
    assert len(sims) == 5 and recs["product_id"].iloc[0] not in set(sims["similar_id"])


def test_saved_model_reloads_with_identical_scores(demo):
    store_dir, fitted = demo
    loaded = FittedRecommender.load(default_model_path(store_dir, "lightgcn"))
    users = list(fitted.data.user_ids[:5])
    a, b = recommend_topk(fitted, users, 10), recommend_topk(loaded, users, 10)
    assert list(a["product_id"]) == list(b["product_id"])


def test_explanation_paths_exist_in_the_store_and_edges_are_written_once(demo):
    from kgmine.graph.stores import open_store

    store_dir, fitted = demo
    users = list(fitted.data.user_ids[:5])
    recs = recommend_topk(fitted, users, k=10)
    store = open_store("ladybug", store_dir)
    try:
        explained = 0
        for user in users:
            expl = explain(store, user, recs.loc[recs["user_id"] == user, "product_id"].tolist())
            for row in expl.itertuples(index=False):
                if row.path:
                    explained += 1
                    assert row.path[0]["src"] == f"User:{user}"
                    assert {row.path[-1]["src"], row.path[-1]["dst"]} & {f"Product:{row.product_id}"}
                    assert path_exists(store, row.path), row.path
        assert explained == len(recs)  # the collaborative path is the last fallback
        assert not path_exists(store, [{"src": f"User:{users[0]}", "rel": "BOUGHT", "dst": "Product:nope"}])
        assert write_recommendations(store, recs) == len(recs)
        write_recommendations(store, recs)
        n = store.query("MATCH (:User)-[r:RECOMMENDED]->(:Product) WHERE r.model = $m RETURN count(r) AS n",
                        {"m": "lightgcn"})["n"].iloc[0]
        assert int(n) == len(recs)
    finally:
        store.close()


def test_cli_recommend_prints_ten_items_with_paths_and_similar(demo):
    from kgmine.cli import app

    store_dir, fitted = demo
    user = str(fitted.data.user_ids[1])
    runner = CliRunner()
    out = runner.invoke(app, ["recommend", "--store", str(store_dir), "--user", user, "-k", "10"],
                        env={"COLUMNS": "250"})
    assert out.exit_code == 0, out.output
    expected = recommend_topk(fitted, [user], 10)["product_id"]
    assert all(pid in out.output for pid in expected)
    assert "bought" in out.output or "rated" in out.output
    assert "no path in the graph" not in out.output
    out = runner.invoke(app, ["similar", "--store", str(store_dir), "--item", str(expected.iloc[0]), "-k", "3"],
                        env={"COLUMNS": "250"})
    assert out.exit_code == 0, out.output
    unknown = runner.invoke(app, ["recommend", "--store", str(store_dir), "--user", "nobody", "-k", "5"],
                            env={"COLUMNS": "250"})
    assert unknown.exit_code == 0, unknown.output  # the documented fallback, not an error
    assert "'nobody'" in unknown.output and "popularity (fallback)" in unknown.output
    popular = fallback_topk(fitted, "nobody", 5)["product_id"]
    assert all(pid in unknown.output for pid in popular)
    missing = runner.invoke(app, ["recommend", "--store", str(store_dir), "--user", user, "--model", "mf"])
    assert missing.exit_code == 1 and "no trained mf model" in missing.output


def test_similar_items_of_mf_whose_embeddings_are_its_parameters(small_world):
    fitted, _, _ = fit_recommender(small_world, "mf", dict(epochs=1, progress=False), seed=0, split="random",
                                   baselines=())
    item = str(fitted.data.item_ids[0])
    sims = similar_items(fitted, item, k=3)
    assert len(sims) == 3 and item not in set(sims["similar_id"])
