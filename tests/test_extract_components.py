"""spaCy components: kgmine_gazetteer, kgmine_combiner, kgmine_linker and their save/load."""
from __future__ import annotations

import pytest
import spacy

from kgmine.extract import combiner, gazetteer, linker  # noqa: F401  (registers the factories)
from kgmine.extract.doc import SPANS_KEY, attributes, candidates, make_record
from kgmine.extract.pipeline import pick_model
from kgmine.extract.tokenizer import customize_tokenizer


@pytest.fixture(scope="module")
def blank():
    return customize_tokenizer(spacy.blank("en"))


@pytest.fixture(scope="module")
def parsed_nlp():
    nlp = spacy.load(pick_model(), exclude=["ner"])
    return customize_tokenizer(nlp)


def _values(doc, attribute=None):
    return sorted((r["attribute"], r["value"], r["text"]) for r in candidates(doc)
                  if attribute is None or r["attribute"] == attribute)


def test_gazetteer_is_case_plural_hyphen_and_spelling_tolerant(blank):
    nlp = spacy.blank("en")
    gaz = nlp.add_pipe("kgmine_gazetteer", config={"vocab": {"colour": ["grey", "off-white"],
                                                             "product": ["sheet set"]}})
    doc = nlp("Two GRAY Sheet Sets in off white")
    assert _values(doc) == [("colour", "grey", "GRAY"), ("colour", "off-white", "off white"),
                            ("product", "sheet set", "Sheet Sets")]
    assert gaz.vocab_size == 3
    for r in candidates(doc):
        assert doc.text[r["start"]:r["end"]] == r["text"]
        assert r["extractor"] == "gazetteer" and r["confidence"] == pytest.approx(0.9)


def test_gazetteer_alias_tables_and_short_values_are_case_sensitive():
    nlp = spacy.blank("en")
    gaz = nlp.add_pipe("kgmine_gazetteer")
    gaz.add_values("brand", {"Hewlett-Packard": ["HP"]}, confidence={"HP": 0.6})
    doc = nlp("HP drive; hp said; Hewlett Packard server")
    got = [(r["value"], r["text"], r["confidence"]) for r in candidates(doc)]
    assert ("Hewlett-Packard", "HP", 0.6) in got
    assert ("Hewlett-Packard", "Hewlett Packard", 0.9) in got
    assert all(t != "hp" for _, t, _ in got)  # "HP" is shorter than min_lower_length: exact case only


def test_gazetteer_folds_duplicate_values_and_explicit_aliases_win():
    nlp = spacy.blank("en")
    gaz = nlp.add_pipe("kgmine_gazetteer")
    gaz.add_values("colour", ["grey", "gray", "charcoal grey"])
    gaz.add_values("colour", {"charcoal": ["charcoal grey"]})
    assert set(gaz.entries["colour"]) == {"grey", "charcoal grey", "charcoal"}
    doc = nlp("a gray and charcoal grey mug")
    vals = {(r["text"], r["value"]) for r in candidates(doc)}
    assert ("gray", "grey") in vals
    assert ("charcoal grey", "charcoal") in vals


def test_ambiguous_surfaces_split_confidence():
    nlp = spacy.blank("en")
    nlp.add_pipe("kgmine_gazetteer", config={"vocab": {"colour": ["orange"], "flavour": ["orange"]}})
    confs = [r["confidence"] for r in candidates(nlp("orange juice"))]
    assert confs == [pytest.approx(0.45), pytest.approx(0.45)]


def test_gazetteer_survives_pipeline_save_and_load(tmp_path):
    nlp = spacy.blank("en")
    nlp.add_pipe("kgmine_gazetteer").add_values("material", ["stainless steel", "oak"])
    nlp.add_pipe("kgmine_combiner")
    nlp.to_disk(tmp_path / "pipe")
    again = spacy.load(tmp_path / "pipe")
    doc = again("An oak table with Stainless-Steel legs")
    assert [(r["value"], r["text"]) for r in attributes(doc)] == [("oak", "oak"),
                                                                  ("stainless steel", "Stainless-Steel")]
    assert [s.label_ for s in doc.spans[SPANS_KEY]] == ["material", "material"]
    assert [s.kb_id_ for s in doc.spans[SPANS_KEY]] == ["oak", "stainless steel"]


def test_combiner_resolves_overlaps_and_merges_agreement(blank):
    comb = blank.create_pipe("kgmine_combiner")
    recs = [make_record("colour", "navy", "navy", 0, 4, "gazetteer", 0.9),
            make_record("colour", "navy", "navy blue", 0, 9, "gazetteer", 0.8),
            make_record("colour", "navy", "navy blue", 0, 9, "span_model", 0.5),
            make_record("material", "wool", "wool", 10, 14, "span_model", 0.3)]
    out = comb.combine(recs)
    assert [(r["text"], r["extractor"]) for r in out] == [("navy blue", "gazetteer+span_model"), ("wool", "span_model")]
    assert out[0]["confidence"] == pytest.approx(1 - 0.2 * 0.5)  # noisy-or of agreeing extractors
    by_conf = blank.create_pipe("kgmine_combiner", config={"prefer": "confidence", "agreement": "max",
                                                           "min_confidence": 0.5})
    out = by_conf.combine(recs)
    assert [(r["text"], r["confidence"]) for r in out] == [("navy", 0.9)]


def test_combiner_rejects_bad_config(blank):
    with pytest.raises(ValueError, match="prefer must be one of"):
        blank.create_pipe("kgmine_combiner", config={"prefer": "random"})


def test_linker_marks_values_of_other_things(parsed_nlp):
    nlp = parsed_nlp
    if "kgmine_gazetteer" not in nlp.pipe_names:
        nlp.add_pipe("kgmine_gazetteer").add_vocab({"colour": ["black", "red"], "material": ["leather"]})
        nlp.add_pipe("kgmine_combiner")
        nlp.add_pipe("kgmine_linker")
    doc = nlp("This backpack is made of black leather. It pairs well with our red umbrella.")
    links = {r["text"]: (r["linked"], r["head"]) for r in attributes(doc)}
    assert links["black"][0] == "product" and links["leather"][0] == "product"
    assert links["red"] == ("other", "umbrella")
    red = next(r for r in attributes(doc) if r["text"] == "red")
    assert red["confidence"] == pytest.approx(0.45)  # 0.9 * other_penalty 0.5
    title = nlp("Black Leather Backpack")
    assert {r["linked"] for r in attributes(title)} == {"product"}


def test_linker_is_a_no_op_without_a_parse(blank):
    nlp = spacy.blank("en")
    nlp.add_pipe("kgmine_gazetteer").add_vocab({"colour": ["black"]})
    nlp.add_pipe("kgmine_combiner")
    nlp.add_pipe("kgmine_linker")
    assert [r["linked"] for r in attributes(nlp("black"))] == [None]


def test_product_tokenizer_splits_glued_values(blank):
    assert [t.text for t in blank("12.5g/50mm Black/White G9(Gen8")] == \
        ["12.5g", "/", "50", "mm", "Black", "/", "White", "G9", "(", "Gen8"]


def test_dimensions_component_reads_marked_measurements():
    from kgmine.extract import dimensions  # noqa: F401

    nlp = customize_tokenizer(spacy.blank("en"))
    nlp.add_pipe("kgmine_dimensions", config={"labels": {"width": "Width"}})
    doc = nlp('Cart, 39"W x 17-7/8"D x 33-1/4"H, 24" wide top, Height: 30 cm, lure with 3D eyes')
    got = [(r["attribute"], r["value"], r["text"]) for r in candidates(doc)]
    assert ("Width", "99.1 cm", '39"') in got and ("Width", "61.0 cm", '24"') in got
    assert ("depth", "45.4 cm", '17-7/8"') in got and ("height", "84.5 cm", '33-1/4"') in got
    assert ("height", "30.0 cm", "30 cm") in got
    assert not any(t.startswith("3") and a == "depth" and v.startswith("7.6") for a, v, t in got)  # "3D eyes"
    for r in candidates(doc):
        assert doc.text[r["start"]:r["end"]] == r["text"]


def test_colour_families():
    from kgmine.extract.colours import colour_family, colour_vocab

    assert colour_family("Navy") == "blue" and colour_family("stainless steel") == "metallic"
    assert colour_family("plaid") is None
    nlp = spacy.blank("en")
    nlp.add_pipe("kgmine_gazetteer", config={"vocab": {"colour": colour_vocab()}})
    nlp.add_pipe("kgmine_combiner")
    doc = nlp("burgundy and off white")
    assert [(r["text"], r["value"]) for r in attributes(doc)] == [("burgundy", "red"), ("off white", "white")]


def test_linker_product_nouns_are_product_mentions(parsed_nlp):
    from kgmine.extract.linker import Linker

    nlp = parsed_nlp
    if "kgmine_gazetteer" not in nlp.pipe_names:
        nlp.add_pipe("kgmine_gazetteer").add_vocab({"colour": ["black", "red"], "material": ["leather"]})
        nlp.add_pipe("kgmine_combiner")
    with nlp.select_pipes(disable=[n for n in nlp.pipe_names if n == "kgmine_linker"]):
        doc = nlp("Great for travel. Our black backpacks are sturdy.")
    plain = Linker(nlp)
    told = Linker(nlp, product_nouns=["backpack"])
    black = next(r for r in attributes(doc) if r["text"] == "black")
    assert plain.link(doc, black, plain._mentions(doc, attributes(doc)), set())[0] == "other"
    assert told.link(doc, black, told._mentions(doc, attributes(doc)), set())[0] == "product"
