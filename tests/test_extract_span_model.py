"""The trainable span model (kgmine_span_model): training, confidences, save/load, use in a pipeline."""
from __future__ import annotations

import random

import pytest
import spacy

from kgmine.extract.doc import candidates
from kgmine.extract.span_model import SpanModel, span_f1, train_span_model
from kgmine.extract.tokenizer import customize_tokenizer

COLOURS = ["red", "blue", "green", "black", "white", "ochre", "teal", "maroon", "navy", "beige", "olive", "coral"]
PARTS = ["AB-123", "X9-77", "QT-4410", "ZZ-01", "KL-908", "MN-55", "PQ-3", "RS-780"]
TEMPLATES = ["A {c} mug, part {p}.", "Part {p} comes in {c}.", "Lovely {c} lamp (part {p})", "{c} chair - part {p}"]


def _examples(n, seed, colours, parts):
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        c, p, t = rng.choice(colours), rng.choice(parts), rng.choice(TEMPLATES)
        text = t.format(c=c, p=p)
        ci, pi = text.index(c), text.index(p)
        out.append((text, [(ci, ci + len(c), "colour"), (pi, pi + len(p), "part")]))
    return out


@pytest.fixture(scope="module")
def trained():
    train = _examples(90, 0, COLOURS[:8], PARTS[:5])
    dev = _examples(30, 1, COLOURS[:8], PARTS[:5])
    model, history = train_span_model(train, dev=dev, normalisers={"part": "alnum"}, n_epochs=6, patience=2,
                                      progress=False)
    return model, history


def test_training_learns_the_spans_and_records_history(trained):
    model, history = trained
    assert set(model.labels) == {"colour", "part"}
    assert [h["epoch"] for h in history] == list(range(1, len(history) + 1))
    assert history[-1]["loss"] < history[0]["loss"]
    unseen = _examples(40, 2, COLOURS[8:], PARTS[5:])  # values never seen in training
    assert span_f1(model, unseen) >= 0.8
    assert set(model.label_confidence) <= {"colour", "part"}
    assert all(0 < c < 1 for c in model.label_confidence.values())


def test_candidates_carry_normalised_values_offsets_and_confidence(trained):
    model, _ = trained
    doc = model(model.nlp.make_doc("Part KL-908 comes in maroon."))
    recs = {r["attribute"]: r for r in candidates(doc)}
    assert recs["part"]["value"] == "KL908" and recs["part"]["text"] == "KL-908"
    assert doc.text[recs["colour"]["start"]:recs["colour"]["end"]] == "maroon"
    assert recs["colour"]["extractor"] == "span_model"
    assert recs["colour"]["confidence"] == pytest.approx(model.label_confidence.get("colour", 0.7))


def test_save_load_and_run_inside_a_pretrained_pipeline(trained, tmp_path):
    model, _ = trained
    model.aliases = {"colour": {"maroon": "dark red"}}
    model.to_disk(tmp_path / "span")
    assert (tmp_path / "span" / "cfg.json").exists() and (tmp_path / "span" / "ner").is_dir()
    texts = ["Lovely teal lamp (part PQ-3)", "navy chair - part RS-780", "A maroon mug, part MN-55."]
    before = [[(r["attribute"], r["value"], r["start"]) for r in candidates(model(model.nlp.make_doc(t)))]
              for t in texts]
    nlp = customize_tokenizer(spacy.blank("en"))
    nlp.add_pipe("kgmine_span_model", config={"model": str(tmp_path / "span")})
    after = [[(r["attribute"], r["value"], r["start"]) for r in candidates(doc)] for doc in nlp.pipe(texts)]
    assert after == before
    assert ("colour", "dark red", 2) in after[2]  # the learned alias table travels with the model
    # behind a component that sets entities, the span model neither reads nor changes doc.ents
    host = customize_tokenizer(spacy.blank("en"))
    ruler = host.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "ORG", "pattern": "Lovely"}])
    host.add_pipe("kgmine_span_model", config={"model": str(tmp_path / "span")})
    doc = host(texts[0])
    assert [e.text for e in doc.ents] == ["Lovely"]
    assert {r["attribute"] for r in candidates(doc)} == {"colour", "part"}


def test_beam_decoding_gives_span_probabilities(trained, tmp_path):
    model, _ = trained
    model.to_disk(tmp_path / "greedy")
    beam = SpanModel(customize_tokenizer(spacy.blank("en")), beam_width=4, model=str(tmp_path / "greedy"))
    spans = beam.predict_spans([beam.nlp.make_doc("Part AB-123 comes in red.")])[0]
    assert spans and all(0.0 < conf <= 1.0 + 1e-6 for *_, conf in spans)


def test_bad_inputs():
    with pytest.raises(ValueError, match="no training examples"):
        train_span_model([], progress=False)
    with pytest.raises(ValueError, match="beam_width"):
        SpanModel(spacy.blank("en"), beam_width=0)
    with pytest.raises(FileNotFoundError, match="no cfg.json"):
        SpanModel(spacy.blank("en")).from_disk("/nonexistent/dir")
