"""The load stage's config: :class:`StoreConfig` is the ``store`` section of the pipeline YAML, key for key::

    store:
      kind: ladybug         # ladybug (embedded, default) | neo4j
      path: null            # ladybug directory; default OUT/store
      uri: null             # neo4j; null: NEO4J_URI (the password only ever comes from NEO4J_PASSWORD)
      user: null
      database: null
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from kgmine.sections import Section

STORE_KINDS = ("ladybug", "neo4j")


@dataclass
class StoreConfig(Section):
    """Which graph store the run loads into (:func:`kgmine.graph.stores.open_store`)."""

    key: ClassVar[str] = "store"

    kind: str = "ladybug"
    path: str | None = None
    uri: str | None = None
    user: str | None = None
    database: str | None = None

    def check(self) -> None:
        self.one_of("kind", STORE_KINDS)
