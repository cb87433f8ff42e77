"""`kgmine eval ...`: measure kgmine's components on labelled public data sets.

``kgmine eval extract --dataset {wdc-pave,ae-110k,semeval} --data-root ../shared/data [--json]``
trains on the data set's training split (cached under ``~/.cache/kgmine/models``) and prints
precision, recall and F1 per attribute (or relation), micro and macro, on its test split.
"""
from __future__ import annotations

import json
from enum import Enum
from pathlib import Path

import typer

from kgmine.commands.common import console, fail, print_frame

ATTRIBUTE_SETS = ("wdc-pave", "ae-110k")


class ExtractDataset(str, Enum):
    """Data sets ``kgmine eval extract`` knows."""

    wdc_pave = "wdc-pave"
    ae_110k = "ae-110k"
    semeval = "semeval"


eval_app = typer.Typer(help="Evaluate kgmine components on labelled public data sets.", no_args_is_help=True)


@eval_app.command("extract")
def extract(
    dataset: ExtractDataset = typer.Option(..., "--dataset", help="wdc-pave / ae-110k (attribute values) or "
                                           "semeval (SemEval-2010 Task 8 relations)."),
    data_root: Path = typer.Option(Path("../shared/data"), "--data-root",
                                   help="Folder holding text/wdc-pave, text/ae-110k, text/semeval2010-task8."),
    as_json: bool = typer.Option(False, "--json", help="Print the metrics as one JSON object instead of tables."),
    retrain: bool = typer.Option(False, "--retrain", help="Ignore the cached model and train again."),
    cache_dir: Path | None = typer.Option(None, "--cache-dir",
                                          help="Model cache (default $KGMINE_CACHE_DIR or ~/.cache/kgmine/models)."),
    max_train: int | None = typer.Option(None, "--max-train", min=1, help="Train on the first N offers only."),
    max_test: int | None = typer.Option(None, "--max-test", min=1, help="Score the first N test offers only."),
    epochs: int | None = typer.Option(None, "--epochs", min=1, help="Span-model training epochs (default 12)."),
    seed: int | None = typer.Option(None, "--seed", help="Random seed of the splits and the training (default: "
                                    "0 for attribute sets, the relation module's fixed seed for semeval)."),
) -> None:
    """Train on the train split, score the test split: P/R/F1 per attribute (relation), micro and macro."""
    if not data_root.is_dir():
        fail(f"--data-root {data_root}: folder not found")
    name = dataset.value
    try:
        if name == "semeval":
            result = _semeval(data_root, as_json=as_json, retrain=retrain, cache_dir=cache_dir, seed=seed,
                              max_train=max_train, max_test=max_test, epochs=epochs)
        else:
            from kgmine.extract.attribute_eval import evaluate_attribute_dataset

            params = {"random_state": 0 if seed is None else seed}
            if epochs:
                params["n_epochs"] = epochs
            result = evaluate_attribute_dataset(name, data_root, retrain=retrain, cache_dir=cache_dir,
                                                progress=not as_json, max_train=max_train, max_test=max_test,
                                                **params)
    except (FileNotFoundError, ValueError) as exc:
        fail(str(exc))
    _print(result, as_json)


def _semeval(data_root: Path, **kwargs) -> dict:
    """Relation extraction on SemEval-2010 Task 8 (implemented in ``kgmine.extract.relations``)."""
    import importlib

    try:
        relations = importlib.import_module("kgmine.extract.relations")
    except ModuleNotFoundError as exc:
        if exc.name != "kgmine.extract.relations":
            raise
        relations = None
    evaluate_semeval = getattr(relations, "evaluate_semeval", None)
    if evaluate_semeval is None:
        fail("--dataset semeval: relation extraction is not available yet "
             "(kgmine.extract.relations.evaluate_semeval is missing)")
    return evaluate_semeval(data_root, **{k: v for k, v in kwargs.items() if v is not None and k != "as_json"},
                            progress=not kwargs.get("as_json", False))


def _jsonable(result: dict) -> dict:
    import pandas as pd

    out = {}
    for k, v in result.items():
        if k == "predictions":
            continue
        if isinstance(v, pd.DataFrame):
            out[k] = json.loads(v.to_json(orient="records"))
        else:
            out[k] = v
    return out


def _print(result: dict, as_json: bool) -> None:
    import pandas as pd

    if as_json:
        typer.echo(json.dumps(_jsonable(result), indent=2, default=str))
        return
    per = result.get("per_attribute", result.get("per_relation"))
    if isinstance(per, pd.DataFrame) and not per.empty:
        print_frame(per.round(4), title=f"{result.get('dataset', '')}: per attribute (test split)", max_rows=200)
    rows = [{"average": k, **{m: round(v, 4) for m, v in result[k].items()}}
            for k in ("micro", "macro", "macro_attribute", "strict_micro") if k in result]
    print_frame(pd.DataFrame(rows), title="averages")
    info = {k: result[k] for k in ("n_train", "n_test", "n_slots", "threshold", "train_seconds", "predict_seconds",
                                   "cached", "model_dir") if k in result}
    console.print(" ".join(f"{k}={v}" for k, v in info.items()), highlight=False)


def register(app: typer.Typer) -> None:
    """Add this group's commands to the top-level app."""
    app.add_typer(eval_app, name="eval")
