"""The kgmine explorer: a local web app over a graph store (``kgmine serve --store DIR``).

* :mod:`kgmine.serve.explorer` — :class:`Explorer`, the read-only questions (search, neighbourhood,
  recommendations, similar items, free Cypher) over any :class:`~kgmine.graph.stores.base.GraphStore`;
* :mod:`kgmine.serve.app` — :func:`create_app`, the FastAPI app (JSON API + one static page);
* :mod:`kgmine.serve.assets` — where the page's assets come from (vis-network from the pyvis wheel;
  nothing is fetched when the page is viewed).

>>> from kgmine.serve import open_explorer, create_app
>>> app = create_app(open_explorer("runs/demo/store"))   # doctest: +SKIP
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from kgmine.serve.explorer import Explorer


def open_explorer(store: str | Path | None = None, kind: str = "ladybug", **cfg: Any) -> Explorer:
    """Open a store for reading and wrap it in an :class:`Explorer`.

    Parameters
    ----------
    store : str or Path, optional
        LadybugDB: the store directory (opened ``read_only=True``; it must exist). Neo4j: the Bolt
        URI (optional; ``NEO4J_URI`` / ``NEO4J_USER`` / ``NEO4J_PASSWORD`` / ``NEO4J_DATABASE`` fill in
        the rest).
    kind : {"ladybug", "neo4j"}
    **cfg
        Passed to :class:`Explorer` (``per_type``, ``max_rows``).
    """
    from kgmine.graph.stores import open_store

    if kind == "ladybug":
        if store is None:
            raise ValueError("the embedded store needs a directory: --store DIR")
        handle = open_store("ladybug", path=store, read_only=True)
    elif kind == "neo4j":
        handle = open_store("neo4j", **({"uri": str(store)} if store else {}))
    else:
        raise ValueError(f"unknown store kind {kind!r}; use ladybug or neo4j")
    return Explorer(handle, **cfg)


def create_app(explorer: Explorer, close_on_shutdown: bool = False):
    """The explorer's FastAPI app (see :func:`kgmine.serve.app.create_app`)."""
    from kgmine.serve.app import create_app as _create

    return _create(explorer, close_on_shutdown=close_on_shutdown)


def serve(explorer: Explorer, host: str = "127.0.0.1", port: int = 8765, log_level: str = "warning") -> None:
    """Serve the explorer with uvicorn until interrupted; the store is closed on shutdown."""
    import uvicorn

    uvicorn.run(create_app(explorer, close_on_shutdown=True), host=host, port=port, log_level=log_level)


__all__ = ["Explorer", "create_app", "open_explorer", "serve"]
