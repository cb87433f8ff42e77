"""`kgmine query`: run Cypher against a stored graph and print the rows; `kgmine repair`: reopen a store
whose write-ahead log a killed writer damaged."""
from __future__ import annotations

import json
import sys
from typing import Any, Optional

import typer

from kgmine.commands.choices import StoreKind
from kgmine.commands.common import console, fail, open_graph, print_frame
from kgmine.jsonable import to_jsonable

#: Default ``kgmine query --timeout`` (seconds).
QUERY_TIMEOUT = 30.0


def register(app: typer.Typer) -> None:
    """Add ``query`` and ``repair`` to the top-level app."""
    app.command("query")(query)
    app.command("repair")(repair)


def repair(store: str = typer.Option(..., "--store", help="Embedded store directory (e.g. runs/demo/store)."),
           ) -> None:
    """Reopen an embedded store whose write-ahead log was damaged by a killed writer.

    The log is replayed up to its first damaged record and the rest is dropped (LadybugDB does that
    only when asked); the damaged log is copied next to it first. A store that opens normally is left
    as it is. Prints the node and relationship counts after the repair."""
    import pandas as pd

    from kgmine.graph.stores import StoreError
    from kgmine.graph.stores.ladybug_store import repair_store

    try:
        out = repair_store(store)
    except StoreError as exc:
        fail(str(exc))
    if out["repaired"]:
        console.print(f"[yellow]replayed the write-ahead log of {store} up to its damaged record; the damaged log "
                      f"is kept at {out['backup']}[/yellow]")
    else:
        console.print(f"{store} opens normally: nothing to repair")
    counts = {k: v for k, v in out["counts"].items() if v}
    print_frame(pd.DataFrame({"table": list(counts), "rows": list(counts.values())}), title="store after repair")


def parse_param(text: str) -> tuple[str, Any]:
    """``name=value`` -> ``(name, value)``; the value is an int, a float, JSON (lists, objects,
    ``true``/``false``/``null``, quoted strings) or else the raw string."""
    from kgmine.graph.schema import check_identifier

    name, sep, raw = text.partition("=")
    if not sep:
        raise ValueError(f"--param {text!r}: expected name=value")
    check_identifier(name.strip(), "parameter name")
    for convert in (int, float, json.loads):
        try:
            return name.strip(), convert(raw)
        except ValueError:  # json.JSONDecodeError is a ValueError
            continue
    return name.strip(), raw


def query(
    cypher: str = typer.Argument(..., help="Cypher query, e.g. \"MATCH (b:Brand) RETURN b.name LIMIT 5\". "
                                           "Put values in --param and refer to them as $name; '-' reads the "
                                           "query from standard input."),
    store: Optional[str] = typer.Option(None, "--store", help="Embedded store directory (e.g. runs/demo/store), "
                                                             "or 'neo4j' (same as --kind neo4j)."),
    kind: StoreKind = typer.Option("ladybug", "--kind", help="Store kind: ladybug (embedded) or neo4j (server "
                                                             "named by NEO4J_URI / NEO4J_USER / NEO4J_PASSWORD / "
                                                             "NEO4J_DATABASE)."),
    param: Optional[list[str]] = typer.Option(None, "--param", "-p",
                                              help="Query parameter name=value (repeatable); ints, floats and JSON "
                                                   "are parsed, anything else is a string."),
    write: bool = typer.Option(False, "--write", help="Allow a writing query (CREATE, MERGE, SET, DELETE, ...); "
                                                      "without it such queries are refused."),
    as_json: bool = typer.Option(False, "--json", help="Print the rows as a JSON list of objects."),
    max_rows: int = typer.Option(50, "--max-rows", min=1, help="Rows shown in the table (not with --json)."),
    timeout: float = typer.Option(QUERY_TIMEOUT, "--timeout", min=0,
                                  help="Stop the query after this many seconds (0: no limit)."),
) -> None:
    """Run a Cypher query against a store and print the result as a table.

    Without --write the query may only read the graph: writing clauses, LOAD FROM / file functions,
    CALL setting changes and extension loading are refused, as are texts over the query guard's size
    limits (kgmine.graph.stores.guard), all before the store parses anything."""
    from kgmine.graph.stores import StoreError
    from kgmine.graph.stores.guard import check_query

    try:
        params = dict(parse_param(p) for p in (param or []))
    except ValueError as exc:
        fail(str(exc))
    if cypher == "-":
        cypher = sys.stdin.read()
    try:
        check_query(cypher, write=write)  # before opening the store: a refused text never reaches it
    except StoreError as exc:
        fail(str(exc))
    graph = open_graph(store, kind, write)

    try:
        graph.set_query_timeout(timeout)
        frame = graph.query(cypher, params, write=write)
    except StoreError as exc:
        fail(str(exc))
    finally:
        graph.close()

    if as_json:
        records = [to_jsonable(row, nulls=True, default=str) for row in frame.to_dict("records")]
        typer.echo(json.dumps(records, ensure_ascii=False))
        return
    if len(frame.columns) == 0:
        console.print("(no result columns)")
        return
    print_frame(frame, max_rows=max_rows)
    console.print(f"{len(frame)} row{'s' if len(frame) != 1 else ''}", style="dim")
