"""kgmine.recommend: GNN recommenders over the interaction graph and the product knowledge graph.

Data flows one way: :mod:`~kgmine.recommend.data` (id maps, splits, normalised graph, KG, negative
sampling) -> :mod:`~kgmine.recommend.models` (LightGCN, MF, the KG-aware KGLightGCN; plain torch
modules) -> :mod:`~kgmine.recommend.train` (BPR + Adam, early stopping, checkpoints, devices) ->
:mod:`~kgmine.recommend.evaluate` (full-ranking Recall/NDCG/Precision/HitRate/MRR/coverage) ->
:mod:`~kgmine.recommend.serve` (top-K DataFrames, explanation paths from the store, RECOMMENDED edges).

The one-call API::

    fitted, metrics, history = fit_recommender(shop_or_frame, model="lightgcn", config={...}, seed=0)
    recommend_topk(fitted, users=["U0001"], k=10)   # DataFrame(user_id, product_id, score, rank, model)

On a machine whose cores are shared, start Python with ``OMP_WAIT_POLICY=PASSIVE``: with the default
spinning OpenMP threads every small torch op waits for a busy core (measured: 26x slower MF epochs
on MovieLens-100k at load 10 on 2 cores).

The names below import lazily, so ``import kgmine.recommend`` (and its torch-free
:mod:`~kgmine.recommend.config`) does not load torch.
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "ItemKNN": "kgmine.recommend.baselines", "Popularity": "kgmine.recommend.baselines",
    "InteractionData": "kgmine.recommend.data", "NegativeSampler": "kgmine.recommend.data",
    "RecGraph": "kgmine.recommend.data",
    "evaluate": "kgmine.recommend.evaluate",
    "FittedRecommender": "kgmine.recommend.fitted", "default_model_path": "kgmine.recommend.fitted",
    "explain": "kgmine.recommend.serve", "recommend_topk": "kgmine.recommend.serve",
    "similar_items": "kgmine.recommend.serve", "write_recommendations": "kgmine.recommend.serve",
    "TrainConfig": "kgmine.recommend.train", "fit": "kgmine.recommend.train",
    "fit_recommender": "kgmine.recommend.train",
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'kgmine.recommend' has no attribute {name!r}")


def popularity_baseline(interactions, k: int = 20, seed: int = 0, split: str = "auto") -> dict:
    """Test metrics of the most-popular baseline on ``interactions`` (same split rules as
    :func:`fit_recommender`), keys ``popularity_recall_at_K`` etc. for K in (10, ``k``)."""
    from kgmine.recommend.train import fit_recommender

    _, metrics, _ = fit_recommender(interactions, "popularity", {"ks": (10, k)}, seed, split=split, baselines=())
    return {f"popularity_{key}": value for key, value in metrics.items() if "_at_" in key}


__all__ = ["FittedRecommender", "InteractionData", "ItemKNN", "NegativeSampler", "Popularity", "RecGraph",
           "TrainConfig", "default_model_path", "evaluate", "explain", "fit", "fit_recommender",
           "popularity_baseline", "recommend_topk", "similar_items",
           "write_recommendations"]
