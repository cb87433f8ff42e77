"""Frequent itemsets with MLlib's FP-growth (Li et al., "PFP: parallel FP-growth for query
recommendation", RecSys 2008), as ``(items, count)`` pairs for :mod:`kgmine.mine.rules`.

Only the itemsets are mined on Spark; the rules and their measures are derived from them by the
same :func:`kgmine.mine.rules.derive_rules` as for pyfim, so ``AssociationRules(engine="spark")``
has the same columns and, given the same itemsets, the same rows. MLlib's minimum count is
``ceil(minSupport * N)``; passing ``(min_count - 0.5) / N`` makes it exactly ``min_count`` whatever
the float error. Items travel as integer codes (Spark needs one element type and distinct items per
basket) and are mapped back to the original objects, so ``bytes`` items from files come back as
they went in.
"""
from __future__ import annotations

from typing import Any

from kgmine.spark.session import spark_session


def mine_itemsets_spark(transactions: list[list[Any]], min_count: int, max_len: int | None = None,
                        master: str | None = None, partitions: int | None = None) -> list[tuple[tuple, int]]:
    """Every itemset in at least ``min_count`` of ``transactions`` (at most ``max_len`` items)."""
    if not transactions:
        return []
    spark = spark_session(master)
    from pyspark.ml.fpm import FPGrowth
    from pyspark.sql.types import ArrayType, IntegerType, StructField, StructType

    code_of: dict[Any, int] = {}
    coded = [[code_of.setdefault(item, len(code_of)) for item in dict.fromkeys(basket)] for basket in transactions]
    items = list(code_of)
    schema = StructType([StructField("items", ArrayType(IntegerType(), containsNull=False), False)])
    n_parts = partitions or spark.sparkContext.defaultParallelism
    frame = spark.createDataFrame([(b,) for b in coded], schema).repartition(n_parts)
    model = FPGrowth(itemsCol="items", minSupport=(min_count - 0.5) / len(coded), minConfidence=1.0,
                     numPartitions=n_parts).fit(frame)
    found = model.freqItemsets
    if max_len is not None:
        from pyspark.sql import functions as F

        found = found.where(F.size("items") <= int(max_len))
    return [(tuple(items[c] for c in row["items"]), int(row["freq"])) for row in found.toLocalIterator()]


__all__ = ["mine_itemsets_spark"]
