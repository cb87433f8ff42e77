"""The behaviour part of the knowledge graph built on Spark: User nodes and BOUGHT / RATED / VIEWED edges.

Interactions are the table that outgrows one machine first (billions of events against millions of
products), so this is the part of :func:`kgmine.graph.build.build_tables` that runs on Spark; the catalog
side (products, categories, brands, attribute values, text edges) is per product and stays in-process.
The semantics are those of ``build_tables``: one edge per (user, product) and event, carrying the
properties of the latest event (ties broken by input order, as the stable sort there), and on BOUGHT the
number of purchase events in ``purchases``. The frames have ``id`` / ``src`` / ``dst`` plus exactly the
schema's properties of the label or type (:mod:`kgmine.graph.schema`), ready for
:func:`kgmine.spark.graph_load.write_parquet` or :func:`~kgmine.spark.graph_load.load_neo4j_spark`.
"""
from __future__ import annotations

from typing import Any

import pandas as pd

from kgmine.graph.build import EVENT_REL
from kgmine.graph.schema import node_type, rel_type

#: the interaction events that become one edge per (user, product), and their relationship types (reviews
#: join the review table, in-process)
EVENT_TYPES = {event: EVENT_REL[event] for event in ("bought", "rated", "viewed")}
_SPARK_TYPES = {"STRING": "string", "INT64": "bigint", "DOUBLE": "double"}


def _spark_frame(spark: Any, frame: Any, columns: list[str]) -> Any:
    """``frame`` (Spark or pandas) as a Spark DataFrame with a ``_row`` column of the input order."""
    from pyspark.sql import functions as F

    if isinstance(frame, pd.DataFrame):
        kinds = {c: ("bigint" if c == "timestamp" else "double" if c == "rating" else "string") for c in columns}
        cast = {"bigint": int, "double": float, "string": str}
        data = {c: [None if pd.isna(v) else cast[kinds[c]](v) for v in frame[c]] for c in columns}
        frame = spark.createDataFrame(pd.DataFrame(data, dtype=object),
                                      schema=", ".join(f"`{c}` {k}" for c, k in kinds.items()))
    return frame.withColumn("_row", F.monotonically_increasing_id())


def _typed_columns(frame: Any, properties: dict[str, str]) -> list[Any]:
    from pyspark.sql import functions as F

    return [(F.col(p) if p in frame.columns else F.lit(None)).cast(_SPARK_TYPES[t]).alias(p)
            for p, t in properties.items()]


def interaction_tables_spark(interactions: Any, users: Any = None, review_users: Any = None, source: str = "",
                             master: str | None = None) -> dict[Any, Any]:
    """``{"User": nodes, ("BOUGHT", "User", "Product"): edges, ...}`` as Spark DataFrames.

    ``interactions`` (Spark or pandas) has ``user_id``, ``product_id``, ``event``, ``timestamp`` and any
    of the edge properties (``rating``, ``basket_id``, ``split``); ``users`` / ``review_users`` are extra
    frames with a ``user_id`` column whose users become nodes too (``source`` is their ``source``).
    Events other than bought / rated / viewed are left to the in-process builder (reviews join the review table).
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    from kgmine.spark.session import spark_session

    spark = spark_session(master)
    need = ["user_id", "product_id", "event", "timestamp"]
    present = list(interactions.columns)
    missing = [c for c in need if c not in present]
    if missing:
        raise ValueError(f"interaction_tables_spark: interactions has no {missing[0]!r} column")
    props = [c for c in ("rating", "basket_id", "split") if c in present]
    events = _spark_frame(spark, interactions, need + props)
    out: dict[Any, Any] = {}
    ids = events.select(F.col("user_id").cast("string").alias("id"))
    for extra in (users, review_users):
        if extra is not None and len(extra.columns) and "user_id" in extra.columns:
            # a missing id is no user (as build_tables' dropna), not the string "nan"
            extra_frame = spark.createDataFrame(extra[["user_id"]].dropna().astype(str), schema="user_id string") \
                if isinstance(extra, pd.DataFrame) else extra.select("user_id")
            ids = ids.unionByName(extra_frame.select(F.col("user_id").cast("string").alias("id")))
    user_props = node_type("User").properties
    out["User"] = ids.where(F.col("id").isNotNull()).distinct().select(
        "id", *[F.lit(source if p == "source" else None).cast(_SPARK_TYPES[t]).alias(p) for p, t in user_props.items()])
    pair = Window.partitionBy("src", "dst")
    latest = pair.orderBy(F.col("timestamp").desc_nulls_first(), F.col("_row").desc())
    base = events.select(F.col("user_id").cast("string").alias("src"), F.col("product_id").cast("string").alias("dst"),
                         "event", "timestamp", "_row", *props).where(F.col("src").isNotNull() & F.col("dst").isNotNull())
    present_events = {r["event"] for r in base.select("event").distinct().collect()}
    for event, rel in EVENT_TYPES.items():
        if event not in present_events:  # as build_tables: no table for an event the data does not hold
            continue
        rows = base.where(F.col("event") == event)
        if event == "bought":
            rows = rows.withColumn("purchases", F.count(F.lit(1)).over(pair))
        rows = rows.withColumn("_rank", F.row_number().over(latest)).where(F.col("_rank") == 1)
        out[(rel, "User", "Product")] = rows.select("src", "dst", *_typed_columns(rows, rel_type(rel).properties))
    return out


__all__ = ["EVENT_TYPES", "interaction_tables_spark"]
