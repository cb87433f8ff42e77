"""LightGCN over a sparse normalised adjacency."""
from __future__ import annotations

import torch
from torch import nn

from kgmine.recommend.models.propagation import spmm


class LightGCN(nn.Module):
    r"""LightGCN (He et al., "LightGCN: Simplifying and Powering Graph Convolution Network for
    Recommendation", SIGIR 2020).

    Propagation (paper eq. 7-8, matrix form): with :math:`\tilde A = D^{-1/2} A D^{-1/2}` the
    symmetric-normalised user-item adjacency and :math:`E^{(0)}` the only trainable parameters,

    .. math::
        E^{(k+1)} = \tilde A E^{(k)}, \qquad E = \sum_{k=0}^{K} \alpha_k E^{(k)},
        \qquad \hat y_{ui} = e_u^\top e_i

    with :math:`\alpha_k = 1/(K+1)`. This is the computation of ``torch_geometric.nn.models.LightGCN``
    (``LGConv`` layers), written over a CSR adjacency because sparse CSR propagation is several
    times faster than ``edge_index`` message passing on CPU without torch-sparse; the backward pass
    reuses the same adjacency (:func:`~kgmine.recommend.models.propagation.spmm`).

    Trained with BPR (eq. 15: :math:`-\ln\sigma(\hat y_{ui}-\hat y_{uj}) + \lambda\|E^{(0)}_{batch}\|^2`,
    L2 on the layer-0 embeddings of the batch, divided by the batch size as in the official code) and
    evaluated by full ranking over all items with training items masked (Recall@20, NDCG@20).
    Checked on LightGCN's official Gowalla split (see ``benchmarks/recsys.py``).

    Args:
        num_users (int): number of users.
        num_items (int): number of items.
        embedding_dim (int, optional): embedding size (default: ``64``).
        num_layers (int, optional): propagation layers :math:`K` (default: ``3``).
        alpha (list of float, optional): layer weights :math:`\alpha_k`; ``None`` = ``1/(K+1)`` each.
        init_std (float, optional): std of the normal initialisation (official code: ``0.1``).
    """

    def __init__(self, num_users: int, num_items: int, embedding_dim: int = 64, num_layers: int = 3,
                 alpha: list[float] | None = None, init_std: float = 0.1):
        super().__init__()
        if alpha is not None and len(alpha) != num_layers + 1:
            raise ValueError(f"alpha needs num_layers + 1 = {num_layers + 1} weights, got {len(alpha)}")
        self.num_users, self.num_items = num_users, num_items
        self.embedding_dim, self.num_layers = embedding_dim, num_layers
        self.hparams = dict(num_users=num_users, num_items=num_items, embedding_dim=embedding_dim,
                            num_layers=num_layers, alpha=alpha, init_std=init_std)
        self.alpha = list(alpha) if alpha is not None else [1.0 / (num_layers + 1)] * (num_layers + 1)
        self.embedding = nn.Embedding(num_users + num_items, embedding_dim)
        nn.init.normal_(self.embedding.weight, std=init_std)

    def forward(self, graph) -> tuple[torch.Tensor, torch.Tensor]:
        """Final user and item embeddings, ``(num_users, d)`` and ``(num_items, d)``."""
        x = graph.to_internal(self.embedding.weight)
        out = x * self.alpha[0]
        for k in range(1, self.num_layers + 1):
            x = spmm(graph.adj, x)
            out = out + x * self.alpha[k]
        out = graph.to_external(out)
        return out[: self.num_users], out[self.num_users:]

    def ego(self, users: torch.Tensor, items: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Layer-0 embeddings of ``users`` and ``items`` (what the L2 term regularises)."""
        return self.embedding(users), self.embedding(items + self.num_users)
