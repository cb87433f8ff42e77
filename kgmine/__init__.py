"""kgmine: product knowledge graphs from e-commerce text and behaviour.

Stages: ``kgmine.io`` (readers) -> ``kgmine.extract`` (spaCy) -> ``kgmine.graph`` (schema, stores,
exports) -> ``kgmine.mine`` (rules, clusters, analytics) -> ``kgmine.recommend`` (GNN recommenders)
-> ``kgmine.report``. ``kgmine.pipeline`` runs them in order.
"""
__version__ = "0.1.0"
