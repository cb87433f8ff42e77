"""The Neo4j server store: kgmine's knowledge graph in a real Neo4j 5, through the official driver.

Writes are idempotent batched upserts, one managed transaction per batch (``session.execute_write``,
which retries transient errors and lost connections for up to ``max_retry_time`` seconds)::

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
transaction state held in the server's heap, so :data:`DEFAULT_BATCH_SIZE` is 1,000.

Connection settings come from the arguments, else a config mapping (``uri``, ``user``, ``password``,
``database``), else the environment (``NEO4J_URI``,
``NEO4J_USER``, ``NEO4J_PASSWORD``, ``NEO4J_DATABASE``), else ``bolt://localhost:7687`` / ``neo4j`` /
no password / the server's default database. The password is never logged, printed or put in a repr.
Every failure surfaces as a one-line :class:`~kgmine.graph.stores.base.StoreError`.
"""
from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from kgmine.graph.schema import NODE_TYPES, REL_TYPES, check_identifier, node_type, rel_type
from kgmine.graph.stores.base import GraphStore, StoreError
from kgmine.graph.tables import conform_edges, conform_nodes
from kgmine.progress import make_progress

#: Rows per UNWIND batch (one transaction each); chosen with ``benchmarks/neo4j_load.py --sweep``.
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

_ENV = {"uri": "NEO4J_URI", "user": "NEO4J_USER", "password": "NEO4J_PASSWORD", "database": "NEO4J_DATABASE"}
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
                value = env.get(_ENV[key]) or None
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
        Rows per ``UNWIND`` batch, one managed transaction each (default :data:`DEFAULT_BATCH_SIZE`).
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
        """Uniqueness constraint on ``id`` for every node label, plus :data:`LOOKUP_INDEXES`; idempotent."""
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
        for statement in statements:
            self._write(lambda tx, q=statement: tx.run(q).consume(), what="create schema")
        self._write(lambda tx: tx.run("CALL db.awaitIndexes(300)").consume(), what="wait for indexes")

    # ------------------------------------------------------------------ writes
    def upsert_nodes(self, label: str, frame: pd.DataFrame) -> int:
        """MERGE nodes of ``label`` on ``id`` and set the properties given in ``frame``; returns rows.

        Only the schema properties present as columns are set (a null clears that property, as in
        the embedded store); later rows win on equal ids.
        """
        props = _given_properties(label, node_type(label).properties, frame, ("id",))
        data = _conformed(lambda: conform_nodes(label, frame), label)[["id", *props]]
        rows = _rows(data, ["id", *props])
        cypher = (f"UNWIND $rows AS r MERGE (n:{label} {{id: r[0]}}){_set_clause('n', props, 1)} "
                  f"RETURN count(*) AS n")
        return self.write_batches(cypher, rows, f"upsert {label}")

    def upsert_edges(self, type_: str, src_label: str, dst_label: str, frame: pd.DataFrame) -> int:
        """MERGE ``(src)-[:type_]->(dst)`` between stored nodes and set the given properties; returns rows.

        One edge per ``(src, dst)`` and type; later rows win. Raises :class:`StoreError` naming an
        example when an endpoint id is not stored (all rows whose endpoints exist are written).
        """
        rt = rel_type(type_)
        node_type(src_label), node_type(dst_label)
        if (src_label, dst_label) not in rt.pairs:
            raise StoreError(f"{type_} does not connect {src_label} -> {dst_label}; allowed: {list(rt.pairs)}")
        props = _given_properties(type_, rt.properties, frame, ("src", "dst"))
        data = _conformed(lambda: conform_edges(type_, frame), type_)[["src", "dst", *props]]
        rows = _rows(data, ["src", "dst", *props])
        cypher = (f"UNWIND $rows AS r MATCH (a:{src_label} {{id: r[0]}}) MATCH (b:{dst_label} {{id: r[1]}}) "
                  f"MERGE (a)-[e:{type_}]->(b){_set_clause('e', props, 2)} RETURN count(*) AS n")
        written = self.write_batches(cypher, rows, f"upsert {type_}")
        if written < len(rows):
            example = self._missing_endpoint(rows, src_label, dst_label)
            raise StoreError(f"{type_}: {len(rows) - written} of {len(rows)} edges not written because an "
                             f"endpoint node is missing (e.g. {example}); upsert the nodes first")
        return written

    def delete_edges(self, type_: str, src_label: str, dst_label: str,
                     where: dict[str, Any] | None = None) -> None:
        """Delete edges of ``type_`` between the labels (only those whose properties equal ``where``)."""
        rel_type(type_), node_type(src_label), node_type(dst_label)
        conditions, params = [], {}
        for i, (prop, value) in enumerate((where or {}).items()):
            conditions.append(f"e.{check_identifier(prop, 'property')} = $w{i}")
            params[f"w{i}"] = value
        where_clause = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        cypher = (f"MATCH (:{src_label})-[e:{type_}]->(:{dst_label}){where_clause} "
                  f"WITH e LIMIT $limit DELETE e RETURN count(*) AS n")
        params["limit"] = self.batch_size
        while self._write(lambda tx: tx.run(cypher, params).single()["n"], what=f"delete {type_}"):
            pass

    def clear(self) -> None:
        """Delete every node and relationship (constraints and indexes stay), in batches."""
        cypher = "MATCH (n) WITH n LIMIT $limit DETACH DELETE n RETURN count(*) AS n"
        while self._write(lambda tx: tx.run(cypher, limit=self.batch_size).single()["n"], what="clear"):
            pass

    # ------------------------------------------------------------------ reads
    def query(self, cypher: str, params: dict[str, Any] | None = None, *, write: bool = False) -> pd.DataFrame:
        """Run parameterised Cypher; the rows as a DataFrame with the RETURN names as columns.

        Runs in READ access mode unless ``write=True``: the server then refuses any write with a
        :class:`StoreError` that says so.
        """
        def work(tx: Any) -> pd.DataFrame:
            result = tx.run(cypher, params or {})
            keys = list(result.keys())
            frame = result.to_df()
            return frame if len(frame.columns) else pd.DataFrame(columns=keys)

        if write:
            return self._write(work, what="query")
        return self._read(work, what="query")

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

    def _write(self, work: Callable[[Any], Any], what: str) -> Any:
        import neo4j

        try:
            with self._session(neo4j.WRITE_ACCESS) as session:
                return session.execute_write(work)
        except Exception as exc:
            raise self._error(exc, what) from None

    def _read(self, work: Callable[[Any], Any], what: str) -> Any:
        import neo4j

        try:
            with self._session(neo4j.READ_ACCESS) as session:
                return session.execute_read(work)
        except Exception as exc:
            raise self._error(exc, what) from None

    def write_batches(self, cypher: str, rows: Sequence[Any], what: str = "write") -> int:
        """Run ``cypher`` (which reads ``$rows`` and returns ``count(*) AS n``) over ``rows`` in batches.

        One managed transaction per batch of :attr:`batch_size` rows, retried on transient errors
        and lost connections; returns the summed ``n``. On failure the :class:`StoreError` says how
        many rows were already committed.
        """
        import neo4j

        def work(tx: Any, batch: Sequence[Any]) -> int:
            return int(tx.run(cypher, rows=batch).single()["n"])

        written = 0
        batches = list(_chunks(rows, self.batch_size))
        show = self.progress and len(batches) > 1
        try:
            with self._session(neo4j.WRITE_ACCESS) as session, make_progress(disable=not show) as bar:
                task = bar.add_task(what, total=len(rows))
                for batch in batches:
                    written += session.execute_write(work, batch)
                    bar.advance(task, len(batch))
        except Exception as exc:
            err = self._error(exc, what)
            raise StoreError(f"{err} ({written:,} of {len(rows):,} rows were written; writes are idempotent, "
                             f"re-run to complete)") from None
        return written

    def _missing_endpoint(self, rows: list[tuple], src_label: str, dst_label: str) -> str:
        for key, label in ((0, src_label), (1, dst_label)):
            ids = sorted({r[key] for r in rows})
            missing = self.query(f"UNWIND $ids AS id OPTIONAL MATCH (n:{label} {{id: id}}) "
                                 f"WITH id, n WHERE n IS NULL RETURN id LIMIT 1", {"ids": ids})
            if len(missing):
                return f"{label} id {missing['id'].iloc[0]!r}"
        return "unknown endpoint"

    def _error(self, exc: BaseException, what: str) -> StoreError:
        """Translate a driver exception into a one-line StoreError (never containing the password)."""
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
            msg = (f"{what}: write refused: the statement writes but runs in read access mode "
                   f"(pass write=True, or --write on the command line)")
        elif isinstance(exc, ne.Neo4jError):
            msg = f"{what}: {exc.code}: {_one_line(exc.message or str(exc))}"
        else:
            msg = f"{what}: {type(exc).__name__}: {_one_line(str(exc))}"
        if self.settings.password:
            msg = msg.replace(self.settings.password, "***")
        return StoreError(msg)


def _one_line(text: str) -> str:
    """First non-empty line of ``text``, whitespace-collapsed."""
    for line in str(text).splitlines():
        if line.strip():
            return " ".join(line.split())
    return ""


def _given_properties(name: str, schema: Mapping[str, str], frame: pd.DataFrame, keys: Sequence[str]) -> list[str]:
    """Schema properties present in ``frame`` (schema order); StoreError on missing keys or unknown columns."""
    missing = [k for k in keys if k not in frame.columns]
    if missing:
        raise StoreError(f"{name} rows need columns {list(keys)} (missing {missing})")
    unknown = [c for c in frame.columns if c not in keys and c not in schema]
    if unknown:
        raise StoreError(f"{name} has no properties {unknown}; schema: {list(schema)}")
    return [p for p in schema if p in frame.columns]


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


__all__ = ["DEFAULT_BATCH_SIZE", "LOOKUP_INDEXES", "Neo4jSettings", "Neo4jStore"]
