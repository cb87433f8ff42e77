"""The embedded graph store on LadybugDB (``ladybug`` on PyPI, the maintained fork of Kùzu).

A store is a directory holding one LadybugDB database file (``graph.lbdb``) and its write-ahead log.
The typed schema (node tables keyed on ``id``, relationship tables with one ``FROM … TO …`` per label
pair) is generated from :mod:`kgmine.graph.schema`.

Writing is idempotent and diff-based, which makes both the first load and every re-run fast:

* the rows of the input are compared with what the table already holds (one arrow scan);
* rows whose key (node ``id``, or edge ``(src, dst)`` per type and label pair) is new go in by
  ``COPY … FROM`` an arrow table, LadybugDB's bulk path;
* rows whose key exists and whose given properties differ are updated by
  ``LOAD FROM $rows MATCH … SET`` (edges matched as ``(a:A {id: …})-[e:T]->(b:B {id: …})``,
  never by the comma form, which is ~35x slower);
* unchanged rows are not written at all.

Only the property columns present in the input frame are set, so ``upsert_nodes("Product",
frame[["id", "pagerank"]])`` adds PageRank without touching titles. A null in a given column
clears that property (as ``SET n.x = null`` does in Neo4j).

Every write runs inside one LadybugDB transaction (``BEGIN TRANSACTION`` … ``COMMIT``); a
whole :meth:`LadybugStore.load` is a single transaction, and everything is validated before it
begins (identifiers, columns, types, edge endpoints). If a statement fails the transaction is
rolled back and the database handle is reopened: ladybug 0.22 segfaults when a ``COPY`` statement
it cached is executed again after its transaction was rolled back (seen with the same arrow table
passed twice); a fresh connection starts with an empty statement cache. Reopening takes ~0.03 s.
"""
from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kgmine.graph.schema import DOUBLE, INT64, NODE_TYPES, REL_TYPES, STRING, check_identifier, node_type, rel_type
from kgmine.graph.stores.base import GraphStore, StoreError, check_pair, match_conditions, where_clause
from kgmine.graph.stores.guard import check_query, tokenize, write_clauses
from kgmine.graph.tables import KGTables, conform_edges, conform_nodes

DB_FILE = "graph.lbdb"

#: LadybugDB's error (0.22) when a read-only open finds a checkpoint a killed writer left pending.
RECOVERY_PENDING = "checkpoint recovery is pending"
#: LadybugDB's error (0.22) when the write-ahead log a killed writer left has a damaged record.
WAL_CORRUPTED = "the WAL file is corrupted"

_log = logging.getLogger(__name__)

_ARROW_TYPES = {STRING: pa.string(), INT64: pa.int64(), DOUBLE: pa.float64()}

def query_parameters(cypher: str) -> list[str]:
    """Names of the ``$parameters`` a query uses (outside literals), in order of first use."""
    return list(dict.fromkeys(t.text[1:] for t in tokenize(cypher)
                              if t.kind == "param" and re.fullmatch(r"\$[A-Za-z_][A-Za-z0-9_]*", t.text)))


def _shorten_expected(match: re.Match) -> str:
    items = [t.strip() for t in match.group(1).split(",")]
    return "expecting {" + ", ".join(items[:6]) + (", …}" if len(items) > 6 else "}")


def _one_line(error: BaseException) -> str:
    """A ladybug error as one line: the first line of its message, whitespace collapsed."""
    text = str(error).strip() or type(error).__name__
    first = text.splitlines()[0]
    first = re.sub(r"expecting \{([^}]*)\}", _shorten_expected, first)
    return " ".join(first.split())


def _q(name: str, kind: str = "identifier") -> str:
    """``name`` checked by :func:`check_identifier` and backtick-quoted for Cypher."""
    return f"`{check_identifier(name, kind)}`"


def node_table_ddl(label: str) -> str:
    """``CREATE NODE TABLE IF NOT EXISTS`` statement of ``label`` from the schema."""
    nt = node_type(label)
    cols = [f"`id` {STRING}"] + [f"{_q(p, 'property')} {t}" for p, t in nt.properties.items()]
    return f"CREATE NODE TABLE IF NOT EXISTS {_q(label, 'label')}({', '.join(cols)}, PRIMARY KEY(`id`))"


def rel_table_ddl(type_: str) -> str:
    """``CREATE REL TABLE IF NOT EXISTS`` statement of ``type_``: one ``FROM … TO …`` per label pair."""
    rt = rel_type(type_)
    parts = [f"FROM {_q(a, 'label')} TO {_q(b, 'label')}" for a, b in rt.pairs]
    parts += [f"{_q(p, 'property')} {t}" for p, t in rt.properties.items()]
    return f"CREATE REL TABLE IF NOT EXISTS {_q(type_, 'relationship type')}({', '.join(parts)})"


def schema_ddl() -> list[str]:
    """Every DDL statement of the kgmine schema: node tables first, then relationship tables."""
    return [node_table_ddl(label) for label in NODE_TYPES] + [rel_table_ddl(t) for t in REL_TYPES]


def _arrow_column(values: pd.Series, typ: str) -> pa.Array:
    if typ == STRING:
        return pa.array(values.astype(object).where(values.notna(), None).tolist(), type=pa.string())
    if typ == INT64:
        return pa.array(pd.array(values, dtype="Int64"), type=pa.int64())
    return pa.array(values.to_numpy(dtype="float64", na_value=np.nan), type=pa.float64(), from_pandas=True)


def _to_arrow(frame: pd.DataFrame, types: list[str]) -> pa.Table:
    """Columns of ``frame`` (in order) as an arrow table with columns ``c0, c1, …`` of the given types.

    Positional names keep data column names (``id``, ``label``, ``rank``) out of Cypher.
    """
    return pa.table({f"c{i}": _arrow_column(frame[col], typ)
                     for i, (col, typ) in enumerate(zip(frame.columns, types))})


def arrow_to_frame(table: pa.Table) -> pd.DataFrame:
    """An arrow result as a DataFrame: integer columns with nulls become nullable ``Int64``, list
    columns hold Python lists (as the Neo4j driver returns them)."""
    frame = table.to_pandas()
    for i, column in enumerate(table.columns):
        if pa.types.is_integer(column.type) and column.null_count:
            frame.isetitem(i, pd.array(column.to_pylist(), dtype="Int64"))
        elif pa.types.is_list(column.type) or pa.types.is_large_list(column.type):
            frame.isetitem(i, pd.Series(column.to_pylist(), dtype=object))
    return frame


def _positions(keys: np.ndarray, old_keys: np.ndarray) -> np.ndarray:
    """For each key, the row of ``old_keys`` holding it (the first such row), or -1."""
    if not len(old_keys):
        return np.full(len(keys), -1, dtype=np.int64)
    uniq, first = np.unique(old_keys, return_index=True)
    at = np.clip(np.searchsorted(uniq, keys), 0, len(uniq) - 1)
    return np.where(uniq[at] == keys, first[at], -1)


def _diff(rows: pa.Table, existing: pa.Table, match: np.ndarray, n_keys: int) -> tuple[pa.Table, pa.Table, int]:
    """Split ``rows`` into new keys, existing keys with changed properties, and the unchanged count.

    ``match[i]`` is the row of ``existing`` with the key of ``rows[i]`` (or -1); columns after the
    ``n_keys`` key columns are compared, two nulls counting as equal.
    """
    is_new = match < 0
    old = existing.take(pa.array(np.where(is_new, 0, match))) if existing.num_rows else None
    same = np.ones(rows.num_rows, dtype=bool)
    for i in range(n_keys, rows.num_columns):
        if old is None:
            break
        a, b = rows.column(i), old.column(i).cast(rows.column(i).type)
        eq = pc.or_kleene(pc.and_kleene(pc.is_null(a), pc.is_null(b)), pc.fill_null(pc.equal(a, b), False))
        same &= eq.to_numpy(zero_copy_only=False).astype(bool)
    changed = ~is_new & ~same
    return rows.filter(pa.array(is_new)), rows.filter(pa.array(changed)), int((~is_new & same).sum())


def _widen(rows: pa.Table, names: list[str], columns: list[str], types: dict[str, str]) -> pa.Table:
    """``rows`` (named positionally after ``names``) laid out as ``columns``, missing ones all-null."""
    given = dict(zip(names, rows.columns))
    return pa.table({f"c{i}": given[c] if c in given else pa.nulls(rows.num_rows, _ARROW_TYPES[types.get(c, STRING)])
                     for i, c in enumerate(columns)})


class LadybugStore(GraphStore):
    """The embedded kgmine store: a LadybugDB database in a directory.

    Parameters
    ----------
    path : str or Path
        Store directory; the database file is ``path/graph.lbdb``.
    read_only : bool, default False
        Open the database read-only (several readers may share it; every write is refused).
    create : bool, default True
        Create the directory (and an empty database) when missing. With ``create=False`` a missing
        store raises :class:`StoreError` instead.
    threads : int, default 0
        Maximum threads per query (0 = all cores).
    buffer_pool_mb : int or None, default None
        Buffer pool size in MiB (None = ladybug's default, about 80 % of memory).
    query_timeout_ms : int, default 0
        Stop any query running longer than this (0 = no limit); see :meth:`set_query_timeout`.

    A read-only store answers queries from several threads at once: each thread gets its own
    connection to the shared database (settings never carry over between them). Opening read-only a
    store whose writer was killed during a checkpoint first opens it read-write once, which completes
    the recovery (LadybugDB cannot recover read-only).

    Attributes
    ----------
    last_write_ : dict
        ``{"new": n, "updated": n, "unchanged": n}`` of the latest upsert call.
    """

    name = "ladybug"

    def __init__(self, path: str | Path, *, read_only: bool = False, create: bool = True, threads: int = 0,
                 buffer_pool_mb: int | None = None, query_timeout_ms: int = 0) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self.threads = threads
        self.buffer_pool_mb = buffer_pool_mb
        self.query_timeout_ms = query_timeout_ms
        if self.path.exists() and not self.path.is_dir():
            raise StoreError(f"store path {self.path} is a file; a store is a directory")
        db_file = self.path / DB_FILE
        if not db_file.exists():
            if read_only or not create:
                raise StoreError(f"no LadybugDB store at {self.path} (missing {DB_FILE})")
            self.path.mkdir(parents=True, exist_ok=True)
        self._db: Any = None
        self._conn: Any = None
        self._local = threading.local()  # read-only: one connection per thread beyond the opening one
        self._owner = threading.get_ident()
        self._extra_conns: list[Any] = []
        self._conns_lock = threading.Lock()
        self._tx_depth = 0
        self._columns: dict[str, list[str]] | None = None
        self._schema_ready = False
        self.last_write_: dict[str, int] = {}
        self._open()

    # ------------------------------------------------------------------ connection

    @property
    def db_file(self) -> Path:
        """The LadybugDB database file inside the store directory."""
        return self.path / DB_FILE

    def _open(self) -> None:
        import ladybug

        kwargs: dict[str, Any] = {"read_only": self.read_only, "max_num_threads": self.threads}
        if self.buffer_pool_mb:
            kwargs["buffer_pool_size"] = int(self.buffer_pool_mb) * 1024 * 1024
        try:
            try:
                self._db = ladybug.Database(str(self.db_file), **kwargs)
            except Exception as exc:  # noqa: BLE001 - ladybug raises RuntimeError/IndexError
                if not (self.read_only and RECOVERY_PENDING in str(exc)):
                    raise
                self._recover(ladybug, kwargs)
                self._db = ladybug.Database(str(self.db_file), **kwargs)
            self._conn = self._new_connection()
        except StoreError:
            self._db = self._conn = None
            raise
        except Exception as exc:  # noqa: BLE001 - ladybug raises RuntimeError/IndexError
            self._db = self._conn = None
            hint = (f"; `kgmine repair --store {self.path}` keeps what the log holds up to the damaged record "
                    "(the damaged log is backed up first)") if WAL_CORRUPTED in str(exc) else ""
            raise StoreError(f"cannot open LadybugDB store {self.path}: {_one_line(exc)}{hint}") from None

    def _recover(self, ladybug: Any, kwargs: dict[str, Any]) -> None:
        """Complete a checkpoint a killed writer left pending: open read-write once, close (replays the WAL)."""
        try:
            db = ladybug.Database(str(self.db_file), **{**kwargs, "read_only": False})
            db.close()
        except Exception as exc:  # noqa: BLE001 - e.g. another process holds the store open
            raise StoreError(f"store {self.path} needs checkpoint recovery (a writer stopped during a checkpoint) "
                             f"and could not be opened to recover it ({_one_line(exc)}); when no other program "
                             f"uses it, run: kgmine query --store {self.path} --write \"RETURN 1\"") from None
        _log.warning("store %s: completed a checkpoint left pending by a stopped writer", self.path)

    def _new_connection(self) -> Any:
        import ladybug

        conn = ladybug.Connection(self._db, num_threads=self.threads)
        if self.query_timeout_ms:
            conn.set_query_timeout(int(self.query_timeout_ms))
        return conn

    def _connection(self) -> Any:
        """The connection for this thread: the store's own one, or (read-only, another thread) a private one."""
        if self._conn is None:
            raise StoreError(f"store {self.path} is closed")
        if not self.read_only or threading.get_ident() == self._owner:
            return self._conn
        conn = getattr(self._local, "conn", None)
        if conn is None or getattr(self._local, "db", None) is not self._db:
            conn = self._new_connection()
            self._local.conn, self._local.db = conn, self._db
            with self._conns_lock:
                self._extra_conns.append(conn)
        return conn

    @property
    def concurrent_reads(self) -> bool:
        """A read-only store runs each thread's queries on that thread's own connection."""
        return self.read_only

    def set_query_timeout(self, seconds: float | None) -> None:
        """Stop every later query (on every connection) that runs longer than ``seconds`` (None or 0: no limit)."""
        self.query_timeout_ms = int(round((seconds or 0) * 1000))
        with self._conns_lock:
            conns = [c for c in (self._conn, *self._extra_conns) if c is not None]
        for conn in conns:
            conn.set_query_timeout(self.query_timeout_ms)

    def close(self) -> None:
        """Close the connection and the database (writes are committed; the WAL is checkpointed)."""
        with self._conns_lock:
            extra, self._extra_conns = self._extra_conns, []
        for handle in (*extra, self._conn, self._db):
            if handle is not None:
                try:
                    handle.close()
                except Exception:  # noqa: BLE001, S110 - closing twice or after a failure is harmless
                    pass
        self._conn = self._db = None

    def _reopen(self) -> None:
        self.close()
        self._columns, self._schema_ready = None, False  # tables made in a rolled-back transaction are gone
        self._open()

    def _execute(self, cypher: str, params: dict[str, Any] | None = None) -> Any:
        """Run one statement; every ladybug error becomes a one-line :class:`StoreError`."""
        conn = self._connection()
        try:
            result = conn.execute(cypher, params or {})
        except Exception as exc:  # noqa: BLE001 - ladybug raises plain RuntimeError
            # a failed statement ends ladybug's open transaction; no local name for the error, so no
            # frame <-> traceback cycle keeps the statement's arrow parameters (and ladybug handles) alive
            raise self._abort(StoreError(self._message(exc))) from None
        if isinstance(result, list):  # several statements: the last one answers
            result = result[-1]
        return result

    def _message(self, exc: BaseException) -> str:
        """A ladybug error as one line; the query timeout's bare "Interrupted." says what stopped it."""
        text = _one_line(exc)
        if text.rstrip(".") == "Interrupted" and self.query_timeout_ms:
            return (f"query stopped: it ran longer than the query timeout of {self.query_timeout_ms / 1000:g} s "
                    "(--timeout; narrow the MATCH or add a LIMIT)")
        return text

    def _begin(self) -> None:
        """``BEGIN TRANSACTION`` (see :meth:`GraphStore.transaction`)."""
        self._check_writable()
        self._execute("BEGIN TRANSACTION")

    def _commit(self) -> None:
        self._execute("COMMIT")

    def _rollback(self) -> None:
        """``ROLLBACK`` and reopen the database handle (a fresh statement cache; see the module docstring)."""
        try:
            self._conn.execute("ROLLBACK")
        except Exception:  # noqa: BLE001, S110 - ladybug already rolled back after a failed statement
            pass
        self._reopen()

    def _check_writable(self) -> None:
        if self.read_only:
            raise StoreError(f"store {self.path} is open read-only")

    # ------------------------------------------------------------------ queries

    def query(self, cypher: str, params: dict[str, Any] | None = None, *, write: bool = False) -> pd.DataFrame:
        """Run parameterised Cypher and return the rows as a DataFrame (columns = RETURN names).

        With ``write=False`` (the default) a query with a writing clause (CREATE, MERGE, SET,
        DELETE, REMOVE, DROP, COPY, ALTER, …) is refused with :class:`StoreError`. Values always
        travel in ``params`` (``$name`` in the query), never inside the Cypher text.
        """
        return arrow_to_frame(self.query_arrow(cypher, params, write=write))

    def query_arrow(self, cypher: str, params: dict[str, Any] | None = None, *, write: bool = False) -> pa.Table:
        """Like :meth:`query` but returns the rows as a ``pyarrow.Table`` (the fast path for exports)."""
        clauses = check_query(cypher, write=write, limits=self.query_limits)
        if clauses:
            self._check_writable()
            self._columns, self._schema_ready = None, False  # the query may change the schema
        params = {k: (v.item() if isinstance(v, np.generic) else v) for k, v in (params or {}).items()}
        missing = [name for name in query_parameters(cypher) if name not in params]
        if missing:
            raise StoreError(f"query uses parameter(s) {', '.join('$' + m for m in missing)} but no value was given")
        result = self._execute(cypher, params)
        try:
            if not result.get_column_names():  # e.g. a write without RETURN
                return pa.table({})
            return result.get_as_arrow()
        except Exception as exc:  # noqa: BLE001 - ladybug raises plain RuntimeError
            raise StoreError(_one_line(exc)) from None

    # ------------------------------------------------------------------ schema

    def create_schema(self) -> None:
        """Create every node and relationship table of the schema; add columns the schema gained.

        Safe to call again. A relationship table whose label pairs differ from the schema raises
        :class:`StoreError` (pairs cannot be changed in place).
        """
        self._check_writable()
        if self._schema_ready:
            return
        columns = self._table_columns()
        existing = set(columns)
        for label in NODE_TYPES:
            if label not in columns:
                self._execute(node_table_ddl(label))
        for type_ in REL_TYPES:
            if type_ not in columns:
                self._execute(rel_table_ddl(type_))
        self._columns = None
        self._migrate(existing)
        self._schema_ready = True

    def _migrate(self, existing: set[str]) -> None:
        """``ALTER TABLE … ADD`` properties and label pairs the schema has and an older table lacks."""
        columns = self._table_columns()
        changed = False
        for name, props in ([(label, nt.properties) for label, nt in NODE_TYPES.items()]
                            + [(t, rt.properties) for t, rt in REL_TYPES.items()]):
            for prop, typ in props.items():
                if name in existing and prop not in columns[name]:
                    self._execute(f"ALTER TABLE {_q(name)} ADD {_q(prop, 'property')} {typ}")
                    changed = True
        for type_, rt in REL_TYPES.items():
            if type_ in existing and len(rt.pairs) > 1:
                stored = self._rel_pairs(type_)
                for src, dst in (p for p in rt.pairs if p not in stored):
                    self._execute(f"ALTER TABLE {_q(type_)} ADD FROM {_q(src, 'label')} TO {_q(dst, 'label')}")
        if changed:
            self._columns = None

    def _table_columns(self) -> dict[str, list[str]]:
        """Stored tables and their property columns in table order (cached until the schema changes)."""
        if self._columns is None:
            tables = self._execute("CALL show_tables() RETURN name").get_as_arrow().column("name").to_pylist()
            self._columns = {}
            for name in tables:
                if name.startswith("__"):  # ladybug's temporary scan tables
                    continue
                info = self._execute(f"CALL table_info('{check_identifier(name, 'table')}') RETURN name")
                self._columns[name] = info.get_as_arrow().column("name").to_pylist()
        return self._columns

    def _rel_pairs(self, type_: str) -> set[tuple[str, str]]:
        frame = self._execute(f"CALL show_connection('{check_identifier(type_)}') RETURN *").get_as_df()
        return set(zip(frame.iloc[:, 0], frame.iloc[:, 1]))

    def _require_table(self, name: str) -> list[str]:
        columns = self._table_columns()
        if name not in columns:
            self.create_schema()
            columns = self._table_columns()
        return columns[name]

    # ------------------------------------------------------------------ writes

    def load(self, tables: KGTables, progress: bool = True) -> dict[str, int]:
        """:meth:`GraphStore.load` (one transaction); :attr:`last_write_` sums the new, updated and unchanged rows."""
        self._load_totals = {"new": 0, "updated": 0, "unchanged": 0}
        counts = super().load(tables, progress)
        self.last_write_ = self._load_totals
        return counts

    def _load_nodes(self, label: str, frame: pd.DataFrame) -> None:
        self._upsert_nodes(label, frame, conformed=True)
        self._load_totals = {k: v + self.last_write_[k] for k, v in self._load_totals.items()}

    def _load_edges(self, type_: str, src_label: str, dst_label: str, frame: pd.DataFrame) -> None:
        self._upsert_edges(type_, src_label, dst_label, frame, conformed=True)
        self._load_totals = {k: v + self.last_write_[k] for k, v in self._load_totals.items()}

    def upsert_nodes(self, label: str, frame: pd.DataFrame) -> int:
        """MERGE nodes of ``label`` on ``id`` and set the properties given in ``frame``; returns rows.

        New ids are bulk-copied, existing ids with changed properties are updated, unchanged rows
        are skipped (:attr:`last_write_` says how many of each). Later rows win on equal ids.
        """
        return self._upsert_nodes(label, frame, conformed=False)

    def _upsert_nodes(self, label: str, frame: pd.DataFrame, conformed: bool) -> int:
        self._check_writable()
        props = self.node_properties(label, frame)
        try:
            data = (frame if conformed else conform_nodes(label, frame))[["id", *props]]
        except (ValueError, TypeError) as exc:
            raise StoreError(f"{label}: {exc}") from None
        nt = NODE_TYPES[label]
        rows = _to_arrow(data, [STRING] + [nt.properties[p] for p in props])
        with self.transaction():
            table_cols = self._require_table(label)
            existing = self._arrow(f"MATCH (n:{_q(label)}) RETURN n.`id` AS c0"
                                   + "".join(f", n.{_q(p)} AS c{i + 1}" for i, p in enumerate(props)))
            match = pc.fill_null(pc.index_in(rows.column(0), value_set=existing.column(0)), -1)
            new, changed, unchanged = _diff(rows, existing, match.to_numpy(zero_copy_only=False), n_keys=1)
            if new.num_rows:
                types = {"id": STRING, **nt.properties}
                self._execute(f"COPY {_q(label)} FROM $rows", {"rows": _widen(new, ["id", *props], table_cols, types)})
            if changed.num_rows and props:
                sets = ", ".join(f"n.{_q(p)} = c{i + 1}" for i, p in enumerate(props))
                self._execute(f"LOAD FROM $rows MATCH (n:{_q(label)} {{`id`: c0}}) SET {sets}", {"rows": changed})
        self.last_write_ = {"new": new.num_rows, "updated": changed.num_rows, "unchanged": unchanged}
        return len(data)

    def upsert_edges(self, type_: str, src_label: str, dst_label: str, frame: pd.DataFrame) -> int:
        """MERGE edges of ``type_`` on ``(src, dst)`` and set the properties given in ``frame``.

        Both endpoints must already be stored (:class:`StoreError` names a missing id otherwise).
        New pairs are bulk-copied, existing pairs with changed properties updated, the rest skipped.
        """
        return self._upsert_edges(type_, src_label, dst_label, frame, conformed=False)

    def _upsert_edges(self, type_: str, src_label: str, dst_label: str, frame: pd.DataFrame,
                      conformed: bool) -> int:
        """Upsert edges; ``conformed=True`` (from :meth:`load`) means ``frame`` is already an EdgeTable frame."""
        self._check_writable()
        props = self.edge_properties(type_, src_label, dst_label, frame)
        try:
            data = (frame if conformed else conform_edges(type_, frame))[["src", "dst", *props]]
        except (ValueError, TypeError) as exc:
            raise StoreError(f"{type_}: {exc}") from None
        rt = REL_TYPES[type_]
        rows = _to_arrow(data, [STRING, STRING] + [rt.properties[p] for p in props])
        a, t, b = _q(src_label), _q(type_), _q(dst_label)
        with self.transaction():
            table_cols = self._require_table(type_)
            self._require_table(src_label)
            self._require_table(dst_label)
            # Edge keys as integers: (position of src among the source ids) * |targets| + position of dst.
            src_ids = self._arrow(f"MATCH (n:{a}) RETURN n.`id` AS c0").column(0)
            dst_ids = self._arrow(f"MATCH (n:{b}) RETURN n.`id` AS c0").column(0)
            keys = self._edge_keys(rows, src_ids, dst_ids, type_, src_label, dst_label)
            existing = self._arrow(f"MATCH (a:{a})-[e:{t}]->(b:{b}) RETURN a.`id` AS c0, b.`id` AS c1"
                                   + "".join(f", e.{_q(p)} AS c{i + 2}" for i, p in enumerate(props)))
            old_keys = self._edge_keys(existing, src_ids, dst_ids, type_, src_label, dst_label)
            new, changed, unchanged = _diff(rows, existing, _positions(keys, old_keys), n_keys=2)
            if new.num_rows:
                types = {"src": STRING, "dst": STRING, **rt.properties}
                full = _widen(new, ["src", "dst", *props], ["src", "dst", *table_cols], types)
                self._execute(f"COPY {t} FROM $rows (from='{src_label}', to='{dst_label}')", {"rows": full})
            if changed.num_rows and props:
                sets = ", ".join(f"e.{_q(p)} = c{i + 2}" for i, p in enumerate(props))
                self._execute(f"LOAD FROM $rows MATCH (a:{a} {{`id`: c0}})-[e:{t}]->(b:{b} {{`id`: c1}}) SET {sets}",
                              {"rows": changed})
        self.last_write_ = {"new": new.num_rows, "updated": changed.num_rows, "unchanged": unchanged}
        return len(data)

    @staticmethod
    def _edge_keys(rows: pa.Table, src_ids: pa.ChunkedArray, dst_ids: pa.ChunkedArray, type_: str,
                   src_label: str, dst_label: str) -> np.ndarray:
        """int64 key per edge row; :class:`StoreError` naming an endpoint id that is not stored."""
        codes = []
        for i, (ids, col, label) in enumerate(((src_ids, "src", src_label), (dst_ids, "dst", dst_label))):
            code = pc.index_in(rows.column(i), value_set=ids)
            if code.null_count:
                missing = pc.filter(rows.column(i), pc.is_null(code))
                raise StoreError(f"{type_} {col} refers to unknown {label} id {missing[0].as_py()!r} "
                                 f"({len(missing)} such edges); upsert the {label} nodes first")
            codes.append(code.to_numpy(zero_copy_only=False).astype(np.int64))
        return codes[0] * max(len(dst_ids), 1) + codes[1]

    def _arrow(self, cypher: str) -> pa.Table:
        """An internal read as an arrow table (one chunk per column)."""
        return self._execute(cypher).get_as_arrow().combine_chunks()

    def delete_edges(self, type_: str, src_label: str, dst_label: str,
                     where: dict[str, Any] | None = None, *, src_ids: Iterable[str] | None = None) -> None:
        """Delete edges of ``type_`` between the two labels, optionally only those whose properties equal
        ``where`` (``None`` matches a missing property) and only those from ``src_ids``."""
        self._check_writable()
        rt = check_pair(type_, src_label, dst_label)
        conditions, params = match_conditions("a", src_label, {}, ids=src_ids)
        by_props, prop_params = match_conditions("e", type_, rt.properties, where)
        if type_ not in self._table_columns():
            return
        with self.transaction():
            self._execute(f"MATCH (a:{_q(src_label)})-[e:{_q(type_)}]->(b:{_q(dst_label)})"
                          f"{where_clause(by_props + conditions)} DELETE e", {**prop_params, **params})

    def delete_nodes(self, label: str, where: dict[str, Any] | None = None, *,
                     ids: Iterable[str] | None = None) -> None:
        """DETACH DELETE nodes of ``label`` (only those whose properties equal ``where``, ``None`` matching a
        missing property; only those with ``ids``)."""
        self._check_writable()
        conditions, params = match_conditions("n", label, node_type(label).properties, where, ids)
        if label not in self._table_columns():
            return
        with self.transaction():
            self._execute(f"MATCH (n:{_q(label)}){where_clause(conditions)} DETACH DELETE n", params)

    def clear(self) -> None:
        """Delete every node and relationship (the tables stay); one transaction."""
        self._check_writable()
        if not any(label in self._table_columns() for label in NODE_TYPES):
            return
        with self.transaction():
            self._execute("MATCH (n) DETACH DELETE n")

    # ------------------------------------------------------------------ reads

    def counts(self) -> dict[str, int]:
        """Nodes per label and relationships per type (0 for tables not created yet), in two queries."""
        out = {label: 0 for label in NODE_TYPES} | {type_: 0 for type_ in REL_TYPES}
        tables = self._table_columns()
        for kind, cypher in (("node", "MATCH (n) RETURN label(n) AS k, count(*) AS n"),
                             ("rel", "MATCH ()-[r]->() RETURN label(r) AS k, count(*) AS n")):
            names = NODE_TYPES if kind == "node" else REL_TYPES
            if not any(name in tables for name in names):
                continue
            result = self._execute(cypher).get_as_arrow()
            for name, n in zip(result.column("k").to_pylist(), result.column("n").to_pylist()):
                if name in out:
                    out[name] = int(n)
        return out

    def __repr__(self) -> str:
        return f"LadybugStore({str(self.path)!r}{', read_only=True' if self.read_only else ''})"


def repair_store(path: str | Path) -> dict[str, Any]:
    """Open a store whose write-ahead log is damaged (a writer killed mid-write): replay the log up to the
    first damaged record and drop the rest, which LadybugDB does only when asked
    (``throw_on_wal_replay_failure=False``), so never silently. The damaged log is copied to
    ``graph.lbdb.wal.damaged-<time>`` first. Returns ``{"repaired": bool, "backup": path or None,
    "counts": node and relationship counts after the repair}``; a store that opens normally is left as it is.
    """
    import shutil
    import time

    import ladybug

    path = Path(path)
    db_file = path / DB_FILE
    if not db_file.exists():
        raise StoreError(f"no LadybugDB store at {path} (missing {DB_FILE})")
    try:
        store = LadybugStore(path, create=False)
    except StoreError as exc:
        if WAL_CORRUPTED not in str(exc):
            raise
    else:
        with store:
            return {"repaired": False, "backup": None, "counts": store.counts()}
    wal = db_file.with_name(db_file.name + ".wal")
    backup = wal.with_name(f"{wal.name}.damaged-{time.strftime('%Y%m%dT%H%M%S')}")
    shutil.copy2(wal, backup)
    try:
        db = ladybug.Database(str(db_file), throw_on_wal_replay_failure=False)
        db.close()
    except Exception as exc:  # noqa: BLE001 - ladybug raises RuntimeError
        raise StoreError(f"cannot repair {path}: {_one_line(exc)} (the damaged log is kept at {backup})") from None
    _log.warning("store %s: replayed the write-ahead log up to its damaged record; backup %s", path, backup)
    with LadybugStore(path, create=False) as store:
        return {"repaired": True, "backup": str(backup), "counts": store.counts()}


__all__ = ["DB_FILE", "LadybugStore", "RECOVERY_PENDING", "WAL_CORRUPTED", "repair_store", "arrow_to_frame", "node_table_ddl", "query_parameters", "rel_table_ddl",
           "schema_ddl", "write_clauses"]
