"""Full-ranking metrics against hand-computed values (LightGCN's official definitions) and masking."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from kgmine.recommend.data import InteractionData
from kgmine.recommend.evaluate import default_mask, evaluate


def _data() -> InteractionData:
    # 2 users, 6 items. user 0: train {0}, test {1, 4}; user 1: train {2}, valid {3}, test {5}
    return InteractionData(np.array(["a", "b"]), np.array([f"p{i}" for i in range(6)]),
                           train=np.array([[0, 0], [1, 2]]), valid=np.array([[1, 3]]),
                           test=np.array([[0, 1], [0, 4], [1, 5]]))


def test_metrics_match_hand_computation():
    data = _data()
    # user 0 ranks (train item 0 masked): 1, 2, 3, 4 ... -> hits at positions 1 and 4 (1-based)
    # user 1 ranks (train 2 and valid 3 masked): 0, 5, ... -> hit at position 2
    scores = torch.tensor([[9.0, 8, 7, 6, 5, 0], [9.0, 1, 8.5, 8.4, 0, 7]])
    m = evaluate(lambda users: scores[users], data, "test", ks=(2, 4))
    r0_at2, r1_at2 = 1 / 2, 1 / 1
    assert m["recall_at_2"] == pytest.approx((r0_at2 + r1_at2) / 2)
    assert m["precision_at_2"] == pytest.approx((1 / 2 + 1 / 2) / 2)
    dcg0 = 1 / math.log2(2)
    idcg0 = 1 / math.log2(2) + 1 / math.log2(3)
    dcg1, idcg1 = 1 / math.log2(3), 1.0
    assert m["ndcg_at_2"] == pytest.approx((dcg0 / idcg0 + dcg1 / idcg1) / 2)
    dcg0_4 = 1 / math.log2(2) + 1 / math.log2(5)
    assert m["ndcg_at_4"] == pytest.approx((dcg0_4 / idcg0 + dcg1 / idcg1) / 2)
    assert m["recall_at_4"] == pytest.approx(1.0)
    assert m["hit_rate_at_2"] == pytest.approx(1.0)
    assert m["mrr_at_2"] == pytest.approx((1 + 1 / 2) / 2)
    assert m["coverage_at_2"] == pytest.approx(len({1, 2, 0, 5}) / 6)
    assert m["n_users"] == 2


def test_known_items_are_masked():
    data = _data()
    assert default_mask(data, "test") == ("train", "valid")
    # a scorer that loves the user's own train and valid items: they must never be counted
    scores = torch.tensor([[100.0, 0, 0, 0, 0, 1], [0.0, 0, 100, 100, 0, 1]])
    m = evaluate(lambda users: scores[users], data, "test", ks=(1,))
    assert m["hit_rate_at_1"] == pytest.approx(0.5)  # user 1's best unmasked item is its test item 5
    unmasked = evaluate(lambda users: scores[users], data, "test", ks=(1,), mask=())
    assert unmasked["hit_rate_at_1"] == 0.0
