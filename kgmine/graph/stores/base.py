"""The interface every graph store implements (LadybugDB embedded, Neo4j server).

A store is the only code that talks to a database. It takes :class:`~kgmine.graph.tables.KGTables`
(or single node/edge tables), writes them idempotently (MERGE semantics: a node per ``id`` per
label, an edge per ``(src, dst)`` per relationship type), and answers parameterised Cypher with a
pandas DataFrame. Callers change data only through the methods below (never through Cypher of their
own) and never need to ask which backend they hold: both backends pass one contract suite
(``tests/test_store_contract.py``).

Atomicity (the same on both backends):

* every single write call (:meth:`~GraphStore.upsert_nodes`, :meth:`~GraphStore.upsert_edges`,
  :meth:`~GraphStore.delete_nodes`, :meth:`~GraphStore.delete_edges`, :meth:`~GraphStore.clear`)
  is one transaction: all of it or nothing. An edge upsert with an unknown endpoint writes nothing.
* :meth:`~GraphStore.load` is one transaction: after a failed load the store holds exactly what it
  held before (the schema, created first, may remain). A re-run of the same load changes nothing.
* :meth:`~GraphStore.transaction` groups any number of these calls (and ``query(write=True)``)
  into one transaction; nested uses join the outer one. If the block raises, or any store call in
  it failed (even one whose error the block caught), everything in it is rolled back and the block
  ends with the error. Errors found before anything is sent to the database (bad identifiers, unknown
  columns, a label pair the schema does not allow) do not abort the transaction.
* :meth:`~GraphStore.create_schema` is idempotent; call it before a transaction (``load`` does).
  Once it has run on a store object, later calls do nothing, inside a transaction or not. (Run for the
  first time inside one, Neo4j commits the schema at once while LadybugDB makes it part of the
  transaction; a rollback then drops the new tables and the next call creates them again.)
* A query refused for writing without ``write=True`` (see :meth:`~GraphStore.query`) counts as an
  error found before writing.

Every query text passes the query guard (:mod:`kgmine.graph.stores.guard`) before the database sees
it: size limits (:attr:`GraphStore.query_limits`) and, without ``write=True``, read-only mode (no
writes, no file access, no setting changes). :meth:`GraphStore.set_query_timeout` stops long queries.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd

from kgmine.graph.schema import RelType, check_identifier, node_type, rel_type
from kgmine.graph.tables import KGTables


class StoreError(RuntimeError):
    """A store operation failed; the message is one line a user can act on."""


def check_pair(type_: str, src_label: str, dst_label: str) -> RelType:
    """The schema entry of ``type_`` after checking that it connects ``src_label -> dst_label``.

    ValueError (from :func:`~kgmine.graph.schema.check_identifier`) for a malformed or unknown name,
    :class:`StoreError` for a label pair the schema does not allow.
    """
    rt = rel_type(type_)
    node_type(src_label), node_type(dst_label)
    if (src_label, dst_label) not in rt.pairs:
        raise StoreError(f"{type_} does not connect {src_label} -> {dst_label}; allowed: {list(rt.pairs)}")
    return rt


def plain_value(value: Any) -> Any:
    """A numpy scalar as the Python value (drivers take only Python values as parameters)."""
    return value.item() if isinstance(value, np.generic) else value


def match_conditions(var: str, name: str, schema: Mapping[str, str], where: Mapping[str, Any] | None = None,
                     ids: Iterable[Any] | None = None) -> tuple[list[str], dict[str, Any]]:
    """Cypher conditions (and their parameters) selecting ``var`` by ``where`` and ``ids``.

    ``where`` maps property -> value: equal to ``value``, or ``IS NULL`` for ``None`` (a missing
    property). ``ids`` keeps only those whose ``id`` is in the list (for an edge variable pass the
    endpoint variable, e.g. ``var="a"`` with ``where=None``). Properties must be in ``schema``.
    """
    conditions: list[str] = []
    params: dict[str, Any] = {}
    for i, (prop, value) in enumerate((where or {}).items()):
        if prop not in schema:
            raise StoreError(f"{name} has no property {prop!r}; schema: {list(schema)}")
        if value is None:
            conditions.append(f"{var}.`{check_identifier(prop, 'property')}` IS NULL")
        else:
            conditions.append(f"{var}.`{check_identifier(prop, 'property')}` = $w{i}")
            params[f"w{i}"] = plain_value(value)
    if ids is not None:
        key = f"ids_{check_identifier(var, 'variable')}"
        conditions.append(f"{var}.`id` IN ${key}")
        params[key] = [str(plain_value(v)) for v in ids]
    return conditions, params


def where_clause(conditions: list[str]) -> str:
    """`` WHERE a AND b`` or ``""``."""
    return f" WHERE {' AND '.join(conditions)}" if conditions else ""


class GraphStore(ABC):
    """Common interface of the embedded (LadybugDB) and server (Neo4j) stores.

    See the module docstring for what is atomic. Subclasses implement the abstract methods and the
    three transaction hooks :meth:`_begin`, :meth:`_commit`, :meth:`_rollback`; the nesting and
    abort bookkeeping of :meth:`transaction` is here, once.
    """

    name: str = "store"
    _tx_depth: int = 0
    _tx_error: str | None = None
    #: Whether :meth:`query` may be called from several threads at once (each query then runs on its own).
    concurrent_reads: bool = False
    #: Size limits of a query text (:class:`~kgmine.graph.stores.guard.QueryLimits`); None: the defaults.
    query_limits: Any = None

    @abstractmethod
    def create_schema(self) -> None:
        """Create tables (LadybugDB) or constraints and indexes (Neo4j); safe to call again."""

    @abstractmethod
    def upsert_nodes(self, label: str, frame: pd.DataFrame) -> int:
        """MERGE nodes of ``label`` on ``id`` and set their properties; returns rows written.

        Only the property columns present in ``frame`` are set; a null clears that property; later
        rows win on equal ids.
        """

    @abstractmethod
    def upsert_edges(self, type_: str, src_label: str, dst_label: str, frame: pd.DataFrame) -> int:
        """MERGE edges of ``type_`` on ``(src, dst)`` and set their properties; returns rows written.

        Both endpoints must be stored: otherwise :class:`StoreError` naming an example, and nothing
        of ``frame`` is written.
        """

    @abstractmethod
    def delete_edges(self, type_: str, src_label: str, dst_label: str,
                     where: dict[str, Any] | None = None, *, src_ids: Iterable[str] | None = None) -> None:
        """Delete edges of ``type_`` between the two labels.

        ``where`` keeps only edges whose properties equal the given values (``None`` matches a
        missing property); ``src_ids`` only edges from those source ids.
        """

    @abstractmethod
    def delete_nodes(self, label: str, where: dict[str, Any] | None = None, *,
                     ids: Iterable[str] | None = None) -> None:
        """Delete nodes of ``label`` with their relationships (DETACH DELETE).

        ``where`` keeps only nodes whose properties equal the given values (``None`` matches a
        missing property); ``ids`` only nodes with those ids. Without either, every node of ``label``.
        """

    @abstractmethod
    def clear(self) -> None:
        """Delete every node and relationship (the schema stays)."""

    @abstractmethod
    def query(self, cypher: str, params: dict[str, Any] | None = None, *, write: bool = False) -> pd.DataFrame:
        """Run parameterised Cypher and return the rows as a DataFrame (columns = RETURN names).

        A query that writes is refused with :class:`StoreError` unless ``write=True`` (that is for
        the ``kgmine query --write`` command; library code changes data through the methods above),
        and so are file access, setting changes and the other statements
        :func:`~kgmine.graph.stores.guard.read_only_refusals` lists. A text over
        :attr:`query_limits` is refused before it is parsed.
        """

    @abstractmethod
    def set_query_timeout(self, seconds: float | None) -> None:
        """Stop any later query running longer than ``seconds`` with a one-line :class:`StoreError`
        (None or 0: no limit, the default of the Python API; ``kgmine query`` uses 30 s, the explorer 10 s)."""

    @abstractmethod
    def counts(self) -> dict[str, int]:
        """Number of nodes per schema label and relationships per schema type (0 when none)."""

    @abstractmethod
    def close(self) -> None:
        """Release the connection / database handle."""

    # ------------------------------------------------------------------ transactions
    @abstractmethod
    def _begin(self) -> None:
        """Start the outermost transaction."""

    @abstractmethod
    def _commit(self) -> None:
        """Commit the outermost transaction."""

    @abstractmethod
    def _rollback(self) -> None:
        """Roll the outermost transaction back (must not raise)."""

    @contextmanager
    def transaction(self) -> Iterator[GraphStore]:
        """Run the enclosed store calls as one transaction (all or nothing); nested uses join the outer one.

        Yields the store. Reads inside see the block's own writes. If the block raises, or a store
        call inside it failed (even when the block caught that error), the whole transaction is rolled
        back and the error (or a :class:`StoreError` naming the earlier failure) is raised.
        """
        if self._tx_depth:
            if self._tx_error:
                raise StoreError(f"the transaction already failed ({self._tx_error}); it will be rolled back")
            self._tx_depth += 1
            try:
                yield self
            except BaseException as exc:
                self._abort(exc)
                raise
            finally:
                self._tx_depth -= 1
            return
        self._begin()
        self._tx_depth, self._tx_error = 1, None
        try:
            yield self
            if self._tx_error:
                raise StoreError(f"transaction rolled back: a store call in it failed ({self._tx_error})")
            self._commit()
        except BaseException:
            self._rollback()
            raise
        finally:
            self._tx_depth, self._tx_error = 0, None

    def _abort(self, exc: BaseException) -> BaseException:
        """Mark the open transaction (if any) as failed by ``exc``, which is returned; it will be rolled back."""
        if self._tx_depth and not self._tx_error:
            self._tx_error = " ".join(str(exc).split()) or type(exc).__name__
        return exc

    # ------------------------------------------------------------------ composite operations
    def load(self, tables: KGTables, progress: bool = True) -> dict[str, int]:
        """Create the schema, then upsert every node table and every edge table; returns :meth:`counts`.

        Everything is validated before the first write (edge endpoints, identifiers, columns). The
        upserts run as ONE transaction on both backends: a failed load leaves the data exactly as it
        was. (On Neo4j that transaction is retried as a whole on transient errors and lost connections.)
        Inside an open :meth:`transaction` the load joins it.
        """
        self._check_writable()
        tables.check_endpoints()
        for label, frame in tables.nodes.items():
            self.node_properties(label, frame)
        for table in tables.edges.values():
            self.edge_properties(table.type, table.src_label, table.dst_label, table.frame)
        self.create_schema()
        self._atomically(lambda: self._load_tables(tables, progress), what="load")
        return self.counts()

    def _load_tables(self, tables: KGTables, progress: bool) -> None:
        from kgmine.progress import track

        for label, frame in track(list(tables.nodes.items()), "load nodes", disable=not progress):
            self._load_nodes(label, frame)
        for table in track(list(tables.edges.values()), "load edges", disable=not progress):
            self._load_edges(table.type, table.src_label, table.dst_label, table.frame)

    def _atomically(self, body: Callable[[], Any], what: str) -> Any:
        """``body()`` (store calls only) as one transaction, joining an open one; a backend may run
        ``body`` again on a transient failure (Neo4j does), so it must have no other effects."""
        with self.transaction():
            return body()

    def _load_nodes(self, label: str, frame: pd.DataFrame) -> None:
        """One node table of :meth:`load` (already validated, conformed by KGTables)."""
        self.upsert_nodes(label, frame)

    def _load_edges(self, type_: str, src_label: str, dst_label: str, frame: pd.DataFrame) -> None:
        """One edge table of :meth:`load` (already validated, conformed by KGTables)."""
        self.upsert_edges(type_, src_label, dst_label, frame)

    def _check_writable(self) -> None:
        """Raise :class:`StoreError` if this store cannot be written (e.g. opened read-only)."""

    # ------------------------------------------------------------------ validation (shared)
    @staticmethod
    def node_properties(label: str, frame: pd.DataFrame) -> list[str]:
        """The schema properties of ``label`` given as columns of ``frame`` (schema order).

        :class:`StoreError` when ``id`` is missing or a column is not a property of ``label``.
        """
        nt = node_type(label)
        if "id" not in frame.columns:
            raise StoreError(f"{label} rows need an 'id' column (got {list(frame.columns)})")
        unknown = [c for c in frame.columns if c != "id" and c not in nt.properties]
        if unknown:
            raise StoreError(f"{label} has no properties {unknown}; schema: {list(nt.properties)}")
        return [p for p in nt.properties if p in frame.columns]

    @staticmethod
    def edge_properties(type_: str, src_label: str, dst_label: str, frame: pd.DataFrame) -> list[str]:
        """The schema properties of ``type_`` given as columns of ``frame``, after :func:`check_pair`."""
        rt = check_pair(type_, src_label, dst_label)
        missing = [c for c in ("src", "dst") if c not in frame.columns]
        if missing:
            raise StoreError(f"{type_} rows need columns 'src' and 'dst' (missing {missing})")
        unknown = [c for c in frame.columns if c not in ("src", "dst") and c not in rt.properties]
        if unknown:
            raise StoreError(f"{type_} has no properties {unknown}; schema: {list(rt.properties)}")
        return [p for p in rt.properties if p in frame.columns]

    # ------------------------------------------------------------------ reads (shared)
    def query_arrow(self, cypher: str, params: dict[str, Any] | None = None, *, write: bool = False) -> Any:
        """Like :meth:`query` but the rows as a ``pyarrow.Table``."""
        import pyarrow as pa

        return pa.Table.from_pandas(self.query(cypher, params, write=write), preserve_index=False)

    def read_nodes(self, label: str) -> pd.DataFrame:
        """Every node of ``label`` as ``DataFrame(id, <schema properties>)``, ordered by ``id``."""
        props = list(node_type(label).properties)
        cypher = (f"MATCH (n:`{label}`) RETURN n.`id` AS `id`"
                  + "".join(f", n.`{check_identifier(p, 'property')}` AS `{p}`" for p in props) + " ORDER BY `id`")
        return self.query(cypher)

    def read_edges(self, type_: str, src_label: str, dst_label: str) -> pd.DataFrame:
        """Every ``src_label -[type_]-> dst_label`` edge as ``DataFrame(src, dst, <schema properties>)``,
        ordered by ``(src, dst)``."""
        props = list(check_pair(type_, src_label, dst_label).properties)
        cypher = (f"MATCH (a:`{src_label}`)-[e:`{type_}`]->(b:`{dst_label}`) RETURN a.`id` AS src, b.`id` AS dst"
                  + "".join(f", e.`{check_identifier(p, 'property')}` AS `{p}`" for p in props)
                  + " ORDER BY src, dst")
        return self.query(cypher)

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = ["GraphStore", "StoreError", "check_pair", "match_conditions", "plain_value", "where_clause"]
