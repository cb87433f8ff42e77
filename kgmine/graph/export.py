"""Exports of a knowledge graph to networkx and to a torch-geometric ``HeteroData``.

Both take either a :class:`~kgmine.graph.tables.KGTables` or any
:class:`~kgmine.graph.stores.base.GraphStore` (LadybugDB or Neo4j), so mining and training can start
from a stored graph. A store is read with one label- or type-restricted Cypher query per node table
and per relationship (type, source label, target label); the embedded store answers these as arrow
tables. PyG tensors are built from those edge lists with ``pandas.Index.get_indexer`` — not with
ladybug's ``get_as_torch_geometric``, which is about 100x slower (MEASURED.md: ~11 s per 100k edges).
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kgmine.graph.schema import INT64, NODE_TYPES, REL_TYPES, STRING, check_identifier, node_type, rel_type
from kgmine.graph.stores.base import GraphStore
from kgmine.graph.tables import EdgeTable, KGTables, conform_nodes

if TYPE_CHECKING:  # pragma: no cover
    import networkx as nx
    from torch_geometric.data import HeteroData

def _select(names: Iterable[str] | None, known: dict[str, Any], kind: str) -> list[str]:
    if names is None:
        return list(known)
    chosen = list(names)
    for name in chosen:
        check_identifier(name, kind)
        if name not in known:
            raise ValueError(f"unknown {kind} {name!r}; known: {sorted(known)}")
    return chosen


def read_tables(store: GraphStore, node_labels: Iterable[str] | None = None,
                rel_types: Iterable[str] | None = None) -> KGTables:
    """Read a stored graph (or the chosen node labels and relationship types of it) back as :class:`KGTables`.

    Edges are read only between chosen labels; empty labels and types are skipped.
    """
    labels = _select(node_labels, NODE_TYPES, "label")
    types = _select(rel_types, REL_TYPES, "relationship type")
    counts = store.counts()
    tables = KGTables()
    for label in labels:
        if not counts.get(label):
            continue
        tables.nodes[label] = conform_nodes(label, store.read_nodes(label))
    for type_ in types:
        if not counts.get(type_):
            continue
        for src_label, dst_label in rel_type(type_).pairs:
            if src_label not in tables.nodes or dst_label not in tables.nodes:
                continue
            frame = store.read_edges(type_, src_label, dst_label)
            if len(frame):
                tables.edges[(type_, src_label, dst_label)] = EdgeTable(type_, src_label, dst_label, frame)
    return tables


def _as_tables(source: Any, node_labels: Iterable[str] | None, rel_types: Iterable[str] | None) -> KGTables:
    """The chosen part of ``source`` (KGTables or GraphStore) as KGTables."""
    if isinstance(source, KGTables):
        labels = set(_select(node_labels, NODE_TYPES, "label"))
        types = set(_select(rel_types, REL_TYPES, "relationship type"))
        return KGTables(nodes={k: v for k, v in source.nodes.items() if k in labels},
                        edges={k: v for k, v in source.edges.items()
                               if k[0] in types and k[1] in labels and k[2] in labels})
    if isinstance(source, GraphStore):
        return read_tables(source, node_labels, rel_types)
    raise TypeError(f"expected KGTables or a GraphStore, got {type(source).__name__}")


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
    """Rows as dicts without null values (networkx attributes are absent rather than NaN)."""
    if not columns:
        return [{} for _ in range(len(frame))]
    sub = frame[columns].astype(object)
    sub = sub.where(sub.notna(), None)
    return [{k: v for k, v in row.items() if v is not None} for row in sub.to_dict("records")]


def to_networkx(source: Any, node_labels: Iterable[str] | None = None,
                rel_types: Iterable[str] | None = None) -> nx.MultiDiGraph:
    """The graph as a ``networkx.MultiDiGraph``.

    Nodes are keyed ``(label, id)`` and carry ``label``, ``id`` and their non-null properties;
    edges carry ``type`` and their non-null properties, with the edge key equal to the type (so
    there is at most one edge per type and ordered pair, as in the stores).

    Parameters
    ----------
    source : KGTables or GraphStore
    node_labels, rel_types : iterable of str, optional
        Restrict to these labels / types (default all). Edges need both end labels chosen.
    """
    import networkx as nx

    tables = _as_tables(source, node_labels, rel_types)
    graph = nx.MultiDiGraph()
    for label, frame in tables.nodes.items():
        props = [c for c in frame.columns if c != "id"]
        ids = frame["id"].tolist()
        graph.add_nodes_from(((label, i), {"label": label, "id": i, **attrs})
                             for i, attrs in zip(ids, _records(frame, props)))
    for (type_, src_label, dst_label), table in tables.edges.items():
        frame = table.frame
        props = [c for c in frame.columns if c not in ("src", "dst")]
        graph.add_edges_from(((src_label, s), (dst_label, d), type_, {"type": type_, **attrs})
                             for s, d, attrs in zip(frame["src"].tolist(), frame["dst"].tolist(),
                                                    _records(frame, props)))
    return graph


def _tensor(values: pd.Series, typ: str):
    """A numeric property as a tensor: INT64 without nulls -> long, otherwise float32 with NaN for nulls."""
    import torch

    if typ == INT64 and not values.isna().any():
        return torch.from_numpy(values.to_numpy(dtype=np.int64))
    return torch.from_numpy(pd.to_numeric(values).to_numpy(dtype=np.float32, na_value=np.nan))


def to_hetero_data(source: Any, node_labels: Iterable[str] | None = None,
                   rel_types: Iterable[str] | None = None,
                   properties: bool = True) -> tuple[HeteroData, dict[str, pd.Index]]:
    """The graph as a torch-geometric ``HeteroData`` plus the id maps of its node types.

    ``data[label].num_nodes`` is the node count; node ``i`` of ``label`` is ``id_maps[label][i]``
    (``id_maps[label].get_indexer(ids)`` maps ids to indices). Each relationship (type, source
    label, target label) becomes edge type ``(source, type, target)`` with ``edge_index`` of shape
    ``[2, E]`` (int64), sorted by source then target index. With ``properties=True`` numeric node and edge properties become tensors of
    the same name (INT64 without nulls -> int64, else float32 with NaN for missing values); string
    properties stay in the tables. Reverse edges are not added (use ``torch_geometric.transforms.ToUndirected``).

    Parameters
    ----------
    source : KGTables or GraphStore
    node_labels, rel_types : iterable of str, optional
        Restrict to these labels / types (default all). Edges need both end labels chosen.
    properties : bool, default True
        Attach numeric properties as tensors.
    """
    import torch
    from torch_geometric.data import HeteroData

    tables = _as_tables(source, node_labels, rel_types)
    data = HeteroData()
    id_maps: dict[str, pd.Index] = {}
    for label, frame in tables.nodes.items():
        ids = pd.Index(frame["id"].astype("string"), name=label)
        if ids.has_duplicates:
            raise ValueError(f"{label} has duplicate ids, e.g. {ids[ids.duplicated()][0]!r}")
        id_maps[label] = ids
        store = data[label]
        store.num_nodes = len(ids)
        if properties:
            for prop, typ in node_type(label).properties.items():
                if typ != STRING and prop in frame.columns and frame[prop].notna().any():
                    store[_attr_name(store, prop)] = _tensor(frame[prop], typ)
    for (type_, src_label, dst_label), table in tables.edges.items():
        frame = table.frame
        src = id_maps[src_label].get_indexer(frame["src"].astype("string"))
        dst = id_maps[dst_label].get_indexer(frame["dst"].astype("string"))
        for codes, col, label in ((src, "src", src_label), (dst, "dst", dst_label)):
            if (codes < 0).any():
                example = frame[col].to_numpy()[codes < 0][0]
                raise ValueError(f"{type_} {col} refers to unknown {label} id {example!r} "
                                 f"({int((codes < 0).sum())} such edges)")
        order = np.lexsort((dst, src))  # canonical edge order, whatever order the store returned
        store = data[src_label, type_, dst_label]
        store.edge_index = torch.from_numpy(np.stack([src[order], dst[order]]).astype(np.int64))
        if properties:
            for prop, typ in rel_type(type_).properties.items():
                if typ != STRING and prop in frame.columns and frame[prop].notna().any():
                    store[_attr_name(store, prop)] = _tensor(frame[prop].iloc[order], typ)
    return data, id_maps


def _attr_name(storage: Any, prop: str) -> str:
    """``prop``, or ``prop_`` when the PyG storage already has an attribute of that name."""
    reserved = {"x", "y", "edge_index", "num_nodes", "edge_attr", "batch", "ptr"}
    return f"{prop}_" if prop in reserved or hasattr(type(storage), prop) else prop


__all__ = ["read_tables", "to_hetero_data", "to_networkx"]
