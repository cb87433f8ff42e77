"""Speed of kgmine's extraction against a raw ``nlp.pipe`` of the same spaCy pipeline.

Measured on the product titles and descriptions of the synthetic demo world (same texts for every
configuration), each run in a fresh subprocess so that its peak memory (max RSS, children included
for ``n_process=2``) is its own:

``model``     raw ``nlp.pipe`` of the pretrained English pipeline (pretrained ``ner`` excluded, as
              kgmine does) with the product tokenizer — the peer;
``pipeline``  raw ``nlp.pipe`` of the full kgmine pipeline (the same model plus ``kgmine_gazetteer``,
              ``kgmine_combiner``, ``kgmine_linker`` and, with ``--span-model``, ``kgmine_span_model``),
              consuming the docs only;
``extract``   :func:`kgmine.extract.extract_products` on that pipeline: rows, aggregation, DataFrame.

Printed ratios: *driver overhead* = extract / pipeline - 1 (what kgmine's driver adds to a raw
``nlp.pipe`` of the same pipeline; target <= 15 %), *component overhead* = pipeline / model - 1 and
*total overhead* = extract / model - 1, on CPU time (user + system, worker processes included) and on
wall-clock time. CPU time is the primary measure because the machine is shared: wall-clock time then
mostly measures the neighbours. Each configuration runs ``--repeat`` times, interleaved, and the
run with the least CPU time counts.

    python benchmarks/extract_speed.py --products 1000 --repeat 3
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import subprocess
import sys
import time

CONFIGS = ("model", "pipeline", "extract")


def _world(n_products: int):
    from kgmine.demo.world import generate_world
    from kgmine.extract.pipeline import vocab_with_aliases

    world = generate_world(n_products=n_products, n_users=50, seed=0)
    vocab = vocab_with_aliases(world.truth["vocab"], {"colour": world.truth["colour_variants"]})
    return world.products, vocab


def _cpu() -> float:
    """User + system CPU seconds of this process and its reaped children."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def worker(config: str, n_products: int, n_process: int, batch_size: int, span_model: str | None) -> dict:
    """Run one configuration once; returns words, seconds, words/s and peak RSS (MiB)."""
    import spacy

    from kgmine.extract.pipeline import build_pipeline, extract_products, pick_model
    from kgmine.extract.tokenizer import customize_tokenizer

    products, vocab = _world(n_products)
    texts = [t for f in ("title", "description") for t in products[f].dropna().tolist()]
    words = sum(len(t.split()) for t in texts)
    if config == "model":
        nlp = customize_tokenizer(spacy.load(pick_model(), exclude=["ner"]))
    else:
        nlp = build_pipeline(vocab, span_model=span_model)
    cpu0 = _cpu()
    t0 = time.perf_counter()
    if config == "extract":
        rows = len(extract_products(products, nlp=nlp, batch_size=batch_size, n_process=n_process, progress=False))
    else:
        rows = 0
        for _ in nlp.pipe(texts, batch_size=batch_size, n_process=n_process):
            pass
    seconds = time.perf_counter() - t0
    multiprocessing.active_children()  # reap finished workers so that their CPU time is counted
    cpu = _cpu() - cpu0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"config": config, "n_process": n_process, "words": words, "seconds": seconds, "cpu_seconds": cpu,
            "words_per_s": words / seconds, "words_per_cpu_s": words / cpu, "peak_rss_mib": peak / 1024.0, "rows": rows,
            "pipe_names": nlp.pipe_names}


def _run(config: str, args: argparse.Namespace, n_process: int) -> dict:
    cmd = [sys.executable, __file__, "--worker", config, "--products", str(args.products), "--n-process",
           str(n_process), "--batch-size", str(args.batch_size)]
    if args.span_model:
        cmd += ["--span-model", args.span_model]
    env = dict(os.environ, KGMINE_NO_PROGRESS="1")
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=1000, help="demo-world products (2 texts each)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per configuration (fastest counts)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--span-model", default=None, help="directory of a trained kgmine span model to include")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--worker", choices=CONFIGS, help=argparse.SUPPRESS)
    parser.add_argument("--n-process", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.products, args.n_process, args.batch_size, args.span_model)))
        return

    results: dict[tuple[str, int], dict] = {}
    for n_process in (1, 2):
        for _ in range(args.repeat):
            for config in CONFIGS:
                r = _run(config, args, n_process)
                key = (config, n_process)
                if key not in results or r["cpu_seconds"] < results[key]["cpu_seconds"]:
                    results[key] = {**r, "peak_rss_mib": max(r["peak_rss_mib"],
                                                             results.get(key, {}).get("peak_rss_mib", 0.0))}
    summary = []
    for n_process in (1, 2):
        m, p, e = (results[(c, n_process)] for c in CONFIGS)
        summary.append({"n_process": n_process, "model_wps": m["words_per_s"], "pipeline_wps": p["words_per_s"],
                        "extract_wps": e["words_per_s"],
                        "driver_overhead": e["cpu_seconds"] / p["cpu_seconds"] - 1,
                        "component_overhead": p["cpu_seconds"] / m["cpu_seconds"] - 1,
                        "total_overhead": e["cpu_seconds"] / m["cpu_seconds"] - 1,
                        "driver_overhead_wall": e["seconds"] / p["seconds"] - 1,
                        "component_overhead_wall": p["seconds"] / m["seconds"] - 1,
                        "peak_rss_mib": {c: round(results[(c, n_process)]["peak_rss_mib"], 1) for c in CONFIGS}})
    if args.json:
        print(json.dumps({"runs": [results[k] for k in sorted(results)], "summary": summary}, indent=2))
        return
    words = results[("model", 1)]["words"]
    print(f"texts: {args.products} demo-world products x (title, description) = {words} words; "
          f"fastest of {args.repeat}; pipeline: {' > '.join(results[('extract', 1)]['pipe_names'])}")
    print(f"{'n_process':>9} {'config':>9} {'words/s':>9} {'wall s':>8} {'words/cpu-s':>11} {'cpu s':>7} "
          f"{'peak MiB':>9}")
    for n_process in (1, 2):
        for c in CONFIGS:
            r = results[(c, n_process)]
            print(f"{n_process:>9} {c:>9} {r['words_per_s']:>9.0f} {r['seconds']:>8.2f} {r['words_per_cpu_s']:>11.0f} "
                  f"{r['cpu_seconds']:>7.2f} {r['peak_rss_mib']:>9.1f}")
    for s in summary:
        print(f"n_process={s['n_process']}: driver overhead (extract vs raw nlp.pipe of the same pipeline) "
              f"{100 * s['driver_overhead']:+.1f}% cpu / {100 * s['driver_overhead_wall']:+.1f}% wall | "
              f"kgmine components vs pretrained model {100 * s['component_overhead']:+.1f}% cpu / "
              f"{100 * s['component_overhead_wall']:+.1f}% wall | total {100 * s['total_overhead']:+.1f}% cpu")


if __name__ == "__main__":
    main()
