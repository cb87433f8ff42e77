"""Product extraction on Spark: the same spaCy pipeline in ``mapInPandas``, loaded once per worker.

The catalog-wide inputs of the pipeline (the induced brands and the catalog's own brand column,
:func:`kgmine.extract.catalog.catalog_brands`) are computed once on the driver from the
``product_id`` / ``title`` / ``brand`` columns; each partition then runs
:func:`kgmine.extract.catalog.extract_catalog` with the pipeline from :func:`worker_pipeline`.
That loader lives in this importable module behind ``lru_cache``: a function's own global would
be pickled with the function and re-loaded for every partition, while a module-level cache lives
as long as the Python worker (``spark.python.worker.reuse=true``, set by
:func:`kgmine.spark.session.spark_session`). Every table is per product, so partitioning by product
gives the same rows as the in-process extractor.
"""
from __future__ import annotations

import json
from functools import lru_cache
from typing import Any, Iterator, Sequence

import pandas as pd

from kgmine.extract.catalog import ENTITY_COLUMNS, RELATION_COLUMNS
from kgmine.extract.batching import PRODUCT_COLUMNS

_LONG = {"start", "end", "head_start", "head_end", "tail_start", "tail_end"}
_DOUBLE = {"confidence", "prior"}
TABLES = {"attributes": PRODUCT_COLUMNS, "relations": RELATION_COLUMNS, "entities": ENTITY_COLUMNS}


def _ddl(columns: Sequence[str]) -> str:
    kind = {**{c: "bigint" for c in _LONG}, **{c: "double" for c in _DOUBLE}}
    return ", ".join(f"`{c}` {kind.get(c, 'string')}" for c in columns)


@lru_cache(maxsize=2)
def worker_pipeline(key: str) -> Any:
    """The open extraction pipeline for the JSON ``key`` (brands, vocab, span model), cached per process."""
    from kgmine.extract.open_extractor import build_open_pipeline

    cfg = json.loads(key)
    return build_open_pipeline(brands=cfg["brands"], vocab=cfg["vocab"], span_model=cfg["span_model"])


#: the columns of the one tagged frame every partition yields: the table's name, then every table's columns
_UNION = ["_table", *dict.fromkeys(c for cols in TABLES.values() for c in cols)]


def _null_column(column: str, n: int) -> Any:
    if column in _LONG:
        return pd.array([pd.NA] * n, dtype="Int64")
    if column in _DOUBLE:
        return pd.Series([float("nan")] * n, dtype=float)
    return pd.Series([None] * n, dtype=object)


def _tagged(out: pd.DataFrame, table: str) -> pd.DataFrame:
    """``out`` (one table's rows) as rows of the tagged frame: ``_table`` = ``table``, the other tables'
    columns typed nulls."""
    n = len(out)
    cols = {"_table": pd.Series([table] * n, dtype=object)}
    for c in _UNION[1:]:
        cols[c] = out[c].reset_index(drop=True) if c in out.columns and c in TABLES[table] else _null_column(c, n)
    frame = pd.DataFrame(cols)
    # strings as plain objects: pandas' arrow-backed strings concatenate into chunked arrays Spark cannot take
    return frame.astype({**{c: object for c in _UNION if c not in _LONG and c not in _DOUBLE},
                         **{c: "Int64" for c in _LONG}})


def _partition(key: str, fields: list[str], tables: Sequence[str]):
    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        from kgmine.extract.catalog import extract_catalog

        nlp = worker_pipeline(key)
        for batch in batches:
            result = extract_catalog(batch, nlp=nlp, fields=fields, progress=False)
            yield pd.concat([_tagged(getattr(result, t), t) for t in tables], ignore_index=True)
    return run


def extract_products_spark(products: Any, tables: Sequence[str] = ("attributes", "relations", "entities"),
                           span_model: str | None = "default", fields: Sequence[str] = ("title", "description"),
                           master: str | None = None) -> dict[str, Any]:
    """Spark DataFrames ``{table: frame}`` of the product tables of :class:`~kgmine.extract.catalog.CatalogExtraction`
    (and ``"key"``: the :func:`worker_pipeline` key of the pipeline used). The tables are views of one cached
    extraction pass (``unpersist`` the frames' source when done with a large catalog).

    ``products`` is a Spark DataFrame or a pandas one (distributed here) with ``product_id`` and the
    text ``fields``.
    """
    from kgmine.extract.catalog import _known_brands, catalog_brands
    from kgmine.extract.open_extractor import default_span_model
    from kgmine.spark.session import spark_session

    spark = spark_session(master)
    frame = products if not isinstance(products, pd.DataFrame) else spark.createDataFrame(products.astype(
        {c: "string" for c in products.columns if products[c].dtype == object or str(products[c].dtype) == "str"}))
    if "product_id" not in frame.columns:
        raise ValueError("extract_products_spark: products has no 'product_id' column")
    fields = [f for f in fields if f in frame.columns]
    driver_cols = [c for c in ("product_id", "title", "description", "brand") if c in frame.columns]
    catalog = frame.select(*driver_cols).toPandas()
    span = str(default_span_model()) if span_model == "default" and default_span_model() else span_model
    key = json.dumps({"brands": catalog_brands(catalog), "vocab": _known_brands(catalog),
                      "span_model": None if span is None else str(span)}, sort_keys=True)
    texts = frame.select("product_id", *fields)
    # one extraction pass: every partition yields all tables' rows tagged by table; the frame is cached, so
    # collecting the tables one after another runs spaCy once (not once per table)
    tagged = texts.mapInPandas(_partition(key, fields, list(tables)), schema=_ddl(_UNION)).cache()
    out = {t: tagged.where(tagged["_table"] == t).select(*TABLES[t]) for t in tables}
    out["key"] = key
    return out


def extract_catalog_spark(products: pd.DataFrame, reviews: pd.DataFrame | None = None,
                          span_model: str | None = "default", batch_size: int = 64,
                          master: str | None = None) -> Any:
    """:func:`kgmine.extract.catalog.extract_catalog` with the product texts extracted on Spark.

    The product tables are collected into the same pandas :class:`CatalogExtraction`; reviews (far
    fewer texts per shop in the pipelines here) are extracted on the driver with the same pipeline.
    """
    from kgmine.extract.catalog import CatalogExtraction, _extract_reviews, catalog_brands

    tables = extract_products_spark(products, span_model=span_model, master=master)
    frames = {t: tables[t].toPandas() for t in TABLES}
    for t, frame in frames.items():
        frames[t] = frame.astype({c: "Int64" for c in _LONG if c in frame.columns and t == "relations"})
    mentions = None
    if reviews is not None and len(reviews):
        mentions, review_ents = _extract_reviews(worker_pipeline(tables["key"]), reviews, batch_size, 1, False)
        frames["entities"] = pd.concat([frames["entities"], pd.DataFrame(review_ents, columns=TABLES["entities"])],
                                       ignore_index=True)
    return CatalogExtraction(attributes=frames["attributes"], relations=frames["relations"],
                             entities=frames["entities"], review_mentions=mentions, brands=catalog_brands(products))


__all__ = ["TABLES", "extract_catalog_spark", "extract_products_spark", "worker_pipeline"]
