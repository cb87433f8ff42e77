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
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch

from kgmine.recommend.data import InteractionData

Scorer = Callable[[torch.Tensor], torch.Tensor]


def default_mask(data: InteractionData, split: str) -> tuple[str, ...]:
    """The splits masked when evaluating ``split``: train, plus valid when evaluating test."""
    if split == "valid":
        return ("train",)
    if split == "test":
        return ("train", "valid") if len(data.valid) else ("train",)
    raise ValueError(f"evaluate a 'valid' or 'test' split, not {split!r}")


def evaluate(scorer: Scorer, data: InteractionData, split: str = "test", ks: Sequence[int] = (20,),
             mask: Sequence[str] | None = None, batch_size: int = 2048,
             device: torch.device | str = "cpu") -> dict[str, float]:
    """Full-ranking metrics of ``scorer`` on ``split`` of ``data`` (see the module docstring).

    ``scorer(users)`` takes a LongTensor of user indices on ``device`` and returns their
    ``(len(users), n_items)`` scores. ``mask`` lists the splits whose items are excluded from the
    ranking (default :func:`default_mask`). Returns ``{metric_at_K: value}`` plus ``n_users``.
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
    sums = {f"{m}_at_{k}": 0.0 for k in ks for m in ("recall", "precision", "ndcg", "hit_rate", "mrr")}
    seen = {k: torch.zeros(n_items, dtype=torch.bool, device=device) for k in ks}
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
                sums[f"recall_at_{k}"] += (nh / n_t).sum().item()
                sums[f"precision_at_{k}"] += (nh / k).sum().item()
                dcg = (h * discounts[:k]).sum(1)
                idcg = ideal[torch.clamp(n_t, max=k) - 1]
                sums[f"ndcg_at_{k}"] += (dcg / idcg).sum().item()
                sums[f"hit_rate_at_{k}"] += (nh > 0).double().sum().item()
                rr = torch.where((first >= 0) & (first < k), 1.0 / (first + 1).double(), torch.zeros_like(dcg))
                sums[f"mrr_at_{k}"] += rr.sum().item()
                seen[k][top[:, :k].reshape(-1)] = True
    n = max(len(users), 1)
    out = {name: value / n for name, value in sums.items()}
    for k in ks:
        out[f"coverage_at_{k}"] = seen[k].sum().item() / n_items
    out["n_users"] = int(len(users))
    return out


def embedding_scorer(user_emb: torch.Tensor, item_emb: torch.Tensor) -> Scorer:
    """A scorer for dot-product models: ``scores = U[users] @ I^T``."""
    item_t = item_emb.t().contiguous()
    return lambda users: user_emb[users] @ item_t
