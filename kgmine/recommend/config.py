"""The recommend stage's config: :class:`RecommendConfig` is the ``recommend`` section of the pipeline
YAML, key for key, and holds the stage's defaults (:data:`kgmine.config.DEFAULTS` takes its ``recommend``
part from it)::

    recommend:
      enabled: true
      model: lightgcn          # lightgcn | mf | kg_gnn | popularity | itemknn | gf_cf | bspm
      embedding_dim: 64
      num_layers: 2
      kg_weight: null          # kg_gnn: weight of the KG messages (null: the model's default, 0.5);
                               # gf_cf / bspm: weight of the KG pseudo-user rows (null or 0: no KG)
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
      device: auto             # auto | cpu | cuda | cuda:N | mps

It imports no torch: the model names are listed here (``tests/test_recommend_config.py`` checks them
against :data:`kgmine.recommend.models.MODELS` and :data:`kgmine.recommend.fitted.BASELINES`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from kgmine.sections import Section

if TYPE_CHECKING:
    from kgmine.recommend.train import TrainConfig

#: the trained models (:data:`kgmine.recommend.models.MODELS`) and the baselines (:data:`kgmine.recommend.fitted.BASELINES`)
MODEL_NAMES = ("lightgcn", "mf", "kg_gnn")
BASELINE_NAMES = ("popularity", "itemknn")
FILTER_NAMES = ("gf_cf", "bspm")  # kgmine.recommend.models.FILTERS: training-free, fitted like baselines
SAMPLINGS = ("edge", "user")
SPLITS = ("random", "leave_last_out", "given", "auto")
_DEVICE = re.compile(r"auto|cpu|mps|cuda(:\d+)?")


@dataclass
class RecommendConfig(Section):
    """The recommend stage's settings: the ``recommend`` section of a pipeline YAML, one field per key."""

    key: ClassVar[str] = "recommend"

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

    def check(self) -> None:
        self.one_of("model", MODEL_NAMES + BASELINE_NAMES + FILTER_NAMES)
        if self.kg_weight is not None and self.model not in ("kg_gnn",) + FILTER_NAMES:
            raise self.invalid("kg_weight", f"applies to the models kg_gnn, gf_cf and bspm only, not {self.model!r}")
        for name in ("embedding_dim", "epochs", "batch_size", "eval_every", "k", "write_top_k"):
            self.within(name, 1)
        for name in ("num_layers", "patience", "explain_users", "weight_decay", "kg_weight"):
            self.within(name, 0)
        if self.lr <= 0:
            raise self.invalid("lr", f"must be above 0, not {self.lr!r}")
        if self.time_budget is not None and self.time_budget <= 0:
            raise self.invalid("time_budget", f"must be above 0 seconds (or null: no limit), not {self.time_budget!r}")
        self.one_of("sampling", SAMPLINGS)
        self.one_of("split", SPLITS)
        self.within("test_fraction", 0.0, 1.0)
        self.within("valid_fraction", 0.0, 1.0)
        if self.test_fraction + self.valid_fraction >= 1.0:
            raise self.invalid("valid_fraction", "and test_fraction must leave a training share "
                                                 f"(sum {self.test_fraction + self.valid_fraction} is not below 1)")
        for baseline in self.baselines:
            if baseline not in BASELINE_NAMES:
                raise self.invalid("baselines", f"must list baselines of {list(BASELINE_NAMES)}, not {baseline!r}")
        if not _DEVICE.fullmatch(self.device):
            raise self.invalid("device", f"must be auto, cpu, cuda, cuda:N or mps, not {self.device!r}")

    def train_config(self, seed: int = 0, progress: bool = True) -> TrainConfig:
        """The :class:`~kgmine.recommend.train.TrainConfig` of this stage: metrics at 10 and ``k``,
        early stopping on validation NDCG@``k``."""
        from kgmine.recommend.train import TrainConfig

        return TrainConfig(epochs=self.epochs, batch_size=self.batch_size, lr=self.lr,
                           weight_decay=self.weight_decay, sampling=self.sampling, eval_every=self.eval_every,
                           patience=self.patience, time_budget=self.time_budget, device=self.device,
                           ks=tuple(sorted({10, self.k})), monitor=f"ndcg_at_{self.k}", seed=seed, progress=progress)

    def model_params(self) -> dict[str, Any]:
        """Keyword arguments of the model (none for the baselines)."""
        if self.model in FILTER_NAMES:
            return {"kg_weight": self.kg_weight} if self.kg_weight else {}
        if self.model in BASELINE_NAMES:
            return {}
        params: dict[str, Any] = {"embedding_dim": self.embedding_dim, "num_layers": self.num_layers}
        if self.kg_weight is not None:
            params["kg_weight"] = self.kg_weight
        return params

    @property
    def ratios(self) -> tuple[float, float, float]:
        """(train, valid, test) shares of the random split."""
        return (1.0 - self.test_fraction - self.valid_fraction, self.valid_fraction, self.test_fraction)
