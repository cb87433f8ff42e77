"""Precision of the dependency-pattern relation rules on real product text (WDC-PAVE offers).

    python benchmarks/relation_precision.py [--data-root ../shared/data] [--json]

Runs :func:`kgmine.extract.relations.extract_relations` over the titles and descriptions of the
WDC-PAVE offers (train_large and test, 1,420 offers, read in place by the attribute benchmark's reader)
and joins the output with ``benchmarks/labels/wdc_pave_relations.tsv``: a seeded sample of 20 extracted
triples per relation (``random_state=13`` over the output of the rules as of 2026-11-27), each judged by
hand. The file holds keys only (doc id, relation, character offsets) and the judgement, no text.

Judgement: a triple is correct when the text states it for the spans as extracted (head, relation,
tail); a span cut so short that it no longer names the entity ("18k" for "18k rose gold", "side" for
"side crossrails") or a span that is not the entity (a place, a price, "search") makes it wrong; extra
words around the right entity ("3M MMM08004 - OnTimeSupplies.com") do not. One annotator (a kgmine
developer), no adjudication: read the numbers as an estimate with a wide interval (20 per relation).

Prints, per relation: triples extracted from the corpus, labelled triples still produced, correct
among them, precision, and the corpus-weighted estimate over all relations. Labelled triples the
current rules no longer produce are counted apart (re-label after changing the rules).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "benchmarks" / "labels" / "wdc_pave_relations.tsv"
KEY = ["doc_id", "relation", "head_start", "head_end", "tail_start", "tail_end"]


def wdc_texts(data_root: Path) -> pd.DataFrame:
    """``doc_id`` (``<offer id>:title`` / ``:description``) and ``text`` of the WDC-PAVE offers, read by
    :func:`kgmine.extract.attribute_data.load_dataset` (train and test)."""
    from kgmine.extract.attribute_data import load_dataset

    try:
        data = load_dataset("wdc-pave", data_root)
    except FileNotFoundError as exc:
        raise SystemExit(f"{exc} (pass --data-root)") from None
    rows = [(f"{doc.doc_id}:{field}", text) for doc in data.train + data.test
            for field, text in (("title", doc.title), ("description", doc.description)) if text]
    return pd.DataFrame(rows, columns=["doc_id", "text"])


def precision_table(extracted: pd.DataFrame, labels: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Per-relation precision of ``extracted`` on the labelled sample, and the corpus-weighted total."""
    ext = extracted[KEY].astype({col: "Int64" for col in KEY[2:]}).drop_duplicates()
    joined = labels.astype({col: "Int64" for col in KEY[2:]}).merge(ext, on=KEY, how="left", indicator=True)
    found = joined[joined["_merge"] == "both"]
    table = pd.DataFrame({
        "extracted": extracted["relation"].value_counts(),
        "labelled": found.groupby("relation").size(),
        "correct": found.groupby("relation")["correct"].sum(),
    }).fillna(0).astype(int)
    table["precision"] = (table["correct"] / table["labelled"].where(table["labelled"] > 0)).round(3)
    weighted = (table["precision"] * table["extracted"]).sum() / table.loc[table["labelled"] > 0, "extracted"].sum()
    summary = {"triples": int(len(extracted)), "labelled_found": int(len(found)),
               "labelled_missing": int((joined["_merge"] == "left_only").sum()),
               "precision_sample": round(float(found["correct"].mean()), 3) if len(found) else None,
               "precision_corpus_weighted": round(float(weighted), 3)}
    return table.rename_axis("relation").reset_index(), summary


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-root", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    args = parser.parse_args(argv)

    from kgmine.extract.relations import extract_relations

    texts = wdc_texts(args.data_root)
    labels = pd.read_csv(args.labels, sep="\t", dtype={"doc_id": str, "relation": str})
    t0 = time.perf_counter()
    print(f"extracting relations from {len(texts):,} WDC-PAVE texts ...", file=sys.stderr, flush=True)
    extracted = extract_relations(texts["text"].tolist(), doc_ids=texts["doc_id"].tolist())
    seconds = time.perf_counter() - t0
    table, summary = precision_table(extracted, labels)
    summary = {"texts": len(texts), **summary, "seconds": round(seconds, 1)}
    if args.json:
        print(json.dumps({"summary": summary, "relations": table.to_dict(orient="records")}, indent=2))
        return
    print(table.to_string(index=False))
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
