"""The fixed value sets of command options, as ``Literal`` types: Typer then lists them in ``--help``
(``--kind <ladybug|neo4j>``) and refuses anything else in one line.

Sets that live in light config modules are taken from there; the ones that live beside heavy code
(pandas, the stores) are repeated here so that ``kgmine --help`` stays fast, and ``tests/test_cli.py``
checks that each repeat equals the library's own tuple.
"""
from __future__ import annotations

from typing import Literal

from kgmine.mine.config import METHODS, TEXT_METHODS
from kgmine.recommend.config import BASELINE_NAMES, FILTER_NAMES, MODEL_NAMES, SPLITS

StoreKind = Literal["ladybug", "neo4j"]  # kgmine.graph.stores.config.STORE_KINDS
RunEngine = Literal["local", "spark"]  # kgmine.config.ENGINES
RulesEngine = Literal["pyfim", "mlxtend", "spark"]  # kgmine.mine.rules.ENGINES
RulesAlgorithm = Literal["fpgrowth", "eclat", "apriori", "relim", "sam"]  # kgmine.mine.rules.PYFIM_ALGORITHMS
RulesSort = Literal["lift", "confidence", "support", "leverage", "conviction", "count"]  # AssociationRules.top(by=)
GroupBy = Literal["basket", "user", "window"]  # kgmine.mine.baskets.GROUP_BY
Community = Literal["leiden", "louvain"]  # kgmine.mine.analytics.COMMUNITY_METHODS
GraphBackend = Literal["igraph", "networkx", "spark"]  # kgmine.mine.analytics.BACKENDS
ClusterScope = Literal["product", "user"]
ClusterSelection = Literal["silhouette", "davies_bouldin"]  # kgmine.mine.clusters.SELECTIONS
ClusterMethod = Literal[METHODS]  # type: ignore[valid-type]
ClusterText = Literal[TEXT_METHODS + ("none",)]  # type: ignore[valid-type]
RecommenderModel = Literal[MODEL_NAMES + BASELINE_NAMES + FILTER_NAMES]  # type: ignore[valid-type]
TrainSplit = Literal[SPLITS]  # type: ignore[valid-type]
