"""Precision of the dependency-pattern relation rules on real product text: WDC-PAVE offers (the calibration
source) and Amazon 2018 Gift Cards + Magazine Subscriptions products (held out).

    python benchmarks/relation_precision.py [--data-root ../shared/data] [--source all|wdc-pave|amazon]
                                            [--thresholds] [--write-rule-precision [PATH]] [--json]
    python benchmarks/relation_precision.py --draw amazon --seed 12 > keys.tsv   # keys to judge, no text

Runs :func:`kgmine.extract.relations.extract_relations` over the texts of each source and joins the output
with its labels file in ``benchmarks/labels/`` (keys only: doc id, relation, rule, character offsets, and
the judgement; no text):

* ``wdc_pave_relations.tsv`` (199 triples): the titles and descriptions of the WDC-PAVE offers (train_large
  and test, 1,420 offers, read in place by the attribute benchmark's reader; doc id ``<offer id>:<field>``).
  The first 100 rows are the original sample, 20 per relation (``random_state=13`` over the output of the
  rules as of 2026-11-27); the other 99 were drawn per rule by :func:`draw_sample` (``--draw wdc-pave
  --seed 12``: up to 20 judged triples per rule, all of a rule that has fewer) on 2026-12-01.
* ``amazon_relations.tsv`` (157 triples): the products of the Gift Cards and Magazine Subscriptions 5-core
  files, read by ``kgmine.io.read_dataset("amazon", ...)`` exactly as the kgmine pipeline reads them; one
  text per product and field (title, description): ``html.unescape(str(value)).strip()``, empty skipped,
  doc id ``<product id>#<field>``. Drawn by :func:`draw_sample` (``--draw amazon --seed 12``: per rule
  ``max(20, ceil(n / 8))`` triples, all of a rule that has fewer).

Judgement: a triple is correct when the text states it for the spans as extracted (head, relation,
tail); a span cut so short that it no longer names the entity ("18k" for "18k rose gold", "side" for
"side crossrails") or a span that is not the entity (a place, a price, "search") makes it wrong; extra
words around the right entity ("3M MMM08004 - OnTimeSupplies.com") do not. One annotator (a kgmine
developer), no adjudication: read the numbers as an estimate with a wide interval. Applied to the triples
judged on 2026-12-01 (the first 100 were left as judged): a value cut out of a coordination ("book" of
"book, movie, music and TV reviews", "Shack" of "Shack to Chic") is cut; a benefit or a quality
("great protection", "delicious flavor", "quick wit"), an audience, or a quantity word ("plenty", "a
range", "a wide variety" of ...) is not a feature; a business that sells or serves something ("Hot Topic
offers accessories", "restaurants featuring poultry") is not has_feature, while a magazine's articles,
columns or menus and a menu's dishes are; "made from scratch" is not a material; model numbers are not
features. A blind re-judgement of 50 of the triples (seed 7) by the same annotator agreed with 30 of 30
judgements of 2026-12-01 and 19 of 20 original ones (the exception: "Ice Bin for Machines Scotsman
Machines", judged correct originally, wrong on re-reading; the file keeps the original judgement).

Prints, per source, per relation and per rule: triples extracted, labelled triples still produced (same
offsets, same rule), correct among them, precision with a Wilson 95% interval, and the corpus-weighted
precision (each rule's precision weighted by how many triples it extracts). Labelled triples the current
rules no longer produce are counted apart (re-label after changing the rules). ``--thresholds``: the
per-rule precision measured on WDC-PAVE (smoothed, (c+1)/(n+2)) decides which rules pass a threshold, and
the Amazon triples of the passing rules are the held-out check. ``--write-rule-precision`` writes the
WDC-PAVE per-rule precision to ``kgmine/extract/rule_precision.json``.
"""
from __future__ import annotations

import argparse
import html
import json
import math
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "benchmarks" / "labels" / "wdc_pave_relations.tsv"
AMAZON_LABELS = ROOT / "benchmarks" / "labels" / "amazon_relations.tsv"
RULE_PRECISION = ROOT / "kgmine" / "extract" / "rule_precision.json"
KEY = ["doc_id", "relation", "head_start", "head_end", "tail_start", "tail_end"]
LABEL_COLUMNS = ["doc_id", "relation", "rule", *KEY[2:], "correct"]
AMAZON_FILES = {  # folder under <data root>/ecommerce: (5-core reviews, metadata)
    "amazon2018-gift-cards": ("Gift_Cards_5.json.gz", "meta_Gift_Cards.json.gz"),
    "amazon2018-magazine-subscriptions": ("Magazine_Subscriptions_5.json.gz", "meta_Magazine_Subscriptions.json.gz"),
}
THRESHOLDS = (0.5, 0.6, 0.7, 0.8)
DRAW = {"wdc-pave": (20, 0.0), "amazon": (20, 1 / 8)}
"""Sample size per rule of :func:`draw_sample`: ``min(n, max(floor, ceil(share * n)))``."""


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


def amazon_texts(data_root: Path) -> pd.DataFrame:
    """``doc_id`` (``<product id>#title`` / ``#description``) and ``text`` of the Amazon 2018 Gift Cards and
    Magazine Subscriptions products as :func:`kgmine.io.read_dataset` reads them (5-core reviews + metadata)."""
    from kgmine.io import read_dataset

    rows = []
    for folder, (reviews, meta) in AMAZON_FILES.items():
        base = Path(data_root) / "ecommerce" / folder
        if not (base / reviews).is_file():
            raise SystemExit(f"{base / reviews} not found (pass --data-root)")
        products = read_dataset("amazon", reviews_path=base / reviews, meta_path=base / meta).products
        for record in products[["product_id", "title", "description"]].itertuples(index=False):
            for field in ("title", "description"):
                value = getattr(record, field)
                text = "" if value is None or pd.isna(value) else html.unescape(str(value)).strip()
                if text:
                    rows.append((f"{record.product_id}#{field}", text))
    return pd.DataFrame(rows, columns=["doc_id", "text"])


SOURCES: dict[str, tuple[Callable[[Path], pd.DataFrame], Path]] = {
    "wdc-pave": (wdc_texts, LABELS), "amazon": (amazon_texts, AMAZON_LABELS)}
"""Source name -> (texts reader, labels file). WDC-PAVE is the calibration source."""


def read_labels(path: Path) -> pd.DataFrame:
    labels = pd.read_csv(path, sep="\t", dtype={"doc_id": str, "relation": str, "rule": str})
    return labels.astype({col: "Int64" for col in KEY[2:]})


def _keys(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[[*KEY, "rule"]].astype({col: "Int64" for col in KEY[2:]}).drop_duplicates()


def join_labels(extracted: pd.DataFrame, labels: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The labelled triples ``extracted`` still holds (same offsets and rule), and how many it no longer does."""
    on = [*KEY, "rule"] if "rule" in labels else KEY
    joined = labels.merge(_keys(extracted)[on], on=on, how="left", indicator=True)
    found = joined[joined["_merge"] == "both"].drop(columns="_merge")
    if "rule" not in found:
        found = found.merge(_keys(extracted), on=KEY)
    return found, int((joined["_merge"] == "left_only").sum())


def wilson(correct: float, n: float, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of ``correct`` successes in ``n`` trials (``(nan, nan)`` for ``n == 0``)."""
    if n <= 0:
        return float("nan"), float("nan")
    p = correct / n
    centre, half = p + z * z / (2 * n), z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, (centre - half) / (1 + z * z / n)), min(1.0, (centre + half) / (1 + z * z / n))


def _weighted(table: pd.DataFrame) -> float | None:
    judged = table[table["labelled"] > 0]
    return round(float((judged["precision"] * judged["extracted"]).sum() / judged["extracted"].sum()), 3) \
        if judged["extracted"].sum() else None


def precision_table(extracted: pd.DataFrame, labels: pd.DataFrame, by: str = "relation") -> tuple[pd.DataFrame, dict]:
    """Precision of ``extracted`` on the labelled sample per ``by`` (``"relation"`` or ``"rule"``), with a
    Wilson 95% interval, and a summary with the corpus-weighted precision (per ``by`` group and per rule)."""
    found, missing = join_labels(extracted, labels)
    table = pd.DataFrame({
        "extracted": extracted[by].value_counts(),
        "labelled": found.groupby(by).size(),
        "correct": found.groupby(by)["correct"].sum(),
    }).fillna(0).astype(int)
    table["precision"] = (table["correct"] / table["labelled"].where(table["labelled"] > 0)).round(3)
    bounds = [wilson(c, n) for c, n in zip(table["correct"], table["labelled"])]
    table["wilson_low"] = [round(lo, 3) for lo, _ in bounds]
    table["wilson_high"] = [round(hi, 3) for _, hi in bounds]
    table = table.sort_index().rename_axis(by).reset_index()
    if by == "rule":
        relation = extracted.drop_duplicates("rule").set_index("rule")["relation"]
        table.insert(1, "relation", table["rule"].map(relation))
    by_rule = table if by == "rule" else precision_table(extracted, labels, "rule")[0]
    summary = {"triples": int(len(extracted)), "labelled_found": int(len(found)), "labelled_missing": missing,
               "precision_sample": round(float(found["correct"].mean()), 3) if len(found) else None,
               "precision_corpus_weighted": _weighted(table),
               "precision_corpus_weighted_by_rule": _weighted(by_rule)}
    return table, summary


def _smoothed(judged: int, correct: int) -> float:
    return round((correct + 1) / (judged + 2), 4)


def rule_precision(found: pd.DataFrame, source: str) -> dict:
    """Per-rule and per-relation precision of the judged triples ``found`` (columns rule, relation, correct),
    smoothed as (c+1)/(n+2); every rule of :data:`~kgmine.extract.relations.RULES` is listed. A rule with no
    judgement is unmeasured (``"pooled": true``): it gets the smaller of its relation's pooled value and the
    uninformed (0+1)/(0+2) = 0.5, so no rule passes a threshold above 0.5 without judged evidence of its own
    (``part_of.belongs_to`` passed 0.8 on the pooled value of ``part_of.from_collection`` alone)."""
    from kgmine.extract.relations import RELATIONS, RULES

    def entry(group: pd.DataFrame) -> dict:
        n, c = int(len(group)), int(group["correct"].sum())
        return {"judged": n, "correct": c, "precision": _smoothed(n, c)}

    relations = {rel: entry(found[found["relation"] == rel]) for rel in RELATIONS}
    rules = {}
    for rule in RULES:
        own = entry(found[found["rule"] == rule.name])
        pooled = own["judged"] == 0
        rules[rule.name] = {"relation": rule.relation, **own, "pooled": pooled,
                            "precision": min(relations[rule.relation]["precision"], _smoothed(0, 0)) if pooled
                            else own["precision"]}
    return {"source": source, "judged": int(len(found)), "smoothing": "(correct + 1) / (judged + 2)",
            "rules": rules, "relations": relations}


def threshold_table(calibration: dict, extracted: pd.DataFrame, labels: pd.DataFrame,
                    thresholds: tuple[float, ...] = THRESHOLDS) -> pd.DataFrame:
    """For each threshold: the rules whose calibrated precision passes it, and the precision of the triples
    they produce in ``extracted`` (judged ``labels``): triples kept, judged, correct, sample precision with a
    Wilson interval, and the corpus-weighted precision over the passing rules."""
    table, _ = precision_table(extracted, labels, "rule")
    rows = []
    for t in thresholds:
        passing = sorted(r for r, v in calibration["rules"].items() if v["precision"] >= t)
        kept = table[table["rule"].isin(passing)]
        n, c = int(kept["labelled"].sum()), int(kept["correct"].sum())
        lo, hi = wilson(c, n)
        rows.append({"threshold": t, "rules_passing": len(passing), "kept": int(kept["extracted"].sum()),
                     "of": int(len(extracted)), "labelled": n, "correct": c,
                     "precision": round(c / n, 3) if n else None, "wilson_low": round(lo, 3) if n else None,
                     "wilson_high": round(hi, 3) if n else None, "weighted": _weighted(kept) if n else None,
                     "rules": ", ".join(passing)})
    return pd.DataFrame(rows)


def draw_sample(extracted: pd.DataFrame, labels: pd.DataFrame, floor: int, share: float, seed: int) -> pd.DataFrame:
    """Unlabelled triples of ``extracted`` to judge next: per rule, enough to reach
    ``min(n, max(floor, ceil(share * n)))`` judged triples (``n`` = the rule's triples), drawn with
    ``DataFrame.sample(random_state=seed)`` from the rule's triples sorted by key."""
    ext = _keys(extracted).sort_values(KEY).reset_index(drop=True)
    labelled = labels[KEY].astype({col: "Int64" for col in KEY[2:]})
    have = join_labels(extracted, labels)[0]["rule"].value_counts()
    parts = []
    for rule, pool in ext.groupby("rule", sort=True):
        target = min(len(pool), max(floor, math.ceil(share * len(pool))))
        pool = pool.merge(labelled, on=KEY, how="left", indicator=True)
        pool = pool[pool["_merge"] == "left_only"].drop(columns="_merge")
        n = max(0, target - int(have.get(rule, 0)))
        parts.append(pool.sample(n=min(n, len(pool)), random_state=seed))
    out = pd.concat(parts, ignore_index=True)
    return out.assign(correct=pd.NA)[LABEL_COLUMNS]


def _records(table: pd.DataFrame) -> list[dict]:
    """Rows of ``table`` as dicts, missing values as ``None`` (valid JSON)."""
    return table.astype(object).where(table.notna(), None).to_dict(orient="records")


def _print_table(title: str, table: pd.DataFrame) -> None:
    print(f"\n== {title}")
    print(table.to_string(index=False))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-root", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--source", choices=["all", *SOURCES], default="all")
    parser.add_argument("--thresholds", action="store_true",
                        help="which rules pass each threshold of the WDC-PAVE precision, and their Amazon precision")
    parser.add_argument("--write-rule-precision", type=Path, nargs="?", const=RULE_PRECISION, default=None,
                        metavar="PATH", help=f"write the WDC-PAVE per-rule precision (default {RULE_PRECISION})")
    parser.add_argument("--draw", choices=list(SOURCES), help="print the keys of the next triples to judge")
    parser.add_argument("--seed", type=int, default=12, help="seed of --draw")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    args = parser.parse_args(argv)
    if args.json or args.draw:
        os.environ["KGMINE_NO_PROGRESS"] = "1"  # the readers' progress bars print to stdout

    from kgmine.extract.relations import extract_relations, load_relation_pipeline

    names = list(SOURCES) if args.source == "all" or args.thresholds or args.write_rule_precision else [args.source]
    if args.draw:
        names = [args.draw]
    nlp = load_relation_pipeline()
    runs = {}
    for name in names:
        reader, labels_path = SOURCES[name]
        texts = reader(args.data_root)
        print(f"extracting relations from {len(texts):,} {name} texts ...", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        extracted = extract_relations(texts["text"].tolist(), nlp=nlp, doc_ids=texts["doc_id"].tolist())
        runs[name] = (texts, extracted, read_labels(labels_path), time.perf_counter() - t0)

    if args.draw:
        _, extracted, labels, _ = runs[args.draw]
        floor, share = DRAW[args.draw]
        draw_sample(extracted, labels, floor, share, args.seed).to_csv(sys.stdout, sep="\t", index=False)
        return

    out: dict = {"sources": {}}
    for name, (texts, extracted, labels, seconds) in runs.items():
        relations, summary = precision_table(extracted, labels, "relation")
        rules, _ = precision_table(extracted, labels, "rule")
        out["sources"][name] = {"summary": {"texts": len(texts), **summary, "seconds": round(seconds, 1)},
                                "relations": _records(relations),
                                "rules": _records(rules)}
        if not args.json:
            _print_table(f"{name}: per relation", relations)
            _print_table(f"{name}: per rule", rules)
            print(json.dumps(out["sources"][name]["summary"]))

    if args.thresholds or args.write_rule_precision:
        _, wdc_extracted, wdc_labels, _ = runs["wdc-pave"]
        found, _ = join_labels(wdc_extracted, wdc_labels)
        calibration = rule_precision(found, f"wdc-pave: {LABELS.relative_to(ROOT)}, hand-judged triples still "
                                            "produced by the rules")
        if args.write_rule_precision:
            args.write_rule_precision.write_text(json.dumps(calibration, indent=2) + "\n")
            print(f"wrote {args.write_rule_precision}", file=sys.stderr)
        if args.thresholds:
            _, am_extracted, am_labels, _ = runs["amazon"]
            table = threshold_table(calibration, am_extracted, am_labels)
            in_sample = threshold_table(calibration, wdc_extracted, wdc_labels)
            out["thresholds"] = {"amazon": _records(table),
                                 "wdc-pave (in sample)": _records(in_sample)}
            if not args.json:
                calib = pd.DataFrame([{"rule": k, **v} for k, v in calibration["rules"].items()])
                _print_table("calibration: smoothed WDC-PAVE precision per rule", calib)
                _print_table("thresholds: WDC-PAVE (in sample) precision of the passing rules' triples",
                             in_sample.drop(columns="rules"))
                _print_table("thresholds: Amazon (held-out) precision of the passing rules' triples",
                             table.drop(columns="rules"))
                for t, rules in zip(table["threshold"], table["rules"]):
                    print(f"  {t}: {rules or '-'}")
    if args.json:
        print(json.dumps(out, indent=2, default=str))


if __name__ == "__main__":
    main()
