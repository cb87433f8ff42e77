"""`kgmine demo` and `kgmine run`: the whole job, end to end."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import typer

from kgmine.commands.choices import RunEngine
from kgmine.commands.common import console, fail, print_frame

if TYPE_CHECKING:
    import pandas as pd


def register(app: typer.Typer) -> None:
    """Add ``demo`` and ``run`` to the top-level app."""
    app.command("demo")(demo)
    app.command("run")(run)


_ENGINE = typer.Option(None, "--engine", help="Override the engine: local, or spark (extraction and rules on "
                                              "Spark; needs kgmine[spark]).")
_SPARK_MASTER = typer.Option(None, "--spark-master", help="Spark master URL (default $KGMINE_SPARK_MASTER or "
                                                          "local[*]).")


def demo(
    out: Path = typer.Option(Path("runs/demo"), "--out", help="Run directory (metrics.json, plots, report.html)."),
    store: Optional[str] = typer.Option(None, "--store",
                                        help="Embedded store directory (default OUT/store), or 'neo4j' to use the "
                                             "server named by NEO4J_URI / NEO4J_USER / NEO4J_PASSWORD."),
    products: int = typer.Option(2000, "--products", min=20, help="Products in the synthetic demo world."),
    users: int = typer.Option(1000, "--users", min=10, help="Users in the synthetic demo world."),
    epochs: Optional[int] = typer.Option(None, "--epochs", min=1, help="Recommender training epochs."),
    seed: int = typer.Option(0, "--seed", help="Random seed for the world and every stage."),
    engine: Optional[RunEngine] = _ENGINE,
    spark_master: Optional[str] = _SPARK_MASTER,
) -> None:
    """Run every stage on a SYNTHETIC demo shop: extract, graph, mine, recommend, report."""
    from kgmine.config import ConfigError, merge_config

    overrides: dict[str, Any] = {"seed": seed, "data": {"kind": "demo", "n_products": products, "n_users": users}}
    if epochs is not None:
        overrides["recommend"] = {"epochs": epochs}
    try:
        cfg = merge_config(overrides, source="kgmine demo")
    except ConfigError as exc:
        fail(str(exc))
    _apply_options(cfg, store, engine, spark_master)
    _run(cfg, out)


def run(
    pipeline: Path = typer.Argument(..., help="Pipeline YAML file, e.g. pipelines/demo.yaml."),
    out: Path = typer.Option(..., "--out", help="Run directory."),
    store: Optional[str] = typer.Option(None, "--store", help="Override the store: a directory, or 'neo4j'."),
    engine: Optional[RunEngine] = _ENGINE,
    spark_master: Optional[str] = _SPARK_MASTER,
) -> None:
    """Run the pipeline described by a YAML file (see pipelines/)."""
    from kgmine.config import ConfigError, load_config

    try:
        cfg = load_config(pipeline)
    except ConfigError as exc:
        fail(str(exc))
    _apply_options(cfg, store, engine, spark_master)
    _run(cfg, out)


def _apply_options(cfg: dict[str, Any], store: Optional[str], engine: Optional[str],
                   spark_master: Optional[str]) -> None:
    """The command-line overrides of the store, the engine and the Spark master."""
    if store == "neo4j":
        cfg["store"]["kind"] = "neo4j"
    elif store is not None:
        cfg["store"]["kind"] = "ladybug"
        cfg["store"]["path"] = store
    if engine is not None:
        cfg["engine"] = engine
    if spark_master is not None:
        cfg["spark_master"] = spark_master


def _run(cfg: dict[str, Any], out: Path) -> None:
    from kgmine.pipeline import run_pipeline
    from kgmine.progress import progress_disabled

    try:
        result = run_pipeline(cfg, out, console=None if progress_disabled() else console)
    except (ValueError, RuntimeError, OSError) as exc:
        fail(_one_line(exc))
    summary = summary_frame(result.metrics)
    print_frame(summary, title=f"kgmine run '{cfg['name']}' -> {out}")
    console.print(f"metrics: {out / 'metrics.json'}   report: {out / 'report.html'}")


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def summary_frame(metrics: dict[str, Any]) -> pd.DataFrame:
    """The run's headline numbers as a two-column table (stage.metric, value)."""
    import pandas as pd

    picks = [
        ("data", "products"), ("data", "users"), ("data", "interactions"),
        ("extraction", "brand_accuracy"), ("extraction", "colour_f1"), ("extraction", "material_f1"),
        ("mine", "rules"), ("mine", "clusters"), ("mine", "cluster_ari_vs_category"), ("mine", "communities"),
        ("recommend", "recall_at_20"), ("recommend", "ndcg_at_20"), ("recommend", "popularity_recall_at_20"),
        ("timings", "total"),
    ]
    rows = [{"metric": f"{a}.{b}", "value": metrics[a][b]} for a, b in picks if b in metrics.get(a, {})]
    graph = metrics.get("graph", {})
    rows.append({"metric": "graph.nodes", "value": sum(v for k, v in graph.items() if k[:1].isupper()
                                                       and not k.isupper())})
    rows.append({"metric": "graph.edges", "value": sum(v for k, v in graph.items() if k.isupper())})
    return pd.DataFrame(rows)
