"""Helpers shared by CLI commands: printing DataFrames as tables, one-line errors."""
from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    import pandas as pd

console = Console()
err_console = Console(stderr=True)


def print_frame(frame: pd.DataFrame, title: str | None = None, max_rows: int = 50) -> None:
    """Print a DataFrame as a rich table (at most ``max_rows`` rows)."""
    table = Table(title=title, show_lines=False)
    for col in frame.columns:
        table.add_column(str(col), overflow="fold")
    for row in frame.head(max_rows).itertuples(index=False):
        table.add_row(*(_cell(v) for v in row))
    console.print(table)
    if len(frame) > max_rows:
        console.print(f"... {len(frame) - max_rows} more rows")


def _cell(value: object) -> str:
    """A table cell as text (data, not Rich markup: a title ``Mug [red]`` prints as it is)."""
    from rich.markup import escape

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return escape(str(value))


def fail(message: str, code: int = 1) -> NoReturn:
    """Print one clear error line to stderr and exit with ``code`` (``message`` is text, not Rich markup:
    ``kgmine[spark]`` or ``[1, 2]`` print as they are)."""
    from rich.markup import escape

    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def require_store_dir(store: str | Path) -> None:
    """Fail in one line, naming ``store`` and the command that creates it, unless it is a directory."""
    path = Path(store)
    if path.is_dir():
        return
    if path.name == "store":
        make = f"`kgmine run PIPELINE.yaml --out {path.parent}` or `kgmine demo --out {path.parent}`"
    else:
        make = f"`kgmine run PIPELINE.yaml --out DIR --store {path}`"
    fail(f"store directory {path} does not exist; {make} creates it")


def open_graph(store: str | Path | None, kind: str = "ladybug", write: bool = False) -> Any:
    """Open the store named by ``--store``/``--kind`` for a command; every failure is one error line.

    ``store`` is an embedded store directory or the word ``neo4j`` (the server named by
    ``NEO4J_URI`` etc.); ``write=False`` opens an embedded store read-only.
    """
    from kgmine.graph.stores import STORE_KINDS, StoreError, open_store

    if store is not None and str(store) == "neo4j":
        kind, store = "neo4j", None
    if kind not in STORE_KINDS:
        fail(f"--kind must be one of {', '.join(STORE_KINDS)}, not {kind!r}")
    if kind == "ladybug":
        if not store:
            fail("--store DIR is required for the embedded store (e.g. --store runs/demo/store)")
        require_store_dir(store)
    try:
        if kind == "ladybug":
            return open_store("ladybug", path=Path(store), create=False, read_only=not write)
        return open_store("neo4j")
    except StoreError as exc:
        fail(str(exc))
    except ImportError as exc:
        fail(f"the {kind} store is not available: {exc}")
    except Exception as exc:  # noqa: BLE001 - a driver's connection error must stay one line
        fail(f"cannot open the {kind} store: {' '.join(str(exc).split())}")


def product_titles(graph: Any, ids: list[str]) -> dict[str, str]:
    """Product id -> title (``""`` when it has none) of the ``ids`` found in ``graph``."""
    if not ids:
        return {}
    rows = graph.query("MATCH (p:Product) WHERE p.id IN $ids RETURN p.id AS id, p.title AS title",
                       {"ids": list(dict.fromkeys(ids))})
    return {str(r.id): ("" if r.title is None else str(r.title)) for r in rows.itertuples(index=False)}


@contextmanager
def closing_graph(graph: Any | None) -> Iterator[None]:
    """Run a command's work on ``graph``: bad input, store and missing-library errors become one error
    line (nothing half-written: writers are idempotent upserts), and the store is closed either way."""
    from kgmine.graph.stores import StoreError

    try:
        yield
    except (ValueError, StoreError, ImportError) as exc:
        fail(str(exc))
    finally:
        if graph is not None:
            graph.close()


def start_engine(engine: str, spark_master: str | None = None) -> None:
    """With ``engine == "spark"``: start the shared SparkSession on ``spark_master`` now, so a missing
    pyspark fails in one line (the install hint) before any data is read. Other engines: nothing."""
    if engine != "spark":
        return
    from kgmine.spark.session import SparkMissing, spark_session

    try:
        spark_session(spark_master)
    except SparkMissing as exc:
        fail(str(exc))
