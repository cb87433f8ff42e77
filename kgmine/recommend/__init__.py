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
"""
from kgmine.recommend.baselines import ItemKNN, Popularity
from kgmine.recommend.data import InteractionData, NegativeSampler, RecGraph
from kgmine.recommend.evaluate import evaluate
from kgmine.recommend.fitted import FittedRecommender, default_model_path
from kgmine.recommend.serve import explain, recommend_topk, similar_items, write_recommendations
from kgmine.recommend.train import TrainConfig, fit, fit_recommender


def popularity_baseline(interactions, k: int = 20, seed: int = 0, split: str = "auto") -> dict:
    """Test metrics of the most-popular baseline on ``interactions`` (same split rules as
    :func:`fit_recommender`), keys ``popularity_recall_at_K`` etc. for K in (10, ``k``)."""
    _, metrics, _ = fit_recommender(interactions, "popularity", {"ks": (10, k)}, seed, split=split, baselines=())
    return {f"popularity_{key}": value for key, value in metrics.items() if "_at_" in key}


__all__ = ["FittedRecommender", "InteractionData", "ItemKNN", "NegativeSampler", "Popularity", "RecGraph",
           "TrainConfig", "default_model_path", "evaluate", "explain", "fit", "fit_recommender",
           "popularity_baseline", "recommend_topk", "similar_items",
           "write_recommendations"]
