"""`kgmine` commands of the recommend group: ``recommend``, ``similar`` and ``fit-recommender``.

A trained model is looked up next to the store: ``<store parent>/models/<model>.pt`` (for the demo,
``DIR/models/lightgcn.pt`` beside ``DIR/store``); ``--model-path`` overrides it (and is needed with a
Neo4j store, which has no directory). ``kgmine demo`` / ``kgmine run`` save it there;
``kgmine fit-recommender --store DIR`` trains one from the store's BOUGHT and RATED edges.
"""
from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from kgmine.commands.choices import RecommenderModel, StoreKind, TrainSplit
from kgmine.commands.common import console, fail, open_graph, print_frame, product_titles, require_store_dir

# no name: its commands are top-level (`kgmine recommend`, not `kgmine recommend recommend`)
recommend_app = typer.Typer()


def register(app: typer.Typer) -> None:
    """Add this group's commands (recommend, similar, fit-recommender) to the top-level app."""
    app.add_typer(recommend_app)


STORE_HELP = "Store directory (the embedded LadybugDB store), or 'neo4j' (then give --model-path)."
StoreOption = Annotated[str, typer.Option("--store", help=STORE_HELP)]
KindOption = Annotated[StoreKind, typer.Option("--kind", help="Store kind: ladybug (embedded) or neo4j (server "
                                                              "named by NEO4J_URI etc.).")]
ModelOption = Annotated[RecommenderModel, typer.Option("--model", help="Trained model to read.")]
ModelPathOption = Annotated[Optional[Path], typer.Option("--model-path", help="Trained model file (default: "
                                                                              "<store parent>/models/<model>.pt).")]


@dataclass(frozen=True)
class ModelSource:
    """The options every model command shares: the store, the model and where its file is."""

    store: str
    model: str
    model_path: Optional[Path]
    kind: str

    def load(self):
        """The trained model (:func:`_load_model`)."""
        return _load_model(self.store, self.model, self.model_path)

    def check_store(self) -> None:
        """:func:`_check_store` of this source."""
        _check_store(self.store, self.kind)

    def open(self, write: bool = False):
        """The graph store (``open_graph``)."""
        return open_graph(self.store, self.kind, write)


_SOURCE_OPTIONS = [
    inspect.Parameter("store", inspect.Parameter.KEYWORD_ONLY, annotation=StoreOption),
    inspect.Parameter("model", inspect.Parameter.KEYWORD_ONLY, annotation=ModelOption, default="lightgcn"),
    inspect.Parameter("model_path", inspect.Parameter.KEYWORD_ONLY, annotation=ModelPathOption, default=None),
    inspect.Parameter("kind", inspect.Parameter.KEYWORD_ONLY, annotation=KindOption, default="ladybug"),
]


def _check_store(store: str, kind: str) -> None:
    """Fail in one line if an embedded store directory is missing: before a model is looked for next to it,
    and before torch is imported."""
    if kind == "ladybug" and store != "neo4j":
        require_store_dir(store)


def model_options(command: Callable[..., None]) -> Callable[..., None]:
    """Give ``command`` (first parameter ``source: ModelSource``) the shared options ``--store``,
    ``--model``, ``--model-path`` and ``--kind``; Typer sees them in its signature, the command gets
    them as one :class:`ModelSource`."""
    own = list(inspect.signature(command, eval_str=True).parameters.values())[1:]

    @functools.wraps(command)
    def run(**options: Any) -> None:
        source = ModelSource(**{p.name: options.pop(p.name) for p in _SOURCE_OPTIONS})
        source.check_store()
        command(source, **options)

    params = [_SOURCE_OPTIONS[0], *(p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own), *_SOURCE_OPTIONS[1:]]
    run.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    run.__annotations__ = {p.name: p.annotation for p in params}
    return run


def model_command(name: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register a command of this group that reads a trained model (:func:`model_options`)."""
    return lambda command: recommend_app.command(name)(model_options(command))


def _ask(fitted, question: Callable[..., Any], *args: Any) -> Any:
    """``question(fitted, *args)``; an id the model does not know ends the command, naming it."""
    try:
        return question(fitted, *args)
    except KeyError as exc:
        fail(f"{exc.args[0]} in the trained model")


def _model_file(store: str, model: str, model_path: Path | None) -> Path:
    """``--model-path``, else ``<store parent>/models/<model>.pt`` (a Neo4j store has no parent directory)."""
    from kgmine.recommend.fitted import default_model_path

    if model_path is not None:
        return model_path
    if store == "neo4j":
        fail("--model-path is required with --store neo4j (there is no store directory to look next to)")
    return default_model_path(store, model)


def _load_model(store: str, model: str, model_path: Path | None):
    from kgmine.recommend.fitted import FittedRecommender

    path = _model_file(store, model, model_path)
    try:
        return FittedRecommender.load(path)
    except FileNotFoundError:
        fail(f"no trained {model} model at {path}; run `kgmine demo` or `kgmine fit-recommender --store {store}` "
             "first, or give --model-path")
    except Exception as exc:  # noqa: BLE001 - one line for a corrupt file
        fail(f"cannot load the recommender at {path}: {exc}")


@model_command("recommend")
def recommend_cmd(
    source: ModelSource,
    user: str = typer.Option(..., "--user", help="User id to recommend for."),
    k: int = typer.Option(10, "-k", "--k", min=1, help="Number of items."),
    write: bool = typer.Option(False, "--write/--no-write", help="Also write the list as RECOMMENDED edges."),
) -> None:
    """Top-K items for a user, with scores and an explanation path read from the graph.

    A user the model cannot score (not in its training data, or without training interactions) gets the
    non-personal fallback instead of an error: the most popular products within the categories of what
    the user bought / rated / reviewed / viewed in the store, then the most popular overall; a line says so.
    """
    from kgmine.recommend.serve import explain, fallback_topk, is_cold, recommend_topk, write_recommendations
    from kgmine.recommend.store_data import touched_products

    fitted = source.load()
    db = source.open(write)
    try:
        cold = is_cold(fitted, user)
        if cold:
            recs = fallback_topk(fitted, user, k, touched_products(db, user))
            label = recs["model"].iloc[0] if len(recs) else "fallback"
            console.print(f"[yellow]user {user!r} has no training interactions in the {fitted.name} model: "
                          f"showing {label}[/yellow]")
        else:
            recs = _ask(fitted, recommend_topk, [user], k)
        expl = explain(db, user, recs["product_id"].astype(str).tolist())
        titles = product_titles(db, recs["product_id"].astype(str).tolist())
        if write and cold:
            console.print("[yellow]--write: a fallback list is not written as RECOMMENDED edges[/yellow]")
        elif write:
            write_recommendations(db, recs)
    finally:
        db.close()
    recs = recs.merge(expl[["product_id", "explanation"]], on="product_id", how="left")
    recs["title"] = recs["product_id"].astype(str).map(titles)
    print_frame(recs[["rank", "product_id", "title", "score", "explanation"]],
                title=f"top {k} for user {user} ({recs['model'].iloc[0] if len(recs) else fitted.name})")


@model_command("similar")
def similar_cmd(
    source: ModelSource,
    item: str = typer.Option(..., "--item", help="Product id."),
    k: int = typer.Option(10, "-k", "--k", min=1, help="Number of similar items."),
) -> None:
    """Items most similar to a product (cosine of the trained item embeddings)."""
    from kgmine.recommend.serve import similar_items

    fitted = source.load()
    sims = _ask(fitted, similar_items, item, k)
    db = source.open(False)
    try:
        titles = product_titles(db, [item] + sims["similar_id"].astype(str).tolist())
    finally:
        db.close()
    sims["title"] = sims["similar_id"].astype(str).map(titles)
    print_frame(sims[["rank", "similar_id", "title", "score"]],
                title=f"similar to {item} {titles.get(item, '')!r} ({fitted.name})")


@recommend_app.command("fit-recommender")
def fit_cmd(
    store: str = typer.Option(..., "--store", help=STORE_HELP + " BOUGHT and RATED edges are the training data."),
    model: RecommenderModel = typer.Option("lightgcn", "--model", help="Model: GNNs (lightgcn, kg_gnn), matrix "
                                                                        "factorisation (mf), baselines, or the "
                                                                        "training-free GF-CF / BSPM-EM filters."),
    epochs: int = typer.Option(100, "--epochs", help="Maximum epochs."),
    time_budget: float = typer.Option(120.0, "--time-budget", help="Stop training after this many seconds."),
    lr: float = typer.Option(1e-2, "--lr", help="Adam learning rate."),
    layers: int = typer.Option(3, "--layers", help="Propagation layers."),
    kg_weight: Optional[float] = typer.Option(None, "--kg-weight", min=0.0,
                                              help="gf_cf / bspm: weight of the store's KG (brands, categories, "
                                                   "attributes, item links) in the item-item operator (0: none); "
                                                   "kg_gnn: weight of its KG messages."),
    split: TrainSplit = typer.Option("random", "--split", help="How the interactions are split into train / "
                                                               "valid / test."),
    seed: int = typer.Option(0, "--seed", help="Random seed."),
    seeds: int = typer.Option(1, "--seeds", min=1, help="Train with this many seeds (seed, seed+1, ...) and "
                                                        "print the mean ± sd of the test metrics; the first "
                                                        "seed's model is saved."),
    device: str = typer.Option("auto", "--device", help="auto, cpu, cuda or cuda:N."),
    model_path: Optional[Path] = typer.Option(None, "--model-path", help="Where to save (default: next to the store)."),
    kind: KindOption = "ladybug",
) -> None:
    """Train a recommender on a store's interactions and save it where `recommend`/`similar` look."""
    _check_store(store, kind)
    from kgmine.recommend.store_data import shop_from_store
    from kgmine.recommend.train import fit_recommender

    path = _model_file(store, model, model_path)
    db = open_graph(store, kind, False)
    try:
        shop = shop_from_store(db)
    finally:
        db.close()
    if len(shop.interactions) == 0:
        fail(f"store {store} has no BOUGHT or RATED edges to train on")
    cfg = dict(epochs=epochs, time_budget=time_budget, lr=lr, device=device, ks=(10, 20), eval_every=5,
               patience=4, sampling="edge")
    params = {} if model in ("mf", "popularity", "itemknn", "gf_cf", "bspm") else {"num_layers": layers}
    if kg_weight is not None:
        if model not in ("gf_cf", "bspm", "kg_gnn"):
            fail(f"--kg-weight applies to gf_cf, bspm and kg_gnn, not {model}")
        params["kg_weight"] = kg_weight
    runs = []
    for i in range(seeds):
        try:
            fitted_i, metrics, _ = fit_recommender(shop, model, cfg, seed + i, split=split, model_params=params)
        except ValueError as exc:
            fail(str(exc))
        if i == 0:
            fitted_i.save(path)
        runs.append(metrics)
    first = runs[0]
    if first.get("warning"):
        console.print(f"[bold yellow]warning: {first['warning']}[/bold yellow]")
    console.print(f"split: {first['n_train']:,} train / {first['n_valid']:,} valid / {first['n_test']:,} test pairs, "
                  f"{first['n_test_users']:,} test users; validation {first.get('validation', 'given')}")
    print_frame(_metric_table(first, model), title=f"{model} (test, seed {seed})")
    if seeds > 1:
        from kgmine.recommend.evaluate import seed_summary

        keys = [k for k in first if k.split("_")[0] in ("recall", "ndcg", "coverage", "pop")
                and k.endswith(("_at_10", "_at_20"))]
        print_frame(seed_summary(runs, keys), title=f"{model}: mean ± sd over {seeds} seeds")
    console.print(f"saved {path}")


def _metric_table(metrics: dict, model: str):
    """``metric, <model>, 95% CI, cold, warm, popularity`` rows of a :func:`fit_recommender` result."""
    import pandas as pd

    rows = []
    for k in (10, 20):
        for name in ("recall", "ndcg", "coverage", "pop_percentile"):
            key = f"{name}_at_{k}"
            if key not in metrics:
                continue
            low, high = metrics.get(f"{key}_low"), metrics.get(f"{key}_high")
            rows.append({"metric": key, model: metrics[key],
                         "95% CI": f"[{low:.4f}, {high:.4f}]" if low is not None else "",
                         "cold users": metrics.get(f"cold_{key}"), "warm users": metrics.get(f"warm_{key}"),
                         "popularity": metrics.get(f"popularity_{key}")})
    return pd.DataFrame(rows)
