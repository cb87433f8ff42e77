"""A knowledge-graph-aware recommender: relation-aware light propagation over the collaborative KG."""
from __future__ import annotations

import torch
from torch import nn

from kgmine.recommend.models.propagation import spmm


class KGLightGCN(nn.Module):
    r"""Relation-aware graph convolution over the collaborative knowledge graph (CKG).

    The CKG joins the user-item graph with item-entity triples :math:`(h, r, t)` (KGAT, Wang et al.,
    KDD 2019). Messages along KG edges are relation-specific as in R-GCN (Schlichtkrull et al., ESWC
    2018) and KGIN's relational aggregation (Wang et al., WWW 2021: :math:`e_r \odot e_t`), while
    feature transforms and non-linearities are dropped as in LightGCN (He et al., SIGIR 2020). With
    :math:`\tilde A` the symmetric-normalised user-item adjacency and :math:`N_r(v)` the
    :math:`r`-neighbours of entity :math:`v` (relations and their inverses; items are entities),
    one layer is

    .. math::
        e_u^{(k+1)} = \sum_{i} \tilde A_{ui} e_i^{(k)}, \qquad
        e_v^{(k+1)} = [v \in I] \sum_{u} \tilde A_{vu} e_u^{(k)}
            + \beta \sum_r w_r \odot \frac{1}{|N_r(v)|}\sum_{t\in N_r(v)} e_t^{(k)},

    the final representation is the layer mean :math:`e = \frac{1}{K+1}\sum_k e^{(k)}` and
    :math:`\hat y_{ui} = e_u^\top e_i`. The relation vectors :math:`w_r` are learned (initialised to
    1), :math:`\beta` (``kg_weight``) balances KG and collaborative messages.

    With ``propagation="ckg"`` the layer is instead LightGCN over the whole CKG with one symmetric
    normalisation and a learned vector per edge block (the user-item block and each relation, as in
    KGAT's propagation without attention): :math:`e^{(k+1)} = \sum_b w_b \odot \tilde A_b e^{(k)}`
    with :math:`\tilde A_b = D^{-1/2} A_b D^{-1/2}` and :math:`D` the degree in the union graph.

    Trained with BPR plus L2 on the batch's layer-0 embeddings (like LightGCN), evaluated by full
    ranking with training (and validation) items masked; checked on the Amazon Luxury Beauty KG
    split against LightGCN without the KG (``benchmarks/recsys.py``).

    Args:
        num_users (int): number of users.
        num_items (int): number of items.
        num_entities (int): number of KG entities, items included (entity ``i < num_items`` is item ``i``).
        num_relations (int): number of relation blocks in the graph (relations plus inverses).
        embedding_dim (int, optional): embedding size (default: ``64``).
        num_layers (int, optional): propagation layers (default: ``2``).
        kg_weight (float, optional): :math:`\beta` (default: ``0.5``).
        init_std (float, optional): std of the normal initialisation (default: ``0.1``).
        propagation (str, optional): ``"relational"`` (default) or ``"ckg"`` (see above).
        kg_loss_weight (float, optional): weight :math:`\lambda_{KG}` of an auxiliary KG loss added to
            BPR by the trainer (default ``0``: off). It is a BPR loss over KG triples with a
            DistMult score :math:`e_h^\top \mathrm{diag}(w_r) e_t` of the layer-0 embeddings against a
            random corrupted tail (KGAT trains its KG part alternately with TransR; one joint loss
            is simpler and cheaper here).
        kg_batch_size (int, optional): triples per step for that loss (default ``2048``).
    """

    def __init__(self, num_users: int, num_items: int, num_entities: int, num_relations: int,
                 embedding_dim: int = 64, num_layers: int = 2, kg_weight: float = 0.5, init_std: float = 0.1,
                 propagation: str = "relational", kg_loss_weight: float = 0.0, kg_batch_size: int = 2048):
        super().__init__()
        if num_entities < num_items:
            raise ValueError(f"num_entities ({num_entities}) must include the {num_items} items")
        self.num_users, self.num_items, self.num_entities = num_users, num_items, num_entities
        self.num_relations, self.embedding_dim, self.num_layers = num_relations, embedding_dim, num_layers
        if propagation not in ("relational", "ckg"):
            raise ValueError(f"propagation must be 'relational' or 'ckg', got {propagation!r}")
        self.kg_weight, self.propagation = kg_weight, propagation
        self.kg_loss_weight, self.kg_batch_size = kg_loss_weight, kg_batch_size
        self.hparams = dict(num_users=num_users, num_items=num_items, num_entities=num_entities,
                            num_relations=num_relations, embedding_dim=embedding_dim, num_layers=num_layers,
                            kg_weight=kg_weight, init_std=init_std, propagation=propagation,
                            kg_loss_weight=kg_loss_weight, kg_batch_size=kg_batch_size)
        # rows: users, items (= first entities), then the other entities
        self.embedding = nn.Embedding(num_users + num_entities, embedding_dim)
        nn.init.normal_(self.embedding.weight, std=init_std)
        self.relation = nn.Parameter(torch.ones(num_relations, embedding_dim))
        # ckg: one weight vector for the user-item block and one per relation (inverses share it)
        self.block = nn.Parameter(torch.ones(num_relations // 2 + 1, embedding_dim)) if propagation == "ckg" else None

    def forward(self, graph) -> tuple[torch.Tensor, torch.Tensor]:
        """Final user and item embeddings, ``(num_users, d)`` and ``(num_items, d)``."""
        nu, ni = self.num_users, self.num_items
        if graph.n_relations != self.num_relations:
            raise ValueError(f"graph has {graph.n_relations} relation blocks, model expects {self.num_relations}")
        x = self.embedding.weight
        out = x
        if self.propagation == "ckg":
            if len(graph.ckg) != self.block.shape[0]:
                raise ValueError(f"graph has {len(graph.ckg)} CKG blocks, model expects {self.block.shape[0]}")
            for _ in range(self.num_layers):
                x = sum(spmm(a, x) * w for a, w in zip(graph.ckg, self.block))
                out = out + x
            out = out / (self.num_layers + 1)
            return out[:nu], out[nu: nu + ni]
        for _ in range(self.num_layers):
            ui = graph.propagate(x[: nu + ni])
            ent = x[nu:]
            kg = 0
            for r in range(self.num_relations):
                kg = kg + spmm(graph.kg_out[r], ent, graph.kg_out_t[r]) * self.relation[r]
            kg = self.kg_weight * kg
            x = torch.cat([ui[:nu], ui[nu:] + kg[:ni], kg[ni:]])
            out = out + x
        out = out / (self.num_layers + 1)
        return out[:nu], out[nu: nu + ni]

    def kg_loss(self, graph) -> torch.Tensor:
        """BPR loss of a random batch of KG triples against corrupted tails (DistMult score, layer 0)."""
        triples = graph.kg_triples
        if triples is None or triples.shape[1] == 0:
            raise ValueError("kg_loss needs a graph built with the KG (data.graph(kg=True))")
        device = self.embedding.weight.device
        pick = torch.randint(0, triples.shape[1], (self.kg_batch_size,), device=device)
        h, r, t = triples[:, pick]
        t_neg = torch.randint(0, self.num_entities, (self.kg_batch_size,), device=device)
        nu = self.num_users
        eh, et, en = self.embedding(h + nu), self.embedding(t + nu), self.embedding(t_neg + nu)
        w = self.relation[r]
        pos = (eh * w * et).sum(-1)
        neg = (eh * w * en).sum(-1)
        return torch.nn.functional.softplus(neg - pos).mean()

    def ego(self, users: torch.Tensor, items: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Layer-0 embeddings of ``users`` and ``items`` (what the L2 term regularises)."""
        return self.embedding(users), self.embedding(items + self.num_users)
