"""The mine stage's config: :class:`MineConfig` is the ``mine`` section of the pipeline YAML, its parts
:class:`RulesConfig` (``mine.rules``), :class:`ClustersConfig` (``mine.clusters``) and
:class:`AnalyticsConfig` (``mine.analytics``), key for key::

    mine:
      rules: {enabled: true, min_support: 0.0005, min_confidence: 0.1, min_len: 2, max_len: 3}
      clusters: {enabled: true, method: kmeans, n_clusters: null, text: tfidf}  # text: tfidf | minilm | null
      analytics: {enabled: true}

It imports no estimator (nor scikit-learn): :mod:`kgmine.pipeline` builds them from these settings when
the stage runs, and :mod:`kgmine.mine.clusters` / :mod:`kgmine.mine.embed` take their method names from here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from kgmine.sections import Section

#: clustering methods of :mod:`kgmine.mine.clusters` and text vectorisers of :mod:`kgmine.mine.embed`
METHODS = ("kmeans", "minibatch", "hdbscan", "agglomerative")
TEXT_METHODS = ("tfidf", "minilm")


@dataclass
class RulesConfig(Section):
    """Association rules over baskets (:class:`kgmine.mine.rules.AssociationRules`)."""

    key: ClassVar[str] = "mine.rules"

    enabled: bool = True
    min_support: float = 0.0005
    min_confidence: float = 0.1
    min_len: int = 2
    max_len: int | None = 3

    def check(self) -> None:
        self.within("min_support", 0.0, 1.0)
        if self.min_support == 0:
            raise self.invalid("min_support", "must be above 0 (every itemset would be frequent)")
        self.within("min_confidence", 0.0, 1.0)
        self.within("min_len", 1)
        self.within("max_len", self.min_len)


@dataclass
class ClustersConfig(Section):
    """Product clusters from text and attribute features (:class:`kgmine.mine.clusters.ProductClusterer`)."""

    key: ClassVar[str] = "mine.clusters"

    enabled: bool = True
    method: str = "kmeans"
    n_clusters: int | None = None
    text: str | None = "tfidf"

    def check(self) -> None:
        self.one_of("method", METHODS)
        self.within("n_clusters", 2)
        self.one_of("text", TEXT_METHODS)


@dataclass
class AnalyticsConfig(Section):
    """PageRank, degree, components and communities on the product graph (:mod:`kgmine.mine.analytics`)."""

    key: ClassVar[str] = "mine.analytics"

    enabled: bool = True


@dataclass
class MineConfig(Section):
    """The three miners, each switched on or off by its ``enabled``."""

    key: ClassVar[str] = "mine"

    rules: RulesConfig = field(default_factory=RulesConfig)
    clusters: ClustersConfig = field(default_factory=ClustersConfig)
    analytics: AnalyticsConfig = field(default_factory=AnalyticsConfig)
