"""The read stage's config: :class:`DataConfig` is the ``data`` section of the pipeline YAML, key for key::

    data:
      kind: demo            # a reader of kgmine.io.READERS: demo | amazon | tabular | movielens | lightgcn | recbole
      n_products: 2000      # demo world size
      n_users: 1000
      options: {}           # passed to the reader (paths, column mapping, ...), free-form

Several catalogs merged into one product graph (:mod:`kgmine.match.merge`: one Product per real product,
an Offer per source row)::

    data:
      kind: merge
      sources:              # in priority order: a merged product takes the first source's title and id
        - {source: shop_a, kind: tabular, options: {path: a.csv, interactions: a_orders.csv}}
        - {source: shop_b, kind: tabular, options: {path: b.csv}}
      match: {model: null, threshold: null, k: 20, shared_users: false}

(``data: [ ... ]``, a plain list of sources, means the same.)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from kgmine.io import READERS
from kgmine.sections import Section


MERGE = "merge"


@dataclass
class SourceConfig(Section):
    """One catalog of a merged run: its ``source`` name (prefix of its offer, user and review ids), reader
    kind and reader options."""

    key: ClassVar[str] = "data.sources[]"

    source: str = ""
    kind: str = "tabular"
    options: dict[str, Any] = field(default_factory=dict)

    def check(self) -> None:
        import re

        if not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", self.source):
            raise self.invalid("source", f"a name of 1-64 letters, digits, '_', '-' or '.' is required, "
                                         f"not {self.source!r}")
        self.one_of("kind", sorted(READERS))


@dataclass
class MatchConfig(Section):
    """How the sources' products are matched: ``model`` a directory written by ``kgmine match --train``
    (default: :class:`~kgmine.match.merge.TitleSimilarityMatcher`, no labels needed), ``threshold`` overriding
    the matcher's, ``k`` blocking candidates per record, ``shared_users`` keeping user ids unprefixed."""

    key: ClassVar[str] = "data.match"

    model: str | None = None
    threshold: float | None = None
    k: int = 20
    shared_users: bool = False

    def check(self) -> None:
        self.within("threshold", 0.0, 1.0)
        self.within("k", 1, 1000)


@dataclass
class DataConfig(Section):
    """Which data the run reads: a reader kind and its options, or the size of the synthetic demo world."""

    key: ClassVar[str] = "data"

    kind: str = "demo"
    n_products: int = 2000
    n_users: int = 1000
    options: dict[str, Any] = field(default_factory=dict)
    sources: list[SourceConfig] = field(default_factory=list)
    match: MatchConfig = field(default_factory=MatchConfig)

    def check(self) -> None:
        self.one_of("kind", sorted(READERS) + [MERGE])
        self.within("n_products", 1)
        self.within("n_users", 1)
        if self.kind == MERGE:
            if len(self.sources) < 2:
                raise self.invalid("sources", f"kind {MERGE!r} needs at least two sources, got {len(self.sources)}")
            names = [s.source for s in self.sources]
            repeated = sorted({n for n in names if names.count(n) > 1})
            if repeated:
                raise self.invalid("sources", f"source names must be distinct; repeated: {repeated}")
        elif self.sources:
            raise self.invalid("sources", f"only for kind {MERGE!r} (kind is {self.kind!r})")
