"""Recommender benchmarks: kgmine against RecBole's LightGCN on Gowalla, MovieLens-100k and Luxury Beauty KG.

Subcommands (run ``python benchmarks/recsys.py --help``):

``train``   one long, checkpointed kgmine training run (resumable), the curve appended to a JSON-lines file.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("KGMINE_SHARED_DATA", REPO.parent / "shared" / "data")) / "recsys"


def load_dataset(name: str):
    """The InteractionData of a named benchmark data set."""
    import pandas as pd

    from kgmine.recommend.data import InteractionData, load_lightgcn_split, load_recbole_split

    if name == "gowalla":
        return load_lightgcn_split(DATA / "gowalla")
    if name == "luxury":
        return load_recbole_split(DATA / "amazon-luxury-beauty-kg")
    if name == "ml-100k":
        frame = pd.read_csv(DATA / "movielens-100k" / "u.data", sep="\t",
                            names=["user_id", "product_id", "rating", "timestamp"])
        return InteractionData.from_frame(frame, "random", seed=0, name="ml-100k")
    raise SystemExit(f"unknown data set {name!r}")


def cmd_train(args: argparse.Namespace) -> None:
    from kgmine.recommend.models import MODELS
    from kgmine.recommend.train import TrainConfig, fit

    data = load_dataset(args.dataset)
    print(json.dumps({"data": data.summary()}), flush=True)
    graph = data.graph(kg=args.model == "kg_gnn")
    kwargs = dict(num_users=data.n_users, num_items=data.n_items, embedding_dim=args.dim)
    if args.model != "mf":
        kwargs["num_layers"] = args.layers
    if args.model == "kg_gnn":
        kwargs.update(num_entities=graph.n_entities, num_relations=graph.n_relations)
    model = MODELS[args.model](**kwargs)
    cfg = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, l2=args.l2,
                      eval_every=args.eval_every, patience=args.patience, ks=tuple(args.ks),
                      monitor=f"ndcg_at_{args.ks[0]}", checkpoint_dir=args.checkpoint_dir,
                      metrics_path=args.metrics_path, resume=True, num_threads=args.threads,
                      progress=not args.no_progress, seed=args.seed, sampling=args.sampling)
    t0 = time.perf_counter()
    result = fit(model, data, cfg, graph=graph)
    print(json.dumps({"best_epoch": result.best_epoch, "epochs": result.epochs_run, "selected_on": result.selected_on,
                      "seconds": time.perf_counter() - t0, "train_seconds": result.train_seconds,
                      "best": result.best}), flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("train", help="a long checkpointed kgmine training run (resumable)")
    p.add_argument("--dataset", default="gowalla", choices=["gowalla", "luxury", "ml-100k"])
    p.add_argument("--model", default="lightgcn", choices=["lightgcn", "mf", "kg_gnn"])
    p.add_argument("--epochs", type=int, default=1000)
    p.add_argument("--batch-size", type=int, default=2048)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--l2", type=float, default=1e-4)
    p.add_argument("--dim", type=int, default=64)
    p.add_argument("--layers", type=int, default=3)
    p.add_argument("--eval-every", type=int, default=10)
    p.add_argument("--patience", type=int, default=1000)
    p.add_argument("--ks", type=int, nargs="+", default=[20])
    p.add_argument("--sampling", default="user", choices=["user", "edge"])
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--checkpoint-dir", required=True)
    p.add_argument("--metrics-path", default=None)
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=cmd_train)
    args = parser.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
