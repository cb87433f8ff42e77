"""`kgmine report RUN_DIR`: render the run report."""
from __future__ import annotations

from pathlib import Path

import typer

from kgmine.commands.common import console, fail


def register(app: typer.Typer) -> None:
    """Add ``report`` to the top-level app."""
    app.command("report")(report)


def report(run_dir: Path = typer.Argument(..., help="A run directory written by `kgmine demo` or `kgmine run`.")) -> None:
    """Render RUN_DIR/report.html (self-contained: plots inlined, no network needed to view it)."""
    from kgmine.report.html import render_report

    if not (run_dir / "metrics.json").is_file():
        fail(f"{run_dir}: no metrics.json here; is this a kgmine run directory?")
    path = render_report(run_dir)
    console.print(f"report: {path}")
