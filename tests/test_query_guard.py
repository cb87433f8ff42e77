"""The query guard (issue 14 items 1, 2, 5): hostile Cypher never reaches LadybugDB's parser, the
read-only paths (``kgmine query`` without ``--write``, the explorer, ``store.query``) cannot read
files or change settings, the explorer answers while a slow query runs and refuses foreign Host
headers, and a store left with a pending checkpoint opens read-only.

Before the guard, the 3,000-deep nested ``RETURN`` segfaulted ``kgmine query`` (exit 139) and the
explorer, the 200,000-term sum hung it, ``LOAD FROM '/etc/passwd'`` returned the file and
``CALL var_length_extend_max_depth=1`` broke every later variable-length query on the connection.
"""
from __future__ import annotations

import importlib
import json
import os
import random
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pandas as pd
import pytest
from conftest import running_explorer

from kgmine.graph.stores import StoreError, open_store
from kgmine.graph.stores.guard import QueryLimits, check_query, read_only_refusals, write_clauses

ROOT = Path(__file__).resolve().parents[1]
DEEP = "RETURN " + "(" * 3000 + "1" + ")" * 3000
LONG_SUM = "RETURN " + "+".join(["1"] * 200_000)
PASSWD = "LOAD FROM '/etc/passwd' (file_format='csv', header=false, delim=':') RETURN column0, column5"
SETTING = "CALL var_length_extend_max_depth=1"
VAR_LENGTH = "MATCH (a:Product)-[:ALSO_BOUGHT*1..3]->(b:Product) RETURN count(*) AS n"
#: 150^4 = 506 million combinations of a predicate nothing can prune: runs for minutes unless stopped
SLOW = ("MATCH (a:Product), (b:Product), (c:Product), (d:Product) WHERE a.price * b.price + c.price * d.price = 0.5 "
        "RETURN count(*) AS n")


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory) -> Path:
    """A store of 150 products in an ALSO_BOUGHT chain."""
    path = tmp_path_factory.mktemp("guard") / "store"
    ids = [f"P{i:03d}" for i in range(150)]
    with open_store("ladybug", path=path) as store:
        store.create_schema()
        store.upsert_nodes("Product", pd.DataFrame({"id": ids, "title": ids, "price": [float(i) for i in range(150)]}))
        store.upsert_edges("ALSO_BOUGHT", "Product", "Product", pd.DataFrame({"src": ids[:-1], "dst": ids[1:]}))
    return path


def _cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "kgmine.cli", "query", *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120, input=stdin)


def _one_error_line(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode == 1, (proc.returncode, proc.stderr[-500:])
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), proc.stderr[-500:]
    return lines[0]


# ---------------------------------------------------------------------------- the guard itself


def test_guard_refuses_deep_nesting_and_long_texts_before_parsing():
    with pytest.raises(StoreError, match="nested 3000 deep"):
        check_query(DEEP)
    with pytest.raises(StoreError, match="400,006 characters"):
        check_query(LONG_SUM)
    with pytest.raises(StoreError, match="operators and separators"):  # short enough, too many terms
        check_query("RETURN " + "+".join(["1"] * 5000))
    with pytest.raises(StoreError, match=r"nested 40 deep"):
        check_query("RETURN " + "[" * 40 + "1" + "]" * 40)
    # words, brackets and operators inside literals and comments do not count
    assert check_query("RETURN '" + "(" * 500 + "' AS s // " + "+" * 3000) == []
    assert check_query("RETURN " + "(" * 50 + "1" + ")" * 50, limits=QueryLimits(max_depth=60)) == []


def test_read_only_check_works_on_tokens_not_on_text():
    assert read_only_refusals("MATCH (n) WHERE n.note = 'LOAD FROM x; CALL a=1' RETURN n.load, {call: 1} AS m") == []
    assert read_only_refusals("CALL show_tables() RETURN *") == []
    assert write_clauses("MATCH (n:Set) RETURN {create: 1} AS m, $merge AS x /* DELETE */") == []
    for cypher, reason in [(PASSWD, "LOAD reads files"), ("load csv from 'file:///etc/passwd' AS r RETURN r", "LOAD"),
                           (SETTING, "changes a setting"), ("CALL file_search_path='/etc'", "changes a setting"),
                           ("CALL project_graph('g', ['Product'], [])", "not on the read-only list"),
                           ("RETURN read_parquet('/etc/x') AS t", "reads files"), ("LOAD EXTENSION json", "LOAD"),
                           ("USE other", "switches the database")]:
        assert any(reason in r for r in read_only_refusals(cypher)), cypher
    for cypher in ("INSTALL json", "ATTACH '/tmp/x' AS y (dbtype lbug)", "EXPORT DATABASE '/tmp/x'",
                   "IMPORT DATABASE '/tmp/x'", "COPY Product FROM '/etc/passwd'", "CHECKPOINT"):
        with pytest.raises(StoreError, match="writes to the store"):
            check_query(cypher)


_FRAGMENTS = ["MATCH (p:Product)", " RETURN p.id", " LOAD FROM '/etc/passwd'", " CALL file_search_path='/etc'",
              " CREATE (:X)", " SET p.x = 1", " WITH *", " '", '"', " //", " /*", "*/", "(", ")", "[", "]", "{", "}",
              " + 1", ", ", " UNWIND range(1, 3) AS k", " CALL show_tables()", " \\", "`", " load", " Load From",
              " COPY Product FROM 'x'", " ATTACH 'y' AS z", " RETURN read_csv('/etc/x')", "\x00", "é", "\n"]


def test_guard_fuzz_never_crashes_and_keeps_its_promises():
    """2,000 seeded random texts built from hostile and ordinary fragments: the guard either accepts or
    raises StoreError (nothing else); every text over the nesting limit or with an unquoted LOAD FROM is
    refused read-only; nothing refused read-only for reading files passes with the same tokens."""
    from kgmine.graph.stores.guard import DEFAULT_LIMITS, tokenize

    rng = random.Random(2026)
    refused = accepted = 0
    for _ in range(2000):
        text = "".join(rng.choice(_FRAGMENTS) for _ in range(rng.randint(1, 12)))
        if rng.random() < 0.1:
            depth = rng.randint(1, 80)
            text += "RETURN " + "(" * depth + "1" + ")" * depth
        try:
            check_query(text)
            accepted += 1
        except StoreError:
            refused += 1
            continue
        # accepted read-only: no LOAD / COPY / CALL setting / write keyword outside literals and comments
        words = [t.text.upper() for t in tokenize(text) if t.kind == "word"]
        for banned in ("LOAD", "COPY", "CREATE", "SET", "ATTACH"):
            assert banned not in words, (banned, text)
        depth = max_depth = 0
        for t in tokenize(text):
            if t.text in "([{":
                depth += 1
                max_depth = max(max_depth, depth)
            elif t.text in ")]}":
                depth -= 1
        assert max_depth <= DEFAULT_LIMITS.max_depth, text
    assert refused > 500 and accepted > 100  # both sides of the guard were exercised


def test_python_api_store_query_is_guarded(store_dir):
    with open_store("ladybug", path=store_dir, read_only=True) as store:
        for cypher in (DEEP, LONG_SUM, PASSWD, SETTING):
            with pytest.raises(StoreError, match="refused"):
                store.query(cypher)
        assert store.query(VAR_LENGTH)["n"][0] > 0  # the refused setting did not reach the connection
        store.query_limits = QueryLimits(max_depth=60)
        assert store.query("RETURN " + "(" * 50 + "1" + ")" * 50 + " AS x")["x"][0] == 1
        store.set_query_timeout(0.5)
        with pytest.raises(StoreError, match=r"query timeout of 0\.5 s"):
            store.query(SLOW)


# ---------------------------------------------------------------------------- kgmine query


def test_cli_refuses_crashers_with_one_error_line(store_dir):
    """Before: exit 139 (segfault, no error line) for DEEP; a hang for LONG_SUM. A real process, so a
    crash would show as its exit code."""
    assert "nested 3000 deep" in _one_error_line(_cli("--store", str(store_dir), DEEP))
    # 400 KB is over the kernel's limit for one argument: such a text comes on standard input
    assert "characters" in _one_error_line(_cli("--store", str(store_dir), "-", stdin=LONG_SUM))


def test_cli_read_only_and_timeout(store_dir):
    """Before: the /etc/passwd rows were printed, the setting was accepted, nothing stopped a long query."""
    from typer.testing import CliRunner

    from kgmine.cli import app

    def run(*args: str):
        return CliRunner().invoke(app, ["query", "--store", str(store_dir), *args])

    for args, message in (([PASSWD], "LOAD reads files"), ([SETTING], "changes a setting"),
                          (["--timeout", "0.5", SLOW], "query timeout of 0.5 s")):
        result = run(*args)
        assert result.exit_code == 1 and message in result.output, result.output
        assert "root:" not in result.output
    ok = run("--json", "RETURN 'LOAD FROM /etc/passwd' AS s")
    assert ok.exit_code == 0 and json.loads(ok.stdout) == [{"s": "LOAD FROM /etc/passwd"}]


# ---------------------------------------------------------------------------- the explorer


@pytest.fixture(scope="module")
def live(store_dir):
    """The explorer on a free local port (uvicorn in a thread) with a 3 s query timeout."""
    from kgmine.serve import open_explorer

    with running_explorer(open_explorer(store_dir, timeout=3.0)) as url:
        importlib.import_module("kgmine.recommend.serve")  # wait for the app's warm-up import (torch) to finish
        yield url


def _post(url: str, cypher: str, host: str | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(f"{url}/api/query", data=json.dumps({"cypher": cypher}).encode(),
                                     headers={"Content-Type": "application/json", **({"Host": host} if host else {})})
    return _open(request)


def _open(request) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_explorer_answers_and_refuses_while_a_slow_query_runs(live):
    """Before: one lock held for the whole run of a query, so every request waited behind it."""
    slow: dict = {}
    worker = threading.Thread(target=lambda: slow.update(zip(("status", "body"), _post(live, SLOW))))
    worker.start()
    time.sleep(0.5)  # the slow query is running now (it runs until the 3 s timeout)
    answers = [_open(urllib.request.Request(f"{live}/api/summary")), _post(live, DEEP), _post(live, LONG_SUM),
               _post(live, PASSWD), _post(live, "MATCH (p:Product) RETURN count(p) AS n")]
    still_running = worker.is_alive()
    worker.join(60)
    assert still_running, "the other requests were answered only after the slow query ended"
    (s0, summary), (s1, deep), (s2, long_sum), (s3, passwd), (s4, count) = answers
    assert s0 == 200 and summary["nodes"]["Product"] == 150
    assert s1 == 400 and "nested 3000 deep" in deep["error"] and "\n" not in deep["error"]
    assert s2 == 400 and "characters" in long_sum["error"] and "\n" not in long_sum["error"]
    assert s3 == 400 and "LOAD reads files" in passwd["error"]
    assert s4 == 200 and count["rows"] == [[150]]
    # on a quiet machine the slow query may finish just inside its 3 s timeout; either way it ended last
    assert slow["status"] == 200 or (slow["status"] == 400 and "query timeout of 3 s" in slow["body"]["error"])


def test_explorer_settings_never_persist(live):
    status, body = _post(live, SETTING)
    assert status == 400 and "changes a setting" in body["error"]
    for _ in range(4):  # whichever worker thread (connection) answers, the setting is the default
        status, body = _post(live, VAR_LENGTH)
        assert status == 200 and body["rows"][0][0] > 0


def test_explorer_refuses_foreign_host_headers(live, store_dir):
    status, body = _post(live, "RETURN 1 AS x", host="evil.example:80")
    assert status == 400 and "Host 'evil.example' is not allowed" in body["error"]
    assert _post(live, "RETURN 1 AS x", host="localhost:1234")[0] == 200

    from fastapi.testclient import TestClient

    from kgmine.serve import allowed_hosts, create_app, open_explorer

    explorer = open_explorer(store_dir)
    try:
        app = create_app(explorer, hosts=allowed_hosts("0.0.0.0", ["kg.lan"]))
        assert TestClient(app, base_url="http://kg.lan:8765").get("/api/summary").status_code == 200
        assert TestClient(app, base_url="http://[::1]:8765").get("/api/summary").status_code == 200
        assert TestClient(app, base_url="http://testserver").get("/api/summary").status_code == 400
    finally:
        explorer.close()


# ---------------------------------------------------------------------------- pending checkpoint recovery

_WRITER = """
import sys, ladybug
db = ladybug.Database(sys.argv[1]); c = ladybug.Connection(db)
c.execute("CREATE NODE TABLE IF NOT EXISTS T(id INT64, s STRING, PRIMARY KEY(id))")
print("ready", flush=True)
i = 0
while True:
    c.execute(f"UNWIND range({i * 20000}, {i * 20000 + 19999}) AS k CREATE (:T {{id: k, s: 'x' + string(k)}})")
    c.execute("CHECKPOINT")
    i += 1
"""


def _killed_mid_checkpoint(path: Path, rng: random.Random, tries: int = 12) -> bool:
    """kill -9 a writer that checkpoints in a loop until it dies leaving a checkpoint pending."""
    import ladybug

    from kgmine.graph.stores.ladybug_store import DB_FILE, RECOVERY_PENDING

    for _ in range(tries):
        path.mkdir(parents=True, exist_ok=True)
        for f in path.iterdir():
            f.unlink()
        proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(path / DB_FILE)], stdout=subprocess.PIPE)
        proc.stdout.readline()
        time.sleep(0.4 + rng.random())
        proc.kill()
        proc.wait()
        try:
            ladybug.Database(str(path / DB_FILE), read_only=True).close()
        except RuntimeError as exc:
            if RECOVERY_PENDING in str(exc):
                return True
    return False


def test_read_only_open_completes_a_pending_checkpoint(tmp_path):
    """Before: `Cannot open database in read-only mode while checkpoint recovery is pending`."""
    path = tmp_path / "store"
    if not _killed_mid_checkpoint(path, random.Random(14)):
        pytest.skip("12 kills never landed inside a checkpoint (see the message test below)")
    with open_store("ladybug", path=path, read_only=True) as store:
        assert store.query("MATCH (t:T) RETURN count(*) AS n")["n"][0] > 0


def test_unrecoverable_pending_checkpoint_names_the_command(tmp_path, monkeypatch):
    """When the read-write open that would recover fails too (another program holds the store), the
    error says what to run. Simulated: ladybug's own messages, raised by a stand-in Database."""
    import ladybug

    from kgmine.graph.stores.ladybug_store import DB_FILE, LadybugStore

    path = tmp_path / "store"
    open_store("ladybug", path=path).close()
    real = ladybug.Database

    def database(file, read_only=False, **kwargs):
        if read_only:
            raise RuntimeError("Runtime exception: Cannot open database in read-only mode while checkpoint "
                               "recovery is pending. If another process is checkpointing, retry after it finishes")
        raise RuntimeError("IO exception: Could not set lock on file : " + file)

    monkeypatch.setattr(ladybug, "Database", database)
    with pytest.raises(StoreError) as err:
        LadybugStore(path, read_only=True)
    message = str(err.value)
    assert "\n" not in message and f'kgmine query --store {path} --write "RETURN 1"' in message
    assert "Could not set lock" in message
    monkeypatch.setattr(ladybug, "Database", real)
    assert (path / DB_FILE).exists()


_UNCLOSED_WRITER = r"""
import os, sys
import ladybug
db = ladybug.Database(sys.argv[1], auto_checkpoint=False)
c = ladybug.Connection(db)
for i in range(200):
    c.execute("CREATE (:Product {id: $id, title: $t})", {"id": f"new{i}", "t": f"new product {i}"})
os._exit(0)  # as kill -9: no close, no checkpoint; the 200 products live only in the write-ahead log
"""


def test_a_damaged_write_ahead_log_is_named_and_repaired_on_request(tmp_path):
    """A writer killed with its work in the log, then a damaged log record (seen once in 12 kill -9 of a
    checkpointing writer): the store opens neither way and the error names `kgmine repair`, which keeps the
    log up to the damaged record, backs the log up, and leaves a store that opens again."""
    from typer.testing import CliRunner

    from kgmine.cli import app
    from kgmine.graph.stores.ladybug_store import DB_FILE, repair_store

    path = tmp_path / "store"
    with open_store("ladybug", path=path) as store:
        store.upsert_nodes("Product", pd.DataFrame({"id": [f"p{i}" for i in range(50)], "title": "old"}))
    subprocess.run([sys.executable, "-c", _UNCLOSED_WRITER, str(path / DB_FILE)], check=True)
    wal = path / (DB_FILE + ".wal")
    damaged = bytearray(wal.read_bytes())
    for i in range(len(damaged) - 3000, len(damaged) - 2000):  # a record near the end of the log
        damaged[i] ^= 0xFF
    wal.write_bytes(bytes(damaged))
    for read_only in (True, False):
        with pytest.raises(StoreError, match=r"kgmine repair --store"):
            open_store("ladybug", path=path, read_only=read_only)
    result = CliRunner().invoke(app, ["repair", "--store", str(path)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "damaged record" in result.output and "Product" in result.output
    backups = list(path.glob(DB_FILE + ".wal.damaged-*"))
    assert len(backups) == 1 and backups[0].read_bytes() == bytes(damaged)
    with open_store("ladybug", path=path, read_only=True) as store:
        n = store.query("MATCH (p:Product) RETURN count(*) AS n")["n"][0]
        old = store.query("MATCH (p:Product) WHERE p.title = 'old' RETURN count(*) AS n")["n"][0]
    assert old == 50 and 50 < n < 250  # the checkpointed rows and the log before the damage; not the rest
    assert repair_store(path)["repaired"] is False  # a healthy store is left as it is


# ---------------------------------------------------------------------------- crashes the guard does not know


def test_parse_check_refuses_slow_parses_and_outlives_a_parser_crash(store_dir):
    """With the guard's nesting limit lifted, the 3,000-deep query reaches the parse-check helper
    (LadybugDB parses it for minutes, or segfaults, depending on the machine): a slow parse is
    refused after the helper's timeout, a helper that dies while parsing (SIGSEGV sent to it here)
    refuses the query with one line, and the explorer answers the next query either way."""
    import signal

    from kgmine.serve import open_explorer
    from kgmine.serve.parsecheck import ParseCheck

    explorer = open_explorer(store_dir, parse_check=ParseCheck(timeout=1.0))
    try:
        explorer.store.query_limits = QueryLimits(max_depth=10_000)
        with pytest.raises(StoreError, match="longer than 1 s to parse"):
            explorer.run_query(DEEP)
        assert explorer.run_query("MATCH (p:Product) RETURN count(p) AS n")["rows"] == [[150]]

        explorer.parse_check.timeout = 60.0
        helper = explorer.parse_check._proc
        killer = threading.Timer(0.5, lambda: os.kill(helper.pid, signal.SIGSEGV))
        killer.start()
        with pytest.raises(StoreError, match=r"crashes the LadybugDB parser \(exit code -11\)") as err:
            explorer.run_query(DEEP)
        killer.join()
        assert "\n" not in str(err.value)
        assert explorer.run_query("MATCH (p:Product) RETURN count(p) AS n")["rows"] == [[150]]
    finally:
        explorer.close()


@pytest.mark.neo4j
def test_neo4j_store_is_guarded_and_times_out():
    if not os.environ.get("NEO4J_URI"):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI must run the Neo4j tests: NEO4J_URI is not set")
        pytest.skip("NEO4J_URI is not set (start a server with docker/neo4j-server.sh start)")
    with open_store("neo4j", progress=False) as store:
        for cypher, message in ((DEEP, "nested 3000 deep"), ("LOAD CSV FROM 'file:///etc/passwd' AS r RETURN r", "LOAD"),
                                ("CALL dbms.setConfigValue('db.logs.query.enabled', 'OFF')", "read-only list")):
            with pytest.raises(StoreError, match=message):
                store.query(cypher)
        assert store.query("CALL db.labels() YIELD label RETURN count(label) AS n")["n"][0] >= 0
        store.set_query_timeout(0.5)
        with pytest.raises(StoreError, match=r"query timeout of 0\.5 s"):
            store.query("UNWIND range(1, 1000000000) AS x WITH x WHERE x % 7 = 8 RETURN count(*) AS n")
