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

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kgmine.serve.explorer import Explorer
from kgmine.serve.hosts import LOOPBACK_HOSTS, allowed_hosts


#: Default per-query timeout of the explorer (seconds).
QUERY_TIMEOUT = 10.0

def open_explorer(store: str | Path | None = None, kind: str = "ladybug", timeout: float | None = QUERY_TIMEOUT,
                  isolate_parser: bool = True, **cfg: Any) -> Explorer:
    """Open a store for reading and wrap it in an :class:`Explorer`.

    Parameters
    ----------
    store : str or Path, optional
        LadybugDB: the store directory (opened ``read_only=True``; it must exist). Neo4j: the Bolt
        URI (optional; ``NEO4J_URI`` / ``NEO4J_USER`` / ``NEO4J_PASSWORD`` / ``NEO4J_DATABASE`` fill in
        the rest).
    kind : {"ladybug", "neo4j"}
    timeout : float or None, default 10
        Seconds after which any query of the explorer is stopped (None or 0: no limit).
    isolate_parser : bool, default True
        LadybugDB: parse each Cypher-tab query in a helper process first
        (:class:`~kgmine.serve.parsecheck.ParseCheck`), so a parser crash cannot end the explorer.
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
    handle.set_query_timeout(timeout)
    if kind == "ladybug" and isolate_parser and "parse_check" not in cfg:
        from kgmine.serve.parsecheck import ParseCheck

        cfg["parse_check"] = ParseCheck()
    return Explorer(handle, **cfg)


def create_app(explorer: Explorer, close_on_shutdown: bool = False, hosts: Sequence[str] | None = None):
    """The explorer's FastAPI app (see :func:`kgmine.serve.app.create_app`)."""
    from kgmine.serve.app import create_app as _create

    return _create(explorer, close_on_shutdown=close_on_shutdown, hosts=hosts)


def serve(explorer: Explorer, host: str = "127.0.0.1", port: int = 8765, log_level: str = "warning",
          allow_hosts: Sequence[str] = ()) -> None:
    """Serve the explorer with uvicorn until interrupted; the store is closed on shutdown.

    Requests whose ``Host`` header is not in :func:`allowed_hosts` ``(host, allow_hosts)`` get HTTP 400
    (a web page elsewhere cannot reach the explorer through DNS rebinding)."""
    import uvicorn

    uvicorn.run(create_app(explorer, close_on_shutdown=True, hosts=allowed_hosts(host, allow_hosts)),
                host=host, port=port, log_level=log_level)


__all__ = ["Explorer", "LOOPBACK_HOSTS", "QUERY_TIMEOUT", "allowed_hosts", "create_app", "open_explorer", "serve"]
