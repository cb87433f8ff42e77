"""A trained recommender bundled with its data: scores users, persists to one file, reloads anywhere.

:class:`FittedRecommender` holds the model (a :mod:`kgmine.recommend.models` module or a
:mod:`kgmine.recommend.baselines` estimator), the :class:`~kgmine.recommend.data.InteractionData`
it was trained on (id maps, splits, KG) and its metrics. ``save(path)`` writes one ``torch.save``
file; ``FittedRecommender.load(path)`` rebuilds it on any device (a graph filter from its saved SVD factors, without
recomputing them).

Where models live for a store: :func:`default_model_path` = ``<store parent>/models/<model>.pt``,
i.e. ``DIR/models/lightgcn.pt`` next to the demo's ``DIR/store``. ``kgmine recommend`` and
``kgmine similar`` look there unless ``--model-path`` says otherwise.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from kgmine.recommend.baselines import ItemKNN, Popularity
from kgmine.recommend.data import InteractionData, KGTriples, RecGraph
from kgmine.recommend.device import resolve_device
from kgmine.recommend.models import FILTERS, MODELS

BASELINES = {"popularity": Popularity, "itemknn": ItemKNN, **FILTERS}  # fitted on load, no training
FORMAT_VERSION = 1


def default_model_path(store: str | os.PathLike, model: str = "lightgcn") -> Path:
    """Where the model ``model`` trained for the store at ``store`` is saved: ``<parent>/models/<model>.pt``."""
    return Path(store).resolve().parent / "models" / f"{model}.pt"


@dataclass
class FittedRecommender:
    """A trained model (or baseline) plus the data it was trained on.

    ``name`` is the model name (``lightgcn``, ``mf``, ``kg_gnn``, ``popularity``, ``itemknn``);
    ``metrics`` the held-out metrics measured after training.
    """

    name: str
    model: object
    data: InteractionData
    metrics: dict = field(default_factory=dict)
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    graph: RecGraph | None = None

    def __post_init__(self) -> None:
        self._embeddings: tuple[torch.Tensor, torch.Tensor] | None = None

    @property
    def is_neural(self) -> bool:
        return isinstance(self.model, torch.nn.Module)

    def embeddings(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Final ``(user, item)`` embeddings of a neural model (computed once, cached)."""
        if not self.is_neural:
            raise TypeError(f"{self.name} has no embeddings")
        if self._embeddings is None:
            if self.graph is None:
                self.graph = self.data.graph(kg=hasattr(self.model, "num_relations"))
            self.graph = self.graph.to(self.device)
            self.model.to(self.device).eval()
            with torch.no_grad():
                users, items = self.model(self.graph)
            self._embeddings = (users.detach().float(), items.detach().float())  # MF returns its parameters
        return self._embeddings

    def score(self, users: torch.Tensor) -> torch.Tensor:
        """``(len(users), n_items)`` scores for user indices ``users``."""
        users = torch.as_tensor(users, dtype=torch.long)
        if self.is_neural:
            u, i = self.embeddings()
            return u[users.to(self.device)] @ i.t()
        return self.model.score(users).to(self.device)

    def item_similarity(self, item: int) -> torch.Tensor:
        """Similarity of item index ``item`` to every item (cosine of embeddings, or ItemKNN's)."""
        if self.is_neural:
            _, emb = self.embeddings()
            emb = torch.nn.functional.normalize(emb, dim=1)
            return emb @ emb[item]
        knn = self.model if isinstance(self.model, ItemKNN) else ItemKNN(k=100).fit(self.data)
        return torch.from_numpy(knn.similarity_[item].toarray().ravel())

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | os.PathLike) -> Path:
        """Write the model, its hyper-parameters, the data's ids and splits and the metrics to ``path``."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        d = self.data
        payload = {
            "format": FORMAT_VERSION, "name": self.name, "metrics": self.metrics,
            "class": type(self.model).__name__,
            "hparams": getattr(self.model, "hparams", None),
            "state_dict": {k: v.detach().cpu() for k, v in self.model.state_dict().items()} if self.is_neural else None,
            "baseline_params": None if self.is_neural else {k: v for k, v in vars(self.model).items()
                                                           if not k.endswith("_") and k != "device"},
            # a graph filter's SVD factors (the slow part of its fit): reloading skips the SVD
            "filter_factors": getattr(getattr(self.model, "ops_", None), "vt", None) if self.name in FILTERS else None,
            "data": {"name": d.name, "user_ids": d.user_ids.astype(str), "item_ids": d.item_ids.astype(str),
                     "train": d.train, "valid": d.valid, "test": d.test,
                     "kg": None if d.kg is None else {
                         "heads": d.kg.heads, "relations": d.kg.relations, "tails": d.kg.tails,
                         "relation_names": d.kg.relation_names, "entity_ids": d.kg.entity_ids.astype(str)}},
        }
        tmp = path.with_suffix(path.suffix + ".tmp")
        torch.save(payload, tmp)
        os.replace(tmp, path)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike, device: str | torch.device = "cpu") -> "FittedRecommender":
        """Rebuild a recommender saved with :meth:`save` (FileNotFoundError naming the path if absent)."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"no trained recommender at {path}")
        payload = torch.load(path, map_location="cpu", weights_only=False)
        if payload.get("format") != FORMAT_VERSION:
            raise ValueError(f"{path}: unsupported recommender file format {payload.get('format')!r}")
        dd = payload["data"]
        kg = None if dd["kg"] is None else KGTriples(dd["kg"]["heads"], dd["kg"]["relations"], dd["kg"]["tails"],
                                                     list(dd["kg"]["relation_names"]),
                                                     np.asarray(dd["kg"]["entity_ids"], dtype=object))
        data = InteractionData(np.asarray(dd["user_ids"], dtype=object), np.asarray(dd["item_ids"], dtype=object),
                               dd["train"], dd["valid"], dd["test"], kg=kg, name=dd["name"])
        device = resolve_device(device)
        name = payload["name"]
        if payload["state_dict"] is not None:
            model = MODELS[name](**payload["hparams"])
            model.load_state_dict(payload["state_dict"])
        elif name in FILTERS:
            model = FILTERS[name](**(payload["baseline_params"] or {})).fit(data, factors=payload.get("filter_factors"))
        else:
            model = BASELINES[name](**(payload["baseline_params"] or {})).fit(data)
        return cls(name, model, data, payload["metrics"], device)
