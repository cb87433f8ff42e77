"""Reading LightGCN's Gowalla split (810,128 train + 217,242 test pairs): kgmine vs the usual loops.

Peers, measured in the same run on the same files (best of ``--repeat`` runs each):

* ``pyg_amazonbook_loop`` — the parse loop of ``torch_geometric.datasets.AmazonBook.process``
  (torch-geometric 2.x): ``readlines()``, ``split(' ')``, one ``int()`` and two ``append`` per pair;
* ``lightgcn_official_loop`` — the loop of LightGCN-PyTorch ``dataloader.Loader.__init__``
  (gusye1234/LightGCN-PyTorch): ``[int(i) for i in l[1:]]`` and ``extend`` per line;
* ``kgmine.read_adjacency`` — the same result (int64 user / item arrays), bulk-parsed;
* ``kgmine.read_lightgcn`` — the full reader: a validated ShopData with string ids and splits.

Prints seconds and the speed-up of each kgmine row over each peer. Usage::

    python benchmarks/io_lightgcn.py [--data ../shared/data/recsys/gowalla] [--repeat 3]
"""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("KGMINE_NO_PROGRESS", "1")

from kgmine.io.lightgcn import read_adjacency, read_lightgcn  # noqa: E402

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "recsys" / "gowalla"


def pyg_amazonbook_loop(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """The parse loop of torch_geometric.datasets.AmazonBook.process (tensor creation left out)."""
    rows, cols = [], []
    with open(path) as f:
        lines = f.readlines()
    for line in lines:
        indices = line.strip().split(" ")
        for dst in indices[1:]:
            rows.append(int(indices[0]))
            cols.append(int(dst))
    return np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)


def lightgcn_official_loop(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """The parse loop of LightGCN-PyTorch dataloader.Loader.__init__ (train file part)."""
    train_user, train_item = [], []
    with open(path) as f:
        for line in f.readlines():
            if len(line) > 0:
                parts = line.strip("\n").split(" ")
                items = [int(i) for i in parts[1:] if i != ""]
                uid = int(parts[0])
                train_user.extend([uid] * len(items))
                train_item.extend(items)
    return np.array(train_user), np.array(train_item)


def best_of(fn, repeat: int) -> tuple[float, object]:
    """Smallest wall time of ``repeat`` calls, and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    files = [args.data / "train.txt", args.data / "test.txt"]

    def both(fn):
        return lambda: [fn(f) for f in files]

    rows = {}
    rows["pyg_amazonbook_loop"], ref = best_of(both(pyg_amazonbook_loop), args.repeat)
    rows["lightgcn_official_loop"], _ = best_of(both(lightgcn_official_loop), args.repeat)
    rows["kgmine.read_adjacency"], ours = best_of(both(read_adjacency), args.repeat)
    rows["kgmine.read_lightgcn (ShopData)"], shop = best_of(lambda: read_lightgcn(args.data), args.repeat)

    for (ru, ri), (ou, oi, _) in zip(ref, ours):  # same pairs in the same order
        assert np.array_equal(ru, ou) and np.array_equal(ri, oi)
    n_pairs = sum(len(r[0]) for r in ref)
    assert len(shop.interactions) == n_pairs

    print(f"{args.data}: {n_pairs:,} pairs, {os.cpu_count()} cores, best of {args.repeat}")
    print(f"{'reader':34s} {'seconds':>8s} {'Mpairs/s':>9s}")
    for name, sec in rows.items():
        print(f"{name:34s} {sec:8.3f} {n_pairs / sec / 1e6:9.2f}")
    for ours_name in ("kgmine.read_adjacency", "kgmine.read_lightgcn (ShopData)"):
        for peer in ("pyg_amazonbook_loop", "lightgcn_official_loop"):
            print(f"speed-up {ours_name} vs {peer}: {rows[peer] / rows[ours_name]:.1f}x")


if __name__ == "__main__":
    main()
