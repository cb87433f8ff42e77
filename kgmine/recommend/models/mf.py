"""Matrix factorisation trained with BPR."""
from __future__ import annotations

import torch
from torch import nn


class MF(nn.Module):
    r"""MF-BPR (Rendle et al., "BPR: Bayesian Personalized Ranking from Implicit Feedback", UAI 2009).

    Scores :math:`\hat y_{ui} = p_u^\top q_i` with free user and item embeddings; trained with the BPR
    loss :math:`-\ln\sigma(\hat y_{ui}-\hat y_{uj}) + \lambda(\|p_u\|^2+\|q_i\|^2+\|q_j\|^2)` on sampled
    triples and evaluated like LightGCN (full ranking, training items masked). It is LightGCN with
    zero layers, the baseline of LightGCN's paper.

    Args:
        num_users (int): number of users.
        num_items (int): number of items.
        embedding_dim (int, optional): embedding size (default: ``64``).
        init_std (float, optional): std of the normal initialisation (default: ``0.1``).
    """

    def __init__(self, num_users: int, num_items: int, embedding_dim: int = 64, init_std: float = 0.1):
        super().__init__()
        self.num_users, self.num_items, self.embedding_dim = num_users, num_items, embedding_dim
        self.hparams = dict(num_users=num_users, num_items=num_items, embedding_dim=embedding_dim,
                            init_std=init_std)
        self.user = nn.Embedding(num_users, embedding_dim)
        self.item = nn.Embedding(num_items, embedding_dim)
        nn.init.normal_(self.user.weight, std=init_std)
        nn.init.normal_(self.item.weight, std=init_std)

    def forward(self, graph=None) -> tuple[torch.Tensor, torch.Tensor]:
        """User and item embeddings (the graph is not used)."""
        return self.user.weight, self.item.weight

    def ego(self, users: torch.Tensor, items: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The embeddings of ``users`` and ``items``."""
        return self.user(users), self.item(items)
