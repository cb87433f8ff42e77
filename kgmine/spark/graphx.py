"""PageRank and connected components with GraphX (ships inside pyspark), driven through py4j.

GraphFrames is not used (it is a separate package); GraphX's Scala API is reached from Python
through the SparkContext's JVM gateway: the edges are written as a text edge list with Spark,
``GraphLoader.edgeListFile`` builds the graph, ``GraphOps.staticPageRank`` and
``GraphOps.connectedComponents`` run on it, and the vertex tables are saved as text and read back
with Spark. Every path is a Spark path (``workdir``), so on a cluster give a shared one (HDFS, S3).

Semantics, for an undirected graph given as index pairs ``(src, dst)`` over ``n`` nodes:

* PageRank (Brin & Page 1998), unweighted, damping ``d`` (GraphX's reset probability is ``1 - d``),
  ``iterations`` power steps. GraphX's ranks sum to the number of vertices; they are divided by it
  so they sum to 1 as networkx's. Equal to ``networkx.pagerank`` (uniform teleport) on graphs where
  every node has an edge; GraphX does not know isolated nodes (they are not in an edge list), so
  their rank is NaN here.
* connected components: GraphX labels each vertex with the least vertex id of its component; the
  labels are renumbered so component 0 is the largest (as :mod:`kgmine.mine.analytics`). Isolated
  nodes are their own components.
* communities (``communities=True``): GraphX's label propagation (Raghavan, Albert & Kumara 2007;
  ``graphx.lib.LabelPropagation``, synchronous, ``lpa_steps`` supersteps), renumbered so community 0
  is the largest; isolated nodes are their own communities.
"""
from __future__ import annotations

import tempfile
import uuid
from typing import Any

import numpy as np
import pandas as pd

from kgmine.mine.partition import rank_labels
from kgmine.spark.session import spark_session


def graphx_analytics(src: Any, dst: Any, n: int, damping: float = 0.85, iterations: int = 100,
                     workdir: str | None = None, master: str | None = None, communities: bool = False,
                     lpa_steps: int = 10) -> pd.DataFrame:
    """``node`` (0..n-1), ``pagerank`` and ``component`` (and ``community`` when ``communities``) of the
    undirected graph of the edge pairs."""
    src = np.asarray(src, dtype=np.int64)
    dst = np.asarray(dst, dtype=np.int64)
    if len(src) != len(dst) or (len(src) and (min(src.min(), dst.min()) < 0 or max(src.max(), dst.max()) >= n)):
        raise ValueError(f"edges must be pairs of node indices in [0, {n})")
    if not 0 < damping < 1:
        raise ValueError(f"damping must be in (0, 1), not {damping}")
    spark = spark_session(master)
    base = (workdir or tempfile.mkdtemp(prefix="kgmine-graphx-")).rstrip("/") + "/" + uuid.uuid4().hex
    ranks, labels, lpa = _run_graphx(spark, src, dst, base, damping, iterations, lpa_steps if communities else 0)
    pagerank = np.full(n, np.nan)
    pagerank[ranks.index.to_numpy()] = ranks.to_numpy() / len(ranks) if len(ranks) else []
    out = pd.DataFrame({"node": np.arange(n), "pagerank": pagerank,
                        "component": rank_labels(_per_node(labels, n))})
    if communities:
        out["community"] = rank_labels(_per_node(lpa, n))
    return out


def _per_node(labels: pd.Series, n: int) -> np.ndarray:
    """A vertex-id -> label Series as an array over 0..n-1; vertices GraphX never saw (isolated) keep their
    own index as label (GraphX's labels are vertex ids too)."""
    out = np.arange(n, dtype=np.int64)
    out[labels.index.to_numpy()] = labels.to_numpy()
    return out


def _run_graphx(spark: Any, src: np.ndarray, dst: np.ndarray, base: str, damping: float,
                iterations: int, lpa_steps: int = 0) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(rank, least vertex id of its component, label-propagation label) per vertex id from GraphX; the
    last is empty when ``lpa_steps`` is 0."""
    keep = src != dst
    pairs = pd.DataFrame({"a": np.concatenate([src[keep], dst[keep]]), "b": np.concatenate([dst[keep], src[keep]])})
    pairs = pairs.drop_duplicates()
    if pairs.empty:
        return pd.Series(dtype=float), pd.Series(dtype=np.int64), pd.Series(dtype=np.int64)
    lines = spark.createDataFrame(pairs.assign(value=pairs["a"].astype(str) + "\t" + pairs["b"].astype(str))[["value"]])
    lines.write.mode("overwrite").text(base + "/edges")
    sc = spark.sparkContext
    jvm = sc._jvm
    level = jvm.org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK()
    graph = jvm.org.apache.spark.graphx.GraphLoader.edgeListFile(
        sc._jsc.sc(), base + "/edges", False, sc.defaultParallelism, level, level)
    graph.ops().staticPageRank(int(iterations), 1.0 - damping).vertices().saveAsTextFile(base + "/pagerank")
    graph.ops().connectedComponents().vertices().saveAsTextFile(base + "/components")
    lpa = pd.Series(dtype=np.int64)
    if lpa_steps:
        runner = getattr(jvm.org.apache.spark.graphx.lib, "LabelPropagation$").__getattr__("MODULE$")
        int_tag = getattr(jvm.scala.reflect, "ClassTag$").__getattr__("MODULE$").Int()
        runner.run(graph, int(lpa_steps), int_tag).vertices().saveAsTextFile(base + "/communities")
        lpa = _read_pairs(spark, base + "/communities", np.int64)
    return _read_pairs(spark, base + "/pagerank", float), _read_pairs(spark, base + "/components", np.int64), lpa


def _read_pairs(spark: Any, path: str, kind: type) -> pd.Series:
    """A GraphX ``(id,value)`` text output as a Series indexed by vertex id."""
    frame = spark.read.text(path).toPandas()
    parts = frame["value"].str.strip("()").str.split(",", n=1, expand=True)
    return pd.Series(parts[1].astype(kind).to_numpy(), index=parts[0].astype(np.int64).to_numpy())


__all__ = ["graphx_analytics"]
