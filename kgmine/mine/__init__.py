"""kgmine.mine: association rules, clustering and graph analytics over the product graph.

Modules (one job each):

``baskets``    transactions from lists, tables, files (one basket a line) or a store's BOUGHT edges
``rules``      :class:`AssociationRules` — frequent itemsets (pyfim / mlxtend) and exact rules
``catalog``    :class:`CatalogView` — products, attribute facts, interactions, item links from any source
``embed``      feature blocks: TF-IDF+SVD or MiniLM text vectors, attribute one-hots, behaviour SVD
``clusters``   :class:`ProductClusterer`, :class:`UserClusterer` — KMeans / MiniBatch / HDBSCAN / Ward
``analytics``  :class:`GraphAnalytics` — PageRank, degree, betweenness, Leiden/Louvain, components
``writeback``  results as KGTables fragments and written back to a store (FREQUENTLY_BOUGHT_WITH,
               Cluster/IN_CLUSTER, Product measures, Community/IN_COMMUNITY)

The names below import lazily, so ``import kgmine.mine`` stays cheap.
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "AssociationRules": "rules", "min_count": "rules",
    "Baskets": "baskets", "baskets_from_interactions": "baskets", "baskets_from_store": "baskets",
    "CatalogView": "catalog",
    "ProductClusterer": "clusters", "UserClusterer": "clusters", "cluster_matrix": "clusters",
    "GraphAnalytics": "analytics", "product_graph": "analytics",
    "write_rules": "writeback", "write_clusters": "writeback", "write_analytics": "writeback",
    "rules_tables": "writeback", "cluster_tables": "writeback", "analytics_tables": "writeback",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(f"kgmine.mine.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'kgmine.mine' has no attribute {name!r}")
