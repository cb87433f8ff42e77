"""Text normalisation and value normalisers (kgmine.extract.textnorm, kgmine.extract.values)."""
from __future__ import annotations

import pytest

from kgmine.extract.textnorm import normalize_key, pluralize, singularize, surface_variants
from kgmine.extract.values import (
    alnum,
    get_normaliser,
    length_cm,
    measurements,
    number,
    parse_number,
    unit_expansion,
    upc_manufacturer,
    weight_g,
    weight_kg,
)


@pytest.mark.parametrize("plural,singular", [("boxes", "box"), ("shelves", "shelf"), ("batteries", "battery"),
                                             ("t-shirts", "t-shirt"), ("glass", "glass"), ("series", "series"),
                                             ("knives", "knife"), ("women", "woman"), ("bags", "bag")])
def test_singularize(plural, singular):
    assert singularize(plural) == singular


def test_pluralize_round_trips_regular_nouns():
    for word in ("box", "bag", "battery", "shelf", "dress"):
        assert singularize(pluralize(word)) == word


def test_normalize_key_merges_case_punctuation_plural_and_spelling():
    assert normalize_key("Navy-Blue T-Shirts") == normalize_key("navy blue t shirt")
    assert normalize_key("Gray") == normalize_key("grey") == "grey"
    assert normalize_key("ＡＢＣ Co.") == normalize_key("abc co")  # NFKC full-width letters
    assert normalize_key("Black") != normalize_key("Blue")


def test_surface_variants_cover_hyphen_spelling_and_plural():
    forms = surface_variants("off-white")
    assert {"off-white", "off white", "offwhite"} <= set(forms)
    assert "gray" in surface_variants("grey")
    assert "sheet sets" in surface_variants("sheet set")
    assert surface_variants("  ") == []


@pytest.mark.parametrize("text,value", [("12", 12.0), ("1,500", 1500.0), ("47 1/4", 47.25), ("1-3/4", 1.75),
                                        ("3/4", 0.75), ("x", None)])
def test_parse_number(text, value):
    assert parse_number(text) == value


def test_measurements_take_the_larger_end_of_a_range():
    assert measurements('10-12"') == [(12.0, '"')]


def test_unit_conversions():
    assert length_cm('24"') == "61.0"
    assert length_cm("47 1/4w") == "120.0"
    assert length_cm("10 ft") == "304.8"
    assert length_cm("250 mm") == "25.0"
    assert weight_kg("20 lb") == "9.1"
    assert weight_g("12 oz") == "340"
    assert weight_g("6in") == "6in"  # not a mass: kept as written
    assert length_cm("no number") is None


def test_string_and_number_normalisers():
    assert alnum("435952-B21") == "435952B21"
    assert unit_expansion("600-GB") == "600 Gigabytes"
    assert unit_expansion("80W") == "80 Watts"
    assert number("10K") == "10000"
    assert number("15,000 rpm") == "15000"
    assert number("twelve") == "12"
    assert upc_manufacturer("UPC: 043100172086") == "43100"
    assert upc_manufacturer("12345") is None


def test_unknown_normaliser_is_named():
    with pytest.raises(ValueError, match="unknown value normaliser 'nope'"):
        get_normaliser("nope")
