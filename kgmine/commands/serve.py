"""`kgmine serve --store DIR`: the explorer web app over a graph store."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from kgmine.commands.choices import StoreKind
from kgmine.commands.common import console, fail


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the top-level app."""
    app.command("serve")(serve)


def serve(
    store: Optional[str] = typer.Option(None, "--store",
                                        help="LadybugDB store directory (e.g. runs/demo/store); with --kind neo4j "
                                             "an optional Bolt URI (else NEO4J_URI)."),
    kind: StoreKind = typer.Option("ladybug", "--kind", help="Store kind: ladybug (embedded) or neo4j."),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on (default: this machine only)."),
    port: int = typer.Option(8765, "--port", min=1, max=65535, help="TCP port."),
    allow_host: Optional[list[str]] = typer.Option(None, "--allow-host",
                                                   help="Also accept requests whose Host header names this host "
                                                        "(repeatable; loopback names and --host always are)."),
    timeout: float = typer.Option(10.0, "--timeout", min=0, help="Stop any query after this many seconds "
                                                                 "(0: no limit)."),
) -> None:
    """Run the explorer: search products, see their neighbourhood graph, recommendations and similar
    items, and run read-only Cypher. Open http://HOST:PORT/ in a browser; Ctrl-C stops it."""
    from kgmine.graph.stores.base import StoreError
    from kgmine.serve import open_explorer
    from kgmine.serve import serve as run_server
    from kgmine.serve.assets import AssetError

    if kind == "ladybug":
        if store is None:
            fail("give the store directory: kgmine serve --store DIR")
        if not Path(store).is_dir():
            fail(f"{store}: no such store directory")
    try:
        explorer = open_explorer(store, kind, timeout=timeout)
    except (StoreError, ValueError) as exc:
        fail(str(exc))
    try:
        from kgmine.serve.assets import vis_network_dir

        vis_network_dir()
    except AssetError as exc:
        explorer.close()
        fail(str(exc))
    where = f"{kind} store" + (f" {store}" if store else "")
    console.print(f"kgmine explorer on http://{host}:{port}/  ({where}; Ctrl-C stops)")
    run_server(explorer, host=host, port=port, allow_hosts=allow_host or ())
