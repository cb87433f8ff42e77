"""Product matching speed and blocking quality on the two built-in pair data sets.

Each data set is reconstructed as two full tables (the distinct left and right records of all its
splits); blocking (``kgmine.match.blocking.block``) proposes candidates for every left record; the
matcher trained on train (threshold on valid) scores them; matched pairs are clustered. Prints blocking
recall of the test matches, candidates per left record, pairs scored per second and end-to-end time.

    PYTHONPATH=. python benchmarks/match_speed.py --data-root ../shared/data [--k 20]
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

from kgmine.io.pairs import read_pairs
from kgmine.match.blocking import block, blocking_report
from kgmine.match.cluster import cluster_pairs
from kgmine.match.evaluate import DATASETS
from kgmine.match.matcher import ProductMatcher


def _tables(splits: dict[str, pd.DataFrame]):
    """Distinct left / right records (keyed by their repr) and the test matches as index pairs."""
    lk, rk, left, right = {}, {}, [], []
    for frame in splits.values():
        for a, b in zip(frame["left"], frame["right"]):
            for rec, keys, out in ((a, lk, left), (b, rk, right)):
                key = repr(sorted(rec.items()))
                if key not in keys:
                    keys[key] = len(out)
                    out.append(rec)
    test = splits["test"]
    matches = {(lk[repr(sorted(a.items()))], rk[repr(sorted(b.items()))])
               for a, b, y in zip(test["left"], test["right"], test["label"]) if y == 1}
    return left, right, matches


def run(name: str, root: Path, k: int) -> dict:
    splits = {s: read_pairs(root / "text" / "product-matching" / name / f"{s}.txt") for s in ("train", "valid", "test")}
    left, right, matches = _tables(splits)
    start = time.perf_counter()
    cands = block(left, right, k=k)
    block_s = time.perf_counter() - start
    report = blocking_report(cands, matches, len(left))
    matcher = ProductMatcher().fit(splits["train"], splits["valid"])
    t0 = time.perf_counter()
    pairs = pd.DataFrame({"left": [left[i] for i in cands["left_index"]], "right": [right[j] for j in cands["right_index"]]})
    score = matcher.predict_proba(pairs)[:, 1]
    score_s = time.perf_counter() - t0
    scored = pd.DataFrame({"left_id": [f"L{i}" for i in cands["left_index"]],
                           "right_id": [f"R{j}" for j in cands["right_index"]], "score": score})
    clusters = cluster_pairs([f"L{i}" for i in range(len(left))] + [f"R{j}" for j in range(len(right))], scored,
                             matcher.threshold_)
    total = time.perf_counter() - start
    return {"dataset": name, "n_left": len(left), "n_right": len(right), "k": k, **report,
            "blocking_s": round(block_s, 2), "pairs_per_s": round(len(pairs) / max(score_s, 1e-9)),
            "train_s": round(matcher.train_seconds_, 1), "end_to_end_s": round(total, 1),
            "n_products": clusters["cluster"].nunique()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", type=Path, default=Path("../shared/data"))
    parser.add_argument("--k", type=int, default=20, help="TF-IDF nearest neighbours per left record")
    parser.add_argument("--dataset", choices=DATASETS, action="append")
    args = parser.parse_args()
    rows = [run(name, args.data_root, args.k) for name in (args.dataset or DATASETS)]
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        print(pd.DataFrame(rows).round(4).to_string(index=False))


if __name__ == "__main__":
    main()
