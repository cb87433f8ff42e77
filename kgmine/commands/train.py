"""`kgmine train extractor`: train the open extractor's span model on labelled offers.

``kgmine train extractor --data FILE --out DIR`` reads a labelled file (WDC-PAVE / AE-110K JSON lines, or a
CSV of product_id, attribute, value with the texts) and writes a ``kgmine_span_model`` directory with a
``model_card.json``; a pipeline YAML then uses it with ``extract: {model: DIR}``, and
``kgmine eval extract --data TEST_FILE --model DIR`` scores it. ``--dataset ae-110k --data-root ...``
trains on a built-in data set's train split instead.
"""
from __future__ import annotations

import json
from enum import Enum
from pathlib import Path

import typer

from kgmine.commands.common import console, fail, print_frame

train_app = typer.Typer(help="Train kgmine's models on your labelled data.", no_args_is_help=True)


class TrainDataset(str, Enum):
    """Built-in labelled data sets (train split)."""

    ae_110k = "ae-110k"
    wdc_pave = "wdc-pave"


LICENCES = {"ae-110k": "Apache-2.0", "wdc-pave": "none stated (evaluation only: do not ship weights trained on it)"}


@train_app.command("extractor")
def extractor(
    out: Path = typer.Option(..., "--out", help="Directory to write the model into (created)."),
    data: Path | None = typer.Option(None, "--data", help="Labelled file: WDC-PAVE / AE-110K JSON lines, or a CSV "
                                     "with product_id, attribute, value, title[, description]."),
    dataset: TrainDataset | None = typer.Option(None, "--dataset", help="Train on a built-in data set's train "
                                                "split instead of --data."),
    data_root: Path = typer.Option(Path("../shared/data"), "--data-root", help="Folder holding text/ae-110k ..."),
    value_types: bool = typer.Option(True, "--value-types/--own-attributes",
                                     help="Train the extractor's value types (brand, colour, material ...: the "
                                     "open pipeline's labels) or the file's own attribute names."),
    epochs: int = typer.Option(15, "--epochs", min=1, help="Training epochs at most (early stopping on a dev split)."),
    seed: int = typer.Option(0, "--seed", help="Random seed of the dev split and the training."),
    as_json: bool = typer.Option(False, "--json", help="Print the model card as JSON."),
) -> None:
    """Train a span model on labelled offers and save it (use it with ``extract: {model: DIR}``)."""
    from kgmine.extract.attribute_data import load_dataset, load_labelled_file
    from kgmine.extract.value_model import train_value_model

    if (data is None) == (dataset is None):
        fail("give one of --data or --dataset")
    try:
        if data is not None:
            docs, name, source, licence = load_labelled_file(data), "user", str(data), "the file's own"
        else:
            docs = load_dataset(dataset.value, data_root).train
            name, source, licence = dataset.value, f"{dataset.value} train split", LICENCES[dataset.value]
        if not value_types:
            name = "own-attributes"
        command = "kgmine train extractor " + (f"--data {data}" if data else
                                               f"--dataset {name} --data-root {data_root}") + f" --out {out}"
        card = train_value_model(docs, out, dataset=name, source=source, licence=licence, command=command,
                                 n_epochs=epochs, random_state=seed, progress=not as_json)
    except (FileNotFoundError, ValueError) as exc:
        fail(str(exc))
    if as_json:
        typer.echo(json.dumps(card, indent=2, default=str))
        return
    import pandas as pd

    print_frame(pd.DataFrame([{"value_type": k, "spans": v, "dev_confidence": round(card["label_confidence"].get(k, 0), 3)}
                              for k, v in card["spans_per_value_type"].items()]), title=f"model written to {out}")
    console.print(f"offers={card['offers']} dev span F1={card['dev_span_f1']} train_seconds={card['train_seconds']}",
                  highlight=False)


def register(app: typer.Typer) -> None:
    """Add this group's commands to the top-level app."""
    app.add_typer(train_app, name="train")
