"""Run RecBole's LightGCN on RecBole atomic files; print one JSON line with timings and metrics.

Runs inside the separate RecBole venv (``/work/recbole-venv``, RecBole 1.2.1 needs numpy < 2 and
pandas < 2.3); ``benchmarks/recsys.py`` writes the atomic files and calls this script in a
subprocess. It imports nothing from kgmine.

``--max-steps N`` times only the first N training batches of each epoch (the seconds per epoch are
then extrapolated: time per batch x batches per epoch); otherwise whole epochs are trained with
RecBole's own early stopping on valid NDCG@K.
"""
from __future__ import annotations

import argparse
import itertools
import json
import logging
import os
import sys
import time


class _Limited:
    """A RecBole train loader cut to its first ``n`` batches."""

    def __init__(self, loader, n: int):
        self.loader, self.n = loader, n
        self.shuffle = getattr(loader, "shuffle", True)

    def __iter__(self):
        return itertools.islice(iter(self.loader), self.n)

    def __len__(self) -> int:
        return min(self.n, len(self.loader))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--data-path", required=True, help="directory holding <dataset>/<dataset>.{train,valid,test}.inter")
    p.add_argument("--dataset", required=True)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--max-steps", type=int, default=0)
    p.add_argument("--batch-size", type=int, default=2048)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--dim", type=int, default=64)
    p.add_argument("--layers", type=int, default=3)
    p.add_argument("--reg", type=float, default=1e-4)
    p.add_argument("--topk", type=int, default=20)
    p.add_argument("--stopping-step", type=int, default=10)
    p.add_argument("--eval-step", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-eval", action="store_true")
    args = p.parse_args()

    import torch
    from recbole.config import Config
    from recbole.data import create_dataset, data_preparation
    from recbole.model.general_recommender import LightGCN
    from recbole.trainer import Trainer
    from recbole.utils import init_seed

    torch.set_num_threads(args.threads)
    logging.disable(logging.CRITICAL)
    # RecBole 1.2 reloads its own best checkpoint with torch.load(); torch >= 2.6 defaults to weights_only=True
    _torch_load = torch.load
    torch.load = lambda *a, **k: _torch_load(*a, **{**k, "weights_only": False})
    config_dict = {
        "data_path": args.data_path, "benchmark_filename": ["train", "valid", "test"],
        "USER_ID_FIELD": "user_id", "ITEM_ID_FIELD": "item_id", "load_col": {"inter": ["user_id", "item_id"]},
        "embedding_size": args.dim, "n_layers": args.layers, "reg_weight": args.reg,
        "learning_rate": args.lr, "train_batch_size": args.batch_size, "eval_batch_size": 4096 * 4,
        "epochs": args.epochs, "stopping_step": args.stopping_step, "eval_step": args.eval_step,
        "train_neg_sample_args": {"distribution": "uniform", "sample_num": 1},
        "eval_args": {"mode": "full", "order": "RO", "group_by": "user"},
        "metrics": ["Recall", "NDCG", "MRR", "Hit", "Precision"], "topk": [args.topk],
        "valid_metric": f"NDCG@{args.topk}", "device": "cpu", "use_gpu": False, "show_progress": False,
        "seed": args.seed, "reproducibility": True, "checkpoint_dir": os.path.join(args.data_path, "saved"),
        "log_wandb": False, "state": "CRITICAL",
    }
    t0 = time.perf_counter()
    config = Config(model="LightGCN", dataset=args.dataset, config_dict=config_dict)
    init_seed(config["seed"], config["reproducibility"])
    torch.set_num_threads(args.threads)
    dataset = create_dataset(config)
    train_data, valid_data, test_data = data_preparation(config, dataset)
    prep = time.perf_counter() - t0
    model = LightGCN(config, train_data._dataset).to(config["device"])
    trainer = Trainer(config, model)
    out = {"tool": "recbole", "version": __import__("recbole").__version__, "prep_seconds": prep,
           "batches_per_epoch": len(train_data)}
    if args.max_steps:
        times = []
        for epoch in range(args.epochs):
            t = time.perf_counter()
            trainer._train_epoch(_Limited(train_data, args.max_steps), epoch)
            times.append(time.perf_counter() - t)
        steps = min(args.max_steps, len(train_data))
        out.update(steps=steps, seconds_per_step=sum(times) / (steps * len(times)),
                   seconds_per_epoch=sum(times) / (steps * len(times)) * len(train_data),
                   extrapolated=steps < len(train_data))
    else:
        t = time.perf_counter()
        best_score, best_valid = trainer.fit(train_data, valid_data, saved=True, show_progress=False,
                                             verbose=False)
        train_total = time.perf_counter() - t
        epochs_run = len(trainer.train_loss_dict)
        test = trainer.evaluate(test_data, load_best_model=True, show_progress=False)
        out.update(epochs=epochs_run, best_epoch=int(trainer.best_valid_result is not None and
                                                      _best_epoch(trainer)),
                   seconds_per_epoch=_mean_epoch_seconds(trainer, train_total, epochs_run), extrapolated=False,
                   train_seconds=train_total, test={k: float(v) for k, v in test.items()},
                   valid={k: float(v) for k, v in (best_valid or {}).items()})
    print(json.dumps(out), flush=True)


def _best_epoch(trainer) -> int:
    return int(getattr(trainer, "_kgmine_best_epoch", 0))


def _mean_epoch_seconds(trainer, total: float, epochs: int) -> float:
    times = getattr(trainer, "_kgmine_epoch_seconds", None)
    return sum(times) / len(times) if times else total / max(epochs, 1)


def _patch_trainer() -> None:
    """Record per-epoch training seconds and the best epoch inside RecBole's Trainer.fit."""
    from recbole.trainer import Trainer

    original_train = Trainer._train_epoch
    original_valid = Trainer._valid_epoch

    def timed_train(self, train_data, epoch_idx, *a, **kw):
        t = time.perf_counter()
        result = original_train(self, train_data, epoch_idx, *a, **kw)
        self.__dict__.setdefault("_kgmine_epoch_seconds", []).append(time.perf_counter() - t)
        self._kgmine_epoch = epoch_idx
        return result

    def tracked_valid(self, *a, **kw):
        score, result = original_valid(self, *a, **kw)
        if score > getattr(self, "_kgmine_best_score", -1.0):
            self._kgmine_best_score = score
            self._kgmine_best_epoch = getattr(self, "_kgmine_epoch", 0) + 1
        return score, result

    Trainer._train_epoch = timed_train
    Trainer._valid_epoch = tracked_valid


if __name__ == "__main__":
    sys.path = [p for p in sys.path if "kgmine" not in p]
    _patch_trainer()
    main()
