"""The recommend stage of the kgmine pipeline: train, evaluate beside baselines, save, write top-K back.

:func:`train_and_recommend` is what ``kgmine demo`` / ``kgmine run`` call with the ``recommend``
section of the pipeline YAML::

    recommend:
      model: lightgcn          # lightgcn | mf | kg_gnn | popularity | itemknn
      embedding_dim: 64
      num_layers: 2
      epochs: 60
      batch_size: 2048
      lr: 0.005
      weight_decay: 0.0001     # the L2 coefficient of the BPR loss
      split: random            # random | leave_last_out | given | auto
      test_fraction: 0.2       # random split: test share (valid_fraction, default 0.1, for early stopping)
      k: 20                    # metrics at 10 and k
      write_top_k: 10          # RECOMMENDED edges per user
      explain_users: 20        # users whose explanation paths go to artifacts/explanations.parquet
      time_budget: 120         # seconds of training at most
      device: auto
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from kgmine.recommend.fitted import default_model_path
from kgmine.recommend.serve import explain, recommend_topk, write_recommendations
from kgmine.recommend.train import fit_recommender

MODEL_PARAMS = ("embedding_dim", "num_layers", "kg_weight")


def train_and_recommend(data, cfg: dict[str, Any], store=None, out_dir: str | Path | None = None,
                        seed: int = 0) -> dict[str, Any]:
    """Train ``cfg['model']`` on ``data`` (a ShopData), return its metrics (beside popularity), save the
    model next to the store (:func:`~kgmine.recommend.fitted.default_model_path`), write the top-K as
    RECOMMENDED edges and the artifacts ``training_history.parquet``, ``recommendations.parquet`` and
    ``explanations.parquet`` under ``out_dir/artifacts``."""
    cfg = dict(cfg or {})
    model = str(cfg.get("model", "lightgcn"))
    k = int(cfg.get("k", 20))
    tf = float(cfg.get("test_fraction", 0.2))
    vf = float(cfg.get("valid_fraction", 0.1))
    train_cfg = {
        "epochs": int(cfg.get("epochs", 60)), "batch_size": int(cfg.get("batch_size", 2048)),
        "lr": float(cfg.get("lr", 5e-3)), "weight_decay": float(cfg.get("weight_decay", 1e-4)),
        "device": str(cfg.get("device", "auto")), "ks": tuple(sorted({10, k})), "monitor": f"ndcg_at_{k}",
        "eval_every": int(cfg.get("eval_every", 5)), "patience": int(cfg.get("patience", 4)),
        "sampling": str(cfg.get("sampling", "edge")), "time_budget": cfg.get("time_budget", 120),
        "progress": bool(cfg.get("progress", True)),
    }
    params = {p: cfg[p] for p in MODEL_PARAMS if p in cfg}
    fitted, metrics, history = fit_recommender(
        data, model, train_cfg, seed, split=str(cfg.get("split", "random")), model_params=params,
        baselines=tuple(cfg.get("baselines", ("popularity", "itemknn"))), ratios=(1.0 - tf - vf, vf, tf))
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
    recs = recommend_topk(fitted, k=int(cfg.get("write_top_k", 10)))
    if store is not None:
        metrics["recommended_edges"] = int(write_recommendations(store, recs))
    if out_dir is not None:
        art = Path(out_dir) / "artifacts"
        art.mkdir(parents=True, exist_ok=True)
        history.to_parquet(art / "training_history.parquet")
        recs.to_parquet(art / "recommendations.parquet")
        if store is not None:
            users = recs["user_id"].drop_duplicates().head(int(cfg.get("explain_users", 20)))
            frames = [explain(store, u, recs.loc[recs["user_id"] == u, "product_id"].tolist()) for u in users]
            if frames:
                expl = pd.concat(frames, ignore_index=True)
                metrics["explained_fraction"] = float((expl["path"].map(len) > 0).mean())
                expl.to_parquet(art / "explanations.parquet")
    return metrics
