"""Attribute-value benchmarks: readers, gold alignment, the WDC-PAVE metric, the learned extractor, the CLI."""
from __future__ import annotations

import json

import pandas as pd
import pytest
import spacy
from typer.testing import CliRunner

from kgmine.extract.attribute_data import AttributeDocument, align_gold, load_dataset, wdc_normaliser
from kgmine.extract.attribute_eval import score_predictions, slot_class
from kgmine.extract.attribute_model import AttributeExtractor
from kgmine.extract.tokenizer import customize_tokenizer


@pytest.fixture(scope="module")
def nlp():
    return customize_tokenizer(spacy.blank("en"))


def test_slot_classes_follow_the_paper():
    assert slot_class(None, None) == "NN"
    assert slot_class(None, "x") == "NV"
    assert slot_class(["a"], None) == "VN"
    assert slot_class(["Black", "Noir"], "noir") == "VC"
    assert slot_class(["Black"], "noir") == "VW"
    assert slot_class(["Black"], "black", strict=True) == "VW"


def test_score_predictions_counts_and_averages():
    docs = [AttributeDocument("1", "A", "t", gold={"colour": ["red"], "size": None, "brand": ["X"]}),
            AttributeDocument("2", "A", "t", gold={"colour": ["blue"], "size": ["L"]}),
            AttributeDocument("3", "B", "t", gold={"colour": None})]
    pred = pd.DataFrame({"doc_id": ["1", "1", "2", "3", "3"], "attribute": ["colour", "size", "colour", "colour",
                                                                            "material"],
                         "value": ["Red", "M", "green", "pink", "wool"]})
    s = score_predictions(docs, pred)
    # slots: 1/colour VC, 1/size NV, 1/brand VN, 2/colour VW, 2/size VN, 3/colour NV; 3/material unlisted
    assert s["counts"] == {"NN": 0, "NV": 2, "VN": 2, "VC": 1, "VW": 1}
    assert s["micro"]["precision"] == pytest.approx(1 / 4)
    assert s["micro"]["recall"] == pytest.approx(1 / 4)
    pairs = s["per_pair"].set_index(["category", "attribute"])
    assert pairs.loc[("A", "colour"), "f1"] == pytest.approx(0.5)
    assert ("B", "colour") in pairs.index  # a pair with only NV slots is scored (precision 0)
    assert s["macro"]["f1"] == pytest.approx(pairs["f1"].mean())
    assert s["strict_micro"]["precision"] == 0.0  # "Red" != "red" case-sensitively


def test_align_gold_rules(nlp):
    doc = nlp.make_doc('HP 600-GB drive, 24" wide, Mens shirt, part 435952-B21 and 435952-B21')
    text = doc.text
    spans = align_gold(doc, ["600 Gigabytes"], "unit_expansion")
    assert [text[s:e] for s, e in spans] == ["600-GB"]
    assert [text[s:e] for s, e in align_gold(doc, ["61.0"], "length_cm")] == ['24"']
    assert [text[s:e] for s, e in align_gold(doc, ["435952B21"], "alnum")] == ["435952-B21", "435952-B21"]
    assert [text[s:e] for s, e in align_gold(doc, ["Men"], "identity")] == ["Mens"]  # inside a word
    assert [text[s:e] for s, e in align_gold(doc, ["HP"], "identity")] == ["HP"]
    assert align_gold(doc, ["Blue"], "identity") == []


def test_wdc_normaliser_mapping():
    assert wdc_normaliser("[Delete Marks]", "") == "alnum"
    assert wdc_normaliser("[Unit Conversion]", "convert to centimeters (cm)") == "length_cm"
    assert wdc_normaliser("[Unit Conversion]", "to kilograms (KG)") == "weight_kg"
    assert wdc_normaliser("[Product Type Generalisation]", "") == "classify"
    assert wdc_normaliser("None", "None") == "identity"


@pytest.mark.shared_data
def test_readers_load_the_published_splits(shared_data):
    wdc = load_dataset("wdc-pave", shared_data)
    assert (len(wdc.train), len(wdc.test)) == (1066, 354)
    assert sum(len(a) for a in wdc.schema.values()) == 70
    assert wdc.schema["Computers And Accessories"]["Part Number"] == "alnum"
    ae = load_dataset("ae-110k", shared_data)
    assert (len(ae.train), len(ae.test)) == (1568, 524)
    assert all(d.title and not d.description for d in ae.test)
    with pytest.raises(ValueError, match="unknown attribute data set"):
        load_dataset("nope", shared_data)
    with pytest.raises(FileNotFoundError, match="data file not found"):
        load_dataset("ae-110k", shared_data / "missing")


@pytest.mark.shared_data
def test_extractor_fits_predicts_and_round_trips(shared_data, tmp_path):
    ae = load_dataset("ae-110k", shared_data)
    train = ae.train[:300]
    model = AttributeExtractor(use_span_model=False, progress=False).fit(train, ae.schema)
    pred = model.predict(train)
    assert not pred.duplicated(["doc_id", "attribute"]).any()
    assert (pred["score"] >= model.threshold_).all()
    # a gazetteer of the training values recovers most training slots (memorisation sanity check)
    assert score_predictions(train, pred)["micro"]["recall"] > 0.6
    model.to_disk(tmp_path / "m")
    again = AttributeExtractor.from_disk(tmp_path / "m")
    pd.testing.assert_frame_equal(again.predict(ae.test[:50]), model.predict(ae.test[:50]))


@pytest.mark.shared_data
def test_cli_eval_extract_json_and_cache(shared_data, tmp_path):
    from kgmine.cli import app

    runner = CliRunner()
    args = ["eval", "extract", "--dataset", "ae-110k", "--data-root", str(shared_data), "--json", "--max-train",
            "80", "--max-test", "30", "--epochs", "1", "--cache-dir", str(tmp_path)]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    result = json.loads(first.output)
    assert {"micro", "macro", "per_attribute", "per_pair", "counts"} <= set(result)
    assert result["n_test"] == 30 and result["cached"] is False
    assert all(0.0 <= result["micro"][m] <= 1.0 for m in ("precision", "recall", "f1"))
    second = json.loads(runner.invoke(app, args).output)
    assert second["cached"] is True and second["micro"] == result["micro"]


def test_cli_errors_are_one_line(tmp_path):
    from kgmine.cli import app

    runner = CliRunner()
    out = runner.invoke(app, ["eval", "extract", "--dataset", "ae-110k", "--data-root", str(tmp_path / "none")])
    assert out.exit_code == 1 and "folder not found" in out.output
    out = runner.invoke(app, ["eval", "extract", "--dataset", "ae-110k", "--data-root", str(tmp_path)])
    assert out.exit_code == 1 and "data file not found" in out.output


def test_cli_semeval_dispatches_to_the_relations_module(tmp_path, monkeypatch):
    import sys
    import types

    from kgmine.cli import app

    runner = CliRunner()
    args = ["eval", "extract", "--dataset", "semeval", "--data-root", str(tmp_path), "--json"]
    stub = types.ModuleType("kgmine.extract.semeval_eval")
    monkeypatch.setitem(sys.modules, "kgmine.extract.semeval_eval", stub)
    out = runner.invoke(app, args)
    assert out.exit_code == 1 and "evaluate_semeval is missing" in out.output
    calls = []

    def evaluate_semeval(data_root, **kwargs):
        calls.append((data_root, kwargs))
        return {"dataset": "semeval", "macro": {"precision": 0.5, "recall": 0.5, "f1": 0.5},
                "per_relation": pd.DataFrame({"relation": ["Cause-Effect"], "f1": [0.5]})}

    stub.evaluate_semeval = evaluate_semeval
    out = runner.invoke(app, args)
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["per_relation"] == [{"relation": "Cause-Effect", "f1": 0.5}]
    assert calls[0][0] == tmp_path and "seed" not in calls[0][1] and calls[0][1]["progress"] is False
    assert runner.invoke(app, [*args, "--seed", "3", "--epochs", "2"]).exit_code == 0
    assert calls[1][1]["seed"] == 3 and calls[1][1]["epochs"] == 2
