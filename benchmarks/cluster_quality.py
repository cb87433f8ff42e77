"""Product clustering quality: adjusted Rand index (ARI) against known categories.

* the SYNTHETIC demo world (``kgmine.demo.world.generate_world``, 2,000 products, 12 planted
  categories): default ProductClusterer (k chosen by silhouette), k fixed at 12, and the other
  methods and selections;
* WDC-PAVE product offers (``../shared/data/text/wdc-pave/wdc_normalized``, train_large + test =
  1,420 offers, 5 gold categories): titles alone and titles with descriptions, k chosen and k = 5;
  ``--minilm`` adds the MiniLM sentence-embedding runs (slow: about 200 texts/s on 2 free cores).

Categories are never features (the clusterer leaves category attributes out by default); ARI is
computed over all products (HDBSCAN noise counts as one more group).

Usage::

    python benchmarks/cluster_quality.py [--minilm] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import pandas as pd

from kgmine.mine.catalog import CatalogView
from kgmine.mine.clusters import ProductClusterer, adjusted_rand

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("KGMINE_SHARED_DATA", REPO.parent / "shared" / "data"))


def run(name: str, catalog: CatalogView, truth: pd.Series, **params) -> dict:
    start = time.perf_counter()
    model = ProductClusterer(progress=False, **params).fit(catalog)
    seconds = time.perf_counter() - start
    labels = model.labels_.set_index("product_id")["cluster"]
    chosen = model.selection_[model.selection_["chosen"]].iloc[0]
    row = {"data": name, "params": ", ".join(f"{k}={v}" for k, v in params.items()) or "defaults",
           "k": model.n_clusters_, "ari": adjusted_rand(labels, truth),
           "silhouette": float(chosen["silhouette"]), "seconds": seconds}
    print(f"  {row['data']:<22} {row['params']:<55} k={row['k']:<3} ARI={row['ari']:.3f} "
          f"({seconds:.1f} s)", file=sys.stderr, flush=True)
    return row


def demo_cases() -> list[dict]:
    from kgmine.demo.world import generate_world

    world = generate_world(seed=0)
    truth = world.truth["product_attributes"].set_index("product_id")["category"]
    catalog = CatalogView.from_shopdata(world)
    cases = [{}, {"n_clusters": 12}, {"selection": "davies_bouldin"}, {"method": "minibatch"},
             {"method": "agglomerative"}, {"method": "hdbscan"}, {"n_components": 100},
             {"n_components": 100, "n_clusters": 12}, {"behaviour_weight": 0.5},
             {"behaviour_weight": 0.5, "n_clusters": 12}, {"text_fields": ("title",), "n_clusters": 12}]
    return [run("demo world (synthetic)", catalog, truth, **c) for c in cases]


def wdc_cases(minilm: bool) -> list[dict]:
    folder = SHARED / "text" / "wdc-pave" / "wdc_normalized"
    if not folder.is_dir():
        print(f"skip WDC-PAVE: {folder} not found", file=sys.stderr)
        return []
    rows = [json.loads(line) for split in ("train_large", "test") for line in open(folder / f"{split}.jsonl")]
    frame = pd.DataFrame(rows)
    frame = frame.assign(product_id=frame["id"].astype(str)).drop_duplicates("product_id")
    catalog = CatalogView(frame.rename(columns={"input_title": "title", "input_description": "description"}),
                          name="wdc-pave")
    truth = frame.set_index("product_id")["category"]
    cases = [{"text_fields": ("title",), "k_range": tuple(range(2, 13))},
             {"text_fields": ("title",), "n_clusters": 5},
             {"k_range": tuple(range(2, 13))}, {"n_clusters": 5}]
    if minilm:
        cases += [{"text": "minilm", "text_fields": ("title",), "k_range": tuple(range(2, 13))},
                  {"text": "minilm", "text_fields": ("title",), "n_clusters": 5}]
    return [run(f"WDC-PAVE ({len(frame)} offers)", catalog, truth, **c) for c in cases]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minilm", action="store_true", help="also run MiniLM embeddings on WDC-PAVE titles")
    parser.add_argument("--skip-demo", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args(argv)
    rows = ([] if args.skip_demo else demo_cases()) + wdc_cases(args.minilm)
    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 200, "display.max_colwidth", 60):
        print(table.to_string(index=False, formatters={"ari": "{:.3f}".format, "silhouette": "{:.3f}".format,
                                                       "seconds": "{:.1f}".format}))
    if args.json:
        args.json.write_text(table.to_json(orient="records", indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
