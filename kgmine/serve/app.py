"""The explorer web app (FastAPI): a JSON API over :class:`~kgmine.serve.explorer.Explorer` plus one page.

Routes
------
``GET /``                               the single-page explorer (``static/index.html``)
``GET /static/…``, ``GET /vendor/vis-network/…``  its script and style, vis-network from the pyvis wheel
``GET /api/summary``                    store kind and counts
``GET /api/search?q=…&limit=…``         products (title / id) and users (id)
``GET /api/product/{id}``               details, bought-with rules, co-recommended items, users, similar items
``GET /api/user/{id}``                  RECOMMENDED items with explanation paths, recent purchases
``GET /api/graph/{label}/{id}``         a node's neighbourhood as a vis-network graph
                                        (``?expand=TYPE:in|out[:Other]&expand_limit=N``: more of one group)
``GET /api/queries``                    the shared named read queries with example parameters
``POST /api/query``                     ``{"cypher": …, "params": {…}}`` run read-only, rows as a table

Store errors (a write refused, a syntax error, a query over the guard's limits or its timeout) come
back as HTTP 400 ``{"error": "one line"}``, unknown nodes as 404. A request whose ``Host`` header is
not an allowed name (loopback names and the bound address; ``kgmine serve --allow-host``) gets 400
before any route runs, which stops DNS-rebinding pages from reaching the explorer.
"""
from __future__ import annotations

import importlib
import threading
from collections.abc import Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Body, FastAPI, HTTPException, Query
from fastapi.requests import Request
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from kgmine.graph.stores.base import StoreError
from kgmine.serve.assets import STATIC_DIR, vis_network_dir
from kgmine.serve.explorer import MAX_EXPAND, Explorer
from kgmine.serve.hosts import LOOPBACK_HOSTS, host_name


def create_app(explorer: Explorer, close_on_shutdown: bool = False, hosts: Sequence[str] | None = None) -> FastAPI:
    """The FastAPI application serving ``explorer``.

    Parameters
    ----------
    explorer : Explorer
        The read-only views over an open store.
    close_on_shutdown : bool, default False
        Close the explorer's store when the app shuts down (``kgmine serve`` sets it).
    hosts : sequence of str, optional
        Host names (without port) accepted in the ``Host`` header; default
        :data:`~kgmine.serve.LOOPBACK_HOSTS`.
    """
    app = FastAPI(title="kgmine explorer", docs_url="/api/docs", redoc_url=None,
                  lifespan=_lifespan(explorer, close_on_shutdown))
    app.state.explorer = explorer
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.mount("/vendor/vis-network", StaticFiles(directory=vis_network_dir()), name="vis-network")
    _add_error_handlers(app)
    _add_host_check(app, hosts)
    _add_view_routes(app, explorer)
    _add_query_routes(app, explorer)
    return app


def _lifespan(explorer: Explorer, close_on_shutdown: bool):
    """The app's lifespan: warm up the recommender import in the background; close the store at the end
    if ``close_on_shutdown``."""

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # explanations come from kgmine.recommend.serve, which imports torch (seconds): import it in
        # the background now so the first user page does not wait for it
        threading.Thread(target=importlib.import_module, args=("kgmine.recommend.serve",), daemon=True).start()
        yield
        if close_on_shutdown:
            explorer.close()

    return lifespan


def _add_error_handlers(app: FastAPI) -> None:
    """Store errors and bad values as HTTP 400 ``{"error": ...}``, unknown nodes (KeyError) as 404."""

    @app.exception_handler(StoreError)
    async def store_error(request: Request, exc: StoreError) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=400)

    @app.exception_handler(KeyError)
    async def not_found(request: Request, exc: KeyError) -> JSONResponse:
        return JSONResponse({"error": str(exc.args[0]) if exc.args else "not found"}, status_code=404)

    @app.exception_handler(ValueError)
    async def bad_value(request: Request, exc: ValueError) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=400)


def _add_host_check(app: FastAPI, hosts: Sequence[str] | None) -> None:
    """Refuse (HTTP 400) requests whose ``Host`` header names a host outside ``hosts``."""
    allowed = frozenset(h.strip().strip("[]").lower() for h in (LOOPBACK_HOSTS if hosts is None else hosts))

    @app.middleware("http")
    async def check_host(request: Request, call_next):
        name = host_name(request.headers.get("host", ""))
        if name not in allowed:
            return JSONResponse({"error": f"Host {name!r} is not allowed (allowed: {', '.join(sorted(allowed))}; "
                                          "kgmine serve --allow-host NAME adds one)"}, status_code=400)
        return await call_next(request)


def _add_view_routes(app: FastAPI, explorer: Explorer) -> None:
    """The page and the read views: summary, search, product, user, a node's neighbourhood."""

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html")

    @app.get("/api/summary")
    def summary() -> dict[str, Any]:
        """Store kind and non-zero node / relationship counts."""
        return explorer.summary()

    @app.get("/api/search")
    def search(q: str = Query("", description="Text in a product title, or a product / user id."),
               limit: int = Query(20, ge=1, le=200)) -> list[dict[str, Any]]:
        """Products and users matching ``q``."""
        return explorer.search(q, limit)

    @app.get("/api/product/{product_id:path}")
    def product(product_id: str, k: int = Query(10, ge=1, le=100)) -> dict[str, Any]:
        """A product with its recommendations and similar items."""
        return explorer.product(product_id, k)

    @app.get("/api/user/{user_id:path}")
    def user(user_id: str, k: int = Query(10, ge=1, le=100)) -> dict[str, Any]:
        """A user's recommendations with explanation paths."""
        return explorer.user(user_id, k)

    @app.get("/api/graph/{label}/{node_id:path}")
    def graph(label: str, node_id: str, per_type: int = Query(10, ge=1, le=200),
              expand: str | None = Query(None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*:(in|out)(:[A-Za-z_][A-Za-z0-9_]*)?$",
                                         description="TYPE:direction[:OtherLabel], one group to show more of"),
              expand_limit: int = Query(50, ge=1, le=MAX_EXPAND)) -> dict[str, Any]:
        """The neighbourhood of one node as vis-network nodes and edges (``expand``: up to
        ``expand_limit`` neighbours of that relationship group, outside the node budget)."""
        group = None
        if expand:
            type_, direction, *other = expand.split(":")
            group = (type_, direction, expand_limit, other[0] if other else None)
        return explorer.neighbourhood(label, node_id, per_type, expand=group)


def _add_query_routes(app: FastAPI, explorer: Explorer) -> None:
    """The named read queries and the read-only Cypher endpoint."""

    @app.get("/api/queries")
    def queries() -> list[dict[str, Any]]:
        """The named read queries of :mod:`kgmine.graph.queries`, with example parameters from the graph."""
        from kgmine.graph.queries import QUERIES

        if not hasattr(app.state, "example_params"):
            try:
                app.state.example_params = explorer.example_params()
            except StoreError:
                app.state.example_params = {}
        picked = app.state.example_params
        return [{"name": q.name, "doc": q.doc, "cypher": q.cypher,
                 "params": {p: picked.get(p, q.defaults.get(p)) for p in q.params}} for q in QUERIES.values()]

    @app.post("/api/query")
    def query(body: dict[str, Any] = Body(..., examples=[{"cypher": "MATCH (p:Product) RETURN p.id LIMIT 5"}])
              ) -> dict[str, Any]:
        """Run read-only Cypher (``write=False``: the store refuses writing clauses)."""
        cypher = body.get("cypher")
        params = body.get("params") or {}
        if not isinstance(cypher, str) or not cypher.strip():
            raise HTTPException(400, "give a Cypher query in 'cypher'")
        if not isinstance(params, dict):
            raise HTTPException(400, "'params' must be a JSON object")
        return explorer.run_query(cypher, params)


__all__ = ["create_app"]
