"""Running kgmine's stages on Apache Spark (the optional ``spark`` extra).

The seam is one choice per stage, ``engine="spark"``, never a second toolkit: the Spark code
computes the same tables (itemsets, ranks, components) and hands them to the same in-process code
that derives and writes the results. :mod:`kgmine.spark.session` makes the one shared SparkSession
(master from ``--spark-master`` / ``KGMINE_SPARK_MASTER``, default ``local[*]``);
:mod:`kgmine.spark.fpgrowth` mines itemsets with MLlib's FP-growth; :mod:`kgmine.spark.graphx`
runs PageRank and connected components with GraphX through py4j.

Nothing here imports pyspark at module import: without the extra, asking for the Spark engine
fails with one line that says ``pip install "kgmine[spark]"``.
"""
from kgmine.spark.session import INSTALL_HINT, SparkMissing, master_url, spark_session

__all__ = ["INSTALL_HINT", "SparkMissing", "master_url", "spark_session"]
