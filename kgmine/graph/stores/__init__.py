"""Graph stores: LadybugDB (embedded, the default) and Neo4j (server), behind one interface.

Use :func:`open_store` rather than the classes: it picks the store by ``kind`` and imports the
Neo4j driver only when a Neo4j store is asked for.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from kgmine.graph.stores.base import GraphStore, StoreError
from kgmine.graph.stores.config import STORE_KINDS
from kgmine.graph.stores.neo4j_store import NEO4J_ENV  # the driver itself is imported only by Neo4jStore()


def open_store(kind: str = "ladybug", path: str | Path | None = None, **cfg: Any) -> GraphStore:
    """Open a graph store.

    Parameters
    ----------
    kind : {"ladybug", "neo4j"}
        ``"ladybug"``: the embedded store in directory ``path`` (extra ``cfg`` goes to
        :class:`~kgmine.graph.stores.ladybug_store.LadybugStore`, e.g. ``read_only=True``,
        ``create=False``). ``"neo4j"``: a Neo4j server; ``cfg`` (``uri``, ``user``, ``password``,
        ``database``, …; ``None`` values count as not given) goes to
        ``kgmine.graph.stores.neo4j_store.Neo4jStore``, which completes the connection settings from
        the ``NEO4J_*`` environment variables (:meth:`~kgmine.graph.stores.neo4j_store.Neo4jSettings.resolve`).
    path : str or Path, optional
        Store directory (LadybugDB only; required there).
    """
    if kind == "ladybug":
        if path is None:
            raise StoreError("a LadybugDB store needs a directory (path=...)")
        from kgmine.graph.stores.ladybug_store import LadybugStore

        return LadybugStore(path, **cfg)
    if kind == "neo4j":
        if path is not None:
            raise StoreError("a Neo4j store takes no path; give uri=... or set NEO4J_URI")
        from kgmine.graph.stores.neo4j_store import Neo4jStore

        return Neo4jStore(**{k: v for k, v in cfg.items() if v is not None})
    raise StoreError(f"unknown store kind {kind!r}; use one of {list(STORE_KINDS)}")


__all__ = ["GraphStore", "NEO4J_ENV", "STORE_KINDS", "StoreError", "open_store"]
