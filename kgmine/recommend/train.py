"""BPR training with Adam, early stopping on validation NDCG, checkpoints, devices, per-epoch metrics.

:func:`fit` trains any model of :mod:`kgmine.recommend.models` on an
:class:`~kgmine.recommend.data.InteractionData`; :func:`fit_recommender` is the one-call API the
pipeline uses (table in, fitted recommender + metrics + history out, popularity baseline beside).

Loss (BPR, Rendle et al. 2009, as in LightGCN's official code)::

    loss = mean(softplus(s(u, j) - s(u, i))) + weight_decay * 0.5 * (|e_u|^2 + |e_i|^2 + |e_j|^2) / batch

with the layer-0 embeddings of the batch in the L2 term. Device ``auto`` picks CUDA when present;
there the epoch's index tensors are pinned and copied asynchronously, and the scoring runs under
autocast (bfloat16 when supported, else float16 with a gradient scaler); sparse propagation stays
float32. On CPU ``num_threads`` (default: all cores) sets torch's intra-op threads.

Each epoch appends one JSON line (epoch, loss, seconds, metrics when evaluated) to
``<checkpoint_dir>/metrics.jsonl``; ``last.pt`` (model, optimiser, sampler and RNG state, history)
is written after every evaluation and ``best.pt`` holds the best weights; ``resume=True`` continues
from ``last.pt`` with the configured learning rate (so a run can continue with a decayed one).
"""
from __future__ import annotations

import json
import math
import time
import warnings
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

from kgmine.io.tables import ShopData
from kgmine.progress import make_progress
from kgmine.recommend.data import InteractionData, NegativeSampler, RecGraph, carve_validation
from kgmine.recommend.device import amp_dtype, resolve_device, set_threads
from kgmine.recommend.evaluate import embedding_scorer, evaluate
from kgmine.recommend.fitted import BASELINES, FittedRecommender
from kgmine.recommend.models import MODELS
from kgmine.seeding import seed_everything


@dataclass
class TrainConfig:
    """Hyper-parameters and run settings of :func:`fit` (defaults: LightGCN's paper settings; the
    pipeline's recommend stage builds its own from :class:`kgmine.recommend.pipeline.RecommendConfig`).

    ``metrics_path`` (default ``<checkpoint_dir>/metrics.jsonl``) receives one JSON line per epoch.
    ``eval_every`` evaluations are on ``eval_split`` (``valid``; with no validation split there is no
    selection and the last epoch is kept, see :func:`selection_split`; ``test`` only when named, as
    LightGCN's official protocol does on data without one); ``patience`` counts evaluations
    without improvement of ``monitor``. ``time_budget`` (seconds) stops training early once spent.
    ``max_steps_per_epoch`` truncates epochs (timing runs only).
    """

    epochs: int = 1000
    batch_size: int = 2048
    lr: float = 1e-3
    weight_decay: float = 1e-4
    n_negatives: int = 1
    sampling: str = "user"
    eval_every: int = 10
    eval_split: str = "valid"
    ks: tuple[int, ...] = (20,)
    monitor: str = "ndcg_at_20"
    patience: int = 5
    eval_batch_size: int = 2048
    device: str = "auto"
    amp: bool = True
    num_threads: int | None = None
    seed: int = 0
    checkpoint_dir: str | None = None
    metrics_path: str | None = None
    resume: bool = False
    progress: bool = True
    time_budget: float | None = None
    max_steps_per_epoch: int | None = None

    @classmethod
    def from_dict(cls, values: dict | None) -> "TrainConfig":
        """A config from a dict; unknown keys raise ValueError naming them."""
        values = dict(values or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown training option(s) {unknown}; known: {sorted(known)}")
        if "ks" in values:
            values["ks"] = tuple(values["ks"])
        return cls(**values)


def bpr_loss(model: torch.nn.Module, user_emb: torch.Tensor, item_emb: torch.Tensor, users: torch.Tensor,
             pos: torch.Tensor, neg: torch.Tensor, weight_decay: float) -> tuple[torch.Tensor, torch.Tensor]:
    """BPR loss and its L2 term for a batch; ``neg`` is ``(B, n_neg)``. Returns ``(total, bpr)``."""
    u = user_emb[users]
    pos_score = (u * item_emb[pos]).sum(-1)
    neg_score = torch.einsum("bd,bnd->bn", u, item_emb[neg])
    bpr = F.softplus(neg_score.float() - pos_score.float()[:, None]).mean()
    ego_u, ego_i = model.ego(users, torch.cat([pos, neg.reshape(-1)]))
    reg = 0.5 * (ego_u.float().pow(2).sum() + ego_i.float().pow(2).sum()) / len(users)
    return bpr + weight_decay * reg, bpr


@dataclass
class FitResult:
    """What :func:`fit` returns: per-epoch history, the best validation metrics and where they were."""

    history: pd.DataFrame
    best: dict = field(default_factory=dict)
    best_epoch: int = 0
    epochs_run: int = 0
    train_seconds: float = 0.0
    selected_on: str = "valid"
    stopped: str = "epochs"

    @property
    def seconds_per_epoch(self) -> float:
        epochs = self.history["train_seconds"].dropna() if len(self.history) else pd.Series(dtype=float)
        return float(epochs.mean()) if len(epochs) else float("nan")


def make_adam(model: torch.nn.Module, lr: float) -> torch.optim.Adam:
    """Adam over ``model``'s parameters; the fused kernel where torch has one for the device (one pass
    over the embedding table instead of a dozen: the optimiser step ~6x faster on CPU), else the default."""
    try:
        return torch.optim.Adam(model.parameters(), lr=lr, fused=True)
    except (RuntimeError, TypeError, ValueError):  # older torch, or a device/dtype without the kernel
        return torch.optim.Adam(model.parameters(), lr=lr)


@dataclass
class _Run:
    """One training run of :func:`fit`: what its steps share (model, optimiser, sampler, history, state)."""

    model: torch.nn.Module
    data: InteractionData
    cfg: TrainConfig
    graph: RecGraph
    device: torch.device
    optimizer: torch.optim.Optimizer
    scaler: torch.amp.GradScaler
    sampler: NegativeSampler
    dtype: torch.dtype | None
    split: str | None
    ckpt_dir: Path | None
    metrics_path: Path | str | None
    history: list[dict] = field(default_factory=list)
    state: dict = field(default_factory=lambda: dict(epoch=0, best_value=-math.inf, best_epoch=0, bad=0,
                                                     best_metrics={}, train_seconds=0.0))
    best_weights: dict | None = None


def fit(model: torch.nn.Module, data: InteractionData, config: TrainConfig | None = None,
        graph: RecGraph | None = None) -> FitResult:
    """Train ``model`` with BPR on ``data.train``; keep the weights that were best on validation.

    ``graph`` defaults to ``data.graph(kg=...)`` (with the KG when the model has ``num_relations``).
    Returns a :class:`FitResult`; the model ends on the best weights, on the training device.
    """
    cfg = config or TrainConfig()
    run = _start_run(model, data, cfg, graph)
    if cfg.resume:
        _resume(run)
    state = run.state
    stopped = "epochs"
    start_time = time.perf_counter()
    progress = make_progress(disable=not cfg.progress)
    with progress:
        task = progress.add_task(f"train {type(model).__name__}", total=cfg.epochs, completed=state["epoch"])
        while state["epoch"] < cfg.epochs:
            epoch = state["epoch"] + 1
            row = _train_epoch(run, epoch)
            out_of_time = cfg.time_budget is not None and time.perf_counter() - start_time >= cfg.time_budget
            if run.split and (epoch % cfg.eval_every == 0 or epoch == cfg.epochs or out_of_time):
                _evaluate_epoch(run, epoch, row)
            _record_epoch(run, epoch, row)
            progress.update(task, advance=1, description=f"train {type(model).__name__} loss {row['loss']:.4f}"
                            + (f" {cfg.monitor} {state['best_value']:.4f}" if state["best_epoch"] else ""))
            if state["bad"] >= cfg.patience:
                stopped = "early_stopping"
                break
            if out_of_time:
                stopped = "time_budget"
                break
    if run.best_weights is not None:
        run.model.load_state_dict(run.best_weights)
    return FitResult(pd.DataFrame(run.history), state["best_metrics"], state["best_epoch"], state["epoch"],
                     state["train_seconds"], run.split or "none (no validation split: the last epoch is kept)",
                     stopped)


def selection_split(data: InteractionData, eval_split: str) -> str | None:
    """The split that epochs are selected on: ``eval_split`` when it has pairs. An empty ``valid`` gives
    None (no selection: the last epoch is kept) rather than the test split, which is read for selection
    only when asked for by name (``eval_split="test"``, LightGCN's official protocol on data without a
    validation split)."""
    if eval_split not in ("valid", "test"):
        raise ValueError(f"eval_split must be 'valid' or 'test', not {eval_split!r}")
    if len(getattr(data, eval_split)):
        return eval_split
    if eval_split == "test":
        raise ValueError(f"{data.name}: eval_split='test' but the test split is empty")
    return None


def _start_run(model: torch.nn.Module, data: InteractionData, cfg: TrainConfig, graph: RecGraph | None) -> _Run:
    """Seed, pick the device and threads, move model and graph there, build optimiser, scaler and sampler."""
    device = resolve_device(cfg.device)
    if device.type == "cpu":
        set_threads(cfg.num_threads)
    seed_everything(cfg.seed)
    if graph is None:
        graph = data.graph(kg=hasattr(model, "num_relations"))
    graph = graph.to(device)
    model = model.to(device)
    optimizer = make_adam(model, cfg.lr)
    dtype = amp_dtype(device, cfg.amp)
    scaler = torch.amp.GradScaler("cuda", enabled=dtype == torch.float16)
    sampler = NegativeSampler(data, cfg.sampling, cfg.n_negatives, seed=cfg.seed)
    split = selection_split(data, cfg.eval_split)
    ckpt_dir = Path(cfg.checkpoint_dir) if cfg.checkpoint_dir else None
    if ckpt_dir:
        ckpt_dir.mkdir(parents=True, exist_ok=True)
    metrics_path = cfg.metrics_path or (ckpt_dir / "metrics.jsonl" if ckpt_dir else None)
    return _Run(model, data, cfg, graph, device, optimizer, scaler, sampler, dtype, split, ckpt_dir, metrics_path)


def _resume(run: _Run) -> None:
    """Continue from ``last.pt`` (weights, optimiser, sampler and RNG state, history) when it exists."""
    if not run.ckpt_dir or not (run.ckpt_dir / "last.pt").exists():
        return
    ck = torch.load(run.ckpt_dir / "last.pt", map_location=run.device, weights_only=False)
    run.model.load_state_dict(ck["model"])
    optimizer = run.optimizer
    kernels = [{k: g[k] for k in ("fused", "foreach") if k in g} for g in optimizer.param_groups]
    optimizer.load_state_dict(ck["optimizer"])
    for group, kernel in zip(optimizer.param_groups, kernels):
        group.update(kernel)  # this run's kernel choice, not the checkpoint's
        group["lr"] = run.cfg.lr  # the configured learning rate wins (resume with a decayed lr)
    run.sampler.set_state(ck["sampler"])
    torch.set_rng_state(ck["torch_rng"])
    run.history, run.state = ck["history"], ck["state"]
    if (run.ckpt_dir / "best.pt").exists():
        run.best_weights = torch.load(run.ckpt_dir / "best.pt", map_location=run.device, weights_only=False)["model"]


def _epoch_batches(run: _Run) -> tuple[int, torch.Tensor, torch.Tensor, torch.Tensor]:
    """This epoch's BPR triples on the device (pinned and copied asynchronously on CUDA), and their count."""
    cfg = run.cfg
    users, pos, neg = run.sampler.epoch()
    n = len(users)
    if cfg.max_steps_per_epoch:
        n = min(n, cfg.max_steps_per_epoch * cfg.batch_size)
    batch = [torch.from_numpy(np.ascontiguousarray(a[:n])) for a in (users, pos, neg)]
    if run.device.type == "cuda":
        batch = [b.pin_memory().to(run.device, non_blocking=True) for b in batch]
    return n, *batch


def _train_epoch(run: _Run, epoch: int) -> dict:
    """One pass of mini-batch BPR steps (under autocast when mixed precision is on); the epoch's row."""
    cfg, model, graph, dtype = run.cfg, run.model, run.graph, run.dtype
    t0 = time.perf_counter()
    n, users_t, pos_t, neg_t = _epoch_batches(run)
    model.train()
    total, steps = 0.0, 0
    for s in range(0, n, cfg.batch_size):
        u, p, q = users_t[s: s + cfg.batch_size], pos_t[s: s + cfg.batch_size], neg_t[s: s + cfg.batch_size]
        with torch.autocast(device_type=run.device.type, dtype=dtype or torch.float32, enabled=dtype is not None):
            user_emb, item_emb = model(graph)
            loss, _ = bpr_loss(model, user_emb, item_emb, u, p, q, cfg.weight_decay)
            if getattr(model, "kg_loss_weight", 0) > 0:
                loss = loss + model.kg_loss_weight * model.kg_loss(graph)
        run.optimizer.zero_grad(set_to_none=True)
        run.scaler.scale(loss).backward()
        run.scaler.step(run.optimizer)
        run.scaler.update()
        total += loss.detach().float().item()
        steps += 1
    seconds = time.perf_counter() - t0
    run.state["train_seconds"] += seconds
    return {"epoch": epoch, "loss": total / max(steps, 1), "train_seconds": seconds, "steps": steps}


def _evaluate_epoch(run: _Run, epoch: int, row: dict) -> None:
    """Evaluate on the selection split into ``row``; keep (and save to ``best.pt``) improved weights,
    else count one evaluation without improvement."""
    cfg, state = run.cfg, run.state
    t1 = time.perf_counter()
    metrics = evaluate_model(run.model, run.graph, run.data, run.split, cfg.ks, run.device, cfg.eval_batch_size)
    row.update({f"{run.split}_{k}": v for k, v in metrics.items() if k != "n_users"})
    row["eval_seconds"] = time.perf_counter() - t1
    value = metrics[cfg.monitor]
    if value > state["best_value"]:
        state.update(best_value=value, best_epoch=epoch, bad=0, best_metrics=metrics)
        run.best_weights = {k: v.detach().clone() for k, v in run.model.state_dict().items()}
        if run.ckpt_dir:
            torch.save({"model": run.best_weights, "epoch": epoch, "metrics": metrics}, run.ckpt_dir / "best.pt")
    else:
        state["bad"] += 1


def _record_epoch(run: _Run, epoch: int, row: dict) -> None:
    """Append the row to the history and ``metrics.jsonl``; after an evaluation, checkpoint ``last.pt``."""
    run.state["epoch"] = epoch
    run.history.append(row)
    if run.metrics_path:
        with open(run.metrics_path, "a") as fh:
            fh.write(json.dumps(row) + "\n")
    if run.ckpt_dir and "eval_seconds" in row:
        torch.save({"model": run.model.state_dict(), "optimizer": run.optimizer.state_dict(),
                    "sampler": run.sampler.state(), "torch_rng": torch.get_rng_state(),
                    "history": run.history, "state": run.state, "config": asdict(run.cfg)},
                   run.ckpt_dir / "last.pt")


MIN_TEST_USERS = 20


def small_test_warning(n_test_users: int, n_users: int) -> str | None:
    """Warn (and return the message) when fewer than ``MIN_TEST_USERS`` users have test items."""
    if n_test_users >= MIN_TEST_USERS:
        return None
    msg = (f"only {n_test_users} of {n_users} users have test interactions (< {MIN_TEST_USERS}): "
           "the test metrics are too noisy to compare models")
    warnings.warn(msg, stacklevel=2)
    return msg


def evaluate_model(model: torch.nn.Module, graph: RecGraph, data: InteractionData, split: str = "test",
                   ks=(20,), device: torch.device | str = "cpu", batch_size: int = 2048) -> dict[str, float]:
    """Full-ranking metrics of a trained embedding model (see :func:`kgmine.recommend.evaluate.evaluate`)."""
    model.eval()
    with torch.no_grad():
        user_emb, item_emb = model(graph)
    return evaluate(embedding_scorer(user_emb.float(), item_emb.float()), data, split, ks,
                    batch_size=batch_size, device=device)


def build_model(name: str, data: InteractionData, graph: RecGraph | None = None, **params) -> torch.nn.Module:
    """A fresh model ``name`` (see :data:`kgmine.recommend.models.MODELS`) sized for ``data``.

    ``params`` are the model's keyword arguments (``embedding_dim``, ``num_layers`` ...); the KG
    model takes its entity and relation counts from ``graph`` (built with the KG when not given).
    """
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; choose one of {sorted(MODELS)}")
    cls = MODELS[name]
    if name == "mf":
        params.pop("num_layers", None)
    if name == "kg_gnn":
        graph = graph or data.graph(kg=True)
        params.update(num_entities=graph.n_entities, num_relations=graph.n_relations)
    return cls(num_users=data.n_users, num_items=data.n_items, **params)


def fit_recommender(interactions, model: str = "lightgcn", config: TrainConfig | dict | None = None,
                    seed: int = 0, *, split: str = "auto", events: tuple[str, ...] | None = None,
                    min_rating: float | None = None, model_params: dict | None = None,
                    baselines: tuple[str, ...] = ("popularity",),
                    ratios: tuple[float, float, float] = (0.8, 0.1, 0.1), valid_fraction: float = 0.1,
                    bootstrap: int = 1000):
    """Train a recommender on an interactions table and measure it beside baselines on held-out data.

    ``interactions`` is a DataFrame (``user_id``, ``product_id`` [, ``timestamp``, ``split`` ...]), a
    :class:`~kgmine.io.tables.ShopData` (its item and entity edges become the KG) or an
    :class:`~kgmine.recommend.data.InteractionData`. ``model`` is ``lightgcn``, ``mf``, ``kg_gnn``,
    ``popularity`` or ``itemknn``; ``config`` a :class:`TrainConfig` or a dict of its fields;
    ``seed`` overrides ``config.seed`` and the split seed. ``split``/``ratios``/``events``/``min_rating`` go to
    :meth:`InteractionData.from_frame`. A trained model whose data has no validation split gets one
    carved from train (:func:`~kgmine.recommend.data.carve_validation`, ``valid_fraction`` of the training
    pairs), so epochs are never selected on the test split; ``metrics["validation"]`` says which it was.
    The test metrics carry ``bootstrap`` resamples' 95 % intervals and the cold / warm user segments
    (:func:`kgmine.recommend.evaluate.evaluate`). Returns ``(fitted, metrics, history)``:

    * ``fitted`` — a :class:`~kgmine.recommend.fitted.FittedRecommender` (use
      :func:`kgmine.recommend.serve.recommend_topk`, ``fitted.save(path)``);
    * ``metrics`` — test metrics of the model (``recall_at_20``, ``ndcg_at_20``, ``precision_at_20``,
      ``hit_rate_at_20``, ``mrr_at_20``, ``coverage_at_20`` for every K), the same prefixed with each
      baseline's name (``popularity_recall_at_20``), and ``model``, ``epochs``, ``best_epoch``,
      ``train_seconds``, ``seconds_per_epoch``, ``stopped``, ``selected_on``, split sizes;
    * ``history`` — one row per epoch (loss, seconds, validation metrics when evaluated).
    """
    cfg = config if isinstance(config, TrainConfig) else TrainConfig.from_dict(config)
    cfg = TrainConfig(**{**asdict(cfg), "seed": seed})
    if isinstance(interactions, InteractionData):
        data = interactions
    elif isinstance(interactions, ShopData):
        data = InteractionData.from_shop(interactions, split, seed=seed, events=events, min_rating=min_rating,
                                         ratios=ratios)
    else:
        data = InteractionData.from_frame(interactions, split, seed=seed, events=events, min_rating=min_rating,
                                          ratios=ratios)
    device = resolve_device(cfg.device)
    validation = "given" if len(data.valid) else "none"
    if model not in BASELINES and not len(data.valid) and valid_fraction > 0:
        data = carve_validation(data, valid_fraction, seed)
        if len(data.valid):
            validation = f"carved from train ({valid_fraction:.0%} of the training pairs, for model selection)"
    metrics: dict = {"model": model, **{f"n_{k}": v for k, v in data.summary().items()}, "validation": validation}
    if model in BASELINES:
        estimator = BASELINES[model](**(model_params or {})).fit(data)
        fitted = FittedRecommender(model, estimator, data, device=device)
        history = pd.DataFrame(columns=["epoch", "loss"])
        metrics.update(epochs=0, best_epoch=0, train_seconds=0.0)
    else:
        graph = data.graph(kg=model == "kg_gnn")
        net = build_model(model, data, graph, **(model_params or {}))
        result = fit(net, data, cfg, graph=graph)
        fitted = FittedRecommender(model, net, data, device=device, graph=graph.to(device))
        history = result.history
        metrics.update(epochs=result.epochs_run, best_epoch=result.best_epoch, train_seconds=result.train_seconds,
                       seconds_per_epoch=result.seconds_per_epoch, stopped=result.stopped,
                       selected_on=result.selected_on)
    ks = cfg.ks

    def test_metrics(scorer) -> dict:
        return evaluate(scorer, data, "test", ks, batch_size=cfg.eval_batch_size, device=device,
                        bootstrap=bootstrap, segments=True, seed=seed)

    test = test_metrics(fitted.score)
    metrics.update({k: v for k, v in test.items() if k != "n_users"})
    metrics["n_test_users"] = test["n_users"]
    note = small_test_warning(test["n_users"], data.n_users)
    if note:
        metrics["warning"] = note
    for name in baselines:
        if name == model:
            continue
        base = FittedRecommender(name, BASELINES[name]().fit(data), data, device=device)
        scores = test_metrics(base.score)
        metrics.update({f"{name}_{k}": v for k, v in scores.items() if k != "n_users"})
    fitted.metrics = dict(metrics)
    return fitted, metrics, history
