"""Loading Gowalla interactions into the embedded LadybugDB store: kgmine's writer vs the raw statements.

The first ``--edges`` pairs (default 200,000) of LightGCN's Gowalla ``train.txt`` become User and
Product nodes with BOUGHT edges (``timestamp`` = row number). Measured in the same run, each on a
fresh database:

* ``raw COPY``            — ``COPY BOUGHT FROM <arrow>`` into an empty table: LadybugDB's bulk path,
  the upper bound (not idempotent: a second COPY duplicates every edge);
* ``raw LOAD..MERGE``     — ``LOAD FROM <arrow> MATCH (a:User {id: src}) MATCH (b:Product {id: dst})
  MERGE (a)-[e:BOUGHT]->(b) SET e.timestamp = timestamp``, the idempotent statement, on an empty table
  and again when every edge exists;
* ``kgmine upsert_edges`` — the store's writer (diff against stored edges, COPY the new ones, SET
  the changed ones): fresh, re-run unchanged, and re-run with 10 % of timestamps changed;
* ``kgmine load``         — a whole ``KGTables`` (nodes + edges, one transaction), fresh and again;
* exports: ``to_hetero_data`` from the store, vs ladybug's ``get_as_torch_geometric`` on a sample.

Prints seconds, edges per second, and ratios. Usage::

    python benchmarks/ladybug_load.py [--edges 200000] [--data ../shared/data/recsys/gowalla]
"""
from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

os.environ.setdefault("KGMINE_NO_PROGRESS", "1")

from kgmine.graph.export import to_hetero_data  # noqa: E402
from kgmine.graph.stores.ladybug_store import LadybugStore  # noqa: E402
from kgmine.graph.tables import KGTables  # noqa: E402
from kgmine.io.lightgcn import read_adjacency  # noqa: E402

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "recsys" / "gowalla"


def gowalla_edges(data: Path, n: int) -> pd.DataFrame:
    """The first ``n`` (user, item) training pairs as string ids with a timestamp column."""
    users, items, _ = read_adjacency(data / "train.txt")
    users, items = users[:n], items[:n]
    return pd.DataFrame({"src": pd.Series(np.char.add("u", users.astype(str)), dtype="string"),
                         "dst": pd.Series(np.char.add("i", items.astype(str)), dtype="string"),
                         "timestamp": np.arange(len(users), dtype=np.int64)})


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edges", type=int, default=200_000)
    parser.add_argument("--data", type=Path, default=DEFAULT)
    parser.add_argument("--pyg-sample", type=int, default=20_000,
                        help="edges for the get_as_torch_geometric peer (it is slow; extrapolated)")
    args = parser.parse_args()

    import ladybug.torch_geometric_result_converter  # noqa: F401 - imported before timing the exports
    import torch_geometric.data  # noqa: F401

    edges = gowalla_edges(args.data, args.edges)
    n = len(edges)
    users = pd.DataFrame({"id": edges["src"].unique()})
    items = pd.DataFrame({"id": edges["dst"].unique()})
    print(f"Gowalla: {n:,} BOUGHT edges, {len(users):,} users, {len(items):,} items")
    tables = KGTables()
    tables.add_nodes("User", users)
    tables.add_nodes("Product", items)
    tables.add_edges("BOUGHT", "User", "Product", edges)
    arrow_edges = pa.table({"src": edges["src"].to_numpy(str), "dst": edges["dst"].to_numpy(str),
                            "timestamp": edges["timestamp"].to_numpy(),
                            "basket_id": pa.nulls(n, pa.string()), "split": pa.nulls(n, pa.string())})
    rows: list[tuple[str, float]] = []
    root = Path(tempfile.mkdtemp(prefix="kgmine-bench-"))

    def fresh(name: str) -> LadybugStore:
        store = LadybugStore(root / name)
        store.create_schema()
        store.upsert_nodes("User", users)
        store.upsert_nodes("Product", items)
        return store

    try:
        merge = ("LOAD FROM $rows MATCH (a:User {id: src}) MATCH (b:Product {id: dst}) "
                 "MERGE (a)-[e:BOUGHT]->(b) SET e.timestamp = timestamp")
        with fresh("copy") as s:
            rows.append(("raw COPY (empty table)",
                         timed(lambda: s._execute("COPY BOUGHT FROM $rows", {"rows": arrow_edges}))))
        with fresh("merge") as s:
            rows.append(("raw LOAD..MERGE (empty table)", timed(lambda: s._execute(merge, {"rows": arrow_edges}))))
            rows.append(("raw LOAD..MERGE (re-run, all exist)",
                         timed(lambda: s._execute(merge, {"rows": arrow_edges}))))
            assert s.counts()["BOUGHT"] == n
        with fresh("kgmine") as s:
            rows.append(("kgmine upsert_edges (fresh)",
                         timed(lambda: s.upsert_edges("BOUGHT", "User", "Product", edges))))
            rows.append(("kgmine upsert_edges (re-run, unchanged)",
                         timed(lambda: s.upsert_edges("BOUGHT", "User", "Product", edges))))
            assert s.last_write_ == {"new": 0, "updated": 0, "unchanged": n}, s.last_write_
            changed = edges.copy()
            pick = np.random.default_rng(0).random(n) < 0.10
            changed.loc[pick, "timestamp"] += 1_000_000
            rows.append((f"kgmine upsert_edges (re-run, {int(pick.sum()):,} changed)",
                         timed(lambda: s.upsert_edges("BOUGHT", "User", "Product", changed))))
            assert s.last_write_["updated"] == int(pick.sum()) and s.counts()["BOUGHT"] == n
        with LadybugStore(root / "load") as s:
            rows.append(("kgmine load KGTables (fresh, nodes+edges)", timed(lambda: s.load(tables, progress=False))))
            counts = s.counts()
            rows.append(("kgmine load KGTables (re-run)", timed(lambda: s.load(tables, progress=False))))
            assert s.counts() == counts and counts["BOUGHT"] == n
            export = timed(lambda: to_hetero_data(s, node_labels=["User", "Product"], rel_types=["BOUGHT"]))
            rows.append(("kgmine to_hetero_data (store -> HeteroData)", export))
            k = min(args.pyg_sample, n)
            pyg = timed(lambda: s._execute(f"MATCH (a:User)-[e:BOUGHT]->(b:Product) RETURN a, e, b LIMIT {k}")
                        .get_as_torch_geometric())
            rows.append((f"ladybug get_as_torch_geometric ({k:,} edges, x{n / k:.0f} extrapolated)", pyg * n / k))
    finally:
        shutil.rmtree(root, ignore_errors=True)

    copy_s = rows[0][1]
    merge_s = rows[1][1]
    print(f"\n{'step':58s} {'seconds':>8s} {'edges/s':>11s} {'vs COPY':>8s} {'MERGE/x':>8s}")
    for name, seconds in rows:
        print(f"{name:58s} {seconds:8.2f} {n / seconds:11,.0f} {seconds / copy_s:7.1f}x {merge_s / seconds:7.1f}x")
    print("\n'vs COPY' = time / raw COPY time (lower is better); 'MERGE/x' = raw LOAD..MERGE (empty) time / time "
          "(higher is better).")


if __name__ == "__main__":
    main()
