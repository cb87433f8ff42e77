"""Mining results as knowledge-graph tables, and written back to a graph store.

Each ``*_tables`` function turns a fitted miner into a :class:`~kgmine.graph.tables.KGTables`
fragment (the schema's own node and edge tables), so the same result loads into LadybugDB, Neo4j,
networkx or PyG:

* association rules -> ``(:Product)-[:FREQUENTLY_BOUGHT_WITH {support, confidence, lift, leverage,
  conviction}]->(:Product)``, one edge per pairwise rule (one antecedent item, one consequent item);
* clusters -> ``(:Cluster {id, method, label, size})`` and ``(:Product|User)-[:IN_CLUSTER {score}]->``;
* graph analytics -> ``Product`` properties ``pagerank``, ``degree``, ``betweenness``, ``component``,
  and ``(:Community {id, method, size})`` with ``(:Product)-[:IN_COMMUNITY]->``.

:func:`write_tables` upserts a fragment into a store. A re-run replaces what the previous run of the
same miner wrote (old rule edges, old clusters and communities of that run name are deleted first),
so repeated runs leave counts unchanged. Every change goes through the store's own methods
(``delete_edges``, ``delete_nodes``, ``upsert_*``) in one :meth:`~kgmine.graph.stores.base.GraphStore.transaction`,
the same on LadybugDB and Neo4j.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kgmine.graph.schema import check_identifier
from kgmine.graph.stores.base import GraphStore
from kgmine.graph.tables import KGTables

RULE_METRICS = ["support", "confidence", "lift", "leverage", "conviction"]


def rules_edges(rules: Any, min_lift: float | None = None) -> pd.DataFrame:
    """FREQUENTLY_BOUGHT_WITH edges (src, dst, support, confidence, lift, leverage, conviction) from the
    pairwise rules of a fitted :class:`~kgmine.mine.rules.AssociationRules` or a rules DataFrame.

    ``min_lift`` keeps only rules at or above that lift (e.g. 1.0 drops negatively associated pairs).
    """
    frame = rules.rules_ if hasattr(rules, "rules_") else rules
    pair = (frame["antecedent"].map(len) == 1) & (frame["consequent"].map(len) == 1)
    frame = frame[pair]
    if min_lift is not None:
        frame = frame[frame["lift"] >= min_lift]
    edges = pd.DataFrame({"src": frame["antecedent"].map(lambda t: str(t[0])).astype("string"),
                          "dst": frame["consequent"].map(lambda t: str(t[0])).astype("string")})
    for metric in RULE_METRICS:
        edges[metric] = frame[metric].to_numpy(dtype=np.float64)
    return edges.reset_index(drop=True)


def rules_tables(rules: Any, min_lift: float | None = None) -> KGTables:
    """A KGTables fragment with the FREQUENTLY_BOUGHT_WITH edges of :func:`rules_edges`."""
    tables = KGTables()
    edges = rules_edges(rules, min_lift)
    if len(edges):
        tables.add_edges("FREQUENTLY_BOUGHT_WITH", "Product", "Product", edges)
    return tables


def cluster_tables(clusterer: Any, run: str | None = None) -> KGTables:
    """Cluster nodes and IN_CLUSTER edges of a fitted Product- or UserClusterer.

    Cluster ids are ``"<scope>:<run>:<cluster>"`` (e.g. ``product:kmeans:3``); ``run`` defaults to the
    method name. Noise points (HDBSCAN label -1) get no edge.
    """
    scope = clusterer.scope
    label = {"product": "Product", "user": "User"}[scope]
    run = check_identifier(run or clusterer.method, "run name")
    clusters = clusterer.clusters_
    ids = f"{scope}:{run}:" + clusters["cluster"].astype(str)
    tables = KGTables()
    tables.add_nodes("Cluster", pd.DataFrame({"id": ids, "method": clusterer.method,
                                              "label": clusters["label"], "size": clusters["size"]}))
    members = clusterer.labels_[clusterer.labels_["cluster"] >= 0]
    tables.add_edges("IN_CLUSTER", label, "Cluster", pd.DataFrame({
        "src": members[f"{scope}_id"], "dst": f"{scope}:{run}:" + members["cluster"].astype(str),
        "score": members["score"]}))
    return tables


def analytics_tables(analytics: Any) -> KGTables:
    """Product measures and Community nodes / IN_COMMUNITY edges of a fitted GraphAnalytics.

    The Product table holds only ``id`` and the four measures (``degree`` = distinct neighbours);
    stores update just those properties. Communities smaller than ``min_community_size`` get no node.
    """
    nodes = analytics.nodes_
    method = analytics.community
    tables = KGTables()
    tables.nodes["Product"] = pd.DataFrame({
        "id": nodes["product_id"].astype("string"), "pagerank": nodes["pagerank"].astype("float64"),
        "degree": nodes["degree"].astype("Int64"), "betweenness": nodes["betweenness"].astype("float64"),
        "component": nodes["component"].astype("Int64")})
    big = analytics.communities_[analytics.communities_["size"] >= analytics.min_community_size]
    if len(big):
        tables.add_nodes("Community", pd.DataFrame({"id": f"{method}:" + big["community"].astype(str),
                                                    "method": method, "size": big["size"]}))
        members = nodes[nodes["community"].isin(big["community"])]
        tables.add_edges("IN_COMMUNITY", "Product", "Community", pd.DataFrame({
            "src": members["product_id"], "dst": f"{method}:" + members["community"].astype(str)}))
    return tables


def _known_ids(store: GraphStore, label: str) -> set[str]:
    frame = store.query(f"MATCH (n:{check_identifier(label, 'label')}) RETURN n.id AS id")
    return set(frame["id"].astype(str)) if len(frame) else set()


def write_tables(store: GraphStore, tables: KGTables, replace: dict[str, Any] | None = None,
                 skip_unknown: bool = True) -> dict[str, int]:
    """Upsert a mining fragment into ``store`` in one transaction; returns rows written per node label / edge type.

    ``replace`` removes the previous run's results first: ``{"edges": [(type, src, dst), ...]}``
    deletes those edge types, ``{"nodes": [(label, property, value), ...]}`` detaches and deletes the
    nodes whose ``property`` equals ``value`` (e.g. the Community nodes of one method). With
    ``skip_unknown`` (default), edges and property rows whose products or users are not in the store
    are dropped (and counted under ``"skipped"``) instead of failing the write. The deletions and the
    upserts are one transaction: a failure leaves the store as it was.
    """
    replace = replace or {}
    store.create_schema()
    with store.transaction():
        return _write_tables(store, tables, replace, skip_unknown)


def _write_tables(store: GraphStore, tables: KGTables, replace: dict[str, Any], skip_unknown: bool) -> dict[str, int]:
    written: dict[str, int] = {"skipped": 0}
    for type_, src, dst in replace.get("edges", []):
        store.delete_edges(type_, src, dst)
    for label, prop, value in replace.get("nodes", []):
        store.delete_nodes(label, where={prop: value})
    known: dict[str, set[str]] = {}

    def keep(label: str, ids: pd.Series) -> np.ndarray:
        # Only behaviour-side endpoints can be unknown; fragment nodes (Cluster, Community) are written first.
        if not skip_unknown or label not in ("Product", "User"):
            return np.ones(len(ids), dtype=bool)
        if label not in known:
            known[label] = _known_ids(store, label)
        return ids.astype(str).isin(known[label]).to_numpy()

    for label, frame in tables.nodes.items():
        if label == "Product":  # measures of stored products only: never create bare products
            mask = keep(label, frame["id"])
            written["skipped"] += int((~mask).sum())
            frame = frame[mask]
        if len(frame):
            written[label] = store.upsert_nodes(label, frame)
    for table in tables.edges.values():
        frame = table.frame
        mask = keep(table.src_label, frame["src"]) & keep(table.dst_label, frame["dst"])
        written["skipped"] += int((~mask).sum())
        if mask.any():
            written[table.type] = written.get(table.type, 0) + store.upsert_edges(
                table.type, table.src_label, table.dst_label, frame[mask])
    return written


def write_rules(store: GraphStore, rules: Any, min_lift: float | None = None) -> dict[str, int]:
    """Replace the store's FREQUENTLY_BOUGHT_WITH edges by the pairwise rules of ``rules``."""
    return write_tables(store, rules_tables(rules, min_lift),
                        replace={"edges": [("FREQUENTLY_BOUGHT_WITH", "Product", "Product")]})


def write_clusters(store: GraphStore, clusterer: Any, run: str | None = None) -> dict[str, int]:
    """Replace the Cluster nodes (and their IN_CLUSTER edges) of this scope and run by a new clustering;
    clusters of other scopes or runs stay."""
    tables = cluster_tables(clusterer, run)
    store.create_schema()
    prefix = f"{clusterer.scope}:{run or clusterer.method}:"
    with store.transaction():
        old = store.query("MATCH (c:Cluster) WHERE c.id STARTS WITH $prefix RETURN c.id AS id", {"prefix": prefix})
        if len(old):
            store.delete_nodes("Cluster", ids=old["id"].astype(str).tolist())
        return write_tables(store, tables)


def write_analytics(store: GraphStore, analytics: Any) -> dict[str, int]:
    """Set the Product measures and replace the Community nodes of this community method."""
    return write_tables(store, analytics_tables(analytics),
                        replace={"nodes": [("Community", "method", analytics.community)]})


__all__ = ["RULE_METRICS", "analytics_tables", "cluster_tables", "rules_edges", "rules_tables", "write_analytics",
           "write_clusters", "write_rules", "write_tables"]
