"""The extraction driver (extract_products / extract_texts) and the demo-world acceptance check."""
from __future__ import annotations

import pandas as pd
import pytest

from kgmine.extract.pipeline import (
    PRODUCT_COLUMNS,
    TEXT_COLUMNS,
    build_pipeline,
    extract_products,
    extract_texts,
    pick_model,
    vocab_with_aliases,
)
from kgmine.extract.resolve import resolve_extractions

VOCAB = {"brand": ["Nordwick", "Alder Lab"], "colour": ["black", "grey", "navy"], "material": ["leather", "canvas"]}


@pytest.fixture(scope="module")
def nlp():
    return build_pipeline(VOCAB)


def test_pick_model_names_an_installed_pipeline():
    import spacy

    assert spacy.util.is_package(pick_model())


def test_extract_products_rows_offsets_and_aggregation(nlp):
    products = pd.DataFrame({
        "product_id": ["p1", "p2", "p3"],
        "title": ["Nordwick Black Leather Backpack", "Alder Lab canvas tote", None],
        "description": ["This backpack from Nordwick is made of black leather.", pd.NA, "Gray canvas."],
    })
    out = extract_products(products, nlp=nlp, progress=False)
    assert list(out.columns) == PRODUCT_COLUMNS
    # p1 mentions black/leather/Nordwick in both fields: one row per (product, attribute, value)
    assert not out.duplicated(["product_id", "attribute", "value"]).any()
    got = set(zip(out["product_id"], out["attribute"], out["value"]))
    assert got == {("p1", "brand", "Nordwick"), ("p1", "colour", "black"), ("p1", "material", "leather"),
                   ("p2", "brand", "Alder Lab"), ("p2", "material", "canvas"),
                   ("p3", "colour", "grey"), ("p3", "material", "canvas")}
    texts = {("p1", "title"): products.loc[0, "title"], ("p1", "description"): products.loc[0, "description"],
             ("p2", "title"): products.loc[1, "title"], ("p3", "description"): products.loc[2, "description"]}
    for row in out.itertuples():
        assert texts[(row.product_id, row.field)][row.start:row.end] == row.text
        assert row.source_doc == f"{row.product_id}#{row.field}"
        assert row.extractor == "gazetteer" and 0 < row.confidence <= 1
    assert set(out["linked"]) <= {"product", "other"}


def test_extract_products_adds_vocab_to_a_given_pipeline_and_validates_input():
    nlp = build_pipeline(None, model="blank")
    out = extract_products(pd.DataFrame({"product_id": ["a"], "title": ["navy canvas"]}), {"colour": ["navy"]},
                           nlp=nlp, fields=("title",), progress=False)
    assert out[["attribute", "value"]].values.tolist() == [["colour", "navy"]]
    assert out["linked"].isna().all()  # blank pipeline: no parse, no linking
    with pytest.raises(ValueError, match="no column"):
        extract_products(pd.DataFrame({"product_id": ["a"]}), nlp=nlp, progress=False)
    with pytest.raises(ValueError, match="product_id"):
        extract_products(pd.DataFrame({"title": ["x"]}), nlp=nlp, progress=False)


def test_extract_products_multiprocess_gives_the_same_rows(nlp):
    products = pd.DataFrame({"product_id": [f"p{i}" for i in range(40)],
                             "title": [f"Nordwick {c} canvas bag" for c in ["black", "navy"] * 20],
                             "description": ["Made of leather."] * 40})
    one = extract_products(products, nlp=nlp, batch_size=8, progress=False)
    two = extract_products(products, nlp=nlp, batch_size=8, n_process=2, progress=False)
    pd.testing.assert_frame_equal(one, two)


def test_extract_texts_for_reviews(nlp):
    reviews = pd.DataFrame({"review_id": ["r1", "r2"], "text": ["Love the navy colour, Nordwick rocks", ""]})
    out = extract_texts(reviews, nlp=nlp, progress=False)
    assert list(out.columns) == TEXT_COLUMNS
    assert set(zip(out["doc_id"], out["attribute"], out["value"])) == {("r1", "colour", "navy"),
                                                                      ("r1", "brand", "Nordwick")}


def _f1(pred: set, gold: set) -> float:
    tp = len(pred & gold)
    return 2 * tp / (len(pred) + len(gold)) if pred or gold else 1.0


def test_demo_world_attributes_are_recovered(small_world):
    """Acceptance (issue 4): extracted colour and material F1 >= 0.90, brand accuracy >= 0.90 (planted truth)."""
    truth = small_world.truth["product_attributes"]
    vocab = vocab_with_aliases(small_world.truth["vocab"], {"colour": small_world.truth["colour_variants"]})
    out = extract_products(small_world.products, vocab, progress=False)
    out, _, _ = resolve_extractions(out, aliases={"colour": small_world.truth["colour_variants"]})
    for attribute in ("colour", "material"):
        pred = set(zip(out.loc[out["attribute"] == attribute, "product_id"],
                       out.loc[out["attribute"] == attribute, "value"]))
        gold = set(zip(truth["product_id"], truth[attribute]))
        assert _f1(pred, gold) >= 0.90, attribute
    brands = out[out["attribute"] == "brand"].sort_values("confidence", ascending=False)
    best = brands.drop_duplicates("product_id").set_index("product_id")["value"]
    accuracy = (truth.set_index("product_id")["brand"] == best.reindex(truth["product_id"]).values).mean()
    assert accuracy >= 0.90
