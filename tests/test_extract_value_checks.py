"""kgmine_value_checks: each check drops the implausible shape it names and keeps the plausible neighbour."""
from __future__ import annotations

import pytest
import spacy

from kgmine.extract import value_checks as vc
from kgmine.extract.doc import attributes, make_record
from kgmine.extract.open_extractor import build_open_pipeline


@pytest.fixture(scope="module")
def open_nlp():
    """The open pipeline without the span model (deterministic proposers only), one induced brand."""
    return build_open_pipeline(brands={"Angus": 3}, span_model=None, relations=False)


@pytest.fixture(scope="module")
def blank():
    return spacy.blank("en")


def _written(nlp, text, attribute=None):
    return sorted(r["text"] for r in attributes(nlp(text)) if attribute is None or r["attribute"] == attribute)


def _passes(check, doc, attribute, text, extractor="span_model", occurrence=0):
    start = -1
    for _ in range(occurrence + 1):
        start = doc.text.index(text, start + 1)
    record = make_record(attribute, text, text, start, start + len(text), extractor, 0.8)
    doc._.kgmine_candidates = [record]
    return check(doc, record)


@pytest.mark.parametrize("text", ["B00BXOFI1I", "B0189TCA7E"])
def test_catalog_item_ids_are_no_model_numbers(blank, text):
    assert not _passes(vc.shape, blank(f"ASIN: {text}"), "model_number", text)


@pytest.mark.parametrize("text", ["270-7273", "800-333-9566", "1.800.EAT.FISH", "1-800-4mom2be", "1-888-9FAMOUS"])
def test_phone_numbers_are_no_model_numbers(blank, text):
    assert not _passes(vc.shape, blank(f"Number {text} here"), "model_number", text)


@pytest.mark.parametrize("text", ["2019-12-25", "12-25-2019", "1948-1970s", "2013-The", "2014-COVER", "COVER-100",
                                  "1-The", "K-12"])
def test_dates_year_ranges_and_glued_titles_are_no_model_numbers(blank, text):
    assert not _passes(vc.shape, blank(f"Issue {text} here"), "model_number", text)


@pytest.mark.parametrize("text", ["GCH-2321A", "WH-1000XM4", "435952-B21", "314933-637", "DL380"])
def test_real_identifiers_keep_their_shape(blank, text):
    assert _passes(vc.shape, blank(f"Model {text} here"), "model_number", text)


def test_a_number_after_a_phone_word_or_area_code_is_a_phone_number(blank):
    doc = blank("Questions? Call toll free 363-6900 or (877) 270-7273. Part 435-9920 fits.")
    assert not _passes(vc.phone_context, doc, "model_number", "363-6900")
    assert not _passes(vc.phone_context, doc, "model_number", "270-7273")
    assert _passes(vc.phone_context, doc, "model_number", "435-9920")


def test_shipping_and_package_values_are_the_listings(open_nlp):
    text = "Product Dimensions:\n4 x 2.8 x 0.1 inches\nShipping Weight:\n0.8 ounces\nItem model number:\nGCH-2321A"
    assert _written(open_nlp, text, "weight") == []
    assert _written(open_nlp, text, "dimensions") == ["4 x 2.8 x 0.1 inches"]
    assert _written(open_nlp, text, "model_number") == ["GCH-2321A"]
    assert _written(open_nlp, "Package weight: 2 lbs; the lamp weighs 3 lbs in all", "weight") == ["3 lbs"]


def test_a_limit_is_no_measure(open_nlp):
    text = "Riders must weigh more than 100 pounds and less than 260 pounds. The kart weighs 90 kg."
    assert _written(open_nlp, text, "weight") == ["90 kg"]
    assert _written(open_nlp, "Supports cards up to 64GB; ships with a 32GB card.", "capacity") == ["32GB"]


def test_a_measure_has_a_number(blank):
    doc = blank("The ski magazine is great")
    assert not _passes(vc.shape, doc, "weight", "is g")
    assert _passes(vc.shape, blank("It weighs 2 lbs"), "weight", "2 lbs")


def test_a_size_range_is_what_a_store_sells(open_nlp):
    text = "Fashion for curvy women sizes 14-28 and sizes 12 to 28. This dress is size 16."
    assert _written(open_nlp, text, "size") == ["16"]
    assert _written(open_nlp, "Contents include what awaits us 1-The Birth of Heaven.", "size") == []
    assert _written(open_nlp, "Available in US 9 only.", "size") == ["US 9"]


def test_a_brand_is_no_cut_fragment_or_bare_title(blank):
    assert not _passes(vc.shape, blank("Mother & Baby covers pregnancy"), "brand", "Mother &")
    assert not _passes(vc.shape, blank("Dr. Oz The Good Life"), "brand", "Dr.")
    assert _passes(vc.shape, blank("Dr. Oz The Good Life"), "brand", "Dr. Oz")
    assert _passes(vc.shape, blank("Mother & Baby covers pregnancy"), "brand", "Mother & Baby")


def test_a_sentence_initial_verb_is_no_pattern(open_nlp):
    doc = open_nlp("Printed in French, the magazine covers fashion.")
    assert not _passes(vc.sentence_initial, doc, "pattern", "Printed")
    title = open_nlp("Printed cotton tote bag with a floral print")
    assert _passes(vc.sentence_initial, title, "pattern", "Printed")


def test_a_colour_word_inside_a_capitalised_name_is_no_colour(open_nlp):
    # before an induced brand; opening a named entity; next to a capitalised name word in prose
    assert _written(open_nlp, "Black Angus Gift Cards - E-mail Delivery", "colour") == []
    assert _written(open_nlp, "Redeem it at any Gap, Old Navy or Banana Republic store in the country.",
                    "colour") == []
    assert _written(open_nlp, "Red Robin Gourmet Burgers, Inc., is a casual dining restaurant chain.",
                    "colour") == []


def test_colour_words_that_are_colours_stay(open_nlp):
    assert _written(open_nlp, "Lord & Taylor White Gift Card", "colour") == ["White"]
    assert _written(open_nlp, "The bag is available in Black, White and Navy Blue for every season.",
                    "colour") == ["Black", "Navy Blue", "White"]
    # a shade modifier is no name word (whatever the small NER model makes of the phrase)
    doc = open_nlp("A soft wool scarf in Dark Navy with a matching hat for the cold days.")
    assert _passes(vc.capitalised_name, doc, "colour", "Navy")
    assert not _passes(vc.capitalised_name, open_nlp("A soft wool scarf from Old Navy with a matching hat for you."),
                       "colour", "Navy")


def test_a_title_line_is_no_prose_even_when_the_sentence_runs_on(open_nlp):
    # the title has no full stop, so the sentence splitter runs it on into the (lower-case) description;
    # the title line itself is capitalised throughout, and a colour next to a product word in it stays
    text = ("Kestrel Desk Lamp Black - KL2040\n\nThis lamp gives a warm light for reading and it fits on any desk "
            "in the house.")
    assert _written(open_nlp, text, "colour") == ["Black"]
    assert _written(open_nlp, "Marlow Ballpoint Pen Blue Ink, Dozen\n\nThe pen writes smoothly on any paper and "
                    "the ink dries fast.", "colour") == ["Blue"]
    # a name in the description's prose is still a name, also after a title line
    assert _written(open_nlp, "Gift Card\n\nRedeem it at any Gap, Old Navy or Banana Republic store in the country.",
                    "colour") == []
    assert _written(open_nlp, "Restaurant Gift Card\n\nRed Robin Gourmet Burgers, Inc., is a casual dining "
                    "restaurant chain.", "colour") == []


def test_a_capitalised_word_the_text_also_writes_in_lower_case_is_no_name_word(open_nlp):
    prose = "This printer takes the Black Pigment cartridge and the pigment lasts for many pages of print."
    assert _passes(vc.capitalised_name, open_nlp(prose), "colour", "Black")
    name = "This printer was bought at Black Pigment Works and it lasts for many pages of print."
    assert not _passes(vc.capitalised_name, open_nlp(name), "colour", "Black")


def test_plural_and_hyphenated_colour_words_are_no_colours(open_nlp):
    assert _written(open_nlp, "MAD Greens Gift Cards - E-mail Delivery", "colour") == []
    assert _written(open_nlp, "Black-eyed Pea Colorado Gift Cards - E-mail Delivery", "colour") == []
    assert _written(open_nlp, "A black-and-white photo print in red-orange tones.", "colour") == \
        ["black", "orange", "red", "white"]


def test_a_number_after_a_hash_is_a_rank(open_nlp):
    assert _written(open_nlp, "PC GAMER the #1 PC games magazine. Comes as a 2 pack.", "quantity") == ["2 pack"]


@pytest.mark.parametrize("text", ["T100s", "1970s"])
def test_plural_identifiers_name_a_kind_of_thing(blank, text):
    assert not _passes(vc.shape, blank(f"covers {text} and more"), "model_number", text)


def test_a_brand_ends_in_a_name_word(blank):
    assert not _passes(vc.shape, blank("Aimed at the kitchen trade"), "brand", "Aimed at")


def test_a_listed_brand_after_a_sentence_opening_name_word_is_its_tail(open_nlp):
    doc = open_nlp("Special issues like the Style issue. Vanity Fair sparks the global conversation. Buy Amazon cards.")
    assert not _passes(vc.longer_name, doc, "brand", "Fair", extractor="gazetteer")
    assert _passes(vc.longer_name, doc, "brand", "Amazon", extractor="gazetteer")


def test_a_sentence_opening_verb_or_a_place_is_no_material(open_nlp):
    doc = open_nlp("Create profiles to tutors in every subject.")
    assert not _passes(vc.sentence_initial, doc, "material", "Create")
    doc = open_nlp("Stores in Dallas, Arlington and Denton.")
    assert not _passes(vc.place_or_people, doc, "material", "Arlington")
    assert _passes(vc.place_or_people, doc, "material", "Arlington", extractor="gazetteer")


@pytest.mark.parametrize("text, word", [
    ("Women's Running Shoe", "Women"), ("This is a magazine for young men who love cars and music.", "men"),
    ("Gender: Female\nColour: Red", "Female"), ("kids backpack", "kids"),
    ("A light women's dress in cotton for the summer evenings.", "women"),
    ("Warm winter jackets for boys and girls, lined with fleece.", "boys"),
    ("Glamour gives women exactly what they need to transform their lives.", "women"),
    ("Its readers are men and women with varied interests from all industries.", "men and women")])
def test_an_audience_marker_is_the_products_gender(open_nlp, text, word):
    assert _passes(vc.audience, open_nlp(text), "gender", word, extractor="gazetteer")


@pytest.mark.parametrize("text, word", [
    ("The magazine tells stories about women who changed history.", "women"),
    ("The store sells fashion apparel and accessories for men, women and children.", "men"),
    ("The fashion authority for apparel, shoes and accessories in sizes newborn to 16.", "newborn"),
    ("Banana Republic brings a fresh twist on classic apparel to men and women around the world.", "men and women")])
def test_people_named_in_prose_are_no_audience(open_nlp, text, word):
    assert not _passes(vc.audience, open_nlp(text), "gender", word, extractor="gazetteer")


@pytest.mark.parametrize("text, word", [
    ("Ladies everywhere will know that a ring like this is a gift for life.", "Ladies"),
    ("Men and women are welcome at our stores across the country.", "Men and women")])
def test_a_subject_stays_an_audience(open_nlp, text, word):
    # a sentence subject names the audience as often as other people (the first is right, the second wrong):
    # the check leaves subjects alone rather than lose the first kind
    assert _passes(vc.audience, open_nlp(text), "gender", word, extractor="gazetteer")


def test_the_audience_check_only_drops(open_nlp):
    # end to end: the prose mention goes, the marker of the same text stays with its value unchanged
    text = "A running shoe for women. Stories about men who changed history are in the box."
    assert [(r["text"], r["value"]) for r in attributes(open_nlp(text)) if r["attribute"] == "gender"] == \
        [("women", "women")]


def test_a_possessive_colour_word_is_a_name(open_nlp):
    assert _written(open_nlp, "Gray's Sporting Journal is more than just a publication.", "colour") == []
    assert _written(open_nlp, "A gray wool scarf for the cold days.", "colour") == ["gray"]


def test_an_audience_modifier_of_a_for_object_stays(open_nlp):
    doc = open_nlp("A magazine created by girls, for girls ages 8-12. Winner of a 2011 NAPPA Gold award.")
    assert _passes(vc.audience, doc, "gender", "girls", extractor="gazetteer", occurrence=1)
    assert _passes(vc.audience, open_nlp("It covers fashion and beauty, womens health and pop culture."), "gender",
                   "womens", extractor="gazetteer")
