"""Product and review extraction on Spark: the same spaCy pipeline in ``mapInPandas``, loaded once per worker.

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
from kgmine.extract.batching import PRODUCT_COLUMNS, TEXT_COLUMNS

_LONG = {"start", "end", "head_start", "head_end", "tail_start", "tail_end"}
_DOUBLE = {"confidence", "prior"}
TABLES = {"attributes": PRODUCT_COLUMNS, "relations": RELATION_COLUMNS, "entities": ENTITY_COLUMNS}
#: the review tables: one row per (review, attribute, value) as :attr:`CatalogExtraction.review_mentions`, and
#: the NER mentions of the reviews (``source="review"``)
REVIEW_TABLES = {"review_mentions": ["review_id", *TEXT_COLUMNS[1:]], "entities": ENTITY_COLUMNS}


def _ddl(columns: Sequence[str]) -> str:
    kind = {**{c: "bigint" for c in _LONG}, **{c: "double" for c in _DOUBLE}}
    return ", ".join(f"`{c}` {kind.get(c, 'string')}" for c in columns)


@lru_cache(maxsize=2)
def worker_pipeline(key: str) -> Any:
    """The open extraction pipeline for the JSON ``key`` (brands, vocab, span model), cached per process."""
    from kgmine.extract.open_extractor import build_open_pipeline

    cfg = json.loads(key)
    return build_open_pipeline(brands=cfg["brands"], vocab=cfg["vocab"], span_model=cfg["span_model"])


def _union(tables: dict[str, Sequence[str]]) -> list[str]:
    """The columns of the one tagged frame every partition yields: the table's name, then every table's columns."""
    return ["_table", *dict.fromkeys(c for cols in tables.values() for c in cols)]


_UNION = _union(TABLES)


def _null_column(column: str, n: int) -> Any:
    if column in _LONG:
        return pd.array([pd.NA] * n, dtype="Int64")
    if column in _DOUBLE:
        return pd.Series([float("nan")] * n, dtype=float)
    return pd.Series([None] * n, dtype=object)


def _tagged(out: pd.DataFrame, table: str, tables: dict[str, Sequence[str]] = TABLES) -> pd.DataFrame:
    """``out`` (one table's rows) as rows of the tagged frame of ``tables``: ``_table`` = ``table``, the other
    tables' columns typed nulls."""
    n, union = len(out), _union(tables)
    cols = {"_table": pd.Series([table] * n, dtype=object)}
    for c in union[1:]:
        cols[c] = out[c].reset_index(drop=True) if c in out.columns and c in tables[table] else _null_column(c, n)
    frame = pd.DataFrame(cols)
    # strings as plain objects: pandas' arrow-backed strings concatenate into chunked arrays Spark cannot take
    return frame.astype({**{c: object for c in union if c not in _LONG and c not in _DOUBLE},
                         **{c: "Int64" for c in _LONG if c in frame.columns}})


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


def _review_partition(key: str, batch_size: int):
    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        from kgmine.extract.catalog import _extract_reviews

        nlp = worker_pipeline(key)
        for batch in batches:
            mentions, ents = _extract_reviews(nlp, batch, batch_size, 1, False)
            ents = pd.DataFrame(ents, columns=ENTITY_COLUMNS)
            yield pd.concat([_tagged(mentions, "review_mentions", REVIEW_TABLES),
                             _tagged(ents, "entities", REVIEW_TABLES)], ignore_index=True)
    return run


def extract_reviews_spark(reviews: Any, key: str, batch_size: int = 64, master: str | None = None) -> dict[str, Any]:
    """Spark DataFrames ``{"review_mentions", "entities"}`` of the review texts, extracted in ``mapInPandas`` with
    the pipeline of ``key`` (:func:`extract_products_spark`'s ``"key"``, loaded once per Python worker).

    ``reviews`` is a Spark or pandas DataFrame with ``review_id`` and ``text``. Every row is per review, so
    partitioning by review gives the rows of the in-process extractor. One cached pass, as for products.
    """
    from kgmine.spark.session import spark_session

    spark = spark_session(master)
    if isinstance(reviews, pd.DataFrame):
        for col in ("review_id", "text"):
            if col not in reviews.columns:
                raise ValueError(f"extract_reviews_spark: reviews has no {col!r} column")
        texts = pd.DataFrame({"review_id": [str(i) for i in reviews["review_id"]],
                              "text": [t if isinstance(t, str) else None for t in reviews["text"]]})
        reviews = spark.createDataFrame(texts, schema="review_id string, text string")
    elif not {"review_id", "text"} <= set(reviews.columns):
        raise ValueError("extract_reviews_spark: reviews needs 'review_id' and 'text' columns")
    tagged = (reviews.select("review_id", "text")
              .mapInPandas(_review_partition(key, batch_size), schema=_ddl(_union(REVIEW_TABLES))).cache())
    return {t: tagged.where(tagged["_table"] == t).select(*REVIEW_TABLES[t]) for t in REVIEW_TABLES}


def extract_catalog_spark(products: pd.DataFrame, reviews: pd.DataFrame | None = None,
                          span_model: str | None = "default", batch_size: int = 64,
                          master: str | None = None) -> Any:
    """:func:`kgmine.extract.catalog.extract_catalog` with the product and review texts extracted on Spark
    (:func:`extract_products_spark`, :func:`extract_reviews_spark`), collected into the same pandas
    :class:`CatalogExtraction`."""
    from kgmine.extract.catalog import CatalogExtraction, catalog_brands

    tables = extract_products_spark(products, span_model=span_model, master=master)
    frames = {t: tables[t].toPandas() for t in TABLES}
    for t, frame in frames.items():
        frames[t] = frame.astype({c: "Int64" for c in _LONG if c in frame.columns and t == "relations"})
    mentions = None
    if reviews is not None and len(reviews):
        review_tables = extract_reviews_spark(reviews, tables["key"], batch_size=batch_size, master=master)
        mentions = review_tables["review_mentions"].toPandas()
        mentions = mentions.astype({"start": "int64", "end": "int64"})
        frames["entities"] = pd.concat([frames["entities"], review_tables["entities"].toPandas()], ignore_index=True)
    return CatalogExtraction(attributes=frames["attributes"], relations=frames["relations"],
                             entities=frames["entities"], review_mentions=mentions, brands=catalog_brands(products))


__all__ = ["REVIEW_TABLES", "TABLES", "extract_catalog_spark", "extract_products_spark", "extract_reviews_spark",
           "worker_pipeline"]
