"""The whole job at reduced size on the embedded store, through the CLI: demo, re-run, query, bad input."""
from __future__ import annotations

import gzip
import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from kgmine.cli import app

runner = CliRunner()

# the same reduced size as the shared demo_run fixture in conftest.py
SMALL = ["--products", "300", "--users", "200", "--epochs", "15"]


def _counts(store: Path) -> dict[str, int]:
    from kgmine.graph.stores import open_store

    with open_store("ladybug", path=store) as s:
        return s.counts()


def test_demo_leaves_metrics_plots_report_and_store(demo_run):
    metrics = json.loads((demo_run / "metrics.json").read_text())
    assert metrics["data"]["synthetic"] is True
    for key in ("brand_accuracy", "colour_f1", "material_f1"):
        assert 0.0 <= metrics["extraction"][key] <= 1.0
    assert metrics["extraction"]["brand_accuracy"] >= 0.9
    for key in ("recall_at_20", "ndcg_at_20", "popularity_recall_at_20"):
        assert 0.0 <= metrics["recommend"][key] <= 1.0
    assert metrics["mine"]["rules"] > 0 and metrics["mine"]["clusters"] > 1
    assert list((demo_run / "plots").glob("*.png"))
    html = (demo_run / "report.html").read_text()
    assert "SYNTHETIC" in html and "data:image/png;base64," in html
    counts = _counts(demo_run / "store")
    assert counts["Product"] == 300 and counts["User"] == 200
    assert counts["RECOMMENDED"] > 0 and counts["FREQUENTLY_BOUGHT_WITH"] > 0 and counts["IN_CLUSTER"] == 300


def test_second_run_into_same_store_keeps_every_count(demo_run, tmp_path):
    before = _counts(demo_run / "store")
    result = runner.invoke(app, ["demo", "--out", str(tmp_path / "again"), "--store", str(demo_run / "store"),
                                 *SMALL])
    assert result.exit_code == 0, result.output
    assert _counts(demo_run / "store") == before


def test_query_prints_brand_table(demo_run):
    cypher = ("MATCH (p:Product)-[:HAS_BRAND]->(b:Brand) RETURN b.name AS brand, count(p) AS n "
              "ORDER BY n DESC LIMIT 5")
    result = runner.invoke(app, ["query", "--store", str(demo_run / "store"), cypher])
    assert result.exit_code == 0, result.output
    assert "brand" in result.output
    rows = [line for line in result.output.splitlines() if line.startswith("│")]
    assert len(rows) == 5


def _pipeline(tmp_path: Path, kind: str, options: dict) -> Path:
    path = tmp_path / f"{kind}.yaml"
    path.write_text(yaml.safe_dump({"name": f"bad-{kind}", "data": {"kind": kind, "options": options},
                                    "recommend": {"enabled": False}, "mine": {"clusters": {"enabled": False}}}))
    return path


def _bad_inputs(tmp_path: Path) -> list[tuple[str, dict, str]]:
    good = json.dumps({"reviewerID": "u1", "asin": "a1", "overall": 5.0, "unixReviewTime": 1500000000,
                       "reviewText": "fine"})
    truncated = tmp_path / "reviews.json.gz"
    with gzip.open(truncated, "wt") as fh:
        fh.write(good + "\n" + good[:-12] + "\n")
    catalog = tmp_path / "catalog.csv"
    catalog.write_text("sku,title\nA1,Oak chair\n")
    interactions = tmp_path / "ratings.csv"
    interactions.write_text("user,sku,rating\nu1,A1,5\nu2,A1,abc\n")
    good_catalog = tmp_path / "good_catalog.csv"
    good_catalog.write_text("sku,title\nA1,Oak chair\n")
    return [
        ("amazon", {"reviews_path": str(truncated)}, "line 2"),
        ("tabular", {"catalog": str(catalog)}, "product_id"),
        ("tabular", {"catalog": str(good_catalog), "interactions": str(interactions),
                     "mapping": {"user_id": "user", "product_id": "sku"}}, "line 3"),
    ]


def test_bad_input_is_one_line_error_and_leaves_store_unchanged(demo_run, tmp_path):
    store = demo_run / "store"
    before = _counts(store)
    for kind, options, where in _bad_inputs(tmp_path):
        result = runner.invoke(app, ["run", str(_pipeline(tmp_path, kind, options)), "--out",
                                     str(tmp_path / "out"), "--store", str(store)])
        assert result.exit_code != 0
        message = result.output.strip()
        assert message.startswith("error:") and len(message.splitlines()) == 1, message
        assert where in message and Path(list(options.values())[-1] if kind == "amazon" else
                                         options.get("interactions", options["catalog"])).name in message
        assert "Traceback" not in message
    assert _counts(store) == before
