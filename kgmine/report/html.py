"""Render a run directory into one self-contained ``report.html`` (plots inlined, no script, no network needed).

:func:`render_report` reads the run with :class:`~kgmine.report.rundata.RunData`, draws the plots of
:mod:`kgmine.report.plots` into ``RUN_DIR/plots/`` and writes ``RUN_DIR/report.html`` with every PNG
inlined as base64 and the style in the page: the file can be mailed or opened offline.

Sections (ids in :data:`SECTIONS`, always in this order, each a ``<section id=…>``):

``data``             data-set statistics, nodes and relationships per type, stage timings
``extraction``       the extracted knowledge: attribute values per value type and relation triples per
                     relation (all / in the graph), seeded samples with their source text highlighted,
                     quality per attribute and example errors (against planted truth on the demo world)
``schema``           the KG schema diagram with node and relationship counts
``clusters``         products in 2-D coloured by cluster, with the cluster labels
``rules``            the top association rules and the support-vs-confidence scatter coloured by lift
``training``         training loss and validation metrics per epoch
``metrics``          final test metrics of the model beside its baselines
``recommendations``  :data:`SAMPLE_USERS` sample users' top items, each with its explanation path drawn as a
                     graph (the first :data:`SAMPLE_USERS_OPEN` open, the others in ``<details>``), and an
                     inline SVG graph view of the first one's neighbourhood (:mod:`kgmine.report.graphview`)

A section whose inputs the run did not produce stays in the page with a note saying what is
missing (``<p class="missing">``), so a reader sees what did not run.
"""
from __future__ import annotations

import base64
import html as _html
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from jinja2 import Environment, select_autoescape
from markupsafe import Markup, escape

from kgmine.report import plots
from kgmine.report.rundata import RunData

log = logging.getLogger(__name__)

#: Section ids and titles, in page order.
SECTIONS: dict[str, str] = {
    "data": "Data set",
    "extraction": "Extracted knowledge",
    "schema": "Knowledge-graph schema",
    "clusters": "Product clusters",
    "rules": "Association rules",
    "training": "Training curves",
    "metrics": "Recommendation metrics against baselines",
    "recommendations": "Sample recommendations with explanations",
}

SAMPLE_USERS = 6
#: Sample users whose explanation graphs are shown open; the others are folded (one click each).
SAMPLE_USERS_OPEN = 2
SAMPLE_ITEMS = 4
TOP_RULES = 15


@dataclass
class Section:
    """One section of the report: intro text, then blocks (figures, tables, notes) in order."""

    id: str
    title: str
    intro: str = ""
    blocks: list[dict[str, Any]] = field(default_factory=list)
    missing: str = ""

    def figure(self, path: Path, alt: str, caption: str = "", wide: bool = True) -> None:
        """Inline the PNG at ``path`` as a figure."""
        data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
        self.blocks.append({"kind": "figure", "name": Path(path).stem, "alt": alt, "caption": caption, "data": data,
                            "wide": wide})

    def table(self, frame: pd.DataFrame, caption: str = "", max_rows: int = 30, formats: dict | None = None,
              markup: tuple[str, ...] = ()) -> None:
        """Add ``frame`` (first ``max_rows`` rows) as an HTML table; ``formats`` maps column -> callable;
        the cells of the ``markup`` columns are :class:`~markupsafe.Markup` (escaped HTML) and go in as they are."""
        self.blocks.append({"kind": "table", "caption": caption,
                            "html": _table_html(frame.head(max_rows), formats, markup),
                            "more": max(0, len(frame) - max_rows)})

    def note(self, text: str) -> None:
        """A paragraph of explanation."""
        self.blocks.append({"kind": "note", "text": text})

    def svg(self, name: str, svg: str, caption: str = "") -> None:
        """An inline SVG drawing (markup built and escaped by :mod:`kgmine.report.graphview`)."""
        self.blocks.append({"kind": "svg", "name": name, "svg": svg, "caption": caption})

    def group(self, summary: str, open: bool = False) -> "Section":
        """A foldable group (``<details>``) titled ``summary``; add its figures and tables to the returned
        Section."""
        inner = Section(self.id, summary)
        self.blocks.append({"kind": "details", "summary": summary, "open": open, "blocks": inner.blocks})
        return inner


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if math.isinf(value):
            return "∞" if value > 0 else "-∞"
        if value == int(value) and abs(value) < 1e15:
            return f"{int(value):,}"
        return f"{value:.4g}" if abs(value) >= 1e-3 else f"{value:.3g}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _table_html(frame: pd.DataFrame, formats: dict[str, Callable[[Any], str]] | None = None,
                markup: tuple[str, ...] = ()) -> str:
    formats = formats or {}
    numeric = {c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])}
    head = "".join(f"<th>{_html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for row in frame.itertuples(index=False, name=None):
        cells = []
        for col, value in zip(frame.columns, row):
            cls = ' class="num"' if col in numeric else ""
            if col in markup:  # HTML the builder escaped itself (highlighted snippets); pandas keeps it as str
                cells.append(f"<td>{'' if value is None or value is pd.NA else str(value)}</td>")
                continue
            text = formats[col](value) if col in formats else _fmt(value)
            cells.append(f"<td{cls}>{_html.escape(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _kv(values: dict[str, Any], key: str = "measure", value: str = "value") -> pd.DataFrame:
    return pd.DataFrame({key: list(values), value: [_fmt(v) for v in values.values()]})


# ----------------------------------------------------------------------------- sections


def _data_section(run: RunData, s: Section, plot_dir: Path) -> None:
    data = run.metrics.get("data", {})
    if not data:
        s.missing = "metrics.json has no data statistics."
        return
    s.intro = (f"Data set <b>{_html.escape(str(data.get('name', '')))}</b>"
               + (" — <b>synthetic</b>, generated by kgmine's demo world" if run.synthetic else "") + ".")
    stats = {k: v for k, v in data.items() if k not in ("name", "synthetic")}
    s.table(_kv(stats, "statistic"), "Rows read per table")
    timings = run.metrics.get("timings", {})
    if timings:
        s.table(_kv({k: f"{v:.2f} s" for k, v in timings.items()}, "stage", "wall time"), "Stage timings")
    nodes, rels = run.node_counts(), run.relationship_counts()
    if nodes:
        s.figure(plots.count_bars(nodes, rels, plot_dir / "graph_counts.png"), "nodes and relationships per type",
                 "The graph after the run: nodes per label and relationships per type (as in metrics.json).")


def _extraction_section(run: RunData, s: Section, plot_dir: Path) -> None:
    """What the run extracted from product texts: counts per value type and relation (all / in the graph),
    seeded samples with their source text, scores and errors against the planted truth (demo world)."""
    ext = run.metrics.get("extraction") or {}
    values = run.artifact("extraction.parquet")
    triples = run.artifact("relations.parquet")
    entities = run.artifact("entities.parquet")
    if not ext and values is None and triples is None:
        s.missing = "Extraction did not run in this pipeline."
        return
    seed, threshold = run.seed, run.extraction_threshold()
    if values is not None and {"product_id", "attribute", "value"} <= set(values.columns):
        values = _with_in_graph(values, threshold)
    else:
        values = None
    rel_cfg = ext.get("relations") if isinstance(ext.get("relations"), dict) else {}

    # -- what the artifacts hold, sampled; the texts of the sampled products are read once
    value_samples = _sample_per(values, "attribute", seed) if values is not None else None
    triples = triples if triples is not None and {"relation", "head", "tail"} <= set(triples.columns) else None
    triple_samples = _sample_per(triples, "relation", seed) if triples is not None else None
    quality = run.extraction_quality()
    errors, error_counts, world_note = _planted_truth_errors(run, values, quality, seed)
    ids = [str(p) for frame in (value_samples, triple_samples, errors) if frame is not None and len(frame)
           for p in frame["product_id"]]
    texts, text_source = run.product_texts(ids)

    s.intro = _extraction_intro(values, triples, ext, rel_cfg, threshold)
    _extraction_counts(s, values, triples, ext, rel_cfg)
    _extraction_samples(s, value_samples, triple_samples, texts, text_source, seed)
    _extraction_quality(s, run, quality, error_counts, world_note, plot_dir)
    _extraction_errors(s, errors, texts, seed)
    _extraction_other(s, entities, ext, quality)


def _planted_truth_errors(run: RunData, values: pd.DataFrame | None, quality: pd.DataFrame,
                          seed: int) -> tuple[pd.DataFrame | None, dict | None, str]:
    """(error rows, error counts per attribute, note) of the extracted values against the planted truth of
    a demo-world run (regenerated from its config); ``(None, None, "")`` or a note saying why not otherwise."""
    errors, error_counts, world_note = None, None, ""
    if run.synthetic and values is not None and values["in_graph"].notna().all():
        world = run.demo_world()
        if world is not None and "product_attributes" in world.truth:
            errors, error_counts = _truth_errors(values, world.truth, seed)
            world_note = _check_scores(error_counts, quality)
        elif run.world_error:
            world_note = f"Errors against the planted truth are not shown: {run.world_error}."
    return errors, error_counts, world_note


def _extraction_intro(values: pd.DataFrame | None, triples: pd.DataFrame | None, ext: dict, rel_cfg: dict,
                      threshold: float | None) -> str:
    """The section's first paragraph: how many values and triples were extracted and how many are in the graph."""
    parts = []
    if values is not None:
        n_in = int(values["in_graph"].sum()) if values["in_graph"].notna().all() else ext.get("rows_in_graph")
        parts.append(f"<b>{len(values):,}</b> attribute values of {values['attribute'].nunique()} value types "
                     f"were extracted from {values['product_id'].nunique():,} products' titles and descriptions"
                     + (f"; <b>{n_in:,}</b> of them (confidence ≥ {threshold:g}) were written into the graph"
                        if threshold is not None and n_in is not None else ""))
    if triples is not None:
        in_graph = int(triples["in_graph"].astype(bool).sum()) if "in_graph" in triples.columns else None
        min_conf = rel_cfg.get("min_confidence")
        parts.append(f"<b>{len(triples):,}</b> relation triples were read off the same texts"
                     + (f"; <b>{in_graph:,}</b> (their rule's measured precision ≥ {float(min_conf):g}) are in the "
                        "graph" if in_graph is not None and min_conf is not None else
                        f"; <b>{in_graph:,}</b> are in the graph" if in_graph is not None else ""))
    if parts:
        return ". ".join(parts) + ". Samples are drawn with the run's seed, so re-rendering shows the same rows."
    return "This run has no extraction artifacts (older run): the counts below come from metrics.json."


def _extraction_counts(s: Section, values: pd.DataFrame | None, triples: pd.DataFrame | None, ext: dict,
                       rel_cfg: dict) -> None:
    """Tables of values per value type and triples per relation (from the artifacts, else metrics.json)."""
    if values is not None and not len(values):
        s.note("No attribute values were extracted (extraction.parquet is empty).")
    elif values is not None:
        s.table(_value_type_counts(values, ext.get("new_values")), "Attribute values per value type", max_rows=60)
    elif isinstance(ext.get("per_attribute"), dict) and ext["per_attribute"]:
        per_attr = ext["per_attribute"]
        s.table(pd.DataFrame({"attribute": list(per_attr), "values in graph": list(per_attr.values())}),
                "Extracted values per attribute")
    if triples is not None and not len(triples):
        s.note("No relation triples were extracted (relations.parquet is empty).")
    elif triples is not None:
        s.table(_relation_counts(triples), "Relation triples per relation", max_rows=60)
    elif isinstance(rel_cfg.get("per_relation"), dict) and rel_cfg["per_relation"]:
        per_rel, in_g = rel_cfg["per_relation"], rel_cfg.get("per_relation_in_graph") or {}
        s.table(pd.DataFrame({"relation": list(per_rel), "triples": list(per_rel.values()),
                              "in graph": [int(in_g.get(r, 0)) for r in per_rel]}), "Relation triples per relation")


def _extraction_samples(s: Section, value_samples: pd.DataFrame | None, triple_samples: pd.DataFrame | None,
                        texts: dict, text_source: str, seed: int) -> None:
    """The seeded sample values and triples, each with its surface highlighted in the product's text."""
    if not texts and (value_samples is not None or triple_samples is not None):
        s.note("The products' texts are not available to the report (no store to read, not a demo-world run): "
               "samples show the extracted surface only.")
    elif text_source:
        s.note(f"Source texts read from {text_source}; the extracted surface is highlighted in a snippet of the "
               "product's title or description.")
    if value_samples is not None and len(value_samples):
        rows = [{"value type": r.attribute, "value": r.value, "product": str(r.product_id),
                 "field": getattr(r, "field", ""),
                 "source text": _source_snippet(texts, r.product_id, getattr(r, "field", None),
                                                [(getattr(r, "start", None), getattr(r, "end", None),
                                                  getattr(r, "text", r.value), "v")]),
                 "extractor": getattr(r, "extractor", ""), "confidence": getattr(r, "confidence", np.nan),
                 "in graph": _yes_no(r.in_graph)} for r in value_samples.itertuples()]
        s.table(pd.DataFrame(rows), f"Sample values ({SAMPLES_PER_TYPE} per value type, seed {seed})", max_rows=120,
                markup=("source text",))
    if triple_samples is not None and len(triple_samples):
        rows = []
        for r in triple_samples.itertuples():
            head = r.head if isinstance(r.head, str) and r.head else None
            spans = [(getattr(r, "head_start", None), getattr(r, "head_end", None), head, "h"),
                     (getattr(r, "tail_start", None), getattr(r, "tail_end", None), r.tail, "t")]
            rows.append({"relation": r.relation, "head": head or "(the product)", "tail": r.tail,
                         "product": str(r.product_id),
                         "source text": _source_snippet(texts, r.product_id, getattr(r, "field", None), spans),
                         "rule": getattr(r, "rule", ""), "confidence": getattr(r, "confidence", np.nan),
                         "in graph": _yes_no(getattr(r, "in_graph", None))})
        s.table(pd.DataFrame(rows), f"Sample relation triples ({SAMPLES_PER_TYPE} per relation, seed {seed}; "
                "head highlighted blue, tail green)", max_rows=120, markup=("source text",))


def _extraction_quality(s: Section, run: RunData, quality: pd.DataFrame, error_counts: dict | None,
                        world_note: str, plot_dir: Path) -> None:
    """Quality per attribute against the labels (planted truth on the demo world), with error counts."""
    truth = "planted truth of the synthetic world" if run.synthetic else "the labels available for this data"
    if len(quality):
        s.figure(plots.quality_bars(quality, plot_dir / "extraction_quality.png"), "extraction quality per attribute",
                 f"Values in the graph scored against the {truth}.")
        table = quality.copy()
        if error_counts:
            table["false positives"] = [error_counts.get(a, {}).get("false positives", np.nan)
                                        for a in table["attribute"]]
            table["misses"] = [error_counts.get(a, {}).get("misses", np.nan) for a in table["attribute"]]
        s.table(table, "Quality per attribute")
    if world_note:
        s.note(world_note)


def _extraction_errors(s: Section, errors: pd.DataFrame | None, texts: dict, seed: int) -> None:
    """Sampled errors against the planted truth, the value (or where a missed value is written) highlighted."""
    if errors is not None and len(errors):
        rows = [{"attribute": r.attribute, "error": r.kind, "product": r.product_id, "extracted": r.extracted,
                 "planted": r.planted,
                 "source text": _source_snippet(texts, r.product_id, r.field,
                                                [(r.start, r.end, r.surface, "v" if r.kind != "miss" else "m")],
                                                find=r.find)}
                for r in errors.itertuples()]
        s.table(pd.DataFrame(rows), f"Some errors against the planted truth ({ERRORS_PER_KIND} per attribute and "
                "kind, seed " f"{seed}; a miss highlights where the planted value is written, if it is)", max_rows=120,
                markup=("source text",))


def _extraction_other(s: Section, entities: pd.DataFrame | None, ext: dict, quality: pd.DataFrame) -> None:
    """Named-entity mentions per label and source, and the extraction measures not shown elsewhere."""
    if entities is not None and len(entities) and {"label", "source"} <= set(entities.columns):
        counts = entities.groupby(["label", "source"]).size().unstack("source", fill_value=0)
        counts["all"] = counts.sum(axis=1)
        counts = counts.sort_values(["all"], ascending=False, kind="stable").reset_index()
        counts.columns.name = None
        s.table(counts, "Named-entity mentions per label and source text", max_rows=30)
    other = {k: v for k, v in ext.items() if isinstance(v, (int, float)) and not isinstance(v, bool)
             and not (len(quality) and any(k.startswith(f"{a}_") for a in quality["attribute"]))}
    if other:
        s.table(_kv(other), "Other extraction measures")


#: Sampled rows per value type / relation, and error rows per attribute and kind, in the extraction section.
SAMPLES_PER_TYPE = 3
ERRORS_PER_KIND = 2
#: Characters of source text shown either side of a highlighted span.
SNIPPET_CONTEXT = 60
#: Attributes the demo world plants and :func:`kgmine.demo.scoring.score_extraction` scores (besides brand).
SCORED_ATTRIBUTES = ("colour", "material", "size")


def _yes_no(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return "yes" if bool(value) else "no"


def _with_in_graph(values: pd.DataFrame, threshold: float | None) -> pd.DataFrame:
    """``values`` with ``in_graph`` (confidence ≥ the run's threshold; NaN when the threshold is unknown)."""
    values = values.copy()
    values["product_id"] = values["product_id"].astype(str)
    if threshold is not None and "confidence" in values.columns:
        values["in_graph"] = values["confidence"].astype(float) >= threshold
    else:
        values["in_graph"] = np.nan
    return values


def _sample_per(frame: pd.DataFrame, by: str, seed: int, n: int = SAMPLES_PER_TYPE) -> pd.DataFrame:
    """Up to ``n`` rows per value of ``by`` drawn with ``seed``; groups in order of size (largest first)."""
    order = frame[by].value_counts(sort=False)
    order = sorted(order.index, key=lambda k: (-order[k], str(k)))
    picks = []
    for key in order:
        group = frame[frame[by] == key]
        pick = group.sample(n=min(n, len(group)), random_state=seed)
        picks.append(pick.sort_values([c for c in ("product_id", "start", "head_start") if c in pick.columns],
                                      kind="stable"))
    return pd.concat(picks) if picks else frame.head(0)


def _value_type_counts(values: pd.DataFrame, new_values: Any = None) -> pd.DataFrame:
    """One row per value type: values extracted, in the graph, new in the graph, products and distinct values
    in the graph, values found in titles / descriptions, mean confidence."""
    known = values["in_graph"].notna().all()
    rows = []
    for attr, g in values.groupby("attribute", sort=False):
        kept = g[g["in_graph"].astype(bool)] if known else g
        row = {"value type": attr, "extracted": len(g)}
        if known:
            row["in graph"] = len(kept)
        if isinstance(new_values, dict):
            row["new in graph"] = int(new_values.get(attr, 0))
        row["products (graph)" if known else "products"] = kept["product_id"].nunique()
        row["distinct values (graph)" if known else "distinct values"] = kept["value"].nunique()
        if "field" in g.columns:
            row["from titles"] = int((g["field"] == "title").sum())
            row["from descriptions"] = int((g["field"] == "description").sum())
        if "confidence" in g.columns:
            row["mean confidence"] = float(g["confidence"].mean())
        rows.append(row)
    table = pd.DataFrame(rows)
    return table.sort_values(["extracted", "value type"], ascending=[False, True], kind="stable")


def _relation_counts(triples: pd.DataFrame) -> pd.DataFrame:
    """One row per relation: triples, in the graph, products, rules and their measured precision."""
    rows = []
    for rel, g in triples.groupby("relation", sort=False):
        row = {"relation": rel, "triples": len(g)}
        if "in_graph" in g.columns:
            row["in graph"] = int(g["in_graph"].astype(bool).sum())
        row["products"] = g["product_id"].nunique()
        if "rule" in g.columns:
            row["rules"] = ", ".join(sorted(str(r).split(".", 1)[-1] for r in g["rule"].dropna().unique()))
        if "confidence" in g.columns:
            lo, hi = float(g["confidence"].min()), float(g["confidence"].max())
            row["rule precision"] = f"{lo:.2f}" if lo == hi else f"{lo:.2f}–{hi:.2f}"
        rows.append(row)
    table = pd.DataFrame(rows)
    return table.sort_values(["triples", "relation"], ascending=[False, True], kind="stable")


def _truth_errors(values: pd.DataFrame, truth: dict[str, Any], seed: int,
                  n: int = ERRORS_PER_KIND) -> tuple[pd.DataFrame, dict[str, dict[str, int]]]:
    """False positives and misses of the values in the graph (``values`` rows with ``in_graph``) against the
    demo world's planted truth; a miss that was extracted below the threshold says so.

    Compares as :func:`kgmine.demo.scoring.score_extraction` does (values after ``entity_key``, colour
    variants folded; brand: the product's most confident brand). Returns up to ``n`` seeded example rows
    per attribute and kind (``product_id, attribute, kind, extracted, planted, field, start, end, surface,
    find``) and the counts ``{attribute: {"false positives": …, "misses": …}}``.
    """
    from kgmine.graph.build import entity_key

    planted = truth["product_attributes"].astype({"product_id": str})
    canon = {entity_key(v): entity_key(k) for k, vs in (truth.get("colour_variants") or {}).items() for v in vs}
    spellings: dict[str, list[str]] = {}
    for k, vs in (truth.get("colour_variants") or {}).items():
        spellings.setdefault(entity_key(k), []).extend(vs)

    def norm(v: Any) -> str:
        return canon.get(entity_key(v), entity_key(v))

    every = values.dropna(subset=["value"]).copy()
    every["norm"] = every["value"].map(norm)
    ext = every[every["in_graph"].astype(bool)]
    below: dict[tuple[str, str, str], str] = {}
    for r in every[~every["in_graph"].astype(bool)].itertuples():
        key = (str(r.product_id), str(r.attribute), r.norm)
        if key not in below:
            below[key] = f"{r.value} (confidence {getattr(r, 'confidence', float('nan')):.2f}, below the threshold)"
    planted_by_pid = planted.set_index("product_id")
    examples, counts = [], {}

    def row(pid, attr, kind, extracted, gold, hit=None):
        find = [gold, *spellings.get(norm(gold), [])] if kind == "miss" else []
        return {"product_id": pid, "attribute": attr, "kind": kind, "extracted": extracted, "planted": gold,
                "field": getattr(hit, "field", None) if hit is not None else None,
                "start": getattr(hit, "start", None) if hit is not None else None,
                "end": getattr(hit, "end", None) if hit is not None else None,
                "surface": getattr(hit, "text", None) if hit is not None else None, "find": find}

    brands = ext[ext["attribute"] == "brand"]
    if "confidence" in brands.columns:
        brands = brands.sort_values("confidence", ascending=False, kind="stable")
    best = brands.drop_duplicates("product_id").set_index("product_id")
    gold = planted_by_pid["brand"]
    wrong = [p for p in gold.index if p not in best.index or best.loc[p, "norm"] != norm(gold[p])]
    counts["brand"] = {"false positives": sum(p in best.index for p in wrong),
                       "misses": sum(p not in best.index for p in wrong),
                       "accuracy": 1 - len(wrong) / len(gold) if len(gold) else 0.0}
    rng = np.random.default_rng(seed)
    wrong_brand = [p for p in wrong if p in best.index]
    no_brand = [p for p in wrong if p not in best.index]
    for p in _pick(wrong_brand, n, rng):
        hit = next(best.loc[[p]].itertuples())
        examples.append(row(p, "brand", "wrong brand", hit.value, gold[p], hit))
    for p in _pick(no_brand, n, rng):
        examples.append(row(p, "brand", "miss", below.get((p, "brand", norm(gold[p])), ""), gold[p]))
    for attr in SCORED_ATTRIBUTES:
        if attr not in planted.columns:
            continue
        mine = ext[ext["attribute"] == attr].drop_duplicates(["product_id", "norm"])
        true = set(zip(planted["product_id"], planted[attr].map(norm)))
        pred = set(zip(mine["product_id"], mine["norm"]))
        fps = mine[[k not in true for k in zip(mine["product_id"], mine["norm"])]]
        misses = planted[[k not in pred for k in zip(planted["product_id"], planted[attr].map(norm))]]
        counts[attr] = {"false positives": len(fps), "misses": len(misses),
                        "precision": 1 - len(fps) / len(pred) if pred else 0.0,
                        "recall": 1 - len(misses) / len(true) if true else 0.0}
        for i in _pick(list(range(len(fps))), n, rng):
            hit = fps.iloc[i]
            examples.append(row(hit["product_id"], attr, "false positive", hit["value"],
                                planted_by_pid.loc[hit["product_id"], attr]
                                if hit["product_id"] in planted_by_pid.index else "", hit))
        by_pid = mine.groupby("product_id")["value"].agg(lambda v: ", ".join(sorted(map(str, v))))
        for i in _pick(list(range(len(misses))), n, rng):
            m = misses.iloc[i]
            extracted = ", ".join(x for x in (by_pid.get(m["product_id"], ""),
                                              below.get((m["product_id"], attr, norm(m[attr])), "")) if x)
            examples.append(row(m["product_id"], attr, "miss", extracted, m[attr]))
    return pd.DataFrame(examples), counts


def _pick(items: list, n: int, rng: np.random.Generator) -> list:
    """Up to ``n`` of ``items`` drawn with ``rng``, in their original order."""
    if len(items) <= n:
        return list(items)
    return [items[i] for i in sorted(rng.choice(len(items), size=n, replace=False))]


def _check_scores(counts: dict[str, dict[str, int]], quality: pd.DataFrame) -> str:
    """A warning when the error counts recomputed from the regenerated world disagree with metrics.json's
    recall (then the world is not the one the run read), else ''."""
    bad = []
    for r in quality.to_dict("records"):
        mine = counts.get(str(r["attribute"]), {})
        for measure in ("precision", "recall", "accuracy"):
            v = r.get(measure)
            if measure in mine and isinstance(v, (int, float)) and not math.isnan(v) and abs(mine[measure] - v) > 1e-6:
                bad.append(f"{r['attribute']} {measure} {mine[measure]:.3f} vs {v:.3f}")
    if bad:
        return ("The demo world regenerated from config.yaml does not reproduce the run's scores ("
                + "; ".join(bad) + "): the error examples below may not be the run's.")
    return ""


def _locate(text: str, start: Any, end: Any, surface: Any) -> tuple[int, int] | None:
    """Where ``surface`` is in ``text``: at ``start..end`` when it is there, else its first occurrence."""
    try:
        a, b = int(start), int(end)
    except (TypeError, ValueError):
        a = b = -1
    if 0 <= a < b <= len(text) and (not isinstance(surface, str) or text[a:b] == surface):
        return a, b
    if isinstance(surface, str) and surface:
        i = text.lower().find(surface.lower())
        if i >= 0:
            return i, i + len(surface)
    return None


def _snippet(text: str, spans: list[tuple[int, int, str]], context: int = SNIPPET_CONTEXT, label: str = "") -> Markup:
    """``text`` around ``spans`` (start, end, css class) with each span in a ``<mark>``; everything escaped.

    Shows ``context`` characters either side (cut at a space), with … where the text goes on; of
    overlapping spans the first is marked.
    """
    spans = sorted(spans)
    if not spans:
        lo, hi = 0, min(len(text), 2 * context)
    else:
        lo = max(0, spans[0][0] - context)
        hi = min(len(text), max(b for _, b, _ in spans) + context)
    if lo > 0:
        cut = text.find(" ", lo, spans[0][0] if spans else hi)
        lo = cut + 1 if cut >= 0 else lo
    if hi < len(text):
        cut = text.rfind(" ", max([b for _, b, _ in spans], default=lo), hi)
        hi = cut if cut >= 0 else hi
    parts: list[Any] = [Markup("…") if lo > 0 else Markup("")]
    pos = lo
    for a, b, cls in spans:
        if a < pos:
            continue
        parts += [escape(text[pos:a]), Markup('<mark class="{}">{}</mark>').format(cls, text[a:b])]
        pos = b
    parts += [escape(text[pos:hi]), Markup("…") if hi < len(text) else Markup("")]
    head = Markup('<span class="more">{}:</span> ').format(label) if label else Markup("")
    return Markup('<span class="snip">{}{}</span>').format(head, Markup("").join(parts))


def _source_snippet(texts: dict[str, dict[str, str]], product_id: Any, field: Any, spans: list[tuple],
                    find: list[str] | None = None) -> Markup:
    """The snippet of product ``product_id``'s ``field`` around ``spans`` (start, end, surface, css class).

    Without the text: the surfaces alone, marked. With ``find`` (a miss: no span), the first of those strings
    found in the title or description is marked, else the title is shown unmarked.
    """
    doc = texts.get(str(product_id))
    if not doc:
        marked = [Markup('<mark class="{}">{}</mark>').format(c, sf) for _, _, sf, c in spans if isinstance(sf, str)]
        return Markup(" … ").join(marked) if marked else Markup('<span class="more">(text not available)</span>')
    if find:
        for name in ("title", "description"):
            for want in find:
                hit = _locate(doc.get(name, ""), None, None, want)
                if hit:
                    return _snippet(doc[name], [(*hit, spans[0][3])], label=name)
        return Markup('{} <span class="more">(planted value not written as such)</span>').format(
            _snippet(doc.get("title", ""), [], label="title"))
    text = doc.get(str(field), "") if isinstance(field, str) else ""
    located = []
    for start, end, surface, cls in spans:
        hit = _locate(text, start, end, surface) if text else None
        if hit:
            located.append((*hit, cls))
    if not text:
        text = doc.get("title", "")
    if not located:
        return Markup('{} <span class="more">(surface not found in this text)</span>').format(_snippet(text, []))
    return _snippet(text, located)


def _schema_section(run: RunData, s: Section, plot_dir: Path) -> None:
    nodes = run.node_counts()
    if not nodes:
        s.missing = "metrics.json has no graph counts."
        return
    pairs = run.pair_counts()
    s.intro = ("Node labels as boxes with their counts; each arrow joins two labels and lists the relationship "
               "types between them with their counts.")
    s.figure(plots.schema_diagram(nodes, pairs, plot_dir / "schema.png"), "KG schema diagram with counts")
    table = pairs[pairs["count"] > 0][["type", "src", "dst", "count"]].rename(columns={"src": "from", "dst": "to"})
    s.table(table, "Relationships per type and label pair", max_rows=60)


def _clusters_section(run: RunData, s: Section, plot_dir: Path) -> None:
    frame, basis = run.clusters()
    if frame is None or not len(frame):
        s.missing = "Clustering did not run in this pipeline (no clusters.parquet, no IN_CLUSTER edges)."
        return
    mine = run.metrics.get("mine", {})
    s.intro = (f"Every product as a point ({_html.escape(basis)}), coloured by its cluster and labelled with "
               "the cluster's name.")
    s.figure(plots.cluster_scatter(frame, plot_dir / "clusters.png", basis=basis), "clusters 2-D scatter")
    label = frame["label"] if "label" in frame.columns else pd.Series("", index=frame.index)
    sizes = (frame.assign(label=label.fillna("")).groupby(["cluster", "label"]).size().rename("products")
             .reset_index().sort_values(["products", "cluster"], ascending=[False, True]))
    s.table(sizes, "Clusters, largest first")
    scores = {k: v for k, v in mine.items() if any(w in k for w in ("silhouette", "ari", "davies", "cluster"))
              and isinstance(v, (int, float))}
    if scores:
        s.table(_kv(scores), "Cluster quality")


def _rules_section(run: RunData, s: Section, plot_dir: Path) -> None:
    rules = run.artifact("rules.parquet")
    if rules is None or not len(rules):
        s.missing = "No association rules were mined in this run."
        return
    # rules seen in a single basket get huge lifts by chance: rank those seen in enough baskets
    seen = rules["count"] if "count" in rules.columns else pd.Series(np.inf, index=rules.index)
    min_count = next((c for c in (5, 3, 2) if int((seen >= c).sum()) >= TOP_RULES), 1)
    ranked = rules[seen >= min_count].sort_values(["lift", "confidence", "support"], ascending=False, kind="stable")
    # A => B and B => A share support and lift: list the itemset once, with its more confident direction
    itemset = ranked["antecedent"].map(_items) + ranked["consequent"].map(_items)
    top = ranked[~itemset.map(lambda items: tuple(sorted(map(str, items)))).duplicated()].head(TOP_RULES)
    ids = [i for col in ("antecedent", "consequent") for items in top[col] for i in _items(items)]
    titles = run.titles(ids)

    def names(items: Any) -> str:
        return " + ".join(f"{plots._short(titles.get(str(i), str(i)), 38)} ({i})" for i in _items(items))

    table = pd.DataFrame({"if bought": top["antecedent"].map(names), "then also": top["consequent"].map(names)})
    if "count" in top.columns:  # how many baskets hold the itemset reads better than a fraction
        table["baskets"] = top["count"].astype("int64").to_numpy()
    for col in ("support", "confidence", "lift", "leverage", "conviction"):
        if col in top.columns:
            table[col] = top[col].to_numpy()
    s.intro = (f"{len(rules):,} rules mined over the baskets. The table lists the {len(top)} itemsets with the "
               "highest lift, each once (A ⇒ B and B ⇒ A share support and lift; the more confident direction is "
               "shown), "
               + (f"among the rules seen in at least {min_count} baskets (a pair bought together once gets a "
                  "large lift by chance)" if min_count > 1 else "") + "; the scatter shows every rule.")
    s.table(table, f"Top {len(top)} rules by lift" + (f" (in ≥ {min_count} baskets)" if min_count > 1 else ""))
    s.figure(plots.rules_scatter(rules, plot_dir / "rules.png", top=top), "rules support vs confidence by lift")


def _items(value: Any) -> list:
    if isinstance(value, str):
        return [value]
    try:
        return list(value)
    except TypeError:
        return [value]


def _training_section(run: RunData, s: Section, plot_dir: Path) -> None:
    history = run.artifact("training_history.parquet")
    if history is None or not len(history) or not {"epoch", "loss"} <= set(history.columns):
        s.missing = "No recommender was trained in this run (no training_history.parquet)."
        return
    rec = run.metrics.get("recommend", {})
    metric_cols = [c for c in history.columns if c.split("_")[0] in ("valid", "val", "test") and "ndcg" in c]
    best_epoch = rec.get("best_epoch")
    if best_epoch is None and metric_cols:
        ok = history[metric_cols[0]].notna()
        if ok.any():
            best_epoch = int(history.loc[history.loc[ok, metric_cols[0]].idxmax(), "epoch"])
    validation = str(rec.get("validation", "given"))
    selection = ("the validation ranking metrics at each evaluation (right); the validation split was "
                 f"{_html.escape(validation)}" if validation != "none" and rec.get("selected_on", "valid") == "valid"
                 else f"epochs were selected on: {_html.escape(str(rec.get('selected_on', 'none')))}")
    s.intro = (f"{_html.escape(str(rec.get('model', 'model')))} trained with BPR; loss per epoch (left) and "
               f"{selection}.")
    s.figure(plots.training_curves(history, plot_dir / "training.png", best_epoch), "training curves")
    summary: dict[str, Any] = {"epochs run": int(history["epoch"].max()), "final loss": float(history["loss"].iloc[-1])}
    if best_epoch:
        summary["best epoch"] = int(best_epoch)
        for col in metric_cols:
            summary[f"best {col}"] = float(history[col].max())
    if "train_seconds" in history.columns:
        summary["seconds per epoch"] = float(history["train_seconds"].mean())
    s.table(_kv(summary), "Training summary")


def _metrics_section(run: RunData, s: Section, plot_dir: Path) -> None:
    frame = run.recommend_metrics()
    if not len(frame):
        s.missing = "No recommender metrics in metrics.json."
        return
    rec = run.metrics.get("recommend", {})
    charted = frame[frame["metric"].str.match(r"^(recall|ndcg)_at_")]
    s.intro = ("Full-ranking metrics on the held-out test interactions (items seen in training are excluded), "
               f"the trained model ({_html.escape(str(rec.get('model', 'model')))}) beside its baselines.")
    if rec.get("warning"):
        s.note(f"Warning: {rec['warning']}.")
    if len(charted):
        s.figure(plots.metric_comparison(charted, plot_dir / "recommend_metrics.png"), "model vs baselines")
    wide = frame.pivot_table(index="metric", columns="model", values="value", sort=False).reset_index()
    main = str(rec.get("model", "model"))
    ordered = (["metric"] + [c for c in [main] if c in wide.columns]
               + [c for c in wide.columns if c not in ("metric", main)])
    s.table(wide[ordered], "Test metrics per model")
    beyond = frame[frame["metric"].str.match(r"^(coverage|pop_percentile)_at_")]
    if len(beyond):
        s.figure(plots.metric_comparison(beyond, plot_dir / "recommend_beyond_accuracy.png",
                                         "Catalogue coverage and popularity bias"), "coverage and popularity bias")
        s.note("coverage@K: share of the catalogue that appears in some user's top K. pop_percentile@K: mean "
               "popularity percentile of the recommended items (1 = the most bought item, 0 = the least); "
               "popularity itself sits near 1, lower means more of the long tail.")
    trust = run.recommend_trust()
    if len(trust):
        n_users = rec.get("n_test_users")
        cold, warm = rec.get("cold_n_users"), rec.get("warm_n_users")
        s.table(trust, f"95% bootstrap intervals over {_fmt(n_users)} test users, and per user segment "
                       f"(cold: ≤ 5 training interactions, {_fmt(cold)} users; warm: {_fmt(warm)} users)")
    others = {k: v for k, v in rec.items() if isinstance(v, (int, float, str)) and not isinstance(v, bool)
              and not any(m in k for m in ("_at_",))}
    if others:
        s.table(_kv(others, "setting"), "Run settings")


def _pick_samples(run: RunData, recs: pd.DataFrame) -> list[tuple[str, pd.DataFrame, dict]]:
    """Up to :data:`SAMPLE_USERS` users whose top items have the most explanation paths (ties by id)."""
    recs = recs.sort_values(["user_id", "rank"], kind="stable")
    candidates = []
    for user, group in list(recs.groupby("user_id", sort=True))[:40]:
        top = group.head(SAMPLE_ITEMS)
        found = run.explanations(str(user), top["product_id"].astype(str).tolist())
        candidates.append((-len(found), str(user), top, found))
    candidates.sort(key=lambda c: (c[0], c[1]))
    return [(user, top, found) for _, user, top, found in candidates[:SAMPLE_USERS]]


def _recommendations_section(run: RunData, s: Section, plot_dir: Path) -> None:
    recs = run.recommendations()
    if recs is None or not len(recs):
        s.missing = "No recommendations were written in this run."
        return
    samples = _pick_samples(run, recs)
    s.intro = ("Top items for a few users, each with a path in the graph that explains it: a mined rule or "
               "catalog link from something the user bought, a shared brand, attribute, cluster or category, or "
               "another shopper who bought the same item. Arrows follow the stored relationships.")
    if run.store() is None and run.artifact("explanations.parquet") is None:
        s.note(f"Explanation paths need the run's store, which could not be opened: {run.store_error}")
    drawn = []
    for user, top, found in samples:
        paths = {p: path for p, (path, _) in found.items()}
        keys = [f"User:{user}"] + [f"Product:{p}" for p in top["product_id"].astype(str)]
        keys += [k for path in paths.values() for step in path for k in (step["src"], step["dst"])]
        names = run.names(keys)
        items = [{"product": f"Product:{r.product_id}", "rank": int(r.rank), "score": getattr(r, "score", None),
                  "path": paths.get(str(r.product_id))} for r in top.itertuples()]
        drawn.append((user, items, found, names))
    s.table(pd.DataFrame([{"user": user, "top item": names.get(items[0]["product"], items[0]["product"]),
                           "items shown": len(items), "with an explanation path": sum(bool(i["path"]) for i in items)}
                          for user, items, _, names in drawn]),
            f"{len(drawn)} sample users (those whose top items have the most explanation paths); "
            f"the first {min(SAMPLE_USERS_OPEN, len(drawn))} are shown open, click a user below to unfold it")
    if drawn:
        _graph_view(run, s, *drawn[0])
    for i, (user, items, found, names) in enumerate(drawn):
        group = s.group(f"User {user}: top {len(items)}, "
                        f"{sum(bool(it['path']) for it in items)} with an explanation path", open=i < SAMPLE_USERS_OPEN)
        png = plots.explanation_paths(user, items, names, plot_dir / f"explanation_{i}.png")
        group.figure(png, f"explanation paths for user {user}")
        rows = [{"rank": it["rank"], "product": names.get(it["product"], it["product"]),
                 "score": it["score"],
                 "why": found.get(it["product"].split(":", 1)[1], (None, None))[1]
                 or _path_text(it["path"], it["product"], names)} for it in items]
        group.table(pd.DataFrame(rows), f"User {user}: top {len(items)}")


def _graph_view(run: RunData, s: Section, user: str, items: list[dict], found: dict, names: dict) -> None:
    """The first sample user's neighbourhood as an inline SVG graph: products bought, the recommended
    items, their brands and categories, and the nodes on the explanation paths."""
    from kgmine.report.graphview import graph_svg

    centre = f"User:{user}"
    edges = run.user_neighbourhood(user, [it["product"].split(":", 1)[1] for it in items])
    edges += [(step["src"], step["rel"], step["dst"]) for it in items for step in (it["path"] or [])]
    if not edges:
        return
    keys = list(dict.fromkeys(k for e in edges for k in (e[0], e[2])))
    names = {**run.names(keys), **names}
    s.svg("graph_view", graph_svg(names, edges, centre, title=f"neighbourhood of user {user}"),
          f"Graph view of user {user}: {len(keys)} nodes, {len(set(edges))} relationships (products bought, the "
          "recommended items, their brands and categories, and the explanation paths). Hover a node for its name and "
          "to highlight its relationships.")


def _path_text(path: list[dict[str, str]] | None, product: str, names: dict[str, str]) -> str:
    """A path in words: the relationship types walked, and the nodes between the user and ``product``."""
    if not path:
        return "no path in the graph"
    user = path[0]["src"]
    via = [k for k in dict.fromkeys(k for step in path for k in (step["src"], step["dst"])) if k not in (user, product)]
    rels = " → ".join(step["rel"] for step in path)
    return f"{rels} via " + ", ".join(plots._short(names.get(k, k.split(':', 1)[-1]), 36) for k in via)


_BUILDERS = {"data": _data_section, "extraction": _extraction_section, "schema": _schema_section,
             "clusters": _clusters_section, "rules": _rules_section, "training": _training_section,
             "metrics": _metrics_section, "recommendations": _recommendations_section}


# ----------------------------------------------------------------------------- page

_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>kgmine report: {{ name }}</title>
<style>
:root{--ink:#1a202c;--muted:#718096;--line:#e2e8f0;--accent:#2b6cb0}
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:var(--ink);background:#f7fafc}
main{max-width:1180px;margin:0 auto;padding:1.5rem 2rem 3rem;background:#fff;min-height:100vh}
h1{margin:.2rem 0 .1rem;font-size:1.7rem}
h2{font-size:1.3rem;border-bottom:2px solid var(--line);padding-bottom:.3rem;margin:2.4rem 0 .8rem}
.sub{color:var(--muted);font-size:.9rem;margin:0 0 .8rem}
.synthetic{background:#fffbea;border:1px solid #f6e05e;padding:.55rem .8rem;border-radius:6px;font-size:.9rem}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:.7rem;margin:1rem 0}
.card{border:1px solid var(--line);border-radius:8px;padding:.6rem .8rem;background:#fcfdff}
.card .v{font-size:1.35rem;font-weight:700} .card .k{color:var(--muted);font-size:.78rem}
nav{position:sticky;top:0;background:#fff;border-bottom:1px solid var(--line);padding:.5rem 0;z-index:2;
font-size:.88rem;display:flex;flex-wrap:wrap;gap:.25rem 1rem}
nav a{color:var(--accent);text-decoration:none;white-space:nowrap}
.intro{margin:.3rem 0 .8rem;line-height:1.45}
.blocks{display:flex;flex-wrap:wrap;gap:1rem 1.6rem;align-items:flex-start}
figure{margin:0;flex:1 1 100%} figure.half{flex:1 1 45%}
figure img{max-width:100%;height:auto;border:1px solid var(--line);border-radius:6px;display:block}
figcaption{color:var(--muted);font-size:.8rem;margin-top:.2rem}
.tbl{flex:0 1 auto;max-width:100%;overflow-x:auto}
.tbl .cap{font-weight:600;font-size:.85rem;margin-bottom:.25rem}
table{border-collapse:collapse;font-size:.8rem}
td,th{border-bottom:1px solid var(--line);padding:.22rem .55rem;text-align:left;vertical-align:top}
th{background:#f7fafc;font-weight:600} td.num{text-align:right;font-variant-numeric:tabular-nums}
.more{color:var(--muted);font-size:.75rem}
.snip{display:inline-block;min-width:22rem;max-width:40rem;white-space:normal;line-height:1.4}
mark{border-radius:3px;padding:0 .15em} mark.v{background:#fefcbf} mark.h{background:#bee3f8}
mark.t{background:#c6f6d5} mark.m{background:#fed7d7}
.missing{color:#9c4221;background:#fffaf0;border:1px solid #fbd38d;border-radius:6px;padding:.5rem .8rem}
.note{color:var(--muted);font-size:.85rem;flex:1 1 100%}
details.group{flex:1 1 100%;border:1px solid var(--line);border-radius:8px;padding:.4rem .8rem}
details.group>summary{cursor:pointer;font-weight:600;font-size:.92rem;padding:.2rem 0}
details.group[open]>summary{margin-bottom:.5rem}
footer{color:var(--muted);font-size:.78rem;margin-top:3rem}
</style></head><body><main>
<h1>kgmine run report: {{ name }}</h1>
<p class="sub">seed {{ seed }} · total time {{ total_time }} · rendered from {{ run_dir }}</p>
{% if synthetic %}<p class="synthetic"><b>SYNTHETIC data.</b> This run used the demo world generated by kgmine;
its numbers are measured against planted truth, not real shoppers.</p>{% endif %}
<div class="cards">{% for c in cards %}
<div class="card"><div class="v">{{ c.value }}</div><div class="k">{{ c.key }}</div></div>{% endfor %}</div>
<nav>{% for s in sections %}<a href="#{{ s.id }}">{{ s.title }}</a>{% endfor %}</nav>
{% macro block(b) %}
{% if b.kind == "figure" %}<figure class="{{ '' if b.wide else 'half' }}" data-plot="{{ b.name }}">
<img alt="{{ b.alt }}" src="data:image/png;base64,{{ b.data }}">
{% if b.caption %}<figcaption>{{ b.caption }}</figcaption>{% endif %}</figure>
{% elif b.kind == "table" %}<div class="tbl">{% if b.caption %}<div class="cap">{{ b.caption }}</div>{% endif %}
{{ b.html | safe }}{% if b.more %}<div class="more">… {{ b.more }} more rows</div>{% endif %}</div>
{% elif b.kind == "details" %}<details class="group"{{ ' open' if b.open else '' }}><summary>{{ b.summary }}</summary>
<div class="blocks">{% for inner in b.blocks %}{{ block(inner) }}{% endfor %}</div></details>
{% elif b.kind == "svg" %}<figure class="svg" data-plot="{{ b.name }}">{{ b.svg | safe }}
{% if b.caption %}<figcaption>{{ b.caption }}</figcaption>{% endif %}</figure>
{% else %}<p class="note">{{ b.text }}</p>{% endif %}
{%- endmacro %}
{% for s in sections %}
<section id="{{ s.id }}" data-section="{{ s.id }}"><h2>{{ s.title }}</h2>
{% if s.missing %}<p class="missing">{{ s.missing }}</p>{% endif %}
{% if s.intro %}<p class="intro">{{ s.intro | safe }}</p>{% endif %}
<div class="blocks">
{% for b in s.blocks %}{{ block(b) }}{% endfor %}
</div></section>
{% endfor %}
<footer>Generated by <code>kgmine report</code>. Every plot is embedded in this file; viewing it needs no
network.</footer>
</main></body></html>
"""


def _cards(run: RunData) -> list[dict[str, str]]:
    m = run.metrics
    data, ext, rec, mine = m.get("data", {}), m.get("extraction", {}), m.get("recommend", {}), m.get("mine", {})
    cards = []
    for key, value in (("products", data.get("products")), ("users", data.get("users")),
                       ("interactions", data.get("interactions")),
                       ("graph nodes", sum(run.node_counts().values()) or None),
                       ("relationships", sum(run.relationship_counts().values()) or None),
                       ("brand accuracy", ext.get("brand_accuracy")), ("rules", mine.get("rules")),
                       ("clusters", mine.get("clusters")), ("recall@20", rec.get("recall_at_20")),
                       ("popularity recall@20", rec.get("popularity_recall_at_20"))):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            shown = f"{value:.3f}" if isinstance(value, float) and value <= 1 else _fmt(value)
            cards.append({"key": key, "value": shown})
    return cards


def render_report(run_dir: str | Path, use_store: bool = True) -> Path:
    """Write ``run_dir/report.html`` (and ``run_dir/plots/*.png``) from the run's metrics, artifacts and store.

    Parameters
    ----------
    run_dir : str or Path
        A run directory (``metrics.json`` required; everything else optional).
    use_store : bool, default True
        Read what the artifacts lack (titles, label-pair counts, cluster labels, explanation
        paths) from the run's store, opened read-only.

    Returns the path of the report. A section whose builder fails is rendered with the error as
    its "missing" note (and the error is logged), so one broken artifact never hides the rest.
    """
    run_dir = Path(run_dir)
    plot_dir = run_dir / "plots"
    plot_dir.mkdir(parents=True, exist_ok=True)
    sections = []
    with RunData(run_dir, use_store=use_store) as run:
        for sid, title in SECTIONS.items():
            section = Section(sid, title)
            try:
                _BUILDERS[sid](run, section, plot_dir)
            except Exception as exc:
                log.exception("report section %s failed", sid)
                section.blocks.clear()
                section.missing = f"This section could not be drawn: {type(exc).__name__}: {exc}"
            sections.append(section)
        timings = run.metrics.get("timings", {})
        env = Environment(autoescape=select_autoescape(["html"]))
        page = env.from_string(_TEMPLATE).render(
            name=run.name, seed=run.metrics.get("run", {}).get("seed"),
            total_time=f"{timings['total']:.1f} s" if "total" in timings else "n/a", run_dir=str(run_dir),
            synthetic=run.synthetic, cards=_cards(run), sections=sections)
    out = run_dir / "report.html"
    out.write_text(page, encoding="utf-8")
    return out


__all__ = ["SECTIONS", "Section", "render_report"]
