"""The interface every graph store implements (LadybugDB embedded, Neo4j server).

A store is the only code that talks to a database. It takes :class:`~kgmine.graph.tables.KGTables`
(or single node/edge tables), writes them idempotently (MERGE semantics: a node per ``id`` per
label, an edge per ``(src, dst)`` per relationship type), and answers parameterised Cypher with a
pandas DataFrame.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import pandas as pd

from kgmine.graph.schema import NODE_TYPES, REL_TYPES
from kgmine.graph.tables import KGTables


class StoreError(RuntimeError):
    """A store operation failed; the message is one line a user can act on."""


class GraphStore(ABC):
    """Common interface of the embedded (LadybugDB) and server (Neo4j) stores."""

    name: str = "store"

    @abstractmethod
    def create_schema(self) -> None:
        """Create tables (LadybugDB) or constraints and indexes (Neo4j); safe to call again."""

    @abstractmethod
    def upsert_nodes(self, label: str, frame: pd.DataFrame) -> int:
        """MERGE nodes of ``label`` on ``id`` and set their properties; returns rows written."""

    @abstractmethod
    def upsert_edges(self, type_: str, src_label: str, dst_label: str, frame: pd.DataFrame) -> int:
        """MERGE edges of ``type_`` on ``(src, dst)`` and set their properties; returns rows written."""

    @abstractmethod
    def delete_edges(self, type_: str, src_label: str, dst_label: str,
                     where: dict[str, Any] | None = None) -> None:
        """Delete edges of a type (optionally only those whose properties equal ``where``)."""

    @abstractmethod
    def query(self, cypher: str, params: dict[str, Any] | None = None, *, write: bool = False) -> pd.DataFrame:
        """Run parameterised Cypher and return the rows as a DataFrame (columns = RETURN names)."""

    @abstractmethod
    def close(self) -> None:
        """Release the connection / database handle."""

    def load(self, tables: KGTables, progress: bool = True) -> dict[str, int]:
        """Create the schema, then upsert every node table and every edge table; returns counts."""
        from kgmine.progress import track

        tables.check_endpoints()
        self.create_schema()
        for label, frame in track(list(tables.nodes.items()), "load nodes", disable=not progress):
            self.upsert_nodes(label, frame)
        for table in track(list(tables.edges.values()), "load edges", disable=not progress):
            self.upsert_edges(table.type, table.src_label, table.dst_label, table.frame)
        return self.counts()

    def counts(self) -> dict[str, int]:
        """Number of nodes per label and relationships per type currently stored."""
        out: dict[str, int] = {}
        for label in NODE_TYPES:
            out[label] = int(self.query(f"MATCH (n:{label}) RETURN count(n) AS n")["n"].iloc[0])
        for type_ in REL_TYPES:
            out[type_] = int(self.query(f"MATCH ()-[r:{type_}]->() RETURN count(r) AS n")["n"].iloc[0])
        return out

    def __enter__(self) -> "GraphStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
