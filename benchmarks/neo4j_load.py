"""Load benchmark: kgmine's Neo4j writer vs a naive per-row MERGE and a batched-CREATE upper bound.

Data: the 810,128 Gowalla training interactions (``../shared/data/recsys/gowalla/train.txt``,
LightGCN's split) as ``User`` and ``Product`` nodes (Gowalla's items; kgmine has no ``Item`` label)
joined by ``BOUGHT`` edges. All three writers run against the same Neo4j server in the same run,
with the same uniqueness constraints on ``id`` (the index every writer's endpoint lookup uses):

* **naive**: one auto-commit transaction per row,
  ``MERGE (u:User {id: $u}) MERGE (p:Product {id: $p}) MERGE (u)-[:BOUGHT]->(p)``, on a sample of
  ``--naive-rows`` rows (default 20,000) into an empty database; its rate is extrapolated.
* **create**: the upper bound: the same batches as kgmine's writer but unconditional ``CREATE`` of
  nodes and relationships into an empty database (no existence check at all, so not idempotent).
* **kgmine**: :class:`~kgmine.graph.stores.neo4j_store.Neo4jStore` (``UNWIND $rows … MERGE`` in
  managed, retried transactions), run twice over all rows; the second run must leave exactly as
  many ``BOUGHT`` relationships as there are distinct pairs.

Rates are relationships per second over the edge phase (node upserts are timed and printed
separately). ``--sweep`` instead times kgmine's edge upsert at several batch sizes (on
``--sweep-rows`` rows, re-created into an empty database each time); ``DEFAULT_BATCH_SIZE`` in
neo4j_store.py was chosen from it.

Measured on the 2-core development machine while other jobs kept it loaded (load average 8-13),
Neo4j 5.26.30 embedded (heap 2 GB, page cache 512 MB), driver 6.4.1, batch 1,000, one run each:

    with neo4j-rust-ext 6.4.1.0 (Rust packstream; packing 810k rows: 6 s instead of 37 s)
    naive   : 20,000 rows in 81.4 s = 246 rel/s (extrapolated to 810,128: 55.0 min)
    create  : nodes 3.3 s, 810,128 relationships in 63.5 s = 12,762 rel/s
    kgmine  : nodes 6.6 s, 810,128 relationships in 103.9 s = 7,795 rel/s -> 810,128 BOUGHT
    kgmine 2: nodes 1.7 s, edges 47.5 s = 17,054 rel/s (re-load) -> 810,128 BOUGHT
    kgmine / naive 31.7x (target >= 20x), kgmine / CREATE 0.61x (target >= 0.5x), 810,128 left

    pure-Python driver
    naive 175 rel/s, create 7,082 rel/s, kgmine 3,634 rel/s (re-load 6,470 rel/s)
    kgmine / naive 20.8x, kgmine / CREATE 0.51x, 810,128 left

MERGE pays for its existence check: PROFILE shows ``LockingMerge`` running ``Expand(Into)`` twice per
new edge (before and after taking the node locks), ~17 db hits each at half load, so on the full
data MERGE costs about twice an unconditional CREATE; on the first 100,000 pairs (short adjacency
chains) the two were level (1.17x). The sweep and these runs vary by +-20% from run to run here.

The benchmark WIPES the database it is pointed at. Without ``NEO4J_URI`` it starts a private server
with ``docker/neo4j-server.sh`` in a temporary directory and stops it at the end.

    python benchmarks/neo4j_load.py                 # full run (about 5-10 min on 2 cores)
    python benchmarks/neo4j_load.py --sweep         # batch-size sweep
    python benchmarks/neo4j_load.py --limit 100000  # a quicker, smaller run
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("KGMINE_SHARED_DATA", REPO.parent / "shared" / "data"))
GOWALLA = SHARED / "recsys" / "gowalla" / "train.txt"
SERVER = REPO / "docker" / "neo4j-server.sh"


def load_pairs(path: Path, limit: int | None) -> pd.DataFrame:
    """Gowalla ``user item item ...`` lines as a frame of (src, dst) string ids ``u<n>`` / ``i<n>``."""
    from kgmine.io.lightgcn import read_adjacency

    users, items, _ = read_adjacency(path)
    frame = pd.DataFrame({"src": "u" + pd.Series(users).astype(str), "dst": "i" + pd.Series(items).astype(str)})
    return frame.iloc[:limit].reset_index(drop=True) if limit else frame


@contextmanager
def server():
    """The server named by NEO4J_URI, else a private one started (and stopped) with neo4j-server.sh."""
    if os.environ.get("NEO4J_URI"):
        yield os.environ["NEO4J_URI"]
        return
    home = tempfile.mkdtemp(prefix="kgmine-neo4j-bench-")
    env = {**os.environ, "KGMINE_NEO4J_HOME": home, "NEO4J_HEAP": os.environ.get("NEO4J_HEAP", "3g"),
           "NEO4J_PAGECACHE_MB": os.environ.get("NEO4J_PAGECACHE_MB", "1024")}
    t0 = time.perf_counter()
    uri = subprocess.run(["bash", str(SERVER), "start"], env=env, check=True, text=True,
                         stdout=subprocess.PIPE).stdout.strip()
    print(f"started a private Neo4j at {uri} in {time.perf_counter() - t0:.1f} s (home {home})")
    try:
        yield uri
    finally:
        subprocess.run(["bash", str(SERVER), "clean"], env=env, check=False)


def wipe(store) -> None:
    """Empty the database: relationships first (cheap batches), then nodes."""
    while store.query("MATCH ()-[r]->() WITH r LIMIT 50000 DELETE r RETURN count(*) AS n", write=True)["n"].iloc[0]:
        pass
    store.clear()


def nodes_of(pairs: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Distinct User and Product node frames of ``pairs``."""
    return (pd.DataFrame({"id": pairs["src"].drop_duplicates().to_numpy()}),
            pd.DataFrame({"id": pairs["dst"].drop_duplicates().to_numpy()}))


def timed(fn, *args):
    t0 = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - t0


def run_naive(store, pairs: pd.DataFrame) -> float:
    """One auto-commit MERGE statement per row; returns seconds."""
    cypher = "MERGE (u:User {id: $u}) MERGE (p:Product {id: $p}) MERGE (u)-[:BOUGHT]->(p)"
    from kgmine.progress import track

    t0 = time.perf_counter()
    with store._driver.session(database=store.settings.database) as session:
        for u, p in track(list(zip(pairs["src"], pairs["dst"])), "naive MERGE per row"):
            session.run(cypher, u=u, p=p).consume()
    return time.perf_counter() - t0


def run_create(store, users: pd.DataFrame, products: pd.DataFrame, pairs: pd.DataFrame) -> tuple[float, float]:
    """Batched unconditional CREATE of nodes, then of relationships; returns (node s, edge s)."""
    from kgmine.graph.stores.neo4j_store import _rows

    def write(cypher: str, rows: list, what: str) -> float:
        return timed(store.write_batches, cypher, rows, what)[1]

    t_nodes = write("UNWIND $rows AS r CREATE (n:User {id: r[0]}) RETURN count(*) AS n",
                    _rows(users, ["id"]), "CREATE User")
    t_nodes += write("UNWIND $rows AS r CREATE (n:Product {id: r[0]}) RETURN count(*) AS n",
                     _rows(products, ["id"]), "CREATE Product")
    rows = _rows(pairs, ["src", "dst"])
    t_edges = write("UNWIND $rows AS r MATCH (a:User {id: r[0]}) MATCH (b:Product {id: r[1]}) "
                    "CREATE (a)-[:BOUGHT]->(b) RETURN count(*) AS n", rows, "CREATE BOUGHT")
    return t_nodes, t_edges


def run_kgmine(store, users: pd.DataFrame, products: pd.DataFrame, pairs: pd.DataFrame) -> tuple[float, float]:
    """kgmine's writer: upsert nodes, then edges; returns (node s, edge s)."""
    t_nodes = timed(store.upsert_nodes, "User", users)[1] + timed(store.upsert_nodes, "Product", products)[1]
    t_edges = timed(store.upsert_edges, "BOUGHT", "User", "Product", pairs)[1]
    return t_nodes, t_edges


def count_bought(store) -> int:
    return int(store.query("MATCH ()-[r:BOUGHT]->() RETURN count(r) AS n")["n"].iloc[0])


def sweep(store, pairs: pd.DataFrame, sizes: list[int], repeats: int) -> None:
    """kgmine edge-upsert rate per batch size, each into an empty database with the nodes loaded.

    The sizes run in the given order, then reversed, ``repeats`` times in all, so that a drift of the
    machine or the store over the run does not masquerade as a batch-size effect; the median is printed.
    """
    users, products = nodes_of(pairs)
    print(f"\nbatch-size sweep on {len(pairs):,} BOUGHT rows (MERGE into an empty relationship set), "
          f"{repeats} passes alternating order")
    rates: dict[int, list[float]] = {size: [] for size in sizes}
    for rep in range(repeats):
        for size in (sizes if rep % 2 == 0 else sizes[::-1]):
            wipe(store)
            store.batch_size = size
            store.upsert_nodes("User", users)
            store.upsert_nodes("Product", products)
            _, secs = timed(store.upsert_edges, "BOUGHT", "User", "Product", pairs)
            rates[size].append(len(pairs) / secs)
            print(f"  pass {rep + 1}: batch {size:>7,}  {rates[size][-1]:>8,.0f} rel/s", flush=True)
    print(f"{'batch':>8} {'median rel/s':>13}  all passes")
    for size in sizes:
        print(f"{size:>8,} {float(np.median(rates[size])):>13,.0f}  "
              + " ".join(f"{r:,.0f}" for r in rates[size]))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=GOWALLA, help="Gowalla train.txt")
    ap.add_argument("--limit", type=int, default=None, help="use only the first N pairs")
    ap.add_argument("--naive-rows", type=int, default=20_000, help="rows for the naive per-row writer")
    ap.add_argument("--batch-size", type=int, default=None, help="kgmine batch size (default: the store's)")
    ap.add_argument("--sweep", action="store_true", help="run the batch-size sweep instead")
    ap.add_argument("--kgmine-only", action="store_true",
                    help="time only kgmine's writer (e.g. to compare driver builds across processes)")
    ap.add_argument("--sweep-sizes", default="1000,2500,5000,10000,20000,50000")
    ap.add_argument("--sweep-rows", type=int, default=200_000)
    ap.add_argument("--sweep-repeats", type=int, default=2)
    args = ap.parse_args(argv)

    os.environ.setdefault("KGMINE_NO_PROGRESS", "1")
    from kgmine.graph.stores.neo4j_store import DEFAULT_BATCH_SIZE, Neo4jStore

    pairs, secs = timed(load_pairs, args.data, args.limit)
    n = len(pairs)
    print(f"Gowalla: {n:,} pairs, {pairs['src'].nunique():,} users, {pairs['dst'].nunique():,} items "
          f"(read in {secs:.1f} s)")
    import importlib.util

    import neo4j

    packer = "neo4j-rust-ext" if importlib.util.find_spec("neo4j._rust") else "pure Python"

    with server() as uri:
        store = Neo4jStore(uri=uri, batch_size=args.batch_size or DEFAULT_BATCH_SIZE, progress=False)
        print(f"server {uri}, neo4j driver {neo4j.__version__} ({packer} packstream), "
              f"batch size {store.batch_size:,}")
        store.create_schema()
        if args.sweep:
            sweep(store, pairs.iloc[:args.sweep_rows], [int(s) for s in args.sweep_sizes.split(",")],
                  args.sweep_repeats)
            wipe(store)
            store.close()
            return 0
        users, products = nodes_of(pairs)
        distinct = len(pairs.drop_duplicates())
        if args.kgmine_only:
            wipe(store)
            tn, te = run_kgmine(store, users, products, pairs)
            print(f"kgmine  : nodes {tn:.1f} s, {n:,} relationships in {te:.1f} s = {n / te:,.0f} rel/s "
                  f"-> {count_bought(store):,} BOUGHT")
            wipe(store)
            store.close()
            return 0

        wipe(store)
        sample = pairs.sample(n=min(args.naive_rows, n), random_state=0)
        t_naive = run_naive(store, sample)
        naive_rate = len(sample) / t_naive
        print(f"naive   : {len(sample):,} rows in {t_naive:.1f} s = {naive_rate:,.0f} rel/s "
              f"(extrapolated to {n:,}: {n / naive_rate / 60:.1f} min)")

        wipe(store)
        tn, te = run_create(store, users, products, pairs)
        create_rate = n / te
        print(f"create  : nodes {tn:.1f} s, {n:,} relationships in {te:.1f} s = {create_rate:,.0f} rel/s")

        wipe(store)
        tn, te = run_kgmine(store, users, products, pairs)
        kg_rate = n / te
        first = count_bought(store)
        print(f"kgmine  : nodes {tn:.1f} s, {n:,} relationships in {te:.1f} s = {kg_rate:,.0f} rel/s "
              f"-> {first:,} BOUGHT")
        tn2, te2 = run_kgmine(store, users, products, pairs)
        second = count_bought(store)
        print(f"kgmine 2: nodes {tn2:.1f} s, edges {te2:.1f} s = {n / te2:,.0f} rel/s (re-load) "
              f"-> {second:,} BOUGHT")

        print("\nratios (same server, same run)")
        print(f"  kgmine / naive per-row MERGE : {kg_rate / naive_rate:6.1f}x   (target >= 20x)")
        print(f"  kgmine / batched CREATE      : {kg_rate / create_rate:6.2f}x   (target >= 0.5x)")
        ok = second == distinct and first == distinct
        print(f"  BOUGHT after two full loads  : {second:,} (expected exactly {distinct:,}) "
              f"{'OK' if ok else 'MISMATCH'}")
        wipe(store)
        store.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
