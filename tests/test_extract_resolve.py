"""Entity resolution (kgmine.extract.resolve)."""
from __future__ import annotations

import pandas as pd
import pytest

from kgmine.extract.resolve import EntityResolver, resolve_extractions


def _frame(pairs):
    return pd.DataFrame(pairs, columns=["attribute", "value"])


def test_normalisation_merges_case_punctuation_plural_spelling():
    r = EntityResolver().fit({"colour": ["Grey", "grey", "gray", "GREY"], "product": ["T-Shirts", "t shirt"]})
    assert r.resolve("colour", "gray") == r.resolve("colour", "Grey") == r.resolve("colour", "GREY")
    assert r.resolve("product", "t shirt") == r.resolve("product", "T-Shirts")
    assert set(r.report_["rule"]) == {"normalize"}
    assert len(r.entities_[r.entities_["attribute"] == "colour"]) == 1


def test_most_frequent_spelling_becomes_canonical():
    r = EntityResolver().fit(_frame([("brand", "acme")] + [("brand", "ACME")] * 3))
    assert r.resolve("brand", "acme") == "ACME"
    assert r.report_.to_dict("records") == [{"attribute": "brand", "from": "acme", "to": "ACME", "score": 100.0,
                                             "rule": "normalize"}]


def test_alias_table_in_both_shapes():
    a = EntityResolver(aliases={"brand": {"HP": "Hewlett-Packard"}}).fit({"brand": ["HP", "Hewlett-Packard"]})
    b = EntityResolver(aliases={"brand": {"Hewlett-Packard": ["HP"]}}).fit({"brand": ["HP", "Hewlett-Packard"]})
    for r in (a, b):
        assert r.resolve("brand", "HP") == "Hewlett-Packard"
        assert "alias" in set(r.report_["rule"])
        assert r.entities_["canonical"].tolist() == ["Hewlett-Packard"]


def test_fuzzy_matching_merges_typos_but_not_different_numbers_or_other_attributes():
    vals = {"brand": ["Oakridge Works"] * 3 + ["Oakrdige Works", "Marlow Lab"],
            "size": ["UK 8", "UK 8", "UK 9"], "colour": ["Oakridge Works"]}
    r = EntityResolver(threshold=90).fit(vals)
    assert r.resolve("brand", "Oakrdige Works") == "Oakridge Works"
    assert r.resolve("brand", "Marlow Lab") == "Marlow Lab"
    assert r.resolve("size", "UK 9") == "UK 9"
    fuzzy = r.report_[r.report_["rule"] == "fuzzy"]
    assert fuzzy[["from", "to"]].values.tolist() == [["Oakrdige Works", "Oakridge Works"]]
    assert 90 <= fuzzy["score"].iloc[0] < 100
    assert r.entity_id("colour", "Oakridge Works") != r.entity_id("brand", "Oakridge Works")


def test_legal_suffixes_optional():
    vals = {"brand": ["Acme Inc.", "ACME", "Acme & Co"]}
    assert EntityResolver().fit(vals).resolve("brand", "Acme Inc.") == "Acme Inc."
    r = EntityResolver(strip_legal_suffixes=True).fit(vals)
    assert len({r.resolve("brand", v) for v in vals["brand"]}) == 1


def test_resolve_extractions_collapses_duplicates_keeping_best_confidence():
    ext = pd.DataFrame({"product_id": ["p1", "p1", "p2", "p3"], "attribute": ["colour"] * 4,
                        "value": ["gray", "grey", "Gray", "grey"], "confidence": [0.4, 0.9, 0.7, 0.5]})
    out, report, _ = resolve_extractions(ext)
    assert out[["product_id", "value", "confidence"]].values.tolist() == [
        ["p1", "grey", 0.9], ["p2", "grey", 0.7], ["p3", "grey", 0.5]]
    assert out["entity_id"].nunique() == 1
    assert len(report) == 2  # gray -> grey, Gray -> grey


def test_bad_parameters_and_unfitted_use():
    with pytest.raises(ValueError, match="threshold"):
        EntityResolver(threshold=0)
    with pytest.raises(RuntimeError, match="fit"):
        EntityResolver().transform(_frame([("a", "b")]))
    with pytest.raises(ValueError, match="'value'"):
        EntityResolver().fit(pd.DataFrame({"attribute": ["a"]}))
