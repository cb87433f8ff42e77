"""Cypher results for the explorer's query tab: clean cells and the graph that node / path results draw.

LadybugDB returns nodes as dicts with internal ``_ID {offset, table}`` / ``_LABEL`` fields, relationships
with ``_SRC`` / ``_DST`` and paths as ``_NODES`` / ``_RELS``, and a path's nodes carry every label's
properties (``None`` for the other labels'). Neo4j returns driver ``Node`` / ``Relationship`` / ``Path``
objects. :func:`query_result` turns both into

* table cells without internal fields or null properties (``{"_label": "Brand", "id": …, "name": …}``);
* a ``graph`` of vis-network ``nodes`` / ``edges`` for every node, relationship and path in the rows
  (empty when the query returned only scalars).
"""
from __future__ import annotations

from typing import Any

import datetime as _dt
import math
from collections.abc import Mapping

import numpy as np
import pandas as pd



def _scalar(value: Any) -> Any:
    """A store cell as a JSON-able value (numpy scalars, NaN, timestamps, nodes and lists handled)."""
    if value is None:
        return None
    if isinstance(value, (np.generic,)):
        value = value.item()
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, (str, int, bool)):
        return value
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (_dt.datetime, _dt.date, pd.Timestamp)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _scalar(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_scalar(v) for v in value]
    # neo4j Node / Relationship / Path objects: labels or type plus properties
    if hasattr(value, "labels") and hasattr(value, "items"):
        return {"_labels": sorted(value.labels), **{k: _scalar(v) for k, v in value.items()}}
    if hasattr(value, "type") and hasattr(value, "items"):
        return {"_type": value.type, **{k: _scalar(v) for k, v in value.items()}}
    return str(value)


def _internal(ref: Any) -> str:
    """A store-internal node / relationship id as a string key (LadybugDB ``{offset, table}`` or Neo4j id)."""
    if isinstance(ref, dict):
        return f"{ref.get('table')}:{ref.get('offset')}"
    return str(ref)


class _Graph:
    """Collects the nodes and relationships met in result cells."""

    def __init__(self, display: Mapping[str, str]) -> None:
        self.display = display
        self.nodes: dict[str, dict[str, Any]] = {}
        self.keys: dict[str, str] = {}          # internal id -> "Label:id"
        self.rels: list[tuple[str, str, str, dict[str, Any]]] = []

    def node(self, internal: str, label: str, props: dict[str, Any]) -> None:
        key = f"{label}:{props['id']}" if props.get("id") is not None else f"{label}#{internal}"
        self.keys[internal] = key
        if key not in self.nodes:
            shown = props.get(self.display.get(label, "id")) or props.get("id") or key
            text = str(shown)
            self.nodes[key] = {"id": key, "label": text if len(text) <= 28 else text[:27] + "…", "group": label,
                               "title": f"{label} {props.get('id', '')}\n{text[:200]}", "kgLabel": label,
                               "kgId": props.get("id")}

    def to_vis(self) -> dict[str, Any]:
        edges, seen = [], set()
        for src, dst, type_, props in self.rels:
            a, b = self.keys.get(src), self.keys.get(dst)
            if a is None or b is None or (a, b, type_) in seen:
                continue
            seen.add((a, b, type_))
            tip = type_ + "".join(f"\n{k}: {v}" for k, v in props.items())
            edges.append({"from": a, "to": b, "label": type_, "title": tip, "kgType": type_})
        return {"nodes": list(self.nodes.values()), "edges": edges}


def _props(items: Any) -> dict[str, Any]:
    """Non-null, non-internal properties as JSON-able values."""
    return {str(k): _scalar(v) for k, v in items if not str(k).startswith("_") and _scalar(v) is not None}


def clean_cell(value: Any, graph: _Graph) -> Any:
    """One result cell without internal fields; nodes / relationships / paths are also added to ``graph``."""
    if isinstance(value, dict) and "_NODES" in value and "_RELS" in value:          # LadybugDB path
        return {"_path": [clean_cell(n, graph) for n in value["_NODES"]],
                "_rels": [clean_cell(r, graph) for r in value["_RELS"]]}
    if isinstance(value, dict) and "_SRC" in value and "_LABEL" in value:           # LadybugDB relationship
        props = _props(value.items())
        graph.rels.append((_internal(value["_SRC"]), _internal(value["_DST"]), str(value["_LABEL"]), props))
        return {"_type": str(value["_LABEL"]), **props}
    if isinstance(value, dict) and "_ID" in value and "_LABEL" in value:            # LadybugDB node
        props = _props(value.items())
        graph.node(_internal(value["_ID"]), str(value["_LABEL"]), props)
        return {"_label": str(value["_LABEL"]), **props}
    if hasattr(value, "nodes") and hasattr(value, "relationships"):                 # neo4j Path
        return {"_path": [clean_cell(n, graph) for n in value.nodes],
                "_rels": [clean_cell(r, graph) for r in value.relationships]}
    if hasattr(value, "labels") and hasattr(value, "items"):                        # neo4j Node
        label, props = (sorted(value.labels) or ["Node"])[0], _props(value.items())
        graph.node(str(value.element_id), label, props)
        return {"_label": label, **props}
    if hasattr(value, "type") and hasattr(value, "start_node") and hasattr(value, "items"):  # neo4j Relationship
        props = _props(value.items())
        graph.node(str(value.start_node.element_id), (sorted(value.start_node.labels) or ["Node"])[0],
                   _props(value.start_node.items()))
        graph.node(str(value.end_node.element_id), (sorted(value.end_node.labels) or ["Node"])[0],
                   _props(value.end_node.items()))
        graph.rels.append((str(value.start_node.element_id), str(value.end_node.element_id), value.type, props))
        return {"_type": value.type, **props}
    if isinstance(value, (list, tuple)) or (hasattr(value, "tolist") and not isinstance(value, str)
                                            and getattr(value, "ndim", 0) > 0):
        return [clean_cell(v, graph) for v in value]
    return _scalar(value)


def query_result(frame: pd.DataFrame, max_rows: int, display: Mapping[str, str]) -> dict[str, Any]:
    """``{"columns", "rows", "total", "truncated", "graph"}`` for the first ``max_rows`` rows of ``frame``;
    ``display`` names each label's display property (node captions in the graph)."""
    graph = _Graph(display)
    rows = [[clean_cell(v, graph) for v in row] for row in frame.head(max_rows).itertuples(index=False, name=None)]
    return {"columns": [str(c) for c in frame.columns], "rows": rows, "total": len(frame),
            "truncated": len(frame) > max_rows, "graph": graph.to_vis()}


__all__ = ["clean_cell", "query_result"]
