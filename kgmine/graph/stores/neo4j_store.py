"""The Neo4j server store: kgmine's knowledge graph in a real Neo4j 5, through the official driver.

Writes are idempotent batched upserts. Each write call (one upsert, delete or clear) is ONE managed
transaction (``session.execute_write``, which retries transient errors and lost connections for up to
``max_retry_time`` seconds) running its ``UNWIND`` batches, so it is all-or-nothing as on LadybugDB;
a whole ``load`` is one managed transaction too (retried as a whole). Inside
:meth:`~kgmine.graph.stores.base.GraphStore.transaction` every call joins one explicit transaction,
which is not retried (the block is the caller's code): a lost connection fails it and nothing is
committed::

    UNWIND $rows AS r MERGE (n:Product {id: r[0]}) SET n.title = r[1], n.price = r[2]
    UNWIND $rows AS r MATCH (a:User {id: r[0]}) MATCH (b:Product {id: r[1]})
        MERGE (a)-[e:BOUGHT]->(b) SET e.timestamp = r[2]

Every node label gets a uniqueness constraint on ``id`` (which is also the index MERGE and MATCH
use), and the lookups the pipeline does by other properties get range indexes (:data:`LOOKUP_INDEXES`).
Labels and relationship types only reach Cypher after :func:`~kgmine.graph.schema.check_identifier`;
all values travel as parameters. Provenance columns of an edge table (``source_doc``, ``extractor``,
``confidence``) are ordinary edge properties and are written like the others. As in the embedded
store, only the property columns present in a frame are set, and a null clears that property.

Batch size: ``benchmarks/neo4j_load.py --sweep`` upserts 150,000 Gowalla BOUGHT edges at batch sizes
1,000 to 25,000, in alternating order. On the 2-core development machine (shared with other jobs)
the rates were flat within noise (medians 4,600-5,700 rel/s); 1,000 had the best median in both
sweeps with this writer, and small batches also bound the work redone by a retry and the
work the server plans per statement, so :data:`DEFAULT_BATCH_SIZE` is 1,000.

Connection settings come from the arguments, else a config mapping (``uri``, ``user``, ``password``,
``database``), else the environment (``NEO4J_URI``,
``NEO4J_USER``, ``NEO4J_PASSWORD``, ``NEO4J_DATABASE``), else ``bolt://localhost:7687`` / ``neo4j`` /
no password / the server's default database. The password is never logged, printed or put in a repr.
Every failure surfaces as a one-line :class:`~kgmine.graph.stores.base.StoreError`.
"""
from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from kgmine.graph.schema import NODE_TYPES, REL_TYPES, check_identifier, node_type
from kgmine.graph.stores.base import GraphStore, StoreError, check_pair, match_conditions, where_clause
from kgmine.graph.stores.guard import check_query
from kgmine.graph.tables import conform_edges, conform_nodes
from kgmine.progress import make_progress

#: Rows per UNWIND statement; chosen with ``benchmarks/neo4j_load.py --sweep``.
DEFAULT_BATCH_SIZE = 1_000

#: Range indexes for the property lookups the pipeline makes besides ``id``: (label, properties).
LOOKUP_INDEXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Brand", ("name",)),
    ("Category", ("name",)),
    ("Category", ("path",)),
    ("AttributeValue", ("attribute", "value")),
    ("Cluster", ("method",)),
    ("Community", ("method",)),
    ("Entity", ("name",)),
)
#: Relationship-property indexes: (type, properties); RECOMMENDED edges are replaced per model.
REL_LOOKUP_INDEXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("RECOMMENDED", ("model",)),
    ("HAS_ATTRIBUTE", ("attribute",)),
)

#: Neo4j settings read from the environment when not given: key -> variable.
NEO4J_ENV = {"uri": "NEO4J_URI", "user": "NEO4J_USER", "password": "NEO4J_PASSWORD", "database": "NEO4J_DATABASE"}
_DEFAULTS = {"uri": "bolt://localhost:7687", "user": "neo4j", "password": None, "database": None}


@dataclass(frozen=True)
class Neo4jSettings:
    """Where and how to connect; ``password`` is kept out of ``repr`` and every message."""

    uri: str
    user: str = "neo4j"
    password: str | None = field(default=None, repr=False)
    database: str | None = None

    @classmethod
    def resolve(cls, uri: str | None = None, user: str | None = None, password: str | None = None,
                database: str | None = None, config: Mapping[str, Any] | None = None,
                environ: Mapping[str, str] | None = None) -> "Neo4jSettings":
        """Settings from the arguments, else ``config``, else ``NEO4J_*`` environment variables, else defaults."""
        env = os.environ if environ is None else environ
        given = {"uri": uri, "user": user, "password": password, "database": database}
        config = dict(config or {})
        unknown = set(config) - set(given)
        if unknown:
            raise StoreError(f"unknown neo4j config key(s) {sorted(unknown)}; expected uri, user, password, database")
        values = {}
        for key in given:
            value = given[key]
            if value is None:
                value = config.get(key)
            if value is None:
                value = env.get(NEO4J_ENV[key]) or None
            values[key] = _DEFAULTS[key] if value is None else str(value)
        return cls(**values)


class Neo4jStore(GraphStore):
    """A :class:`GraphStore` on a Neo4j 5 server (official ``neo4j`` driver, Bolt).

    Parameters
    ----------
    uri, user, password, database:
        Connection settings; see :meth:`Neo4jSettings.resolve` for the fallbacks (config, env, defaults).
    config:
        Optional mapping with the same keys (e.g. a pipeline config's ``store`` settings).
    batch_size:
        Rows per ``UNWIND`` statement (default :data:`DEFAULT_BATCH_SIZE`); a write call runs all its
        batches in one transaction.
    max_retry_time:
        Seconds a managed transaction keeps retrying transient errors and lost connections (waits
        grow from 0.5 s by x1.5, so a server that comes back is noticed within a third of the outage).
    connect_timeout:
        Seconds to wait for a TCP connection.
    progress:
        Show a progress bar over batches for large writes.

    Raises :class:`StoreError` (one line) when the server cannot be reached or refuses the credentials.
    """

    name = "neo4j"

    def __init__(self, uri: str | None = None, user: str | None = None, password: str | None = None,
                 database: str | None = None, *, config: Mapping[str, Any] | None = None,
                 batch_size: int = DEFAULT_BATCH_SIZE, max_retry_time: float = 60.0,
                 connect_timeout: float = 10.0, progress: bool = True) -> None:
        import neo4j

        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.settings = Neo4jSettings.resolve(uri, user, password, database, config)
        self.batch_size = int(batch_size)
        self.progress = progress
        self._tx: Any = None  # the explicit transaction of transaction(), and its session
        self._tx_session: Any = None
        self._schema_ready = False
        self._managed = False  # inside _atomically: driver errors propagate raw so the driver can retry
        self.query_timeout: float | None = None
        auth = (self.settings.user, self.settings.password or "")
        try:
            self._driver = neo4j.GraphDatabase.driver(
                self.settings.uri, auth=auth, max_transaction_retry_time=max_retry_time,
                initial_retry_delay=0.5, retry_delay_multiplier=1.5,
                connection_timeout=connect_timeout, connection_acquisition_timeout=max(60.0, connect_timeout),
                notifications_disabled_classifications=["UNRECOGNIZED"], user_agent="kgmine")
        except (ValueError, neo4j.exceptions.ConfigurationError) as exc:
            raise StoreError(f"bad Neo4j URI {self.settings.uri!r}: {_one_line(str(exc))}") from None
        try:
            self._driver.verify_connectivity()
        except Exception as exc:
            self._driver.close()
            raise self._error(exc, "connect") from None

    def __repr__(self) -> str:
        s = self.settings
        return f"Neo4jStore(uri={s.uri!r}, user={s.user!r}, database={s.database!r})"

    # ------------------------------------------------------------------ schema
    def create_schema(self) -> None:
        """Uniqueness constraint on ``id`` for every node label, plus :data:`LOOKUP_INDEXES`; idempotent.

        Done once per store object (later calls return at once); each command commits by itself.
        """
        if self._schema_ready:
            return
        statements = []
        for label in NODE_TYPES:
            check_identifier(label, "label")
            statements.append(f"CREATE CONSTRAINT kgmine_{label}_id IF NOT EXISTS "
                              f"FOR (n:{label}) REQUIRE n.id IS UNIQUE")
        for label, props in LOOKUP_INDEXES:
            name = check_identifier("_".join(["kgmine", label, *props]), "index name")
            keys = ", ".join(f"n.{check_identifier(p, 'property')}" for p in props)
            statements.append(f"CREATE INDEX {name} IF NOT EXISTS "
                              f"FOR (n:{check_identifier(label, 'label')}) ON ({keys})")
        for type_, props in REL_LOOKUP_INDEXES:
            name = check_identifier("_".join(["kgmine", type_, *props]), "index name")
            keys = ", ".join(f"e.{check_identifier(p, 'property')}" for p in props)
            statements.append(f"CREATE INDEX {name} IF NOT EXISTS FOR ()-[e:{check_identifier(type_, 'type')}]-() "
                              f"ON ({keys})")
        for statement in statements:  # schema commands commit at once, also inside transaction()
            self._write(lambda tx, q=statement: tx.run(q).consume(), what="create schema", join=False)
        self._write(lambda tx: tx.run("CALL db.awaitIndexes(300)").consume(), what="wait for indexes", join=False)
        self._schema_ready = True

    # ------------------------------------------------------------------ writes
    def upsert_nodes(self, label: str, frame: pd.DataFrame) -> int:
        """MERGE nodes of ``label`` on ``id`` and set the properties given in ``frame``; returns rows.

        Only the schema properties present as columns are set (a null clears that property, as in
        the embedded store); later rows win on equal ids.
        """
        props = self.node_properties(label, frame)
        data = _conformed(lambda: conform_nodes(label, frame), label)[["id", *props]]
        rows = _rows(data, ["id", *props])
        cypher = (f"UNWIND $rows AS r MERGE (n:{label} {{id: r[0]}}){_set_clause('n', props, 1)} "
                  f"RETURN count(*) AS n")
        return self.write_batches(cypher, rows, f"upsert {label}")

    def upsert_edges(self, type_: str, src_label: str, dst_label: str, frame: pd.DataFrame) -> int:
        """MERGE ``(src)-[:type_]->(dst)`` between stored nodes and set the given properties; returns rows.

        One edge per ``(src, dst)`` and type; later rows win. Raises :class:`StoreError` naming an
        example when an endpoint id is not stored, and then writes nothing (one transaction).
        """
        props = self.edge_properties(type_, src_label, dst_label, frame)
        data = _conformed(lambda: conform_edges(type_, frame), type_)[["src", "dst", *props]]
        rows = _rows(data, ["src", "dst", *props])
        cypher = (f"UNWIND $rows AS r MATCH (a:{src_label} {{id: r[0]}}) MATCH (b:{dst_label} {{id: r[1]}}) "
                  f"MERGE (a)-[e:{type_}]->(b){_set_clause('e', props, 2)} RETURN count(*) AS n")
        what = f"upsert {type_}"

        def work(tx: Any) -> int:
            written = self._run_batches(tx, cypher, rows, what)
            if written < len(rows):  # raising rolls the whole call back
                example = _missing_endpoint(tx, rows, src_label, dst_label)
                raise StoreError(f"{type_}: nothing written: {len(rows) - written} of {len(rows)} edges have an "
                                 f"endpoint node that is missing (e.g. {example}); upsert the nodes first")
            return written

        return self._write(work, what, rows=len(rows))

    def delete_edges(self, type_: str, src_label: str, dst_label: str,
                     where: dict[str, Any] | None = None, *, src_ids: Iterable[str] | None = None) -> None:
        """Delete edges of ``type_`` between the labels (only those whose properties equal ``where``,
        ``None`` meaning a missing property; only those from ``src_ids``); one transaction."""
        rt = check_pair(type_, src_label, dst_label)
        conditions, params = match_conditions("e", type_, rt.properties, where)
        by_src, src_params = match_conditions("a", src_label, {}, ids=src_ids)
        cypher = (f"MATCH (a:{src_label})-[e:{type_}]->(:{dst_label}){where_clause(conditions + by_src)} DELETE e")
        self._write(lambda tx: tx.run(cypher, {**params, **src_params}).consume(), what=f"delete {type_}")

    def delete_nodes(self, label: str, where: dict[str, Any] | None = None, *,
                     ids: Iterable[str] | None = None) -> None:
        """DETACH DELETE nodes of ``label`` (only those whose properties equal ``where``, ``None`` meaning a
        missing property; only those with ``ids``); one transaction."""
        conditions, params = match_conditions("n", label, node_type(label).properties, where, ids)
        cypher = f"MATCH (n:{label}){where_clause(conditions)} DETACH DELETE n"
        self._write(lambda tx: tx.run(cypher, params).consume(), what=f"delete {label}")

    def clear(self) -> None:
        """Delete every node and relationship (constraints and indexes stay); one transaction."""
        self._write(lambda tx: tx.run("MATCH (n) DETACH DELETE n").consume(), what="clear")

    # ------------------------------------------------------------------ reads
    def query(self, cypher: str, params: dict[str, Any] | None = None, *, write: bool = False) -> pd.DataFrame:
        """Run parameterised Cypher; the rows as a DataFrame with the RETURN names as columns.

        The query guard checks the text first (:func:`~kgmine.graph.stores.guard.check_query`). Runs
        in READ access mode unless ``write=True``: the server then refuses any write with a
        :class:`StoreError` that says so. Inside :meth:`transaction` the query runs in the open (write)
        transaction, so it is planned first (``EXPLAIN``) and refused before running if it writes.
        Outside one, a :meth:`set_query_timeout` limit is the transaction's timeout.
        """
        import neo4j

        check_query(cypher, write=write, limits=self.query_limits)

        @neo4j.unit_of_work(timeout=self.query_timeout or None)
        def work(tx: Any) -> pd.DataFrame:
            result = tx.run(cypher, params or {})
            keys = list(result.keys())
            frame = result.to_df()
            return frame if len(frame.columns) else pd.DataFrame(columns=keys)

        if write:
            return self._write(work, what="query")
        if self._tx_depth:
            kind = self._write(lambda tx: tx.run("EXPLAIN " + cypher, params or {}).consume().query_type, "query")
            if kind != "r":
                raise StoreError(_READ_ONLY.format(what="query"))
        return self._read(work, what="query")

    @property
    def concurrent_reads(self) -> bool:
        """Outside :meth:`transaction` every query has its own session (the driver is thread-safe)."""
        return not self._tx_depth

    def set_query_timeout(self, seconds: float | None) -> None:
        """Give every later :meth:`query` outside :meth:`transaction` a server-side transaction timeout of
        ``seconds`` (None or 0: the server's default)."""
        self.query_timeout = float(seconds) if seconds else None

    def counts(self) -> dict[str, int]:
        """Nodes per label and relationships per type, in one query (answered from Neo4j's count store)."""
        parts = [f"MATCH (n:{check_identifier(label, 'label')}) WITH count(n) AS n RETURN '{label}' AS k, n"
                 for label in NODE_TYPES]
        parts += [f"MATCH ()-[r:{check_identifier(type_, 'type')}]->() WITH count(r) AS n RETURN '{type_}' AS k, n"
                  for type_ in REL_TYPES]
        frame = self.query(" UNION ALL ".join(parts))
        return {str(k): int(n) for k, n in zip(frame["k"], frame["n"])}

    def close(self) -> None:
        """Close the driver and its connection pool."""
        self._driver.close()

    # ------------------------------------------------------------------ internals
    def _session(self, access: str) -> Any:
        return self._driver.session(database=self.settings.database, default_access_mode=access)

    def _begin(self) -> None:
        import neo4j

        try:
            self._tx_session = self._session(neo4j.WRITE_ACCESS)
            self._tx = self._tx_session.begin_transaction()
        except Exception as exc:
            self._end_transaction()
            raise self._error(exc, "begin transaction") from None

    def _commit(self) -> None:
        try:
            self._tx.commit()
        except Exception as exc:
            raise self._error(exc, "commit") from None
        self._end_transaction()

    def _rollback(self) -> None:
        try:
            if self._tx is not None:
                self._tx.close()  # rolls back unless committed
        except Exception:  # noqa: BLE001, S110 - a failed transaction or a lost connection rolled back already
            pass
        self._end_transaction()

    def _end_transaction(self) -> None:
        session, self._tx, self._tx_session = self._tx_session, None, None
        if session is not None:
            try:
                session.close()
            except Exception:  # noqa: BLE001, S110 - closing after a lost connection is harmless
                pass

    def _write(self, work: Callable[[Any], Any], what: str, join: bool = True, rows: int | None = None) -> Any:
        """``work(tx)`` in the open transaction (``join``), else in one managed write transaction (retried).

        With ``rows``, a database failure's message says that none of them was committed.
        """
        import neo4j

        if join and self._tx_depth:
            return self._in_transaction(work, what, rows)
        try:
            with self._session(neo4j.WRITE_ACCESS) as session:
                return session.execute_write(work)
        except Exception as exc:
            raise self._error(exc, what, rows) from None

    def _read(self, work: Callable[[Any], Any], what: str) -> Any:
        import neo4j

        if self._tx_depth:
            return self._in_transaction(work, what)
        try:
            with self._session(neo4j.READ_ACCESS) as session:
                return session.execute_read(work)
        except Exception as exc:
            raise self._error(exc, what) from None

    def _in_transaction(self, work: Callable[[Any], Any], what: str, rows: int | None = None) -> Any:
        """``work`` in the explicit transaction of :meth:`transaction`; a failure aborts that transaction."""
        if self._tx_error:
            raise StoreError(f"{what}: the transaction already failed ({self._tx_error})")
        try:
            return work(self._tx)
        except Exception as exc:
            if self._managed:  # _atomically's managed transaction: the driver decides whether to retry
                self._abort(exc)
                raise
            raise self._abort(self._error(exc, what, rows)) from None

    def _atomically(self, body: Callable[[], Any], what: str) -> Any:
        """``body()`` as one managed transaction: all or nothing, and run again from the start on transient
        errors and lost connections (up to ``max_retry_time``); joins an open :meth:`transaction`."""
        import neo4j

        if self._tx_depth:
            return super()._atomically(body, what)

        def work(tx: Any) -> Any:
            self._tx, self._tx_depth, self._tx_error, self._managed = tx, 1, None, True
            try:
                result = body()
                if self._tx_error:
                    raise StoreError(f"{what}: rolled back: a store call in it failed ({self._tx_error})")
                return result
            finally:
                self._tx, self._tx_depth, self._tx_error, self._managed = None, 0, None, False

        try:
            with self._session(neo4j.WRITE_ACCESS) as session:
                return session.execute_write(work)
        except Exception as exc:
            raise self._error(exc, what) from None

    def _run_batches(self, tx: Any, cypher: str, rows: Sequence[Any], what: str) -> int:
        """Run ``cypher`` (reading ``$rows``, returning ``count(*) AS n``) over ``rows`` in batches in ``tx``."""
        written = 0
        batches = list(_chunks(rows, self.batch_size))
        with make_progress(disable=not (self.progress and len(batches) > 1)) as bar:
            task = bar.add_task(what, total=len(rows))
            for batch in batches:
                written += int(tx.run(cypher, rows=batch).single()["n"])
                bar.advance(task, len(batch))
        return written

    def write_batches(self, cypher: str, rows: Sequence[Any], what: str = "write") -> int:
        """Run ``cypher`` (which reads ``$rows`` and returns ``count(*) AS n``) over ``rows`` in batches.

        All batches of :attr:`batch_size` rows run in one managed transaction (retried on transient
        errors and lost connections), or in the open :meth:`transaction`; returns the summed ``n``.
        On failure nothing is committed, and the :class:`StoreError` says to re-run.
        """
        return self._write(lambda tx: self._run_batches(tx, cypher, rows, what), what, rows=len(rows))

    def _error(self, exc: BaseException, what: str, rows: int | None = None) -> StoreError:
        """Translate a driver exception into a one-line StoreError (never containing the password).

        With ``rows`` (a failed write of that many rows, nothing committed) the message says to re-run.
        """
        import neo4j.exceptions as ne

        uri = self.settings.uri
        if isinstance(exc, StoreError):
            return exc
        if isinstance(exc, ne.AuthError):
            msg = (f"Neo4j at {uri} refused the credentials of user {self.settings.user!r} "
                   f"(set NEO4J_USER / NEO4J_PASSWORD)")
        elif isinstance(exc, (ne.ServiceUnavailable, ne.SessionExpired, OSError)):
            reason = re.search(r"reason (.+?)\)?$", str(exc).splitlines()[-1] if str(exc) else "")
            detail = reason.group(1) if reason else _one_line(str(exc)) or type(exc).__name__
            msg = f"cannot reach Neo4j at {uri} during {what}: {detail}"
            if what == "connect":
                msg += " (is the server running? docker/neo4j-server.sh start)"
        elif isinstance(exc, ne.ConstraintError):
            msg = f"{what}: constraint violated: {_one_line(exc.message or str(exc))}"
        elif isinstance(exc, ne.Neo4jError) and exc.code == "Neo.ClientError.Statement.AccessMode":
            msg = _READ_ONLY.format(what=what)
        elif isinstance(exc, ne.Neo4jError) and "TransactionTimedOut" in (exc.code or ""):
            msg = (f"{what} stopped: it ran longer than the query timeout of {self.query_timeout or 0:g} s "
                   "(--timeout; narrow the MATCH or add a LIMIT)")
        elif isinstance(exc, ne.Neo4jError):
            msg = f"{what}: {exc.code}: {_one_line(exc.message or str(exc))}"
        else:
            msg = f"{what}: {type(exc).__name__}: {_one_line(str(exc))}"
        if rows is not None:
            msg += f" (nothing of {rows:,} rows was committed; writes are idempotent, re-run to complete)"
        if self.settings.password:
            msg = msg.replace(self.settings.password, "***")
        return StoreError(msg)


_READ_ONLY = ("{what}: write refused: the statement writes but runs in read access mode "
              "(pass write=True, or --write on the command line)")


def _one_line(text: str) -> str:
    """First non-empty line of ``text``, whitespace-collapsed."""
    for line in str(text).splitlines():
        if line.strip():
            return " ".join(line.split())
    return ""


def _missing_endpoint(tx: Any, rows: list[tuple], src_label: str, dst_label: str) -> str:
    """An example endpoint of ``rows`` (src at 0, dst at 1) that is not stored, read in ``tx``."""
    for key, label in ((0, src_label), (1, dst_label)):
        ids = sorted({r[key] for r in rows})
        record = tx.run(f"UNWIND $ids AS id OPTIONAL MATCH (n:{label} {{id: id}}) "
                        f"WITH id, n WHERE n IS NULL RETURN id LIMIT 1", ids=ids).single()
        if record is not None:
            return f"{label} id {record['id']!r}"
    return "unknown endpoint"


def _conformed(make: Callable[[], pd.DataFrame], name: str) -> pd.DataFrame:
    try:
        return make()
    except (ValueError, TypeError) as exc:
        raise StoreError(f"{name}: {exc}") from None


def _column(frame: pd.DataFrame, name: str) -> list[Any]:
    """A column as a list of plain Python values, NA/NaN -> None."""
    col = frame[name]
    values = col.astype(object).where(col.notna(), None)
    return values.tolist()


def _rows(frame: pd.DataFrame, columns: Sequence[str]) -> list[tuple]:
    """The ``columns`` of ``frame`` as one tuple per row (NA -> None), for ``UNWIND $rows AS r`` / ``r[i]``.

    Positional rows pack faster than maps (no key strings per row) and keep column names out of Cypher.
    """
    return list(zip(*(_column(frame, c) for c in columns)))


def _set_clause(var: str, props: Sequence[str], first: int) -> str:
    """`` SET var.p = r[first], ...`` for the given properties (a null clears the property), or ``""``.

    Explicit properties (rather than ``SET var += map``) let the planner see that no lookup key is
    written, so it needs no Eager barrier that would materialise the whole batch.
    """
    if not props:
        return ""
    return " SET " + ", ".join(f"{var}.{check_identifier(p, 'property')} = r[{first + i}]"
                               for i, p in enumerate(props))


def _chunks(rows: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


__all__ = ["DEFAULT_BATCH_SIZE", "LOOKUP_INDEXES", "NEO4J_ENV", "Neo4jSettings", "Neo4jStore"]
