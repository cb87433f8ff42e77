"""Start-up time of the ``kgmine`` command line: wall time per command and where its imports spend it.

For ``kgmine --help``, the ``--help`` of every top-level command, and ``kgmine query`` on a small generated
store (300 products, 200 users), prints the best and median wall time of ``--runs`` fresh processes, their
best CPU time (user + system: less sensitive than wall time to other processes on the machine), and the
packages that take the most import time (summed self time of their modules, from ``python -X importtime``).
A benchmark, not a test: numbers depend on the machine and its load, so compare checkouts in one run::

    python benchmarks/cli_startup.py                                  # this checkout
    python benchmarks/cli_startup.py --code /tmp/kgmine-old --code .  # two checkouts, timed in turn
    python benchmarks/cli_startup.py --commands kgmine query query-store  # only some rows
"""
from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TOP_LEVEL = ["demo", "run", "query", "mine", "recommend", "similar", "fit-recommender", "eval", "match",
             "report", "serve", "train"]
QUERY = "MATCH (p:Product) RETURN p.id AS id, p.title AS title LIMIT 5"
IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def make_store(path: Path) -> Path:
    """A small embedded store from the seeded demo world (built with this checkout's code)."""
    from kgmine.demo.world import generate_world
    from kgmine.graph.build import build_tables
    from kgmine.graph.stores import open_store

    with open_store("ladybug", path) as store:
        store.load(build_tables(generate_world(n_products=300, n_users=200, seed=7)), progress=False)
    return path


def cpu_seconds() -> float:
    """User + system CPU seconds of this process's finished children."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(args: list[str], code: Path, importtime: bool = False) -> tuple[float, float, str]:
    """Wall and CPU seconds of ``kgmine ARGS`` run with ``code`` first on the path, and its stderr."""
    env = {**os.environ, "PYTHONPATH": str(code), "KGMINE_NO_PROGRESS": "1", "COLUMNS": "120"}
    flags = ["-X", "importtime"] if importtime else []
    start, cpu = time.perf_counter(), cpu_seconds()
    done = subprocess.run([sys.executable, *flags, "-c", "from kgmine.cli import main; main()", *args],
                          env=env, cwd=code, capture_output=True, text=True, check=False)  # cwd: "" on sys.path
    seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    if done.returncode != 0:
        raise SystemExit(f"kgmine {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()[-400:]}")
    return seconds, cpu, done.stderr


def top_packages(stderr: str, n: int) -> list[tuple[str, float]]:
    """Import self time (ms) summed per top-level package, largest first."""
    per: dict[str, int] = defaultdict(int)
    for self_us, _cum, _indent, name in IMPORT_LINE.findall(stderr):
        per[name.split(".")[0]] += int(self_us)
    ranked = sorted(per.items(), key=lambda kv: -kv[1])
    return [(name, us / 1000) for name, us in ranked[:n]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", type=Path, action="append", help="Checkout whose kgmine is timed (default: this "
                        "one); repeat it to compare checkouts, run in turn so that they share the machine's load.")
    parser.add_argument("--runs", type=int, default=5, help="Fresh processes per command (best and median shown).")
    parser.add_argument("--top", type=int, default=6, help="Packages listed per command.")
    parser.add_argument("--commands", nargs="*", default=None,
                        help="Rows to time: kgmine (its --help), a top-level command (its --help), "
                             "query-store (a query on the small store).")
    opts = parser.parse_args()
    codes = opts.code or [REPO]

    with tempfile.TemporaryDirectory() as tmp:
        store = make_store(Path(tmp) / "store")
        rows = {"kgmine": ["--help"], **{name: [name, "--help"] for name in TOP_LEVEL},
                "query-store": ["query", "--store", str(store), QUERY]}
        if opts.commands is not None:
            rows = {key: rows[key] for key in opts.commands}
        print(f"kgmine start-up, python {sys.version.split()[0]}, {opts.runs} runs each, load average "
              f"{os.getloadavg()[0]:.2f}; code: " + ", ".join(f"[{i}] {c}" for i, c in enumerate(codes)))
        print(f"{'command':<28} {'code':>4} {'best s':>7} {'median s':>9} {'CPU s':>6}  "
              "top imports (ms, self time per package)")
        for key, args in rows.items():
            label = "kgmine " + (" ".join(args) if key != "query-store" else "query (small store)")
            times: dict[int, list[tuple[float, float]]] = {i: [] for i in range(len(codes))}
            for _ in range(opts.runs):
                for i, code in enumerate(codes):
                    times[i].append(run(args, code)[:2])
            for i, code in enumerate(codes):
                *_, stderr = run(args, code, importtime=True)
                heavy = ", ".join(f"{name} {ms:.0f}" for name, ms in top_packages(stderr, opts.top))
                wall, cpu = [t[0] for t in times[i]], [t[1] for t in times[i]]
                print(f"{label:<28} {i:>4} {min(wall):7.2f} {statistics.median(wall):9.2f} {min(cpu):6.2f}  {heavy}")


if __name__ == "__main__":
    main()
