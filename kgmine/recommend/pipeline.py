"""The recommend stage of the kgmine pipeline: train, evaluate beside baselines, save, write top-K back.

:class:`RecommendConfig` is the ``recommend`` section of the pipeline YAML, key for key, and holds the
stage's defaults (:data:`kgmine.config.DEFAULTS` takes its ``recommend`` part from it)::

    recommend:
      enabled: true
      model: lightgcn          # lightgcn | mf | kg_gnn | popularity | itemknn
      embedding_dim: 64
      num_layers: 2
      kg_weight: null          # kg_gnn only: weight of the KG messages (null: the model's default, 0.5)
      epochs: 30
      batch_size: 4096
      lr: 0.01
      weight_decay: 0.0001     # the L2 coefficient of the BPR loss
      sampling: edge           # edge (every training pair once an epoch) | user (LightGCN's user-uniform)
      split: random            # random | leave_last_out | given | auto
      test_fraction: 0.2       # random split: test share
      valid_fraction: 0.1      # random split: validation share, for early stopping on validation NDCG
      eval_every: 5            # epochs between validation evaluations
      patience: 4              # evaluations without improvement before stopping
      time_budget: 150         # seconds of training at most (null: no limit)
      k: 20                    # metrics at 10 and k; early stopping on NDCG@k
      write_top_k: 10          # RECOMMENDED edges per user
      explain_users: 20        # users whose explanation paths go to artifacts/explanations.parquet
      baselines: [popularity, itemknn]
      device: auto

:func:`train_and_recommend` is what ``kgmine demo`` / ``kgmine run`` call with that section.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import pandas as pd

from kgmine.recommend.fitted import BASELINES, default_model_path
from kgmine.recommend.serve import explain, recommend_topk, write_recommendations
from kgmine.recommend.train import TrainConfig, fit_recommender

# the YAML value types: numbers may come as strings (YAML 1.1 reads 1e-3 as a string)
_CASTS = {"int": int, "float": float, "str": str}


@dataclass
class RecommendConfig:
    """The recommend stage's settings: the ``recommend`` section of a pipeline YAML, one field per key."""

    enabled: bool = True
    model: str = "lightgcn"
    embedding_dim: int = 64
    num_layers: int = 2
    kg_weight: float | None = None
    epochs: int = 30
    batch_size: int = 4096
    lr: float = 0.01
    weight_decay: float = 1e-4
    sampling: str = "edge"
    split: str = "random"
    test_fraction: float = 0.2
    valid_fraction: float = 0.1
    eval_every: int = 5
    patience: int = 4
    time_budget: float | None = 150
    k: int = 20
    write_top_k: int = 10
    explain_users: int = 20
    baselines: list[str] = field(default_factory=lambda: ["popularity", "itemknn"])
    device: str = "auto"

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            base, optional = str(f.type).removesuffix(" | None"), str(f.type).endswith(" | None")
            if base in _CASTS and not (optional and value is None):
                setattr(self, f.name, _CASTS[base](value))
        self.baselines = [str(b) for b in self.baselines]
        if self.kg_weight is not None and self.model != "kg_gnn":
            raise ValueError(f"recommend.kg_weight applies to model kg_gnn only, not {self.model!r}")

    @classmethod
    def from_dict(cls, values: dict[str, Any] | None) -> "RecommendConfig":
        """A config from the YAML section; unknown keys raise ValueError naming them."""
        values = dict(values or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown recommend option(s) {unknown}; known: {sorted(known)}")
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """The YAML section (plain types)."""
        return asdict(self)

    def train_config(self, seed: int = 0, progress: bool = True) -> TrainConfig:
        """The :class:`~kgmine.recommend.train.TrainConfig` of this stage: metrics at 10 and ``k``,
        early stopping on validation NDCG@``k``."""
        return TrainConfig(epochs=self.epochs, batch_size=self.batch_size, lr=self.lr,
                           weight_decay=self.weight_decay, sampling=self.sampling, eval_every=self.eval_every,
                           patience=self.patience, time_budget=self.time_budget, device=self.device,
                           ks=tuple(sorted({10, self.k})), monitor=f"ndcg_at_{self.k}", seed=seed, progress=progress)

    def model_params(self) -> dict[str, Any]:
        """Keyword arguments of the model (none for the baselines)."""
        if self.model in BASELINES:
            return {}
        params: dict[str, Any] = {"embedding_dim": self.embedding_dim, "num_layers": self.num_layers}
        if self.kg_weight is not None:
            params["kg_weight"] = self.kg_weight
        return params

    @property
    def ratios(self) -> tuple[float, float, float]:
        """(train, valid, test) shares of the random split."""
        return (1.0 - self.test_fraction - self.valid_fraction, self.valid_fraction, self.test_fraction)


def train_and_recommend(data, cfg: RecommendConfig | dict[str, Any] | None, store=None,
                        out_dir: str | Path | None = None, seed: int = 0) -> dict[str, Any]:
    """Train ``cfg.model`` on ``data`` (a ShopData), return its metrics (beside popularity), save the
    model next to the store (:func:`~kgmine.recommend.fitted.default_model_path`), write the top-K as
    RECOMMENDED edges and the artifacts ``training_history.parquet``, ``recommendations.parquet`` and
    ``explanations.parquet`` under ``out_dir/artifacts``.

    ``cfg`` is a :class:`RecommendConfig` or its YAML section as a mapping; in a mapping, a
    ``progress`` entry (which :func:`kgmine.pipeline.run_recommender` adds) switches the progress bars.
    """
    progress = True
    if not isinstance(cfg, RecommendConfig):
        values = dict(cfg or {})
        progress = bool(values.pop("progress", True))
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
