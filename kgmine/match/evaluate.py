"""Scores of :class:`~kgmine.match.matcher.ProductMatcher` on a labelled pair data set (train / valid / test)."""
from __future__ import annotations

import time
from pathlib import Path

from kgmine.io.pairs import read_pairs
from kgmine.match.matcher import ProductMatcher, match_scores

DATASETS = ("abt-buy", "amazon-google")
DITTO_F1 = {"abt-buy": 0.8933, "amazon-google": 0.7558}  # Li et al., VLDB 2021, RoBERTa-base, test F1


def evaluate_match(dataset: str | None = None, data_root: str | Path = "../shared/data",
                   data: str | Path | None = None, embeddings: bool = False) -> dict:
    """Train on train (threshold on valid), score the match class on test.

    ``data`` is a test file in the same format (then the matcher is still trained on ``dataset``'s
    train and valid splits, default abt-buy)."""
    name = dataset or "abt-buy"
    if name not in DATASETS:
        raise ValueError(f"unknown matching data set {name!r} (known: {', '.join(DATASETS)})")
    root = Path(data_root) / "text" / "product-matching" / name
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: folder not found (--data-root should hold text/product-matching)")
    train, valid = read_pairs(root / "train.txt"), read_pairs(root / "valid.txt")
    test = read_pairs(data if data is not None else root / "test.txt")
    matcher = ProductMatcher(embeddings=embeddings).fit(train, valid)
    valid_f1 = match_scores(valid["label"].to_numpy(), matcher.predict(valid))["f1"]
    start = time.perf_counter()
    pred = matcher.predict(test)
    result = {"dataset": name, "test_file": str(data if data is not None else root / "test.txt"),
              **match_scores(test["label"].to_numpy(), pred),
              "ditto_f1": DITTO_F1[name] if data is None else None,
              "valid_f1": valid_f1, "embeddings": embeddings, "threshold": matcher.threshold_,
              "n_train": len(train), "n_valid": len(valid), "n_test": len(test),
              "train_seconds": round(matcher.train_seconds_, 2),
              "predict_seconds": round(time.perf_counter() - start, 2)}
    return result
