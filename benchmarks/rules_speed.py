"""Frequent itemsets and rules: kgmine end to end vs raw pyfim vs mlxtend, on the FIMI benchmarks.

For each data set and minimum support, every tool runs in a fresh Python process (so peak memory
is its own; C allocations included), after its imports (and pandas' one-time string set-up):

* ``kgmine``: ``AssociationRules(min_support, min_confidence).fit(path)``: read the file, encode,
  mine (pyfim), derive the rules with all measures, build the ``itemsets_``/``rules_`` DataFrames;
* ``pyfim``: the mining call alone, ``fim.<algorithm>(transactions, supp=-min_count)``, on
  transactions read beforehand (untimed), with the garbage collector off as kgmine has it;
* ``mlxtend``: read, ``TransactionEncoder`` (sparse), ``fpgrowth``; one run per case (``--peer-repeat``)
  and a time limit (``--timeout``) that is reported, not hidden.

Time is the best wall time of ``--repeat`` runs, kgmine and raw pyfim alternating (CPU time beside it, and the
median of the per-round kgmine / pyfim ratios: the machine may be shared);
peak memory is the peak resident set size above the process's size when the timed part began
(``/proc/self/clear_refs`` resets the kernel's high-water mark), plus the absolute peak. The
itemset counts of the three tools must be equal; the script exits 1 when they are not.

Usage::

    python benchmarks/rules_speed.py                       # both data sets, three supports each
    python benchmarks/rules_speed.py --only T10I4D100K --repeat 5 --json results.json
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = Path(os.environ.get("KGMINE_SHARED_DATA", REPO.parent / "shared" / "data")) / "baskets" / "fimi"
CASES = {
    "T10I4D100K": {"file": "T10I4D100K.dat", "supports": [0.005, 0.0025, 0.001], "confidence": 0.5},
    "chess": {"file": "chess.dat", "supports": [0.8, 0.7, 0.6], "confidence": 0.9},
}
TOOLS = ("kgmine", "pyfim", "mlxtend")


# --- child side: one timed run, result as one JSON line on stdout ---------------------------------

def _status_kb(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def _reset_peak() -> int:
    """Reset the peak-RSS mark (Linux) and return the current RSS in kB."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass
    return _status_kb("VmRSS")


def _read(path: str) -> list[list[str]]:
    with open(path) as fh:
        return [line.split() for line in fh if line.strip()]


def child(tool: str, path: str, support: float, confidence: float, algorithm: str) -> dict:
    import gc

    from kgmine.mine.rules import AssociationRules, min_count

    out: dict = {"tool": tool}
    if tool == "kgmine":
        import pandas as pd

        pd.Index(["warm-up"])  # pandas 3 initialises its pyarrow string kernels once (~20 ms), like an import
        base = _reset_peak()
        t0, c0 = time.perf_counter(), time.process_time()
        model = AssociationRules(support, confidence, algorithm=algorithm).fit(path)
        out.update(itemsets=len(model.itemsets_), rules=len(model.rules_), min_count=model.min_count_)
    elif tool == "pyfim":
        import fim

        transactions = _read(path)
        count = min_count(support, len(transactions))
        gc.disable()
        base = _reset_peak()
        t0, c0 = time.perf_counter(), time.process_time()
        found = getattr(fim, algorithm)(transactions, target="s", supp=-count, zmin=1, report="a")
        out.update(itemsets=len(found), min_count=count)
    elif tool == "mlxtend":
        import pandas as pd
        from mlxtend.frequent_patterns import fpgrowth
        from mlxtend.preprocessing import TransactionEncoder

        base = _reset_peak()
        t0, c0 = time.perf_counter(), time.process_time()
        transactions = _read(path)
        encoder = TransactionEncoder()
        onehot = encoder.fit(transactions).transform(transactions, sparse=True)
        frame = pd.DataFrame.sparse.from_spmatrix(onehot, columns=encoder.columns_)
        count = min_count(support, len(transactions))
        # (count - 0.5) / N: mlxtend's float tests then select exactly count >= min_count.
        found = fpgrowth(frame, min_support=(count - 0.5) / len(transactions))
        out.update(itemsets=len(found), min_count=count)
    else:
        raise SystemExit(f"unknown tool {tool}")
    out["wall"] = time.perf_counter() - t0
    out["cpu"] = time.process_time() - c0
    peak = _status_kb("VmHWM")
    out["peak_mb"] = (peak - base) / 1024
    out["peak_abs_mb"] = peak / 1024
    return out


# --- parent side ---------------------------------------------------------------------------------

def run_one(tool: str, path: Path, support: float, confidence: float, algorithm: str, timeout: float) -> dict:
    cmd = [sys.executable, __file__, "--child", tool, str(path), str(support), str(confidence), algorithm]
    env = {**os.environ, "KGMINE_NO_PROGRESS": "1"}
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"tool": tool, "timeout": timeout}
    if proc.returncode != 0:
        return {"tool": tool, "error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def best_of(runs: list[dict]) -> dict:
    ok = [r for r in runs if "wall" in r]
    if not ok:
        return runs[0]
    best = dict(min(ok, key=lambda r: r["wall"]))
    best["runs"] = len(ok)
    best["median_wall"] = statistics.median(r["wall"] for r in ok)
    best["cpu"] = min(r["cpu"] for r in ok)
    best["peak_mb"] = min(r["peak_mb"] for r in ok)
    return best


def fmt_time(result: dict) -> str:
    if "timeout" in result:
        return f"timeout >{result['timeout']:.0f}s"
    if "error" in result:
        return "error"
    return f"{result['wall']:.3f}s (cpu {result['cpu']:.3f})"


def _num(value: float | int | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder with the FIMI .dat files")
    parser.add_argument("--only", choices=sorted(CASES), action="append", help="run only this data set")
    parser.add_argument("--supports", type=float, nargs="+", help="override the supports (with --only)")
    parser.add_argument("--repeat", type=int, default=3, help="fresh-process runs of kgmine and pyfim")
    parser.add_argument("--peer-repeat", type=int, default=1, help="runs of mlxtend (slow)")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds before a run is stopped")
    parser.add_argument("--algorithm", default="fpgrowth", help="pyfim algorithm for kgmine and raw pyfim")
    parser.add_argument("--skip-mlxtend", action="store_true", help="do not run mlxtend")
    parser.add_argument("--json", type=Path, help="also write all results here")
    args = parser.parse_args(argv)

    names = args.only or list(CASES)
    rows, mismatches = [], 0
    for name in names:
        case = CASES[name]
        path = args.data / case["file"]
        if not path.exists():
            print(f"skip {name}: {path} not found", file=sys.stderr)
            continue
        supports = args.supports if args.supports and args.only else case["supports"]
        for support in supports:
            # kgmine and raw pyfim alternate (who goes first rotates), so that a slow spell of a shared
            # machine hits both; mlxtend (slow) runs after them.
            runs: dict[str, list[dict]] = {"kgmine": [], "pyfim": []}
            for k in range(args.repeat):
                for tool in (("kgmine", "pyfim") if k % 2 == 0 else ("pyfim", "kgmine")):
                    runs[tool].append(run_one(tool, path, support, case["confidence"], args.algorithm, args.timeout))
            if not args.skip_mlxtend:
                runs["mlxtend"] = [run_one("mlxtend", path, support, case["confidence"], args.algorithm, args.timeout)
                                   for _ in range(args.peer_repeat)]
            results = {tool: best_of(r) for tool, r in runs.items()}
            for tool, result in results.items():
                print(f"  {name} supp={support} {tool}: {fmt_time(result)}", file=sys.stderr, flush=True)
            paired = [a["wall"] / b["wall"] for a, b in zip(runs["kgmine"], runs["pyfim"]) if "wall" in a and "wall" in b]
            counts = {t: r["itemsets"] for t, r in results.items() if "itemsets" in r}
            equal = len(set(counts.values())) == 1
            mismatches += not equal
            kg, pf, mx = results["kgmine"], results["pyfim"], results.get("mlxtend", {})
            row = {"data": name, "support": support, "confidence": case["confidence"],
                   "min_count": kg.get("min_count"), "itemsets": counts, "counts_equal": equal,
                   "rules": kg.get("rules"), "results": results}
            if "wall" in kg and "wall" in pf:
                row["kgmine_over_pyfim_wall"] = kg["wall"] / pf["wall"]
                row["kgmine_over_pyfim_cpu"] = kg["cpu"] / pf["cpu"]
                row["kgmine_over_pyfim_paired_median"] = statistics.median(paired)
            if "wall" in kg and "wall" in mx:
                row["mlxtend_over_kgmine_wall"] = mx["wall"] / kg["wall"]
            elif "wall" in kg and "timeout" in mx:
                row["mlxtend_over_kgmine_wall"] = f">{mx['timeout'] / kg['wall']:.0f} (timeout)"
            rows.append(row)

    header = (f"{'data':<11} {'supp':>7} {'mincnt':>6} {'itemsets':>9} {'rules':>8} | {'kgmine e2e':>22} "
              f"{'pyfim mine':>22} {'mlxtend':>22} | {'kg/pyfim':>8} {'cpu':>5} {'paired':>6} {'mlx/kg':>10} | "
              f"{'peak MB kg/pyfim/mlx':>22}")
    print(f"\npyfim algorithm: {args.algorithm}; best of {args.repeat} (mlxtend {args.peer_repeat}) fresh processes, "
          "kgmine and pyfim alternating; 'paired' = median over the rounds of kgmine / pyfim")
    print(header)
    print("-" * len(header))
    for row in rows:
        res = row["results"]
        counts = row["itemsets"]
        shown = str(counts.get("kgmine", "?")) + ("" if row["counts_equal"] else " MISMATCH")
        ratio = _num(row.get("kgmine_over_pyfim_wall"), ".2f")
        cpu_ratio = _num(row.get("kgmine_over_pyfim_cpu"), ".2f")
        paired = _num(row.get("kgmine_over_pyfim_paired_median"), ".2f")
        speedup = row.get("mlxtend_over_kgmine_wall")
        speedup = f"{speedup:.1f}x" if isinstance(speedup, float) else (speedup or "-")
        peaks = "/".join(f"{res[t]['peak_mb']:.0f}" if "peak_mb" in res.get(t, {}) else "-" for t in TOOLS)
        mlx = fmt_time(res["mlxtend"]) if "mlxtend" in res else "-"
        print(f"{row['data']:<11} {row['support']:>7g} {row['min_count'] or '-':>6} {shown:>9} "
              f"{_num(row['rules'], ',d'):>8} | {fmt_time(res['kgmine']):>22} {fmt_time(res['pyfim']):>22} "
              f"{mlx:>22} | {ratio:>8} {cpu_ratio:>5} {paired:>6} {speedup:>10} | {peaks:>22}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2, default=str))
    if mismatches:
        print(f"\nFAIL: itemset counts differ in {mismatches} case(s)", file=sys.stderr)
        return 1
    print("\nitemset counts equal across all tools that finished")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        tool, path, support, confidence, algorithm = sys.argv[2:7]
        print(json.dumps(child(tool, path, float(support), float(confidence), algorithm)))
    else:
        sys.exit(main())
