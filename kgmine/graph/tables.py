"""Node and edge tables: the plain-table form of a knowledge graph.

Everything before a store produces :class:`KGTables`; every store (LadybugDB, Neo4j) and every
export (networkx, PyG) consumes it. A node table has an ``id`` column plus the label's properties;
an edge table has ``src`` and ``dst`` (node ids) plus the type's properties.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from kgmine.graph.schema import NODE_TYPES, node_type, rel_type


@dataclass
class EdgeTable:
    """Edges of one relationship type between one (source label, target label) pair."""

    type: str
    src_label: str
    dst_label: str
    frame: pd.DataFrame

    def __post_init__(self) -> None:
        rt = rel_type(self.type)
        if (self.src_label, self.dst_label) not in rt.pairs:
            raise ValueError(f"{self.type} does not connect {self.src_label} -> {self.dst_label}; "
                             f"allowed: {list(rt.pairs)}")
        self.frame = conform_edges(self.type, self.frame)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.type, self.src_label, self.dst_label)


def conform_nodes(label: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Keep ``id`` and the label's schema properties (adding missing ones as NA), one row per id."""
    nt = node_type(label)
    if "id" not in frame.columns:
        raise ValueError(f"node table {label} needs an 'id' column")
    out = pd.DataFrame({"id": frame["id"].astype("string").reset_index(drop=True)})
    for prop, typ in nt.properties.items():
        out[prop] = _typed(frame[prop].reset_index(drop=True) if prop in frame.columns else None, typ, len(out))
    if out["id"].isna().any():
        raise ValueError(f"node table {label} has {int(out['id'].isna().sum())} rows without an id")
    return out.drop_duplicates("id", keep="last").reset_index(drop=True)


def conform_edges(type_: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Keep ``src``, ``dst`` and the type's schema properties, one row per (src, dst)."""
    rt = rel_type(type_)
    for col in ("src", "dst"):
        if col not in frame.columns:
            raise ValueError(f"edge table {type_} needs a {col!r} column")
    out = pd.DataFrame({"src": frame["src"].astype("string").reset_index(drop=True),
                        "dst": frame["dst"].astype("string").reset_index(drop=True)})
    for prop, typ in rt.properties.items():
        out[prop] = _typed(frame[prop].reset_index(drop=True) if prop in frame.columns else None, typ, len(out))
    out = out.dropna(subset=["src", "dst"])
    return out.drop_duplicates(["src", "dst"], keep="last").reset_index(drop=True)


def _typed(values: pd.Series | None, typ: str, n: int) -> pd.Series:
    if typ == "STRING":
        return values.astype("string") if values is not None else pd.Series([pd.NA] * n, dtype="string")
    if typ == "INT64":
        return (pd.to_numeric(values).astype("Int64") if values is not None
                else pd.Series([pd.NA] * n, dtype="Int64"))
    return pd.to_numeric(values).astype("float64") if values is not None else pd.Series([float("nan")] * n)


@dataclass
class KGTables:
    """A whole knowledge graph as DataFrames: ``nodes[label]`` and ``edges[(type, src, dst)]``."""

    nodes: dict[str, pd.DataFrame] = field(default_factory=dict)
    edges: dict[tuple[str, str, str], EdgeTable] = field(default_factory=dict)

    def add_nodes(self, label: str, frame: pd.DataFrame) -> None:
        """Add (or merge into) the node table of ``label``; later rows win on equal ids."""
        frame = conform_nodes(label, frame)
        if label in self.nodes:
            frame = conform_nodes(label, pd.concat([self.nodes[label], frame], ignore_index=True))
        self.nodes[label] = frame

    def add_edges(self, type_: str, src_label: str, dst_label: str, frame: pd.DataFrame) -> None:
        """Add (or merge into) edges of ``type_`` from ``src_label`` to ``dst_label``."""
        table = EdgeTable(type_, src_label, dst_label, frame)
        if table.key in self.edges:
            merged = pd.concat([self.edges[table.key].frame, table.frame], ignore_index=True)
            table = EdgeTable(type_, src_label, dst_label, merged)
        self.edges[table.key] = table

    def check_endpoints(self) -> None:
        """Raise ValueError if an edge points at a node id that no node table holds."""
        import pyarrow as pa
        import pyarrow.compute as pc

        for table in self.edges.values():
            for col, label in (("src", table.src_label), ("dst", table.dst_label)):
                known = self.nodes.get(label)
                ids = pa.array([], pa.string()) if known is None else pa.array(known["id"], pa.string())
                found = pc.is_in(pa.array(table.frame[col], pa.string()), value_set=ids)
                dangling = ~found.to_numpy(zero_copy_only=False)
                if dangling.any():
                    example = table.frame.loc[dangling, col].iloc[0]
                    raise ValueError(f"{table.type} {col} refers to unknown {label} id {example!r} "
                                     f"({int(dangling.sum())} such edges)")

    def counts(self) -> dict[str, int]:
        """Nodes per label and edges per relationship type (summed over label pairs)."""
        out: dict[str, int] = {label: len(df) for label, df in self.nodes.items()}
        for table in self.edges.values():
            out[table.type] = out.get(table.type, 0) + len(table.frame)
        return out


__all__ = ["EdgeTable", "KGTables", "NODE_TYPES", "conform_edges", "conform_nodes"]
