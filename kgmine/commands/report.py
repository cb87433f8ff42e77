"""`kgmine report RUN_DIR`: render the run report (and optionally a screenshot of it)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from kgmine.commands.common import console, fail


def register(app: typer.Typer) -> None:
    """Add ``report`` to the top-level app."""
    app.command("report")(report)


def report(
    run_dir: Path = typer.Argument(..., help="A run directory written by `kgmine demo` or `kgmine run`."),
    no_store: bool = typer.Option(False, "--no-store",
                                  help="Render from metrics.json and artifacts only; do not open the run's store "
                                       "(titles, label-pair counts and explanation paths come from the store)."),
    screenshot: Optional[Path] = typer.Option(None, "--screenshot",
                                              help="Also save a PNG of the rendered page (needs Chromium)."),
) -> None:
    """Render RUN_DIR/report.html (self-contained: plots inlined, no network needed to view it)."""
    from kgmine.report.browser import BrowserError
    from kgmine.report.browser import screenshot as take_screenshot
    from kgmine.report.html import render_report

    if not (run_dir / "metrics.json").is_file():
        fail(f"{run_dir}: no metrics.json here; is this a kgmine run directory?")
    try:
        path = render_report(run_dir, use_store=not no_store)
    except (ValueError, OSError) as exc:
        fail(str(exc).splitlines()[0])
    console.print(f"report: {path}")
    if screenshot is not None:
        try:
            console.print(f"screenshot: {take_screenshot(path, screenshot, width=1280, height=9000)}")
        except BrowserError as exc:
            fail(str(exc))
