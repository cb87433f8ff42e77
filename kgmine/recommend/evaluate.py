"""Full-ranking evaluation: every item is scored for every test user; known items are masked.

The protocol is LightGCN's official one (``Procedure.Test`` / ``utils.RecallPrecision_ATk`` /
``utils.NDCGatK_r`` of gusye1234/LightGCN-PyTorch): for each user with at least one target item,
score all items, set the scores of the user's training items (and, for a test split that has a
validation split before it, the validation items) to ``-inf``, take the top K and compute

* ``recall_at_K``    = hits / |targets|
* ``precision_at_K`` = hits / K
* ``ndcg_at_K``      = DCG / IDCG with DCG = sum_j hit_j / log2(j + 2) over the top K and IDCG the
  DCG of min(|targets|, K) hits at the top
* ``hit_rate_at_K``  = 1 if any hit
* ``mrr_at_K``       = 1 / rank of the first hit in the top K (0 if none)

averaged over users, and ``coverage_at_K`` = distinct items in all top-K lists / number of items.
Scoring, masking, top-K and the metrics run batched on the scorer's device.

Beyond the means (what a user needs to trust them):

* ``pop_percentile_at_K`` — popularity bias: the mean, over every recommended slot, of the item's
  popularity percentile (its training-interaction count ranked among all items, 0 = least, 1 = most
  popular; ties share their mean rank). Popularity itself scores near 1; a model that spreads its lists
  over the long tail scores lower;
* with ``bootstrap=B`` — ``recall_at_K_low`` / ``_high`` and ``ndcg_at_K_low`` / ``_high``: the 95 %
  percentile interval of the mean over ``B`` resamples of the test users (with replacement, seeded);
* with ``segments=True`` — ``cold_*`` and ``warm_*``: recall, NDCG and user count for the users with at
  most :data:`COLD_MAX_TRAIN` training interactions (cold) and the others (warm).

:func:`seed_summary` turns the metrics of several seeds into mean ± sd rows.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
import torch

from kgmine.recommend.data import InteractionData

Scorer = Callable[[torch.Tensor], torch.Tensor]

COLD_MAX_TRAIN = 5  #: users with at most this many training interactions form the "cold" segment
SEGMENTS = ("cold", "warm")
INTERVAL_METRICS = ("recall", "ndcg")  #: the metrics given a bootstrap interval


def default_mask(data: InteractionData, split: str) -> tuple[str, ...]:
    """The splits masked when evaluating ``split``: train, plus valid when evaluating test."""
    if split == "valid":
        return ("train",)
    if split == "test":
        return ("train", "valid") if len(data.valid) else ("train",)
    raise ValueError(f"evaluate a 'valid' or 'test' split, not {split!r}")


def evaluate(scorer: Scorer, data: InteractionData, split: str = "test", ks: Sequence[int] = (20,),
             mask: Sequence[str] | None = None, batch_size: int = 2048,
             device: torch.device | str = "cpu", *, bootstrap: int = 0, segments: bool = False,
             seed: int = 0) -> dict[str, float]:
    """Full-ranking metrics of ``scorer`` on ``split`` of ``data`` (see the module docstring).

    ``scorer(users)`` takes a LongTensor of user indices on ``device`` and returns their
    ``(len(users), n_items)`` scores. ``mask`` lists the splits whose items are excluded from the
    ranking (default :func:`default_mask`). Returns ``{metric_at_K: value}`` plus ``n_users``;
    ``bootstrap`` resamples (0: none, seeded by ``seed``) add the 95 % intervals and ``segments``
    the cold / warm metrics.
    """
    device = torch.device(device)
    ks = sorted({int(k) for k in ks})
    if not ks or ks[0] < 1:
        raise ValueError(f"ks must be positive integers, got {ks}")
    kmax = min(ks[-1], data.n_items)
    mask = default_mask(data, split) if mask is None else tuple(mask)
    targets = data.csr(split)
    users = np.flatnonzero(np.diff(targets.indptr))
    n_items = data.n_items
    masks = [data.csr(s) for s in mask]
    target_keys = torch.from_numpy(np.repeat(np.arange(data.n_users, dtype=np.int64), np.diff(targets.indptr))
                                   * n_items + targets.indices.astype(np.int64)).to(device)
    discounts = 1.0 / torch.log2(torch.arange(2, kmax + 2, device=device, dtype=torch.float64))
    ideal = torch.cumsum(discounts, 0)
    sums = {f"{m}_at_{k}": 0.0 for k in ks
            for m in ("recall", "precision", "ndcg", "hit_rate", "mrr", "pop_percentile")}
    seen = {k: torch.zeros(n_items, dtype=torch.bool, device=device) for k in ks}
    percentile = torch.from_numpy(popularity_percentile(data)).to(device)
    per_user = {f"{m}_at_{k}": np.zeros(len(users)) for k in ks for m in INTERVAL_METRICS}
    with torch.no_grad():
        for start in range(0, len(users), batch_size):
            batch = users[start: start + batch_size]
            bt = torch.from_numpy(batch).to(device)
            scores = scorer(bt).float()
            for m in masks:
                rows = m[batch]
                r = np.repeat(np.arange(len(batch)), np.diff(rows.indptr))
                if len(r):
                    scores[torch.from_numpy(r).to(device),
                           torch.from_numpy(rows.indices.astype(np.int64)).to(device)] = -torch.inf
            top = torch.topk(scores, kmax, dim=1).indices
            keys = bt[:, None] * n_items + top
            pos = torch.searchsorted(target_keys, keys).clamp_(max=len(target_keys) - 1)
            hits = (target_keys[pos] == keys).double()
            n_t = torch.from_numpy(np.diff(targets.indptr)[batch]).to(device)
            first = torch.where(hits.any(1), hits.argmax(1), torch.full_like(n_t, -1))
            for k in ks:
                h = hits[:, :k]
                nh = h.sum(1)
                recall = nh / n_t
                sums[f"recall_at_{k}"] += recall.sum().item()
                sums[f"precision_at_{k}"] += (nh / k).sum().item()
                dcg = (h * discounts[:k]).sum(1)
                idcg = ideal[torch.clamp(n_t, max=k) - 1]
                ndcg = dcg / idcg
                sums[f"ndcg_at_{k}"] += ndcg.sum().item()
                per_user[f"recall_at_{k}"][start: start + len(batch)] = recall.cpu().numpy()
                per_user[f"ndcg_at_{k}"][start: start + len(batch)] = ndcg.cpu().numpy()
                sums[f"pop_percentile_at_{k}"] += percentile[top[:, :k]].double().mean(1).sum().item()
                sums[f"hit_rate_at_{k}"] += (nh > 0).double().sum().item()
                rr = torch.where((first >= 0) & (first < k), 1.0 / (first + 1).double(), torch.zeros_like(dcg))
                sums[f"mrr_at_{k}"] += rr.sum().item()
                seen[k][top[:, :k].reshape(-1)] = True
    n = len(users)
    out = {name: value / n if n else float("nan") for name, value in sums.items()}  # no test user: no measurement
    for k in ks:
        out[f"coverage_at_{k}"] = seen[k].sum().item() / n_items
    out["n_users"] = int(len(users))
    if bootstrap and len(users):
        out.update(bootstrap_intervals(per_user, bootstrap, seed))
    if segments:
        out.update(segment_metrics(per_user, data.csr("train").getnnz(axis=1)[users]))
    return out


def popularity_percentile(data: InteractionData) -> np.ndarray:
    """Each item's popularity percentile in [0, 1]: its training-interaction count ranked among all items
    (0 = least popular, 1 = most; tied counts share their mean rank)."""
    counts = np.asarray(data.csr("train").getnnz(axis=0), dtype=np.float64)
    if len(counts) < 2:
        return np.ones(len(counts))
    ranks = pd.Series(counts).rank(method="average").to_numpy()
    return (ranks - 1) / (len(counts) - 1)


def bootstrap_intervals(per_user: dict[str, np.ndarray], resamples: int = 1000, seed: int = 0,
                        level: float = 0.95) -> dict[str, float]:
    """``{metric_low, metric_high}``: the ``level`` percentile interval of each per-user metric's mean
    over ``resamples`` bootstrap resamples of the users (the same resamples for every metric)."""
    names = list(per_user)
    values = np.stack([per_user[n] for n in names])  # (metrics, users)
    n = values.shape[1]
    rng = np.random.default_rng(seed)
    means = np.empty((len(names), resamples))
    chunk = max(1, 2_000_000 // max(n, 1))
    for start in range(0, resamples, chunk):
        stop = min(start + chunk, resamples)
        counts = rng.multinomial(n, np.full(n, 1.0 / n), size=stop - start)  # (chunk, users)
        means[:, start:stop] = values @ counts.T / n
    tail = (1.0 - level) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail], axis=1)
    out: dict[str, float] = {}
    for name, lo, hi in zip(names, low, high):
        out[f"{name}_low"], out[f"{name}_high"] = float(lo), float(hi)
    return out


def segment_metrics(per_user: dict[str, np.ndarray], train_counts: np.ndarray) -> dict[str, float]:
    """Per-user metrics averaged within the cold (<= :data:`COLD_MAX_TRAIN` training interactions) and
    warm segments: ``cold_recall_at_20``, ``warm_n_users`` ... (NaN for an empty segment)."""
    cold = np.asarray(train_counts) <= COLD_MAX_TRAIN
    out: dict[str, float] = {}
    for segment, members in zip(SEGMENTS, (cold, ~cold)):
        out[f"{segment}_n_users"] = int(members.sum())
        for name, values in per_user.items():
            out[f"{segment}_{name}"] = float(values[members].mean()) if members.any() else float("nan")
    return out


def seed_summary(runs: Sequence[dict], metrics: Sequence[str] | None = None) -> pd.DataFrame:
    """``DataFrame(metric, mean, sd, n)`` over the metrics dicts of several seeds (sd with ddof=1; NaN
    for one seed). ``metrics`` defaults to every numeric ``*_at_K`` key the runs share."""
    if not runs:
        raise ValueError("seed_summary needs the metrics of at least one run")
    if metrics is None:
        shared = set.intersection(*(set(r) for r in runs))
        metrics = [k for k in runs[0] if k in shared and "_at_" in k and not k.endswith(("_low", "_high"))
                   and isinstance(runs[0][k], (int, float)) and not isinstance(runs[0][k], bool)]
    rows = []
    for name in metrics:
        values = np.array([float(r[name]) for r in runs])
        rows.append({"metric": name, "mean": float(values.mean()),
                     "sd": float(values.std(ddof=1)) if len(values) > 1 else float("nan"), "n": len(values)})
    return pd.DataFrame(rows, columns=["metric", "mean", "sd", "n"])


def embedding_scorer(user_emb: torch.Tensor, item_emb: torch.Tensor) -> Scorer:
    """A scorer for dot-product models: ``scores = U[users] @ I^T``."""
    item_t = item_emb.t().contiguous()
    return lambda users: user_emb[users] @ item_t
