"""The recommend stage of the kgmine pipeline: train, evaluate beside baselines, save, write top-K back.

Its settings are :class:`~kgmine.recommend.config.RecommendConfig` (the ``recommend`` section of the
pipeline YAML, key for key; re-exported here). :func:`train_and_recommend` is what ``kgmine demo`` /
``kgmine run`` call with that section.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from kgmine.recommend.config import RecommendConfig
from kgmine.recommend.fitted import default_model_path
from kgmine.recommend.serve import explain, recommend_topk, write_recommendations
from kgmine.recommend.train import fit_recommender

__all__ = ["RecommendConfig", "train_and_recommend"]


def train_and_recommend(data, cfg: RecommendConfig | dict[str, Any] | None, store=None,
                        out_dir: str | Path | None = None, seed: int = 0, progress: bool = True) -> dict[str, Any]:
    """Train ``cfg.model`` on ``data`` (a ShopData), return its metrics (beside popularity), save the
    model next to the store (:func:`~kgmine.recommend.fitted.default_model_path`), write the top-K as
    RECOMMENDED edges and the artifacts ``training_history.parquet``, ``recommendations.parquet`` and
    ``explanations.parquet`` under ``out_dir/artifacts``.

    ``cfg`` is a :class:`RecommendConfig` or its YAML section as a mapping; ``progress`` (or, in a
    mapping, a ``progress`` entry) switches the progress bars.
    """
    if not isinstance(cfg, RecommendConfig):
        values = dict(cfg or {})
        progress = bool(values.pop("progress", progress))
        cfg = RecommendConfig.from_dict(values)
    model = cfg.model
    fitted, metrics, history = fit_recommender(
        data, model, cfg.train_config(seed, progress), seed, split=cfg.split, model_params=cfg.model_params(),
        baselines=tuple(cfg.baselines), ratios=cfg.ratios)
    metrics = dict(metrics)
    store_path = getattr(store, "path", None)
    if store_path is not None:
        model_path = default_model_path(store_path, model)
    elif out_dir is not None:
        model_path = Path(out_dir) / "models" / f"{model}.pt"
    else:
        model_path = None
    if model_path is not None:
        fitted.save(model_path)
        metrics["model_path"] = str(model_path)
    recs = recommend_topk(fitted, k=cfg.write_top_k)
    if store is not None:
        metrics["recommended_edges"] = int(write_recommendations(store, recs))
    if out_dir is not None:
        art = Path(out_dir) / "artifacts"
        art.mkdir(parents=True, exist_ok=True)
        history.to_parquet(art / "training_history.parquet")
        recs.to_parquet(art / "recommendations.parquet")
        if store is not None:
            users = recs["user_id"].drop_duplicates().head(cfg.explain_users)
            frames = [explain(store, u, recs.loc[recs["user_id"] == u, "product_id"].tolist()) for u in users]
            if frames:
                expl = pd.concat(frames, ignore_index=True)
                metrics["explained_fraction"] = float((expl["path"].map(len) > 0).mean())
                expl.to_parquet(art / "explanations.parquet")
    return metrics
