"""Parse a user's Cypher in a separate process first, so a LadybugDB parser crash cannot take the explorer down.

The query guard (:mod:`kgmine.graph.stores.guard`) refuses every parser crash known so far; this is
the second line for the ones not known yet. :class:`ParseCheck` keeps one helper process with an
empty in-memory LadybugDB database and sends it each query of the Cypher tab as ``EXPLAIN <query>``
(planned, never run; errors such as unknown tables are expected and ignored). If the helper dies
(a segfault) or does not answer within ``timeout`` seconds, the query is refused with one line and
the helper is started again; the explorer's own store never sees that text. A query the helper
survives is then parsed by the store: the parser is deterministic, so it survives there too.

Cost: about 1 ms per query once the helper runs (it starts on the first query, ~1 s).
"""
from __future__ import annotations

import json
import subprocess
import sys
import threading

from kgmine.graph.stores.base import StoreError

_HELPER = r"""
import json, sys
import ladybug
conn = ladybug.Connection(ladybug.Database(":memory:"))
sys.stdout.write("ready\n")
sys.stdout.flush()
for line in sys.stdin:
    try:
        conn.execute("EXPLAIN " + json.loads(line))
    except Exception:
        pass
    sys.stdout.write("ok\n")
    sys.stdout.flush()
"""


class ParseCheck:
    """A helper process that parses queries before the store does (see the module docstring).

    Parameters
    ----------
    timeout : float, default 5
        Seconds the helper may take for one query before the query is refused and the helper restarted.
    """

    def __init__(self, timeout: float = 5.0) -> None:
        self.timeout = float(timeout)
        self._proc: subprocess.Popen | None = None
        self._lock = threading.Lock()

    def _start(self) -> subprocess.Popen:
        """The running helper, started (and waited for until it has imported ladybug) when needed."""
        if self._proc is None or self._proc.poll() is not None:
            self._proc = subprocess.Popen([sys.executable, "-c", _HELPER], stdin=subprocess.PIPE,
                                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1)
            if self._proc.stdout.readline().strip() != "ready":
                code = self._proc.wait(5)
                self._proc = None
                raise StoreError(f"the parse-check helper process did not start (exit code {code})")
        return self._proc

    def check(self, cypher: str) -> None:
        """Return if the helper parses ``cypher`` and survives; else :class:`StoreError` (one line)."""
        with self._lock:
            proc = self._start()
            answer: list[str] = []
            try:
                proc.stdin.write(json.dumps(cypher) + "\n")
                proc.stdin.flush()
            except OSError:
                pass  # the helper died; reading below says how
            reader = threading.Thread(target=lambda: answer.append(proc.stdout.readline()), daemon=True)
            reader.start()
            reader.join(self.timeout)
            if answer and answer[0].strip() == "ok":
                return
            if reader.is_alive():
                self._kill()
                raise StoreError(f"query refused: LadybugDB took longer than {self.timeout:g} s to parse it")
            code = proc.wait(5)
            self._proc = None
            raise StoreError(f"query refused: it crashes the LadybugDB parser (exit code {code}); "
                             "simplify it (less nesting, fewer terms)")

    def _kill(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait(5)
            self._proc = None

    def close(self) -> None:
        """Stop the helper process."""
        with self._lock:
            if self._proc is not None and self._proc.poll() is None:
                self._proc.stdin.close()
                try:
                    self._proc.wait(5)
                except subprocess.TimeoutExpired:
                    self._proc.kill()
            self._proc = None


__all__ = ["ParseCheck"]
