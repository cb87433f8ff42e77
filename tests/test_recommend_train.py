"""fit_recommender on the demo world, checkpoints and resume, per-epoch metrics JSON, baselines."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from kgmine.recommend.baselines import ItemKNN, Popularity
from kgmine.recommend.data import InteractionData
from kgmine.recommend.evaluate import evaluate
from kgmine.recommend.models import LightGCN
from kgmine.recommend.train import TrainConfig, fit, fit_recommender


@pytest.fixture(scope="module")
def world_data(small_world) -> InteractionData:
    return InteractionData.from_shop(small_world, "random", seed=0)


def test_fit_recommender_beats_popularity_on_the_demo_world(small_world):
    cfg = dict(epochs=40, lr=1e-2, eval_every=5, patience=4, ks=(10, 20), progress=False, sampling="edge")
    fitted, metrics, history = fit_recommender(small_world, "lightgcn", cfg, seed=0, split="random",
                                               model_params={"num_layers": 3})
    for key in ("recall_at_20", "ndcg_at_20", "popularity_recall_at_20", "epochs", "seconds_per_epoch"):
        assert key in metrics
    assert metrics["recall_at_20"] > metrics["popularity_recall_at_20"]
    assert len(history) == metrics["epochs"] and {"epoch", "loss", "valid_ndcg_at_20"} <= set(history.columns)
    assert fitted.name == "lightgcn" and fitted.metrics["recall_at_20"] == metrics["recall_at_20"]


def test_checkpoint_resume_continues_the_same_run(world_data, tmp_path):
    def cfg(epochs, resume):
        return TrainConfig(epochs=epochs, batch_size=256, lr=5e-3, eval_every=2, progress=False, device="cpu",
                           checkpoint_dir=str(tmp_path / "ck"), resume=resume, seed=3, num_threads=1)

    def model():
        torch.manual_seed(0)
        return LightGCN(world_data.n_users, world_data.n_items, embedding_dim=16)

    ref = fit(model(), world_data, TrainConfig(**{**cfg(4, False).__dict__, "checkpoint_dir": None}))
    first = fit(model(), world_data, cfg(2, False))
    assert (tmp_path / "ck" / "last.pt").exists() and (tmp_path / "ck" / "best.pt").exists()
    resumed = fit(LightGCN(world_data.n_users, world_data.n_items, embedding_dim=16), world_data, cfg(4, True))
    assert first.epochs_run == 2 and resumed.epochs_run == 4 and len(resumed.history) == 4
    assert resumed.history["loss"].to_numpy() == pytest.approx(ref.history["loss"].to_numpy(), rel=1e-4)
    lines = [json.loads(x) for x in (tmp_path / "ck" / "metrics.jsonl").read_text().splitlines()]
    assert [x["epoch"] for x in lines] == [1, 2, 3, 4]
    assert "valid_ndcg_at_20" in lines[1] and "valid_ndcg_at_20" not in lines[0]


def test_resume_applies_the_configured_learning_rate(world_data, tmp_path):
    """A run resumed with lr 0 keeps its weights: the configured rate replaces the checkpoint's."""
    def cfg(epochs, lr):
        return TrainConfig(epochs=epochs, batch_size=256, lr=lr, eval_every=2, progress=False, device="cpu",
                           checkpoint_dir=str(tmp_path / "ck"), resume=True, seed=3, num_threads=1, patience=10)

    fit(LightGCN(world_data.n_users, world_data.n_items, embedding_dim=16), world_data, cfg(2, 5e-3))
    saved = torch.load(tmp_path / "ck" / "last.pt", weights_only=False)["model"]
    model = LightGCN(world_data.n_users, world_data.n_items, embedding_dim=16)
    fit(model, world_data, cfg(4, 0.0))
    last = torch.load(tmp_path / "ck" / "last.pt", weights_only=False)
    assert last["state"]["epoch"] == 4
    assert all(group["lr"] == 0.0 for group in last["optimizer"]["param_groups"])
    for name, tensor in saved.items():
        assert torch.equal(last["model"][name], tensor), name


def test_baselines_score_like_their_definitions(world_data):
    pop = Popularity().fit(world_data)
    counts = np.bincount(world_data.train[:, 1], minlength=world_data.n_items)
    assert torch.equal(pop.score(torch.tensor([0, 1]))[1], torch.from_numpy(counts).float())
    knn = ItemKNN(k=5).fit(world_data)
    assert np.diff(knn.similarity_.indptr).max() <= 5
    item = int(world_data.train[0, 1])
    neighbours, sims = knn.similar_items(item, 3)
    assert item not in neighbours and np.all(np.diff(sims) <= 0)
    scores = evaluate(knn.score, world_data, "test", ks=(20,))
    assert 0 <= scores["recall_at_20"] <= 1


def test_unknown_option_and_model_are_named(world_data):
    with pytest.raises(ValueError, match="epoch"):
        TrainConfig.from_dict({"epoch": 3})
    with pytest.raises(ValueError, match="gnn9"):
        fit_recommender(world_data, "gnn9", {"epochs": 1, "progress": False})


def test_small_test_split_warns_with_sizes():
    import warnings as _w

    from kgmine.recommend.train import small_test_warning
    with _w.catch_warnings(record=True) as caught:
        _w.simplefilter("always")
        msg = small_test_warning(3, 40)
    assert msg is not None and "3 of 40" in msg
    assert any("3 of 40" in str(c.message) for c in caught)
    assert small_test_warning(20, 40) is None
