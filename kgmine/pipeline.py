"""Run the whole kgmine job: read -> extract -> graph -> mine -> recommend -> report.

:func:`run_pipeline` takes a config (a :class:`~kgmine.config.PipelineConfig`, or a mapping such as
:func:`kgmine.config.merge_config` returns, validated before anything runs) and an output directory and
leaves there:

``store/``                 the embedded LadybugDB store (unless ``store.path`` / ``--store`` says otherwise)
``metrics.json``           every stage's metrics and timings
``config.yaml``            the resolved config of the run
``artifacts/*.parquet``    extraction, rules, clusters, recommendations, training history
``plots/*.png``            the plots of the report
``report.html``            the run report

Input is read and validated completely before the store is opened, so bad input never changes a
store. Every write is idempotent (MERGE on node ids and edge endpoints); mined results (rules,
clusters, recommendations) replace the previous run's edges of the same kind, so running the same
config twice leaves every count unchanged.
"""
from __future__ import annotations

import json
import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pandas as pd
import yaml

from kgmine.config import PipelineConfig, pipeline_config
from kgmine.extract.config import ExtractConfig
from kgmine.graph.build import build_tables
from kgmine.graph.stores.config import StoreConfig
from kgmine.io.tables import ShopData
from kgmine.jsonable import to_jsonable
from kgmine.progress import progress_disabled
from kgmine.seeding import seed_everything

log = logging.getLogger(__name__)


@dataclass
class RunResult:
    """What a pipeline run produced: metrics (as written to metrics.json) and the run directory."""

    out_dir: Path
    metrics: dict[str, Any]
    counts: dict[str, int] = field(default_factory=dict)


@contextmanager
def _timed(metrics: dict[str, Any], stage: str, console: Any = None) -> Iterator[None]:
    if console is not None:
        console.print(f"[bold cyan]▶ {stage}[/]")
    start = time.perf_counter()
    yield
    metrics.setdefault("timings", {})[stage] = round(time.perf_counter() - start, 3)


def read_data(cfg: PipelineConfig) -> ShopData:
    """Read (or generate) the run's data as :class:`ShopData`; raises before anything is stored."""
    return read_inputs(cfg)[0]


def read_inputs(cfg: PipelineConfig) -> tuple[ShopData, Any]:
    """The run's data and, for ``data.kind: merge``, the :class:`~kgmine.match.merge.MergedCatalog` it came
    from (else ``None``): every source read, then their products matched and merged."""
    data_cfg = cfg.data
    if data_cfg.kind == "merge":
        from kgmine.io import read_dataset
        from kgmine.match.merge import TitleSimilarityMatcher, merge_catalogs

        sources = [(s.source, read_dataset(s.kind, **s.options)) for s in data_cfg.sources]
        match = data_cfg.match
        if match.model:
            from kgmine.match.tables import load_matcher

            matcher = load_matcher(match.model)
            if match.threshold is not None:
                matcher.threshold_ = match.threshold
        else:
            matcher = TitleSimilarityMatcher(**({} if match.threshold is None else {"threshold": match.threshold}))
        merged = merge_catalogs(sources, matcher, k=match.k, shared_users=match.shared_users,
                                progress=not progress_disabled())
        return merged.data, merged
    return _read_one(cfg), None


def _read_one(cfg: PipelineConfig) -> ShopData:
    data_cfg = cfg.data
    if data_cfg.kind == "demo":
        from kgmine.demo.world import generate_world

        return generate_world(n_products=data_cfg.n_products, n_users=data_cfg.n_users, seed=cfg.seed)
    from kgmine.io import read_dataset

    return read_dataset(data_cfg.kind, **data_cfg.options)


def check_config_against_data(cfg: PipelineConfig, data: ShopData) -> None:
    """Raise :class:`~kgmine.config.ConfigError` naming the key when a stage's settings cannot work on the data
    just read (recommending without interactions; ``recommend.split`` ``given`` without a split on every
    row, ``leave_last_out`` without a timestamp on every row), before any stage runs or anything is written."""
    from kgmine.config import ConfigError

    rec, inter = cfg.recommend, data.interactions
    if not rec.enabled:
        return
    if len(inter) == 0:
        raise ConfigError("recommend.enabled: the data has no interactions to train on (a catalog only?); "
                          "set recommend.enabled: false, or give the interactions")
    needs = {"given": "split", "leave_last_out": "timestamp"}.get(rec.split)
    if needs and (needs not in inter.columns or inter[needs].isna().any()):
        raise ConfigError(f"recommend.split: {rec.split!r} needs a {needs} on every interaction; "
                          "use random or auto")


def open_run_store(store_cfg: StoreConfig, out_dir: Path):
    """Open the store the config names (LadybugDB at ``store.path`` or OUT/store, or Neo4j)."""
    from kgmine.graph.stores import open_store

    if store_cfg.kind == "ladybug":
        path = Path(store_cfg.path) if store_cfg.path else out_dir / "store"
        return open_store("ladybug", path=path)
    kwargs = {k: getattr(store_cfg, k) for k in ("uri", "user", "database") if getattr(store_cfg, k)}
    return open_store(store_cfg.kind, **kwargs)


def run_pipeline(cfg: PipelineConfig | dict[str, Any], out_dir: str | Path, console: Any = None) -> RunResult:
    """Run every enabled stage of ``cfg`` into ``out_dir`` and return the metrics.

    ``cfg`` is validated first (:func:`kgmine.config.pipeline_config`): a bad value raises
    :class:`~kgmine.config.ConfigError` before anything is read or written. The input is read before
    ``out_dir`` is created, and a run that fails leaves no empty folder behind (what a failed stage
    already wrote stays, for a look)."""
    cfg = pipeline_config(cfg)
    out_dir = Path(out_dir)
    created = _missing_dirs(out_dir / "artifacts")
    try:
        return _run_stages(cfg, out_dir, console)
    except BaseException:
        _remove_empty(created)
        raise


def _missing_dirs(path: Path) -> list[Path]:
    """``path`` and each of its ancestors that does not exist yet, deepest first."""
    missing = []
    while not path.exists() and path != path.parent:
        missing.append(path)
        path = path.parent
    return missing


def _remove_empty(dirs: list[Path]) -> None:
    """Remove those of ``dirs`` (deepest first) that exist and are empty."""
    for d in dirs:
        try:
            d.rmdir()
        except OSError:  # not empty (a stage wrote something), or never created
            pass


def _run_stages(cfg: PipelineConfig, out_dir: Path, console: Any) -> RunResult:
    metrics: dict[str, Any] = {"run": {"name": cfg.name, "seed": cfg.seed}}
    seed_everything(cfg.seed)
    if cfg.engine == "spark":
        _start_spark(cfg.spark_master)
    total_start = time.perf_counter()

    with _timed(metrics, "read", console):
        data, merged = read_inputs(cfg)
    check_config_against_data(cfg, data)
    metrics["data"] = {"name": data.name, "synthetic": data.synthetic, **data.summary()}
    if merged is not None:
        metrics["match"] = merged.summary()
    (out_dir / "artifacts").mkdir(parents=True, exist_ok=True)
    (out_dir / "config.yaml").write_text(yaml.safe_dump(cfg.to_dict(), sort_keys=False))

    graph_inputs: dict[str, Any] = {}
    if cfg.extract.enabled:
        with _timed(metrics, "extract", console):
            graph_inputs, ext_metrics = run_extraction(data, cfg.extract, out_dir, engine=cfg.engine)
        metrics["extraction"] = ext_metrics

    with _timed(metrics, "graph", console):
        if cfg.engine == "spark":  # the behaviour tables (users, purchases, ratings, views) on Spark
            from kgmine.spark.interaction_tables import interaction_tables_spark

            spark_tables = interaction_tables_spark(data.interactions, data.users, data.reviews, source=data.name)
            graph_inputs["behaviour"] = {key: frame.toPandas() for key, frame in spark_tables.items()}
        tables = build_tables(data, offers=None if merged is None else merged.offers, **graph_inputs)
        store = open_run_store(cfg.store, out_dir)
    try:
        with _timed(metrics, "load", console):
            if merged is not None:  # products whose offers changed since the last run are written anew
                from kgmine.match.merge import relink_offers

                metrics["match"]["relinked_products"] = relink_offers(store, merged.offers)
            store.load(tables, progress=console is not None)

        if cfg.mine.rules.enabled:
            with _timed(metrics, "mine_rules", console):
                metrics.setdefault("mine", {}).update(run_rules(data, cfg, store, out_dir))
        if cfg.mine.clusters.enabled:
            with _timed(metrics, "mine_clusters", console):
                metrics.setdefault("mine", {}).update(run_clusters(data, cfg, store, out_dir))
        if cfg.mine.analytics.enabled:
            with _timed(metrics, "mine_analytics", console):
                metrics.setdefault("mine", {}).update(run_analytics(store))

        if cfg.recommend.enabled:
            with _timed(metrics, "recommend", console):
                metrics["recommend"] = run_recommender(data, cfg, store, out_dir)
        metrics["graph"] = store.counts()
    finally:
        store.close()

    metrics["timings"]["total"] = round(time.perf_counter() - total_start, 3)
    (out_dir / "metrics.json").write_text(json.dumps(to_jsonable(metrics), indent=2))
    if cfg.report.enabled:
        with _timed(metrics, "report", console):
            from kgmine.report.html import render_report

            render_report(out_dir)
        (out_dir / "metrics.json").write_text(json.dumps(to_jsonable(metrics), indent=2))
    return RunResult(out_dir=out_dir, metrics=metrics, counts=metrics.get("graph", {}))


# ---------------------------------------------------------------- stages


def _start_spark(master: str | None) -> None:
    """Start the shared SparkSession (``engine: spark``); without pyspark, one line with the install hint."""
    from kgmine.spark.session import SparkMissing, spark_session

    try:
        spark_session(master)
    except SparkMissing as exc:
        raise RuntimeError(str(exc)) from None


def run_extraction(data: ShopData, ext_cfg: ExtractConfig, out_dir: Path,
                   engine: str = "local") -> tuple[dict[str, Any], dict]:
    """Open extraction over product texts and reviews (:func:`kgmine.extract.catalog.extract_catalog`;
    with ``engine="spark"`` the product texts on Spark, :func:`kgmine.spark.extract.extract_catalog_spark`).

    Writes ``artifacts/extraction.parquet`` (every attribute value), ``artifacts/relations.parquet``
    (every triple, with ``in_graph``) and ``artifacts/entities.parquet``; returns the keyword arguments of
    :func:`kgmine.graph.build.build_tables` (values and triples above the configured thresholds) and the
    extraction metrics. On synthetic data the values are scored against the planted truth.
    """
    from kgmine.extract.catalog import extract_catalog

    reviews = data.reviews if ext_cfg.reviews and len(data.reviews) else None
    span_model = "default" if ext_cfg.span_model is None else ext_cfg.span_model
    if engine == "spark":
        from kgmine.spark.extract import extract_catalog_spark

        result = extract_catalog_spark(data.products, reviews, span_model=span_model, batch_size=ext_cfg.batch_size)
    else:
        result = extract_catalog(data.products, reviews, span_model=span_model, batch_size=ext_cfg.batch_size,
                                 n_process=ext_cfg.n_process, progress=not progress_disabled())
    artifacts = out_dir / "artifacts"
    values = result.attributes
    values.to_parquet(artifacts / "extraction.parquet")
    keep = values[values["confidence"] >= ext_cfg.min_confidence]
    rel_cfg = ext_cfg.relations
    relations = result.relations.assign(
        in_graph=rel_cfg.enabled & (result.relations["confidence"] >= rel_cfg.min_confidence))
    relations.to_parquet(artifacts / "relations.parquet")
    result.entities.to_parquet(artifacts / "entities.parquet")
    inputs: dict[str, Any] = {"extracted": keep, "review_mentions": result.review_mentions,
                              "relations": relations[relations["in_graph"]],
                              "entities": result.entities if ext_cfg.entities else None}
    metrics: dict[str, Any] = {
        "rows": int(len(values)), "rows_in_graph": int(len(keep)),
        "per_attribute": keep["attribute"].value_counts().to_dict(),
        "new_values": _new_values(data, keep),
        "induced_brands": len(result.brands),
        "relations": {"triples": int(len(relations)), "in_graph": int(relations["in_graph"].sum()),
                      "per_relation": relations["relation"].value_counts().to_dict(),
                      "per_relation_in_graph": relations.loc[relations["in_graph"], "relation"].value_counts().to_dict(),
                      "min_confidence": rel_cfg.min_confidence},
        "entities": int(len(result.entities)),
    }
    if "product_attributes" in data.truth:
        from kgmine.demo.scoring import score_extraction

        metrics["truth"] = score_extraction(keep, data.truth["product_attributes"],
                                            variants=data.truth.get("colour_variants"))
        metrics.update(metrics["truth"])
    return inputs, metrics


def copies_structured_field(products: pd.DataFrame, values: pd.DataFrame) -> pd.Series:
    """Per value row: is it a copy of a structured field of its product (its brand column, or a name in its
    category path)? Compared by :func:`~kgmine.graph.build.entity_key`."""
    from kgmine.graph.build import entity_key

    given: set[tuple[str, str]] = set()
    for pid, brand, path in zip(products["product_id"].astype(str), products["brand"], products["category_path"]):
        if isinstance(brand, str) and brand.strip():
            given.add((pid, entity_key(brand)))
        if isinstance(path, str):
            given.update((pid, entity_key(p)) for p in path.split(">") if p.strip())
    keys = zip(values["product_id"].astype(str), values["value"].map(entity_key))
    return pd.Series([k in given for k in keys], index=values.index, dtype=bool)


def _new_values(data: ShopData, values: pd.DataFrame) -> dict[str, int]:
    """Extracted values per attribute that are not a copy of a structured field of the same product."""
    new = values[~copies_structured_field(data.products, values)]
    return {str(k): int(v) for k, v in new["attribute"].value_counts().items()}


def run_rules(data: ShopData, cfg: PipelineConfig, store, out_dir: Path) -> dict[str, Any]:
    """Mine association rules over baskets and write pairwise rules as FREQUENTLY_BOUGHT_WITH."""
    from kgmine.mine.rules import AssociationRules, save_rules
    from kgmine.mine.writeback import write_rules

    rc = cfg.mine.rules
    baskets = data.baskets()
    if baskets.empty:
        return {"baskets": 0, "itemsets": 0, "rules": 0, "rule_edges": 0}
    miner = AssociationRules(min_support=rc.min_support, min_confidence=rc.min_confidence, min_len=rc.min_len,
                             max_len=rc.max_len, engine="spark" if cfg.engine == "spark" else "pyfim").fit(baskets)
    rules = miner.rules_
    save_rules(rules, out_dir / "artifacts" / "rules.parquet")
    written = write_rules(store, miner)
    return {"baskets": int(baskets["basket_id"].nunique()), "itemsets": int(len(miner.itemsets_)),
            "rules": int(len(rules)), "rule_edges": int(written.get("FREQUENTLY_BOUGHT_WITH", 0))}


def run_clusters(data: ShopData, cfg: PipelineConfig, store, out_dir: Path) -> dict[str, Any]:
    """Cluster the stored products (text + attribute features) and write Cluster nodes with IN_CLUSTER."""
    from kgmine.mine.clusters import ProductClusterer, adjusted_rand
    from kgmine.mine.writeback import write_clusters

    cc = cfg.mine.clusters
    clusterer = ProductClusterer(method=cc.method, n_clusters=cc.n_clusters, text=cc.text, random_state=cfg.seed,
                                 progress=not progress_disabled())
    clusterer.fit(store)
    assignments = clusterer.labels_
    labels = clusterer.clusters_.set_index("cluster")["label"] if "label" in clusterer.clusters_ else None
    artifact = assignments.copy()
    if labels is not None:
        artifact["label"] = artifact["cluster"].map(labels)
    artifact.to_parquet(out_dir / "artifacts" / "clusters.parquet")
    np.save(out_dir / "artifacts" / "cluster_features.npy", np.asarray(clusterer.features_, dtype=np.float32))
    write_clusters(store, clusterer)
    out: dict[str, Any] = {"clusters": int(clusterer.n_clusters_), "silhouette": float(clusterer.silhouette_)}
    if "product_attributes" in data.truth:
        truth = data.truth["product_attributes"].set_index("product_id")["category"]
        labels = assignments.set_index(assignments["product_id"].astype(str))["cluster"]
        out["cluster_ari_vs_category"] = adjusted_rand(labels, truth)
    return out


def run_analytics(store) -> dict[str, Any]:
    """PageRank, degree, components and communities on the product graph, written to the store."""
    from kgmine.mine.analytics import analyse_store

    return analyse_store(store)


def run_recommender(data: ShopData, cfg: PipelineConfig, store, out_dir: Path) -> dict[str, Any]:
    """Train the configured GNN recommender, evaluate it beside popularity, write top-K to the store."""
    from kgmine.recommend.pipeline import train_and_recommend

    return train_and_recommend(data, cfg.recommend, store=store, out_dir=out_dir, seed=cfg.seed,
                               progress=not progress_disabled())
