"""The recommend stage's one config model: the YAML section is RecommendConfig, key for key."""
from __future__ import annotations

import pytest

from kgmine.config import DEFAULTS, ConfigError, merge_config
from kgmine.recommend.pipeline import RecommendConfig


def test_defaults_table_is_the_dataclass():
    assert DEFAULTS["recommend"] == RecommendConfig().to_dict()
    merged = merge_config({"recommend": {"sampling": "user", "model": "kg_gnn", "kg_weight": 0.3}})
    cfg = RecommendConfig.from_dict(merged["recommend"])
    assert (cfg.sampling, cfg.kg_weight, cfg.model_params()["kg_weight"]) == ("user", 0.3, 0.3)
    with pytest.raises(ConfigError, match="recommend.l2"):
        merge_config({"recommend": {"l2": 1e-4}})


def test_train_config_carries_the_stage_values():
    cfg = RecommendConfig(epochs="12", lr="1e-3", k=50, time_budget=None)  # YAML 1.1 reads 1e-3 as a string
    train = cfg.train_config(seed=4, progress=False)
    assert (train.epochs, train.lr, train.weight_decay, train.sampling) == (12, 1e-3, 1e-4, "edge")
    assert (train.ks, train.monitor, train.seed, train.time_budget) == ((10, 50), "ndcg_at_50", 4, None)
    assert RecommendConfig(model="popularity").model_params() == {}


def test_unknown_and_misplaced_options_are_named():
    with pytest.raises(ValueError, match="epoch"):
        RecommendConfig.from_dict({"epoch": 3})
    with pytest.raises(ValueError, match="kg_weight"):
        RecommendConfig(model="lightgcn", kg_weight=0.5)
