"""Knowledge-graph tables as Spark DataFrames: to Parquet, and into Neo4j from partitions.

:func:`kg_tables_to_spark` turns a :class:`~kgmine.graph.tables.KGTables` into Spark DataFrames
(one per node label and per edge key); :func:`write_parquet` saves them under one directory
(``nodes/<Label>``, ``edges/<TYPE>__<Src>__<Dst>``); :func:`load_ladybug_parquet` loads such a directory
into the embedded store (its bulk ``COPY`` path, idempotent).

:func:`load_neo4j_spark` writes them into Neo4j through the store contract
(:meth:`Neo4jStore.upsert_nodes` / :meth:`~Neo4jStore.upsert_edges`: batched ``UNWIND`` / ``MERGE``
on the node ids, parameterised, idempotent): node tables are deduplicated on ``id`` and hash-partitioned
by it, so no two partitions MERGE the same node and they can write in parallel; every relationship
table is written from one partition, because two transactions that MERGE relationships on a shared
node take that node's lock in different orders and deadlock (measured: two partitions hit
DeadlockDetected). This is the connector's own advice; the production path is the Neo4j Connector for
Apache Spark (``format("org.neo4j.spark.DataSource")``, ``labels=":Product"``,
``node.keys="id"``, ``mode("Overwrite")`` gives MERGE on the keys; relationships with
``relationship.save.strategy=keys``, ``relationship.source.save.mode=Match`` and
``relationship.target.save.mode=Match``, ``coalesce(1)``), not obtainable on this machine.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import pandas as pd

EdgeKey = tuple[str, str, str]


def kg_tables_to_spark(tables: Any, master: str | None = None) -> tuple[dict[str, Any], dict[EdgeKey, Any]]:
    """``(nodes, edges)``: Spark DataFrames of the non-empty tables of ``tables`` (a KGTables)."""
    from kgmine.spark.session import spark_session

    spark = spark_session(master)
    nodes = {label: _spark_frame(spark, frame) for label, frame in tables.nodes.items() if len(frame)}
    edges = {key: _spark_frame(spark, table.frame) for key, table in tables.edges.items() if len(table.frame)}
    return nodes, edges


def _spark_frame(spark: Any, frame: pd.DataFrame) -> Any:
    """``frame`` as a Spark DataFrame with the schema of its Arrow form (an all-null column as string,
    since Parquet has no null type)."""
    import pyarrow as pa
    from pyspark.sql.pandas.types import from_arrow_schema

    arrow = pa.Table.from_pandas(frame, preserve_index=False)
    fields = [pa.field(f.name, pa.string()) if pa.types.is_null(f.type) else f for f in arrow.schema]
    arrow = arrow.cast(pa.schema(fields))
    return spark.createDataFrame(arrow.to_pandas(), schema=from_arrow_schema(arrow.schema))


def write_parquet(nodes: Mapping[str, Any], edges: Mapping[EdgeKey, Any], path: str) -> list[str]:
    """Write every table as Parquet under ``path`` (any Spark path); returns the table directories."""
    path = path.rstrip("/")
    written = []
    for label, frame in nodes.items():
        frame.write.mode("overwrite").parquet(f"{path}/nodes/{label}")
        written.append(f"{path}/nodes/{label}")
    for (type_, src, dst), frame in edges.items():
        frame.write.mode("overwrite").parquet(f"{path}/edges/{type_}__{src}__{dst}")
        written.append(f"{path}/edges/{type_}__{src}__{dst}")
    return written


def _writer(settings: dict[str, Any], label: str | None = None, key: EdgeKey | None = None):
    def run(batches):
        from kgmine.graph.stores.neo4j_store import Neo4jStore

        store = Neo4jStore(**settings, progress=False)
        try:
            for batch in batches:
                n = store.upsert_nodes(label, batch) if key is None else store.upsert_edges(*key, batch)
                yield pd.DataFrame({"rows": [int(n)]})
        finally:
            store.close()
    return run


def load_neo4j_spark(nodes: Mapping[str, Any], edges: Mapping[EdgeKey, Any], settings: Mapping[str, Any],
                     node_partitions: int = 2, batch_size: int = 5000) -> dict[str, int]:
    """MERGE the tables into the Neo4j server of ``settings`` (uri, user, password, database); rows written
    per label / relationship type. Creates the schema first (constraints: MERGE on ``id`` is indexed)."""
    from pyspark.sql import functions as F

    from kgmine.graph.stores.neo4j_store import Neo4jStore

    settings = {**{k: v for k, v in settings.items() if v is not None}, "batch_size": int(batch_size)}
    driver_store = Neo4jStore(**settings, progress=False)
    try:
        driver_store.create_schema()
    finally:
        driver_store.close()
    counts: dict[str, int] = {}
    for label, frame in nodes.items():
        parts = frame.dropDuplicates(["id"]).repartition(int(node_partitions), "id")
        out = parts.mapInPandas(_writer(settings, label=label), "rows long").agg(F.sum("rows")).first()[0]
        counts[label] = counts.get(label, 0) + int(out or 0)
    for key, frame in edges.items():
        out = frame.coalesce(1).mapInPandas(_writer(settings, key=key), "rows long").agg(F.sum("rows")).first()[0]
        counts[key[0]] = counts.get(key[0], 0) + int(out or 0)
    return counts


def read_parquet_tables(path: str | Path) -> Any:
    """The :class:`~kgmine.graph.tables.KGTables` of a directory written by :func:`write_parquet` (a local
    path: the embedded store lives on one machine). Spark's part files of a table are read as one
    (pyarrow dataset); unknown labels or types raise the schema's error naming them."""
    import pyarrow.dataset as ds

    from kgmine.graph.tables import KGTables

    root = Path(path)
    if not (root / "nodes").is_dir() and not (root / "edges").is_dir():
        raise FileNotFoundError(f"{root}: no nodes/ or edges/ folder (not written by write_parquet)")
    tables = KGTables()
    for folder in sorted((root / "nodes").glob("*")) if (root / "nodes").is_dir() else []:
        tables.add_nodes(folder.name, _read_table(ds, folder))
    for folder in sorted((root / "edges").glob("*")) if (root / "edges").is_dir() else []:
        parts = folder.name.split("__")
        if len(parts) != 3:
            raise ValueError(f"{folder}: edge folders are named TYPE__Src__Dst")
        tables.add_edges(*parts, _read_table(ds, folder))
    return tables


def _read_table(ds: Any, folder: Path) -> pd.DataFrame:
    files = sorted(str(f) for f in folder.glob("*.parquet"))
    if not files:
        raise FileNotFoundError(f"{folder}: no .parquet part files")
    return ds.dataset(files, format="parquet").to_table().to_pandas()


def load_ladybug_parquet(store: Any, path: str | Path, progress: bool = True) -> dict[str, int]:
    """Load the Parquet tables of :func:`write_parquet` into an embedded LadybugDB store: read with pyarrow
    and written by :meth:`LadybugStore.load` (one transaction; new rows go in by ``COPY … FROM`` arrow, the
    store's bulk path, existing ones are diffed), so a re-run changes nothing. Returns the store's counts."""
    tables = read_parquet_tables(path)  # every file is read and checked before the store is touched
    return store.load(tables, progress=progress)


__all__ = ["kg_tables_to_spark", "load_ladybug_parquet", "load_neo4j_spark", "read_parquet_tables", "write_parquet"]
