"""Evaluation a user can trust: validation carved from train (never the test split), intervals, segments,
popularity bias, several seeds, and the non-personal fallback for users the model cannot score."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

import kgmine.recommend.train as train
from kgmine.recommend.data import InteractionData, carve_validation
from kgmine.recommend.evaluate import (COLD_MAX_TRAIN, bootstrap_intervals, evaluate, popularity_percentile,
                                       seed_summary)
from kgmine.recommend.fitted import FittedRecommender
from kgmine.recommend.serve import FALLBACK, FALLBACK_IN_CATEGORIES, fallback_topk, is_cold


def _random_frame(n_users: int = 60, n_items: int = 40, per_user: int = 8, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = [(f"u{u}", f"p{i}") for u in range(n_users)
            for i in rng.choice(n_items, size=per_user, replace=False, p=np.linspace(2, 1, n_items) / np.linspace(2, 1, n_items).sum())]
    return pd.DataFrame(rows, columns=["user_id", "product_id"])


def test_carved_validation_comes_from_train_and_leaves_test_alone():
    data = InteractionData.from_frame(_random_frame(), "random", ratios=(0.8, 0.0, 0.2), seed=1)
    assert len(data.valid) == 0
    carved = carve_validation(data, 0.25, seed=3)
    keys = lambda pairs: set(map(tuple, pairs.tolist()))  # noqa: E731
    assert keys(carved.test) == keys(data.test)
    assert keys(carved.train) | keys(carved.valid) == keys(data.train)
    assert not keys(carved.train) & keys(carved.valid)
    assert 0.15 < len(carved.valid) / len(data.train) < 0.35
    assert set(carved.train[:, 0]) == set(data.train[:, 0])  # every user keeps a training pair
    again = carve_validation(data, 0.25, seed=3)
    assert keys(again.valid) == keys(carved.valid)
    assert carve_validation(carved, 0.5) is carved  # a given validation split is kept


@pytest.mark.parametrize("ratios", [(0.7, 0.1, 0.2), (0.8, 0.0, 0.2)])
def test_model_selection_never_reads_the_test_split(monkeypatch, ratios):
    seen: list[str] = []
    original = train.evaluate_model

    def spy(model, graph, data, split="test", *args, **kwargs):
        seen.append(split)
        return original(model, graph, data, split, *args, **kwargs)

    monkeypatch.setattr(train, "evaluate_model", spy)
    frame = _random_frame()
    _, metrics, history = train.fit_recommender(
        frame, "mf", {"epochs": 4, "eval_every": 2, "progress": False, "ks": (10,), "monitor": "ndcg_at_10"},
        seed=0, split="random", ratios=ratios, bootstrap=0)
    assert seen and set(seen) == {"valid"}
    assert metrics["selected_on"] == "valid"
    assert metrics["validation"] == ("given" if ratios[1] else
                                     "carved from train (10% of the training pairs, for model selection)")
    assert any(c.startswith("valid_") for c in history.columns)


def test_fit_without_any_validation_keeps_the_last_epoch_and_says_so():
    data = InteractionData.from_frame(_random_frame(), "random", ratios=(0.8, 0.0, 0.2), seed=1)
    model = train.build_model("mf", data, embedding_dim=8)
    result = train.fit(model, data, train.TrainConfig(epochs=2, progress=False))
    assert result.selected_on.startswith("none") and result.best_epoch == 0
    explicit = train.fit(train.build_model("mf", data, embedding_dim=8), data,
                         train.TrainConfig(epochs=2, eval_every=1, progress=False, eval_split="test"))
    assert explicit.selected_on == "test"  # LightGCN's official protocol, only when asked for by name


def test_a_thirty_order_store_warns_with_the_split_sizes():
    orders = pd.DataFrame({"user_id": [f"c{i % 12}" for i in range(30)], "product_id": [f"p{i % 7}" for i in range(30)]})
    with pytest.warns(UserWarning, match=r"of 12 users have test interactions"):
        _, metrics, _ = train.fit_recommender(orders, "popularity", {"progress": False}, split="random")
    assert "of 12 users" in metrics["warning"] and metrics["n_test_users"] < 20


def _toy() -> InteractionData:
    # item popularity in train: p0 x3, p1 x2, p2 x1, p3 x0 ; user 3 is cold, users 0-2 hold test items
    train_pairs = [[0, 0], [1, 0], [2, 0], [0, 1], [1, 1], [2, 2], [3, 0]]
    test_pairs = [[0, 3], [1, 2], [2, 1], [3, 1]]
    return InteractionData(np.array(["a", "b", "c", "d"]), np.array(["p0", "p1", "p2", "p3"]),
                           train=np.array(train_pairs), test=np.array(test_pairs))


def test_popularity_percentile_and_segments_by_hand():
    data = _toy()
    assert popularity_percentile(data).tolist() == pytest.approx([1.0, 2 / 3, 1 / 3, 0.0])
    scores = torch.tensor([[0.0, 0, 0, 1], [0, 0, 1, 0], [0, 1, 0, 0], [0, 1, 0, 0]])
    m = evaluate(lambda u: scores[u], data, "test", ks=(1,), segments=True)
    assert m["recall_at_1"] == 1.0
    # top-1 items: p3, p2, p1, p1 -> percentiles 0, 1/3, 2/3, 2/3
    assert m["pop_percentile_at_1"] == pytest.approx((0 + 1 / 3 + 2 / 3 + 2 / 3) / 4)
    assert m["cold_n_users"] == 4 and m["warm_n_users"] == 0  # every toy user has <= COLD_MAX_TRAIN pairs
    assert COLD_MAX_TRAIN == 5 and np.isnan(m["warm_recall_at_1"]) and m["cold_recall_at_1"] == 1.0


def test_bootstrap_interval_brackets_the_mean_and_narrows_with_users():
    rng = np.random.default_rng(0)
    small = {"recall_at_20": rng.random(50)}
    large = {"recall_at_20": rng.random(5000)}
    a = bootstrap_intervals(small, 500, seed=1)
    b = bootstrap_intervals(large, 500, seed=1)
    assert a["recall_at_20_low"] < small["recall_at_20"].mean() < a["recall_at_20_high"]
    assert (b["recall_at_20_high"] - b["recall_at_20_low"]) < (a["recall_at_20_high"] - a["recall_at_20_low"]) / 5
    assert bootstrap_intervals(small, 500, seed=1) == a  # seeded
    # the half-width of a mean's 95 % interval is about 1.96 sd / sqrt(n)
    half = (b["recall_at_20_high"] - b["recall_at_20_low"]) / 2
    assert half == pytest.approx(1.96 * large["recall_at_20"].std() / np.sqrt(5000), rel=0.15)


def test_seed_summary_mean_and_sd():
    runs = [{"recall_at_20": 0.1, "ndcg_at_20": 0.2, "model": "x"}, {"recall_at_20": 0.3, "ndcg_at_20": 0.2, "model": "x"}]
    table = seed_summary(runs).set_index("metric")
    assert table.loc["recall_at_20", "mean"] == pytest.approx(0.2)
    assert table.loc["recall_at_20", "sd"] == pytest.approx(np.std([0.1, 0.3], ddof=1))
    assert table.loc["ndcg_at_20", "sd"] == 0.0 and "model" not in table.index


def test_fallback_ranks_popular_products_of_the_touched_categories_first():
    frame = pd.DataFrame({"user_id": ["a", "b", "c", "a", "b", "c", "d", "e"],
                          "product_id": ["p0", "p0", "p0", "p1", "p1", "p2", "p3", "p4"]})
    kg = pd.DataFrame({"head": ["p0", "p1", "p2", "p3", "p4"], "relation": ["in_category"] * 5,
                       "tail": ["cat:x", "cat:x", "cat:y", "cat:y", "cat:y"]})
    data = InteractionData.from_frame(frame, "random", ratios=(1.0, 0.0, 0.0), kg_triples=kg)
    fitted = FittedRecommender("popularity", None, data)
    assert is_cold(fitted, "nobody") and not is_cold(fitted, "a")
    plain = fallback_topk(fitted, "nobody", 3)
    assert plain["product_id"].tolist() == ["p0", "p1", "p2"] and set(plain["model"]) == {FALLBACK}
    # touched p3 (category y): p2 and p4 of y first (most popular first), p3 itself left out, then the rest
    in_y = fallback_topk(fitted, "nobody", 4, touched=["p3"])
    assert in_y["product_id"].tolist() == ["p2", "p4", "p0", "p1"]
    assert set(in_y["model"]) == {FALLBACK_IN_CATEGORIES} and in_y["rank"].tolist() == [1, 2, 3, 4]
