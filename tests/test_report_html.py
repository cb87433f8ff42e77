"""The run report: its pieces on small inputs, a partial run, and a full pipeline run rendered in
headless Chromium (Debian's package) with every section and every image checked.

Set ``KGMINE_REPORT_RUN=DIR`` to check an existing run directory (e.g. a full-size ``kgmine demo``)
instead of running the pipeline at reduced size; ``KGMINE_REPORT_SCREENSHOT=PNG`` keeps the
screenshot the browser test takes.
"""
from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kgmine.report import plots
from kgmine.report.html import SECTIONS, render_report
from kgmine.report.rundata import RunData

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _write_metrics(run_dir: Path, metrics: dict) -> Path:
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "metrics.json").write_text(json.dumps(metrics))
    return run_dir


# ---------------------------------------------------------------------------- pieces


def test_metric_parsing_separates_models_and_attributes(tmp_path):
    run = RunData(_write_metrics(tmp_path / "run", {
        "extraction": {"brand_accuracy": 0.93, "colour_precision": 0.8, "colour_recall": 0.6, "colour_f1": 0.686,
                       "rows": 10, "per_attribute": {"brand": 4}, "nested": {"size": {"precision": 0.5, "f1": 0.4}}},
        "recommend": {"model": "lightgcn", "recall_at_20": 0.3, "ndcg_at_20": 0.2, "hit_rate_at_20": 0.5,
                      "popularity_recall_at_20": 0.1, "popularity_hit_rate_at_20": 0.2, "item_knn_ndcg_at_10": 0.05,
                      "valid_ndcg_at_20": 0.9, "epochs": 10}}), use_store=False)
    quality = run.extraction_quality().set_index("attribute")
    assert quality.loc["brand", "accuracy"] == 0.93 and np.isnan(quality.loc["brand", "precision"])
    assert quality.loc["colour", "recall"] == 0.6 and quality.loc["size", "f1"] == 0.4
    metrics = run.recommend_metrics()
    got = {(r.model, r.metric): r.value for r in metrics.itertuples()}
    assert got == {("lightgcn", "recall_at_20"): 0.3, ("lightgcn", "ndcg_at_20"): 0.2,
                   ("lightgcn", "hit_rate_at_20"): 0.5, ("popularity", "recall_at_20"): 0.1,
                   ("popularity", "hit_rate_at_20"): 0.2, ("item_knn", "ndcg_at_10"): 0.05}
    assert metrics["model"].iloc[0] == "lightgcn"


def test_intervals_and_segments_are_tabled_not_taken_for_models(tmp_path):
    run = RunData(_write_metrics(tmp_path / "run", {"recommend": {
        "model": "bspm", "recall_at_20": 0.3, "recall_at_20_low": 0.28, "recall_at_20_high": 0.32,
        "cold_recall_at_20": 0.1, "warm_recall_at_20": 0.4, "cold_n_users": 5, "warm_n_users": 40,
        "pop_percentile_at_20": 0.7, "popularity_recall_at_20": 0.1, "popularity_recall_at_20_low": 0.09,
        "popularity_recall_at_20_high": 0.11, "popularity_cold_recall_at_20": 0.05, "n_test_users": 45}}),
        use_store=False)
    models = set(run.recommend_metrics()["model"])
    assert models == {"bspm", "popularity"}  # cold_/warm_ keys are segments, not models
    trust = run.recommend_trust().set_index("model")
    assert trust.loc["bspm", "ci_low"] == 0.28 and trust.loc["bspm", "cold"] == 0.1 and trust.loc["bspm", "warm"] == 0.4
    assert trust.loc["popularity", "ci_high"] == 0.11 and trust.loc["popularity", "cold"] == 0.05
    body = _section(render_report(tmp_path / "run", use_store=False).read_text(), "metrics")
    assert "95% bootstrap intervals over 45 test users" in body and "popularity bias" in body


def test_plots_write_pngs(tmp_path):
    rng = np.random.default_rng(0)
    centres = rng.normal(0, 5, (3, 8))
    features = np.vstack([c + rng.normal(0, 0.3, (20, 8)) for c in centres])
    xy, how = plots.project_2d(features)
    assert xy.shape == (60, 2) and how == "t-SNE"
    pca, how = plots.project_2d(features, method="pca")
    assert how == "PCA" and np.allclose(np.abs(pca[:, 0]).sum(), np.abs(pca[:, 0]).sum())
    # t-SNE keeps the three planted groups apart: every point's nearest neighbour is in its own group
    groups = np.repeat([0, 1, 2], 20)
    d = ((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    assert (groups[d.argmin(1)] == groups).all()
    with pytest.raises(ValueError):
        plots.project_2d(features, method="umap")
    frame = pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1], "cluster": groups, "label": np.array(["a", "b", "c"])[groups]})
    steps = [{"src": "User:u", "rel": "BOUGHT", "dst": "Product:q"},
             {"src": "Product:q", "rel": "HAS_BRAND", "dst": "Brand:b"},
             {"src": "Product:p", "rel": "HAS_BRAND", "dst": "Brand:b"}]
    assert plots._chain(steps, "User:u", "Product:p") == ["User:u", "Product:q", "Brand:b", "Product:p"]
    pairs = pd.DataFrame({"type": ["BOUGHT", "HAS_BRAND", "SUBCATEGORY_OF"], "src": ["User", "Product", "Category"],
                          "dst": ["Product", "Brand", "Category"], "count": [10, 5, 3]})
    outs = [
        plots.cluster_scatter(frame, tmp_path / "c.png"),
        plots.schema_diagram({"User": 3, "Product": 4, "Brand": 2, "Category": 3}, pairs, tmp_path / "s.png"),
        plots.rules_scatter(pd.DataFrame({"support": [0.1, 0.2], "confidence": [0.5, 0.9], "lift": [1.2, 30.0]}),
                            tmp_path / "r.png"),
        plots.training_curves(pd.DataFrame({"epoch": [1, 2, 3], "loss": [0.7, 0.5, 0.4],
                                            "valid_ndcg_at_20": [np.nan, 0.1, 0.2]}), tmp_path / "t.png", 3),
        plots.metric_comparison(pd.DataFrame({"model": ["m", "pop"], "metric": ["recall_at_20"] * 2,
                                              "value": [0.3, 0.1]}), tmp_path / "m.png"),
        plots.explanation_paths("u", [{"product": "Product:p", "rank": 1, "score": 0.5, "path": steps},
                                      {"product": "Product:z", "rank": 2, "score": 0.4, "path": None}],
                                {"Product:p": "A product"}, tmp_path / "e.png"),
        plots.quality_bars(pd.DataFrame({"attribute": ["brand", "colour"], "accuracy": [0.9, np.nan],
                                         "f1": [np.nan, 0.7]}), tmp_path / "q.png"),
        plots.count_bars({"Product": 10, "User": 0}, {"BOUGHT": 1000, "RATED": 3}, tmp_path / "n.png"),
    ]
    for out in outs:
        assert out.read_bytes()[:8] == PNG_MAGIC and out.stat().st_size > 5_000, out


def test_partial_run_keeps_every_section_and_says_what_is_missing(tmp_path):
    run_dir = _write_metrics(tmp_path / "run", {
        "run": {"name": "partial", "seed": 1}, "data": {"name": "tiny", "synthetic": False, "products": 3},
        "graph": {"Product": 3, "User": 2, "BOUGHT": 4}, "timings": {"read": 0.1, "total": 0.5}})
    html = render_report(run_dir, use_store=False).read_text()
    for sid in SECTIONS:
        assert f'<section id="{sid}"' in html
    missing = re.findall(r'<section id="(\w+)"[^>]*><h2>[^<]*</h2>\s*<p class="missing">', html)
    assert set(missing) == set(SECTIONS) - {"data", "schema"}
    assert "SYNTHETIC" not in html


def test_a_broken_artifact_only_breaks_its_own_section(tmp_path):
    run_dir = _write_metrics(tmp_path / "run", {"data": {"name": "x", "products": 1}, "graph": {"Product": 1}})
    (run_dir / "artifacts").mkdir()
    (run_dir / "artifacts" / "rules.parquet").write_bytes(b"not parquet")
    html = render_report(run_dir, use_store=False).read_text()
    assert re.search(r'<section id="rules".*?could not be drawn', html, re.DOTALL)
    assert "could not be drawn" not in html.split('<section id="rules"')[0]


def test_report_command(tmp_path):
    import typer
    from typer.testing import CliRunner

    from kgmine.commands import report

    app = typer.Typer()
    report.register(app)
    app.command("noop")(lambda: None)
    result = CliRunner().invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 1 and "no metrics.json" in result.output
    run_dir = _write_metrics(tmp_path / "run", {"data": {"name": "x", "products": 1}})
    result = CliRunner().invoke(app, ["report", str(run_dir), "--no-store"])
    assert result.exit_code == 0, result.output
    assert (run_dir / "report.html").is_file()


# ---------------------------------------------------------------------------- the extracted knowledge


def _tables(section_html: str) -> dict[str, tuple[list[str], list[list[str]], list[list[str]]]]:
    """Tables of a section by caption: (header, rows of plain cell text, rows of raw cell HTML)."""
    import html as _h

    out = {}
    for cap, table in re.findall(r'<div class="cap">(.*?)</div>\s*(<table>.*?</table>)', section_html, re.DOTALL):
        head = [_h.unescape(h) for h in re.findall(r"<th>(.*?)</th>", table)]
        raw = [re.findall(r"<td[^>]*>(.*?)</td>", tr, re.DOTALL) for tr in re.findall(r"<tr>(.*?)</tr>", table)][1:]
        text = [[_h.unescape(re.sub(r"<[^>]+>", "", c)) for c in r] for r in raw]
        out[_h.unescape(cap)] = (head, text, raw)
    return out


def _section(html: str, sid: str) -> str:
    return html.split(f'<section id="{sid}"', 1)[1].split("</section>", 1)[0]


def _count_column(table, key: str, column: str) -> dict[str, int]:
    head, rows, _ = table
    return {r[head.index(key)]: int(r[head.index(column)].replace(",", "")) for r in rows}


def _check_extraction_section(run_dir: Path, html: str, texts: dict[str, dict[str, str]]) -> None:
    """The extraction section's counts equal the artifacts' and its samples show their source text."""
    import html as _h

    import yaml

    body = _section(html, "extraction")
    tables = _tables(body)
    values = pd.read_parquet(run_dir / "artifacts" / "extraction.parquet")
    threshold = float(yaml.safe_load((run_dir / "config.yaml").read_text())["extract"]["min_confidence"])
    per_type = tables["Attribute values per value type"]
    assert _count_column(per_type, "value type", "extracted") == values["attribute"].value_counts().to_dict()
    kept = values[values["confidence"] >= threshold]
    in_graph = {a: int((kept["attribute"] == a).sum()) for a in values["attribute"].unique()}
    assert _count_column(per_type, "value type", "in graph") == in_graph
    assert f"<b>{len(values):,}</b> attribute values" in body and f"<b>{len(kept):,}</b> of them" in body
    triples = pd.read_parquet(run_dir / "artifacts" / "relations.parquet")
    per_rel = tables["Relation triples per relation"]
    assert _count_column(per_rel, "relation", "triples") == triples["relation"].value_counts().to_dict()
    assert _count_column(per_rel, "relation", "in graph") == {
        r: int(triples.loc[triples["relation"] == r, "in_graph"].sum()) for r in triples["relation"].unique()}

    # every sampled value: its surface is marked inside a snippet of its product's field, at start..end
    caption = next(c for c in tables if c.startswith("Sample values"))
    head, rows, raw = tables[caption]
    assert {r[head.index("value type")] for r in rows} == set(values["attribute"])
    checked = 0
    for row, cells in zip(rows, raw):
        pid, field, cell = row[head.index("product")], row[head.index("field")], cells[head.index("source text")]
        if row[head.index("value type")] == "odd":  # the tiny run's value whose surface is not in the text
            assert "surface not found" in cell and "<mark" not in cell
            continue
        marked = re.findall(r'<mark class="v">(.*?)</mark>', cell)
        assert len(marked) == 1, cell
        surface = _h.unescape(marked[0])
        match = values[(values["product_id"] == pid) & (values["field"] == field) & (values["text"] == surface)]
        assert len(match), (pid, field, surface)
        text = texts[pid][field]
        shown = _h.unescape(re.sub(r"<[^>]+>", "", cell)).strip("…")
        assert shown in text, (shown, text)
        before = _h.unescape(re.sub(r"<[^>]+>", "", cell.split("<mark", 1)[0])).lstrip("…")
        offset = text.index(shown) + len(before)
        assert any(text[s:e] == surface and s == offset for s, e in zip(match["start"], match["end"]))
        checked += 1
    assert checked >= min(3, len(values))
    # triples: head and tail marked where the artifact says
    caption = next(c for c in tables if c.startswith("Sample relation triples"))
    head, rows, raw = tables[caption]
    assert {r[head.index("relation")] for r in rows} == set(triples["relation"])
    for row, cells in zip(rows, raw):
        tail = re.findall(r'<mark class="t">(.*?)</mark>', cells[head.index("source text")])
        assert [_h.unescape(t) for t in tail] == [row[head.index("tail")]]


def _tiny_extraction_run(tmp_path: Path) -> tuple[Path, pd.DataFrame]:
    """A run directory on a 30-product demo world with hand-made extraction artifacts and no store: each
    product's planted brand and colour found in its title, one wrong colour (a false positive), one value
    below the threshold, and a BRAND_OF triple per product whose title starts with its brand."""
    from kgmine.demo.scoring import score_extraction
    from kgmine.demo.world import generate_world

    world = generate_world(n_products=30, n_users=20, seed=3)
    truth = world.truth["product_attributes"].set_index("product_id")
    rows, triples = [], []
    for pid, title in zip(world.products["product_id"], world.products["title"]):
        for attr in ("brand", "colour"):
            value = truth.loc[pid, attr]
            i = title.lower().find(value.lower())
            if i >= 0:
                rows.append({"product_id": pid, "attribute": attr, "value": value, "text": title[i:i + len(value)],
                             "start": i, "end": i + len(value), "field": "title", "extractor": "gazetteer",
                             "confidence": 0.9 if pid != "P00001" else 0.3, "source_doc": f"{pid}#title",
                             "linked": "product"})
        if title.startswith(truth.loc[pid, "brand"]):
            b = truth.loc[pid, "brand"]
            triples.append({"product_id": pid, "field": "title", "source_doc": f"{pid}#title", "head": b,
                            "relation": "brand_of", "tail": title[len(b) + 1:].split(",")[0], "head_start": 0,
                            "head_end": len(b), "tail_start": len(b) + 1,
                            "tail_end": len(b) + 1 + len(title[len(b) + 1:].split(",")[0]),
                            "extractor": "kgmine_relations", "rule": "brand_of.noun_from", "confidence": 0.6,
                            "prior": 0.6, "in_graph": pid == "P00004"})
    # a wrong colour read off a word of the title, and an odd value that must come out escaped
    title = world.products.set_index("product_id").loc["P00000", "title"]
    rows.append({"product_id": "P00000", "attribute": "colour", "value": "bag", "text": "Bag",
                 "start": title.index("Bag"), "end": title.index("Bag") + 3, "field": "title", "extractor": "gazetteer",
                 "confidence": 0.8, "source_doc": "P00000#title", "linked": "product"})
    rows.append({"product_id": "P00002", "attribute": "odd", "value": "<i>x</i>", "text": "<i>x</i>", "start": 0,
                 "end": 8, "field": "title", "extractor": "test", "confidence": 0.9, "source_doc": "P00002#title",
                 "linked": None})
    values = pd.DataFrame(rows)
    run_dir = tmp_path / "run"
    (run_dir / "artifacts").mkdir(parents=True)
    values.to_parquet(run_dir / "artifacts" / "extraction.parquet")
    pd.DataFrame(triples).astype({c: "Int64" for c in ("head_start", "head_end", "tail_start", "tail_end")}).to_parquet(
        run_dir / "artifacts" / "relations.parquet")
    kept = values[values["confidence"] >= 0.5]
    scores = score_extraction(kept, world.truth["product_attributes"], variants=world.truth.get("colour_variants"))
    (run_dir / "config.yaml").write_text("name: tiny\nseed: 3\ndata: {kind: demo, n_products: 30, n_users: 20}\n"
                                         "extract: {min_confidence: 0.5, relations: {min_confidence: 0.8}}\n")
    _write_metrics(run_dir, {"run": {"name": "tiny", "seed": 3}, "data": {"name": "demo", "synthetic": True,
                                                                          **world.summary()},
                             "extraction": {"rows": len(values), "truth": scores, **scores}})
    return run_dir, world.products


def test_extraction_section_counts_samples_and_errors(tmp_path):
    run_dir, products = _tiny_extraction_run(tmp_path)
    html = render_report(run_dir, use_store=False).read_text()
    texts = {p: {"title": t, "description": d} for p, t, d in
             zip(products["product_id"], products["title"], products["description"])}
    _check_extraction_section(run_dir, html, texts)
    body = _section(html, "extraction")
    assert 'class="missing"' not in body and "regenerated demo world" in body
    assert "<i>x</i>" not in body and "&lt;i&gt;x&lt;/i&gt;" in body  # every text escaped
    tables = _tables(body)
    quality = tables["Quality per attribute"]
    assert _count_column(quality, "attribute", "false positives")["colour"] == 1
    head, rows, raw = tables[next(c for c in tables if c.startswith("Some errors"))]
    fp = [r for r in rows if r[head.index("error")] == "false positive"]
    assert [(r[head.index("product")], r[head.index("extracted")]) for r in fp] == [("P00000", "bag")]
    # the planted colour of the product whose values stayed below the threshold is a miss, marked in its title
    miss = [c for r, c in zip(rows, raw) if r[head.index("product")] == "P00001" and r[head.index("error")] == "miss"]
    assert any('<mark class="m">' in c[head.index("source text")] for c in miss)
    assert all("below the threshold" in r[head.index("extracted")] for r in rows
               if r[head.index("product")] == "P00001" and r[head.index("error")] == "miss")
    assert "does not reproduce" not in body
    # the samples are seeded: a second rendering is the same page section
    assert _section(render_report(run_dir, use_store=False).read_text(), "extraction") == body


def test_extraction_section_without_artifacts_uses_metrics(tmp_path):
    run_dir = _write_metrics(tmp_path / "run", {"data": {"name": "x", "products": 2}, "extraction": {
        "rows": 3, "per_attribute": {"colour": 2, "brand": 1},
        "relations": {"triples": 2, "in_graph": 1, "per_relation": {"made_of": 2},
                      "per_relation_in_graph": {"made_of": 1}}}})
    body = _section(render_report(run_dir, use_store=False).read_text(), "extraction")
    assert 'class="missing"' not in body and "older run" in body
    tables = _tables(body)
    assert _count_column(tables["Extracted values per attribute"], "attribute", "values in graph") == {"colour": 2,
                                                                                                       "brand": 1}
    assert _count_column(tables["Relation triples per relation"], "relation", "in graph") == {"made_of": 1}
    # empty artifacts: counted as nothing, the section still renders
    (run_dir / "artifacts").mkdir()
    pd.DataFrame(columns=["product_id", "attribute", "value", "confidence"]).to_parquet(
        run_dir / "artifacts" / "extraction.parquet")
    pd.DataFrame(columns=["product_id", "head", "relation", "tail", "in_graph"]).to_parquet(
        run_dir / "artifacts" / "relations.parquet")
    body = _section(render_report(run_dir, use_store=False).read_text(), "extraction")
    assert "could not be drawn" not in body and "extraction.parquet is empty" in body


# ---------------------------------------------------------------------------- a full run in the browser

#: Images each section of a complete run must show (at least).
EXPECTED_IMAGES = {"data": 1, "extraction": 1, "schema": 1, "clusters": 1, "rules": 1, "training": 1, "metrics": 1,
                   "recommendations": 1}


@pytest.fixture(scope="module")
def full_run(request, tmp_path_factory) -> Path:
    """A complete pipeline run at reduced size: the run directory named by KGMINE_REPORT_RUN, else a
    session-wide ``demo_run`` fixture when conftest provides one, else a run made here."""
    given = os.environ.get("KGMINE_REPORT_RUN")
    if given:
        render_report(given)
        return Path(given)
    try:
        return Path(request.getfixturevalue("demo_run"))
    except pytest.FixtureLookupError:
        pass
    from kgmine.config import merge_config
    from kgmine.pipeline import run_pipeline

    out = tmp_path_factory.mktemp("report-run")
    cfg = merge_config({"name": "report-test", "data": {"n_products": 300, "n_users": 200},
                        "recommend": {"epochs": 10}}, source="test_report_html")
    run_pipeline(cfg, out)
    return out


def test_full_run_report_is_self_contained(full_run):
    html = (full_run / "report.html").read_text()
    assert not re.search(r'(src|href)="(https?:)?//', html), "the report must not load anything from the network"
    assert "<script" not in html and "<link" not in html
    for sid in SECTIONS:
        body = html.split(f'<section id="{sid}"', 1)[1].split("</section>", 1)[0]
        assert 'class="missing"' not in body, f"section {sid} is missing in a complete run"
        assert body.count("data:image/png;base64,") >= EXPECTED_IMAGES[sid], sid
    for png in (full_run / "plots").glob("*.png"):
        assert png.read_bytes()[:8] == PNG_MAGIC


def test_full_run_shows_six_sample_users_and_a_graph_view(full_run):
    """More than three sample users (a summary table, each user foldable), and one inline SVG graph of the first
    sample user's neighbourhood whose nodes and typed edges are drawn, with hover titles."""
    from kgmine.report.html import SAMPLE_USERS, SAMPLE_USERS_OPEN

    body = _section((full_run / "report.html").read_text(), "recommendations")
    groups = re.findall(r'<details class="group"( open)?><summary>User (\S+):', body)
    assert len(groups) == SAMPLE_USERS > 3
    assert [bool(o) for o, _ in groups] == [i < SAMPLE_USERS_OPEN for i in range(SAMPLE_USERS)]
    users = [u for _, u in groups]
    summary = body.split("sample users", 1)[1].split("</table>", 1)[0]
    assert all(f"<td>{u}</td>" in summary for u in users)
    svg = body.split('<svg class="kgview"', 1)[1].split("</svg>", 1)[0]
    assert "<script" not in svg and "href" not in svg
    assert f"<title>User {users[0]}" in svg  # the centre is the first sample user
    edges = re.findall(r'<g class="e [^"]*"><title>[^<]*</title><path [^>]*/><text [^>]*>(\w+)</text>', svg)
    assert {"BOUGHT", "RECOMMENDED", "HAS_BRAND", "IN_CATEGORY"} <= set(edges)
    nodes = re.findall(r'<g class="n n\d+[^"]*"><title>(\w+) ', svg)
    assert {"User", "Product", "Brand", "Category"} <= set(nodes) and nodes.count("User") >= 1


def test_full_run_shows_the_extracted_knowledge(full_run):
    """Counts equal the run's artifacts; sampled surfaces are marked in the product texts of the run's store."""
    values = pd.read_parquet(full_run / "artifacts" / "extraction.parquet")
    with RunData(full_run) as run:
        texts, source = run.product_texts(values["product_id"].astype(str).unique().tolist())
    assert source == "the run's store"
    html = (full_run / "report.html").read_text()
    _check_extraction_section(full_run, html, texts)
    assert "does not reproduce" not in _section(html, "extraction")


def test_full_run_says_where_epochs_were_selected_and_how_sure_the_metrics_are(full_run):
    rec = json.loads((full_run / "metrics.json").read_text())["recommend"]
    assert rec["selected_on"] == "valid"
    assert rec["validation"] == "given" or rec["validation"].startswith("carved from train")
    assert rec["recall_at_20_low"] <= rec["recall_at_20"] <= rec["recall_at_20_high"]
    assert rec["cold_n_users"] + rec["warm_n_users"] == rec["n_test_users"]
    html = (full_run / "report.html").read_text()
    assert "95% bootstrap intervals" in _section(html, "metrics")
    assert "validation split was" in _section(html, "training")


def test_report_renders_in_headless_chromium(full_run, tmp_path, needs_browser):
    from selenium.webdriver.common.by import By

    from kgmine.report.browser import chromium_driver, screenshot

    driver = chromium_driver(width=1280, height=1000)
    try:
        driver.get((full_run / "report.html").resolve().as_uri())
        assert driver.find_element(By.TAG_NAME, "h1").text.startswith("kgmine run report")
        links = [a.get_attribute("href").rsplit("#", 1)[1] for a in driver.find_elements(By.CSS_SELECTOR, "nav a")]
        assert links == list(SECTIONS)
        for sid, title in SECTIONS.items():
            section = driver.find_element(By.ID, sid)
            assert section.find_element(By.TAG_NAME, "h2").text == title
            assert not section.find_elements(By.CLASS_NAME, "missing"), f"{sid}: {section.text[:200]}"
            images = section.find_elements(By.TAG_NAME, "img")
            assert len(images) >= EXPECTED_IMAGES[sid], sid
            for img in images:  # decoded by the browser, with real pixels
                width, height = driver.execute_script(
                    "return [arguments[0].naturalWidth, arguments[0].naturalHeight]", img)
                assert width > 200 and height > 100, (sid, img.get_attribute("alt"))
                assert img.get_attribute("alt")
            if sid in ("rules", "recommendations", "metrics", "data"):
                assert section.find_elements(By.CSS_SELECTOR, "table tbody tr"), sid
        # the graph view is drawn, and hovering its centre fades the edges that do not touch it
        view = driver.find_element(By.CSS_SELECTOR, "#recommendations svg.kgview")
        assert view.size["width"] > 600 and view.size["height"] > 300
        far = view.find_elements(By.CSS_SELECTOR, "g.e:not(.a0)")
        assert far and float(far[0].value_of_css_property("opacity")) == 1.0
        from selenium.webdriver.common.action_chains import ActionChains

        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", view)
        ActionChains(driver).move_to_element(view.find_element(By.CSS_SELECTOR, "g.n0 circle")).perform()
        assert float(far[0].value_of_css_property("opacity")) < 0.5
        assert float(view.find_element(By.CSS_SELECTOR, "g.e.a0").value_of_css_property("opacity")) == 1.0
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert not errors, errors
    finally:
        driver.quit()
    shot = Path(os.environ.get("KGMINE_REPORT_SCREENSHOT") or tmp_path / "report.png")
    screenshot(full_run / "report.html", shot, width=1280, height=4000)
    data = shot.read_bytes()
    assert data[:8] == PNG_MAGIC and len(data) > 50_000


def test_rules_table_lists_each_itemset_once_with_basket_counts(tmp_path):
    """A => B and B => A are one row (the more confident direction); the basket count is a column."""
    from kgmine.report.html import Section, _rules_section

    run_dir = _write_metrics(tmp_path / "run", {})
    (run_dir / "artifacts").mkdir()
    rules = pd.DataFrame({
        "antecedent": [["a"], ["b"], ["c"], ["d"]], "consequent": [["b"], ["a"], ["d"], ["c"]],
        "support": [0.1, 0.1, 0.05, 0.05], "count": [10, 10, 5, 5], "confidence": [0.5, 0.8, 0.4, 0.3],
        "lift": [3.0, 3.0, 2.0, 2.0], "leverage": 0.01, "conviction": 1.5, "length": 2})
    rules.to_parquet(run_dir / "artifacts" / "rules.parquet")
    section = Section("rules", "Association rules")
    _rules_section(RunData(run_dir, use_store=False), section, tmp_path)
    html = next(b["html"] for b in section.blocks if b["kind"] == "table")
    rows = re.findall(r"<tr>.*?</tr>", html, flags=re.S)[1:]
    assert len(rows) == 2  # four rules, two itemsets
    assert "(b)" in rows[0].split("</td>")[0] and ">10<" in rows[0]  # b => a has the higher confidence
    assert "baskets" in html


def test_cluster_labels_skip_unit_words():
    from kgmine.mine.clusters import describe_clusters

    labels = np.array([0, 0, 1])
    table = describe_clusters(labels, {0: ["cm", "ml", "saucepan", "lid"], 1: ["uk", "boot", "12"]}, {})
    assert list(table["label"]) == ["saucepan / lid", "boot"]


#: Label pairs and counts of a full-size demo run (2,000 products, 1,000 users): the schema the report draws.
FULL_SCHEMA_PAIRS = pd.DataFrame(
    [("HAS_BRAND", "Product", "Brand", 1982), ("IN_CATEGORY", "Product", "Category", 2000),
     ("SUBCATEGORY_OF", "Category", "Category", 36), ("HAS_ATTRIBUTE", "Product", "AttributeValue", 4116),
     ("BOUGHT", "User", "Product", 12685), ("RATED", "User", "Product", 6400), ("REVIEWED", "User", "Product", 2564),
     ("WROTE", "User", "Review", 2564), ("REVIEW_OF", "Review", "Product", 2564),
     ("ALSO_BOUGHT", "Product", "Product", 7706), ("MENTIONS", "Review", "Brand", 1294),
     ("MENTIONS", "Review", "AttributeValue", 2440), ("MENTIONS", "Review", "Product", 0),
     ("MENTIONS", "Review", "Entity", 56), ("MENTIONS", "Product", "Brand", 995), ("MENTIONS", "Product", "Entity", 632),
     ("IN_CLUSTER", "Product", "Cluster", 2000), ("IN_COMMUNITY", "Product", "Community", 2000),
     ("FREQUENTLY_BOUGHT_WITH", "Product", "Product", 84), ("RECOMMENDED", "User", "Product", 10000)],
    columns=["type", "src", "dst", "count"])
FULL_SCHEMA_NODES = {"Product": 2000, "Brand": 82, "Category": 48, "AttributeValue": 76, "User": 1000, "Review": 2564,
                     "Cluster": 12, "Community": 7, "Entity": 57}


def _curve_points(arrow) -> np.ndarray:
    """Points along a drawn FancyArrowPatch (display coordinates), its Bézier segments sampled."""
    path = arrow.get_transform().transform_path(arrow.get_path())
    return np.vstack([seg(np.linspace(0, 1, 30)) for seg, _ in path.iter_bezier()])


@pytest.mark.parametrize("extra", [{}, {"Widget": 5}], ids=["full demo", "with an unknown label"])
def test_schema_labels_and_arrows_keep_off_the_boxes(extra):
    """Every relationship label is readable (its box overlaps no node box and no other label, and it sits on
    its own arrow, a loop's label near its loop); no arrow passes through a box other than its two ends. Measured on the drawn artists."""
    pairs = FULL_SCHEMA_PAIRS
    if extra:
        pairs = pd.concat([pairs, pd.DataFrame([("LINKS", "Widget", "Review", 4), ("LINKS", "Widget", "Brand", 2)],
                                               columns=pairs.columns)])
    drawn = plots._schema_artists({**FULL_SCHEMA_NODES, **extra}, pairs)
    drawn.figure.draw_without_rendering()
    renderer = drawn.figure._get_renderer()
    boxes = {lab: t.get_bbox_patch().get_window_extent(renderer) for lab, t in drawn.nodes.items()}
    labels = {key: t.get_bbox_patch().get_window_extent(renderer) for key, t in drawn.edge_labels.items()}
    shown = pairs[pairs["count"] > 0]
    assert set(labels) == set(zip(shown["src"], shown["dst"]))
    assert "MENTIONS 1,294" in drawn.edge_labels[("Review", "Brand")].get_text()
    for key, box in labels.items():
        for lab, node in boxes.items():
            assert not box.overlaps(node), f"label of {key} lies on the {lab} box"
        for other, obox in labels.items():
            assert other == key or not box.overlaps(obox), f"labels of {key} and {other} overlap"
    for (src, dst), arrow in drawn.arrows.items():
        points = _curve_points(arrow)
        for lab, node in boxes.items():
            if lab in (src, dst):
                continue
            inside = ((points[:, 0] > node.x0) & (points[:, 0] < node.x1)
                      & (points[:, 1] > node.y0) & (points[:, 1] < node.y1))
            assert not inside.any(), f"arrow {src}->{dst} passes through the {lab} box"
        label = labels[(src, dst)]
        gap = min(math.dist(p, (min(max(p[0], label.x0), label.x1), min(max(p[1], label.y0), label.y1)))
                  for p in points)
        # a loop's label may move up out of the wedge between the box's other arrows
        assert gap < (80 if src == dst else 25), f"label of {src}->{dst} is {gap:.0f} px from its arrow"


def test_graph_svg_draws_each_edge_once_and_spreads_the_outer_ring():
    from kgmine.report.graphview import _spread, graph_svg, layout

    edges = [("User:u", "BOUGHT", f"Product:p{i}") for i in range(6)] + [("User:u", "RECOMMENDED", "Product:r")]
    edges += [(f"Product:p{i}", "HAS_BRAND", "Brand:b") for i in range(3)] + [("Product:r", "HAS_BRAND", "Brand:b")]
    edges += [(f"Product:p{i}", "IN_CATEGORY", f"Category:c{i % 2}") for i in range(6)] + edges[:2]  # repeats
    names = {"User:u": "u", "Product:r": "Recommended <thing> & co"}
    svg = graph_svg(names, edges, "User:u")
    assert svg.count('<g class="e ') == len(set(edges)) and svg.count('<g class="n ') == 11
    assert "Recommended &lt;thing&gt; &amp; co" in svg and "<thing>" not in svg
    keys = list(dict.fromkeys(k for s, _, d in edges for k in (s, d)))
    pos = layout(keys, edges, 1100, 700, "User:u")
    assert pos == layout(keys, edges, 1100, 700, "User:u")  # deterministic
    assert pos["User:u"] == (550, 350)
    inner = [math.dist(pos["User:u"], pos[k]) for k in keys if k.startswith("Product")]
    outer = [math.dist(pos["User:u"], pos[k]) for k in keys if k.split(":")[0] in ("Brand", "Category")]
    assert max(inner) < min(outer)  # the user's products inside, their brands and categories outside
    assert all(0 <= x <= 1100 and 0 <= y <= 700 for x, y in pos.values())
    # the recommended item sits beside a bought item that shares its brand
    ring = sorted((k for k in keys if k.startswith("Product")),
                  key=lambda k: math.atan2(pos[k][1] - 350, pos[k][0] - 550))
    i = ring.index("Product:r")
    assert {ring[i - 1], ring[(i + 1) % len(ring)]} & {"Product:p0", "Product:p1", "Product:p2"}
    spread = _spread([3.0, 3.05, 3.1, 1.0, 6.2, 0.05], 0.3)
    order = sorted(range(6), key=lambda j: spread[j] % (2 * math.pi))
    gaps = [(spread[order[(j + 1) % 6]] - spread[order[j]]) % (2 * math.pi) for j in range(6)]
    assert min(gaps) >= 0.3 - 1e-9
    assert [j for j in order] in ([3, 0, 1, 2, 4, 5][k:] + [3, 0, 1, 2, 4, 5][:k] for k in range(6))  # order kept
