"""`kgmine train extractor` on a user's labelled CSV, the model in a pipeline, `kgmine eval extract --data`."""
from __future__ import annotations

import json
import textwrap

import pytest
from typer.testing import CliRunner

from kgmine.cli import app
from kgmine.extract.attribute_data import load_labelled_file

BRANDS = ["Trailhead", "Cascade", "Voltix", "Lumen", "Nordvik", "Paloma"]
NOUNS = ["socks", "jacket", "table", "bottle", "mug", "lamp"]
COLOURS = ["black", "navy", "red", "white", "grey", "green"]


def _labelled_csv(path, n: int = 60) -> None:
    rows = ["product_id,title,description,attribute,value"]
    for i in range(n):
        brand, noun, colour = BRANDS[i % 6], NOUNS[(i // 6) % 6], COLOURS[(i // 2) % 6]
        title = f"{brand} {noun.title()} {colour.title()} VX-{1000 + i}"
        rows.append(f'p{i},"{title}","A {colour} {noun}.",brand,{brand}')
        rows.append(f'p{i},"{title}","A {colour} {noun}.",model_number,VX-{1000 + i}')
    path.write_text("\n".join(rows) + "\n")


def test_labelled_csv_groups_rows_per_product(tmp_path):
    path = tmp_path / "labels.csv"
    _labelled_csv(path, n=12)
    docs = load_labelled_file(path)
    assert len(docs) == 12
    assert docs[0].title.startswith("Trailhead") and docs[0].gold == {"brand": ["Trailhead"],
                                                                      "model_number": ["VX-1000"]}


@pytest.mark.parametrize("content, message", [
    ("product_id,title,attribute\np1,x,brand\n", "labels.csv:1: missing column(s) ['value']"),
    ("product_id,title,attribute,value\np1,x,brand,Acme\np2,y,,Acme\n", "labels.csv:3: empty product_id or attribute"),
    ("product_id,title,attribute,value\np1,x,brand,Acme,extra\n", "labels.csv:2: more fields than the header"),
])
def test_bad_labelled_csv_names_the_line(tmp_path, content, message):
    path = tmp_path / "labels.csv"
    path.write_text(content)
    result = CliRunner().invoke(app, ["train", "extractor", "--data", str(path), "--out", str(tmp_path / "m")])
    assert result.exit_code != 0 and message in result.output
    assert "Traceback" not in result.output and not (tmp_path / "m").exists()


def test_bad_labelled_jsonl_names_the_line(tmp_path):
    path = tmp_path / "labels.jsonl"
    path.write_text('{"input": "Acme hat", "target_scores": {"brand": {"Acme": 1}}}\n{"input": "x", "target_scores": 3}\n')
    result = CliRunner().invoke(app, ["eval", "extract", "--data", str(path), "--model", "default"])
    assert result.exit_code != 0 and "labels.jsonl:2: 'target_scores' must be an object" in result.output


def test_train_use_in_a_pipeline_and_score(tmp_path):
    labels = tmp_path / "labels.csv"
    _labelled_csv(labels)
    out = tmp_path / "model"
    result = CliRunner().invoke(app, ["train", "extractor", "--data", str(labels), "--out", str(out),
                                      "--epochs", "4", "--json"])
    assert result.exit_code == 0, result.output
    card = json.loads(result.output)
    assert card["spans_per_value_type"] == {"brand": 60, "model_number": 60}
    assert (out / "cfg.json").is_file() and (out / "model_card.json").is_file()

    scored = CliRunner().invoke(app, ["eval", "extract", "--data", str(labels), "--model", str(out), "--json"])
    assert scored.exit_code == 0, scored.output
    metrics = json.loads(scored.output)
    assert metrics["n_slots"] == 120 and set(metrics["micro"]) >= {"precision", "recall", "f1"}
    assert metrics["micro"]["f1"] > 0.5

    (tmp_path / "catalog.csv").write_text("product_id,title\nq1,Paloma Lamp Green VX-2001\n")
    (tmp_path / "shop.yaml").write_text(textwrap.dedent(f"""\
        name: with-my-model
        data: {{kind: tabular, options: {{catalog: {tmp_path / 'catalog.csv'}}}}}
        extract: {{model: {out}}}
        mine: {{rules: {{enabled: false}}, clusters: {{enabled: false}}, analytics: {{enabled: false}}}}
        recommend: {{enabled: false}}
        report: {{enabled: false}}
        """))
    run = CliRunner().invoke(app, ["run", str(tmp_path / "shop.yaml"), "--out", str(tmp_path / "run")])
    assert run.exit_code == 0, run.output
    import pandas as pd

    values = pd.read_parquet(tmp_path / "run" / "artifacts" / "extraction.parquet")
    span_rows = values[values["extractor"].str.contains("span_model")]
    assert not span_rows.empty  # the trained model took part in the run
