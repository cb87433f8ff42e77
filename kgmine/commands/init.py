"""`kgmine init`: look at your catalog and interaction files, propose the column mapping, write a pipeline."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from kgmine.commands.common import console, fail, print_frame


def register(app: typer.Typer) -> None:
    """Add ``init`` to the top-level app."""
    app.command("init")(init)


def init(
    catalog: Optional[Path] = typer.Option(None, "--catalog", help="Catalog file (CSV/TSV/Parquet): one product a "
                                                                  "row (id, title, description, brand, category, "
                                                                  "price)."),
    interactions: Optional[Path] = typer.Option(None, "--interactions", help="Interaction file (orders, ratings, "
                                                                            "events): user, item[, timestamp, "
                                                                            "rating, event, order]."),
    out: Path = typer.Option(Path("pipeline.yaml"), "--out", help="Pipeline YAML to write."),
    name: Optional[str] = typer.Option(None, "--name", help="Run name (default: the catalog file's stem)."),
    force: bool = typer.Option(False, "--force", help="Overwrite --out if it exists."),
) -> None:
    """Inspect the columns of your files, print the proposed mapping and write a pipeline YAML for `kgmine run`."""
    from kgmine.config import ConfigError, load_config
    from kgmine.io.propose import pipeline_yaml, propose_mapping

    if catalog is None and interactions is None:
        fail("give --catalog FILE, --interactions FILE or both")
    if out.exists() and not force:
        fail(f"{out} exists; pass --force to overwrite it")
    try:
        proposal = propose_mapping(catalog, interactions)
    except ValueError as exc:  # InputError included: names file, line and column
        fail(str(exc))
    print_frame(proposal.table(), title="proposed mapping", max_rows=100)
    for note in proposal.notes:
        console.print(f"note: {note}", highlight=False)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(pipeline_yaml(proposal, out, name))
    try:
        load_config(out)
    except ConfigError as exc:  # pragma: no cover - the writer and the config checks disagree
        fail(f"wrote {out}, but it does not load: {exc}")
    console.print(f"wrote {out}; next:  kgmine run {out} --out runs/{load_config(out)['name']}", highlight=False)
