"""Recommender models: plain ``torch.nn.Module``s that take a :class:`~kgmine.recommend.data.RecGraph`.

Every model returns ``(user_embeddings, item_embeddings)`` from ``forward(graph)`` (scores are their
dot products) and the layer-0 ("ego") embeddings of a batch from ``ego(users, items)`` for the L2
term of the BPR loss. :data:`MODELS` maps the names used by :func:`~kgmine.recommend.train.fit_recommender`
to the classes. :data:`FILTERS` maps the training-free graph filters (GF-CF, BSPM-EM) to theirs: they
are fitted and scored like the baselines (``fit(data)``, ``score(users)``), see
:mod:`kgmine.recommend.models.gf_cf` and :mod:`kgmine.recommend.models.bspm`.
"""
from kgmine.recommend.models.bspm import BSPM
from kgmine.recommend.models.gf_cf import GFCF
from kgmine.recommend.models.kg_gnn import KGLightGCN
from kgmine.recommend.models.lightgcn import LightGCN
from kgmine.recommend.models.mf import MF
from kgmine.recommend.models.propagation import spmm

MODELS = {"lightgcn": LightGCN, "mf": MF, "kg_gnn": KGLightGCN}
FILTERS = {"gf_cf": GFCF, "bspm": BSPM}

__all__ = ["BSPM", "FILTERS", "GFCF", "KGLightGCN", "LightGCN", "MF", "MODELS", "spmm"]
