"""`kgmine match`: match the products of two tables (blocking, learned pair scores, clustering)."""
from __future__ import annotations

from pathlib import Path

import typer

from kgmine.commands.common import console, fail


def _mapping(text: str | None) -> dict:
    out = {}
    for part in (text or "").split(","):
        if part.strip():
            key, sep, value = part.partition("=")
            if not sep or not value.strip():
                fail(f"--mapping: {part!r} is not FIELD=COLUMN")
            out[key.strip()] = value.strip()
    return out


def match(
    left: Path = typer.Option(..., "--left", help="Left product table (CSV/TSV/Parquet)."),
    right: Path = typer.Option(..., "--right", help="Right product table (CSV/TSV/Parquet)."),
    out: Path = typer.Option(..., "--out", help="Output Parquet of scored candidate pairs."),
    mapping: str | None = typer.Option(None, "--mapping", help="FIELD=COLUMN,... for both tables, fields "
                                       "product_id, title, description, brand, price (default: same names)."),
    model: Path | None = typer.Option(None, "--model", help="Reuse a matcher directory (from --save-model)."),
    train: Path | None = typer.Option(None, "--train", help="Labelled pair file to train on (left TAB right TAB 0/1)."),
    valid: Path | None = typer.Option(None, "--valid", help="Labelled pair file choosing the threshold."),
    save_model: Path | None = typer.Option(None, "--save-model", help="Write the trained matcher to this directory."),
    k: int = typer.Option(20, "--k", min=1, help="TF-IDF nearest neighbours per left record in blocking."),
) -> None:
    """Match two product tables: pairs with score, match flag and cluster (one cluster = one product)."""
    from kgmine.io.errors import InputError
    from kgmine.io.pairs import read_pairs
    from kgmine.io.tabular import read_catalog
    from kgmine.match.matcher import ProductMatcher
    from kgmine.match.tables import load_matcher, match_tables, save_matcher

    if (model is None) == (train is None):
        fail("give one of --model DIR or --train PAIRS")
    try:
        cols = _mapping(mapping)
        lt, rt = read_catalog(left, cols), read_catalog(right, cols)
        if model is not None:
            matcher = load_matcher(model)
        else:
            matcher = ProductMatcher().fit(read_pairs(train), read_pairs(valid) if valid else None)
            if save_model is not None:
                save_matcher(matcher, save_model)
        pairs = match_tables(lt, rt, matcher, k=k)
    except (InputError, FileNotFoundError) as exc:
        fail(str(exc))
    out.parent.mkdir(parents=True, exist_ok=True)
    pairs.to_parquet(out, index=False)
    console.print(f"{len(pairs)} candidate pairs, {int(pairs['match'].sum())} matches, "
                  f"{pairs.loc[pairs['match'], 'cluster'].nunique()} matched products -> {out}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``kgmine match`` to the top-level app."""
    app.command("match")(match)
