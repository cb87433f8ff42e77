"""``kgmine_value_checks``: the shape and context checks every attribute candidate must pass.

Runs after every proposer (gazetteer, brand rules, unit grammar, identifier shapes, the span model) and
before the combiner, on ``doc._.kgmine_candidates``. Each check is a small named predicate over one
candidate record (see :mod:`kgmine.extract.doc`) and the Doc; :data:`CHECKS` lists them in order. They
are written for any English catalog: none names a shop, a brand or a data set.

=======================  ====================================================================================
check                    drops
=======================  ====================================================================================
``shape``                an identifier without a digit, shorter than four characters, or that is a
                         quantity; a phone number (``800-333-9566``, ``270-7273``, ``1.800.EAT.FISH``); a
                         catalog's own item id (Amazon ASIN ``B0`` + 8); a date, year range or year / word
                         glued by a hyphen (``2019-12-25``, ``1948-1970s``, ``2014-COVER``, ``COVER-100``);
                         a plural (``T100s``); a measure without a number; a brand that starts with neither
                         a capital nor a digit, ends in a conjunction or a lower-case word ("Mother &",
                         "Aimed at") or is only a title ("Dr.")
``rank``                 a quantity or measure of a number after "#" ("the #1 PC games magazine")
``phone_context``        an identifier right after a phone word or a bracketed area code ("call ...",
                         "(877) 270-7273")
``listing_metadata``     a value of the listing, not the product: after "Shipping Weight", "Package
                         Dimensions" and the like
``bound``                a measure written as a limit ("more than 100 pounds", "up to 64GB"): a requirement
                         or what the product takes, not what it is
``size_range``           a size that opens a range ("sizes 14-28": what a store sells) and a size whose
                         system is a lower-case pronoun ("what awaits us 1")
``sentence_initial``     a one-word brand that is a sentence-initial verb, adjective or function word
                         ("Crafted from oak, ..."); a sentence-initial verb heading a clause as a colour /
                         material / pattern ("Printed in French, ...")
``place_or_people``      a brand that is exactly a nationality / place entity ("American", "Ohio"); a span-model
                         colour, material or pattern that is exactly a place or person entity ("Arlington")
``cut_name``             a span-model brand that cuts a capitalised name ("RUNNER" of "RUNNER'S WORLD",
                         "NATIONAL" of "NATIONAL GEOGRAPHIC")
``marker_span``          a marker-rule brand ("from X") that crosses a sentence end or is one of a
                         coordinated list ("from Fashion, Beauty and Jewelry advertisers")
``longer_name``          a list brand (gazetteer) right after another capitalised word of the same name
                         ("Fair" of "Vanity Fair", also when "Vanity" opens the sentence; "Gift Card" of
                         "Nordstrom Gift Card")
``inside_a_name``        a colour, material or pattern word inside (not ending) a brand candidate, or inside a person /
                         place name, or a two-three word organisation / work title ("Red" of "Red Robin",
                         "Brown" of "Jenny Brown")
``capitalised_name``     a capitalised colour, material or pattern word that is a word of a capitalised
                         name: right before a brand candidate ("Black" of "Black Angus" where "Angus" is a
                         brand), opening a named entity (within one line) whose next word is capitalised and
                         no product word ("Red Rock Brewing"), or, in a line of running prose (most words
                         lower case), next to a capitalised word that is neither a product word nor a
                         colour modifier ("Old Navy", "Red Robin Gourmet Burgers, Inc., is ..."; "available
                         in Black, White" and "Navy Blue" stay). Prose is judged per line: a title-cased
                         title the sentence splitter runs on into the description keeps its colours
                         ("Desk Lamp Black - KL2040"); a next word the text also writes in lower case is a
                         common noun, not a name word ("Black Pigment cartridge ... the pigment"); a colour
                         in the plural ("MAD Greens") or the first half of a hyphenated word ("Black-eyed");
                         a colour word written as a possessive ("Gray's": a name)
``known_audience``       a gender / age group that is not a word of the shipped lexicon
``audience``             a gender / age group word of running prose that names people, not the product's
                         audience: one of a list of three or more ("for men, women and children", "Men,
                         Women, Kids & Home": a store's departments), a size ("sizes newborn to 16"), or the
                         object of a preposition other than "for" / "aimed at" / "geared to" / "read by"
                         ("stories about women who ...", "brings apparel to men and women"). Titles, field
                         lists, possessives ("men's"), noun modifiers ("kids backpack"), subjects and objects
                         stay ("Ladies everywhere will love ...": a stricter rule halved WDC-PAVE gender recall)
=======================  ====================================================================================
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from spacy.language import Language
from spacy.tokens import Doc, Span

_NOT_NAMES = frozenset({"VERB", "ADJ", "ADV", "DET", "ADP", "PRON", "AUX", "CCONJ", "SCONJ", "PART", "NUM"})
#: NER labels of names that a colour/material word inside is part of, not a value
_NAME_ENTS = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC", "WORK_OF_ART"})
_PEOPLE_PLACES = frozenset({"PERSON", "GPE", "LOC"})
#: NER labels a brand is never exactly
_PLACE_ENTS = frozenset({"NORP", "GPE", "LOC"})
#: phone numbers: ten digits (with an optional country code 1), seven local digits (``270-7273``), toll-free
#: numbers spelt with letters (``1-800-I-FLY-SWA``, ``1.800.EAT.FISH``, ``1-800-4mom2be``)
_PHONE = re.compile(r"^(?:\+?1[-. ]?)?\(?\d{3}\)?[-. ]?\d{3}[-. ]?\d{4}$|^\d{3}[-.]\d{4}$"
                    r"|^(?:\+?1[-. ])?\(?8\d\d\)?[-. ][A-Za-z0-9][A-Za-z0-9.-]{3,}$")
#: a catalog's own item ids: Amazon Standard Identification Numbers (``B0`` and eight capitals or digits)
_CATALOG_ID = re.compile(r"^B0[0-9A-Z]{8}$")
_YEAR = r"(?:1[89]|20)\d\d"
#: dates, year ranges, a year or a number glued to a word by a hyphen (``2014-COVER``, ``1-The``, ``COVER-100``:
#: a title written without spaces), school grades (``K-12``), plurals (``T100s``, ``1970s``: a kind of thing)
_NOT_AN_ID = re.compile(
    rf"^{_YEAR}[-./]\d{{1,2}}[-./]\d{{1,2}}$|^\d{{1,2}}[-./]\d{{1,2}}[-./](?:{_YEAR}|\d\d)$"
    rf"|^{_YEAR}[-–](?:{_YEAR}|\d\d)'?s?$|^\d+-(?:[A-Z][a-z]+|[A-Z]{{3,}})$|^(?:[A-Z][a-z]+|[A-Z]{{5,}})-\d+$"
    rf"|^[Kk]-(?:[1-9]|1[0-2])$|^[A-Za-z-]*\d+s$")
#: a phone word or a bracketed area code right before an identifier
_PHONE_BEFORE = re.compile(r"(?i)(?:\b(?:call|phone|tel|telephone|fax|toll[- ]free|dial|text|contact(?:ing)? us at)\b"
                           r"[\s:.#-]*(?:at\s+)?|\(\d{3}\)\s?)$")
#: labels of the listing (the parcel, the shop page), not the product
_LISTING_LABEL = re.compile(r"(?i)\b(?:shipping|package|packaging|parcel|shipment|carton)\s+(?:weight|dimensions?|size)"
                            r"s?\s*[:=-]?\s*$")
#: a measure written as a limit
_BOUND = re.compile(r"(?i)\b(?:more|less|fewer|greater|heavier|lighter|larger|smaller)\s+than\s*$"
                    r"|\b(?:at\s+least|at\s+most|up\s+to|no\s+more\s+than|over|under|above|below|maximum|max\.?"
                    r"|minimum|min\.?|exceeding|exceeds?)\s*:?\s*$")
_MEASURES = frozenset({"weight", "volume", "capacity", "dimensions", "width", "depth", "height", "length", "diameter"})
#: a size range goes on after the first size ("14-28", "12 to 28")
_RANGE_ON = re.compile(r"^\s*(?:-|–|to|thru|through)\s*\d")
#: words that name a shade, not a name ("Dark Navy", "Royal Blue")
_COLOUR_MODIFIERS = frozenset({"dark", "light", "deep", "pale", "bright", "royal", "sky", "hot", "baby", "neon", "pastel",
                               "matte", "metallic", "midnight", "forest", "burnt", "dusty", "off", "heather", "soft"})
#: a brand is no conjunction-ended fragment or bare title
_CUT_BRAND_END = frozenset({"&", "and", "of", "the", "de", "for", "+"})
_TITLES = frozenset({"dr", "dr.", "mr", "mr.", "mrs", "mrs.", "ms", "ms.", "st", "st.", "prof", "prof.", "sir"})
_POSSESSIVE = {"'s", "’s", "'", "’"}
#: a field label right before an audience value ("Gender: Women", "Department - Kids")
_AUDIENCE_LABEL = re.compile(r"(?i)\b(?:gender|sex|department|dept\.?|age\s*group|age\s*range|target(?:ed)?\s+"
                             r"(?:audience|group)|suitable\s+for|audience|for)\s*[:=\-|]\s*$")
#: a size range right after the word ("newborn to 16", "toddler-5T")
_SIZE_ON = re.compile(r"^\s*(?:to|-|–|thru|through)\s*\d")
#: prepositions whose object is an audience: "for" after any head, the others only after these verbs
_AUDIENCE_PREPS = {"at": {"aim", "target", "direct", "gear", "market", "pitch"},
                   "to": {"gear", "cater", "tailor", "market", "dedicate", "devote", "target", "direct", "aim"},
                   "toward": {"gear", "aim", "target", "direct", "orient"},
                   "towards": {"gear", "aim", "target", "direct", "orient"},
                   "by": {"read", "wear", "use", "love", "enjoy", "favor", "favour", "prefer"}}


def _span(doc: Doc, record: dict) -> Span | None:
    return doc.char_span(record["start"], record["end"], alignment_mode="expand")


def shape(doc: Doc, record: dict) -> bool:
    """An identifier has a digit and at least four characters, is no quantity and no phone number; a brand
    starts with a capital letter or a digit and has a letter."""
    text = record["text"].strip()
    attribute = record["attribute"]
    if attribute == "model_number":
        from kgmine.extract.measures import find_measures

        return (len(text) >= 4 and any(c.isdigit() for c in text) and not _PHONE.match(text)
                and not _CATALOG_ID.match(text) and not _NOT_AN_ID.match(text)
                and not any(s == 0 and e == len(text) for s, e, *_ in find_measures(text)))
    if attribute == "brand":
        words = text.split()
        return (bool(text) and (text[0].isupper() or text[0].isdigit()) and any(c.isalpha() for c in text)
                and words[-1].lower() not in _CUT_BRAND_END and not all(w.lower() in _TITLES for w in words)
                and not (len(words) > 1 and words[-1].isalpha() and words[-1].islower()))
    if attribute in _MEASURES:
        return any(c.isdigit() for c in text)
    return True


def rank(doc: Doc, record: dict) -> bool:
    """A quantity or measure does not start at a number written after "#" (a rank: "the #1 PC games magazine")."""
    if record["attribute"] not in _MEASURES | {"quantity"}:
        return True
    return not doc.text[max(0, record["start"] - 2):record["start"]].rstrip().endswith("#")


def phone_context(doc: Doc, record: dict) -> bool:
    """An identifier is not a phone number: it does not follow "call", "phone", "fax" ... or a bracketed area
    code ("(877) 270-7273")."""
    if record["attribute"] != "model_number":
        return True
    return not _PHONE_BEFORE.search(doc.text[max(0, record["start"] - 30):record["start"]])


def listing_metadata(doc: Doc, record: dict) -> bool:
    """A value is not the listing's: it does not follow a shipping / package label on its line (or the line
    before, "Shipping Weight:\\n0.8 ounces")."""
    return not _LISTING_LABEL.search(doc.text[max(0, record["start"] - 40):record["start"]])


def bound(doc: Doc, record: dict) -> bool:
    """A measure is a value, not a limit ("more than 100 pounds", "up to 64GB", "max. 5 kg")."""
    if record["attribute"] not in _MEASURES:
        return True
    return not _BOUND.search(doc.text[max(0, record["start"] - 25):record["start"]])


def size_range(doc: Doc, record: dict) -> bool:
    """A size is one size: it does not open a range ("sizes 14-28", "sizes 12 to 28": what a store carries), and
    its system is not a lower-case pronoun ("what awaits us 1")."""
    if record["attribute"] != "size":
        return True
    if record["text"][:2] in {"us", "uk", "eu"}:
        return False
    return not _RANGE_ON.match(doc.text[record["end"]:record["end"] + 12])


def sentence_initial(doc: Doc, record: dict) -> bool:
    """A brand is a name: one word capitalised only because it opens a sentence, and tagged as a verb,
    adjective or function word, is not ("Crafted from oak, ..."; "SEAPESCA" or "Fish King" stay). A colour,
    material or pattern word is no sentence-initial verb that heads a clause ("Printed in French, ...",
    "Create profiles ..."; "Printed cotton tote" stays)."""
    attribute = record["attribute"]
    if attribute not in {"brand", "colour", "material", "pattern"} or not doc.has_annotation("POS"):
        return True
    span = _span(doc, record)
    if span is None or len(span) != 1 or span.text.isupper():
        return True
    token = span[0]
    if attribute != "brand":  # "Printed in French, ...": a verb opening a sentence is an action, no value
        return not (token.is_sent_start and token.pos_ == "VERB" and token.dep_ not in {"amod", "compound", "nmod"})
    return not (token.is_sent_start and token.pos_ in _NOT_NAMES)


def place_or_people(doc: Doc, record: dict) -> bool:
    """A brand is not exactly a nationality, religious/political group or place entity; a span-model colour,
    material or pattern is not exactly a place or person entity."""
    attribute = record["attribute"]
    if attribute not in {"brand", "colour", "material", "pattern"} or not doc.has_annotation("ENT_IOB"):
        return True
    span = _span(doc, record)
    if span is None:
        return True
    if attribute != "brand":  # an open span-model value is no place or person ("Arlington"); the small NER
        if record["extractor"] != "span_model":  # also calls lexicon colours places ("in Black, White")
            return True
        return not any(e.label_ in _PLACE_ENTS | {"PERSON"} and e.start == span.start and e.end == span.end
                       for e in doc.ents)
    return not any(e.label_ in _PLACE_ENTS and e.start <= span.start and span.end <= e.end for e in doc.ents)


def cut_name(doc: Doc, record: dict) -> bool:
    """A span-model brand ends where the name ends: not before a possessive followed by a capitalised word
    ("RUNNER'S WORLD"), and an all-capitals span is not a piece of a longer all-capitals run."""
    if record["attribute"] != "brand" or record["extractor"] != "span_model":
        return True
    span = _span(doc, record)
    if span is None:
        return True
    after = doc[span.end:span.end + 2]
    if len(after) == 2 and after[0].text in _POSSESSIVE and after[1].text[:1].isupper():
        return False
    if span.text.isupper():
        neighbours = [doc[i] for i in (span.start - 1, span.end) if 0 <= i < len(doc)]
        return not any(t.is_alpha and t.is_upper and len(t) > 1 for t in neighbours)
    return True


def marker_span(doc: Doc, record: dict) -> bool:
    """A marker-rule brand stays inside one sentence and is not one of a coordinated list."""
    if record["attribute"] != "brand" or record["extractor"] != "brand_rules":
        return True
    span = _span(doc, record)
    if span is None:
        return True
    if any(t.text in {".", "!", "?"} for t in span[:-1]):
        return False
    if not doc.has_annotation("DEP"):
        return True
    root = span.root
    return not (root.dep_ == "conj" or any(c.dep_ == "conj" for c in root.children))


def longer_name(doc: Doc, record: dict) -> bool:
    """A brand matched from a list is not the tail of a longer capitalised name: the word before it is not
    a capitalised word in the middle of a sentence, or one opening it that the NER puts in the same name (a
    generic word such as "New" or "Women's" may be)."""
    if record["attribute"] != "brand" or not record["extractor"].startswith("gazetteer"):
        return True
    span = _span(doc, record)
    if span is None or span.start == 0:
        return True
    before = doc[span.start - 1]
    from kgmine.extract.brands import is_generic_word

    # a sentence-opening word continues the name only when the NER reads both as one ("Vanity Fair sparks ...";
    # "Buy Nike shoes" stays)
    opens_sentence = before.is_sent_start and not (doc.has_annotation("ENT_IOB") and any(
        e.label_ in _NAME_ENTS and e.start <= before.i and span.end <= e.end for e in doc.ents))
    return not (before.is_alpha and before.text[:1].isupper() and not opens_sentence
                and not is_generic_word(before.text))


def inside_a_name(doc: Doc, record: dict) -> bool:
    """A colour, material or pattern word is not a piece of a brand candidate that goes on after it ("Red"
    of "Red Robin"; "Silicone" ending the too-long candidate "Voltix Silicone" stays) or of a person /
    organisation / place name of two or more words."""
    if record["attribute"] not in {"colour", "material", "pattern"}:
        return True
    start, end = record["start"], record["end"]
    for other in doc._.kgmine_candidates or ():
        if other["attribute"] == "brand" and other["start"] <= start and end < other["end"]:
            return False
    if not doc.has_annotation("ENT_IOB"):
        return True
    return not any(_is_short_name(e) and e.start_char <= start and end <= e.end_char for e in doc.ents)


def _is_short_name(ent: Span) -> bool:
    """A person or place name of two or more words, or an organisation / work title of two or three:
    a longer ORG is usually a whole product title the small NER model mistook for a name."""
    if ent.label_ in _PEOPLE_PLACES:
        return len(ent) > 1
    return ent.label_ in _NAME_ENTS and 1 < len(ent) <= 3


def capitalised_name(doc: Doc, record: dict) -> bool:
    """A capitalised colour, material or pattern word is not a word of a capitalised name: it is not right
    before a brand candidate ("Black" + brand "Angus"), does not open a named entity whose next word is a
    capitalised non-product word ("Red Rock Brewing"), and in running prose is not next to a capitalised word
    that is neither a product word nor a shade modifier ("Old Navy"; "in Black, White" and "Navy Blue" stay).
    Prose is judged on the colour's line (:func:`_line_of`), and a next word the text also writes in lower case
    is a common noun (:func:`_common_here`), not a name word."""
    if record["attribute"] not in {"colour", "material", "pattern"}:
        return True
    if not _colour_word(doc, record):
        return False
    if not record["text"][:1].isupper():
        return True
    span = _span(doc, record)
    if span is None:
        return True
    after = doc[span.end] if span.end < len(doc) else None
    if after is not None and any(o["attribute"] == "brand" and o["start"] == after.idx
                                 for o in doc._.kgmine_candidates or ()):
        return False
    if after is not None and _is_name_word(after):
        if doc.has_annotation("ENT_IOB") and any(
                e.label_ in _NAME_ENTS and e.start == span.start and e.end > span.end and not _crosses_line(e)
                for e in doc.ents) and not _common_here(after):
            return False
    if not _is_prose(_line_of(span)):
        return True
    before = doc[span.start - 1] if span.start > 0 else None
    return not ((before is not None and _is_name_word(before))
                or (after is not None and _is_name_word(after) and not _common_here(after)))


def _colour_word(doc: Doc, record: dict) -> bool:
    """A colour is not written in the plural (a noun: "MAD Greens", "blues magazine") or as a possessive (a
    name: "Gray's Sporting Journal"), and is not the first half of a hyphenated word ("Black-eyed", "blue-collar"; "black-and-white" and "red-orange" stay)."""
    if record["attribute"] != "colour":
        return True
    from kgmine.extract.brands import is_generic_word

    text = record["text"]
    if text.lower().endswith("s") and record["value"].lower() != text.lower() and not record["value"].lower().endswith("s"):
        return False
    if re.match(r"['’]s\b", doc.text[record["end"]:record["end"] + 3]):  # "Gray's Sporting Journal": a name
        return False
    m = re.match(r"-([A-Za-z]+)", doc.text[record["end"]:record["end"] + 20])
    return not (m and not is_generic_word(m.group(1)) and m.group(1).lower() not in {"and", "or", "n"})


def _is_name_word(token) -> bool:
    """A capitalised word that is no generic product word (colour, material, "Gift", "Card" ...) or shade."""
    from kgmine.extract.brands import is_generic_word

    return (token.is_alpha and token.text[:1].isupper() and not is_generic_word(token.text)
            and token.lower_ not in _COLOUR_MODIFIERS)


def _line_of(span: Span) -> Span:
    """The span's sentence cut to its line: a title, a field list or a ``|``-separated part of the text is its
    own line even where the sentence splitter runs it on into the description."""
    doc = span.doc
    sent = span.sent if doc.has_annotation("SENT_START") else doc[:]
    start = span.start
    while start > sent.start and not _breaks_line(doc[start - 1]):
        start -= 1
    end = span.end
    while end < sent.end and not _breaks_line(doc[end]):
        end += 1
    return doc[start:end]


def _breaks_line(token) -> bool:
    return "\n" in token.text_with_ws or token.text == "|"


def _common_here(token) -> bool:
    """The text also writes the word in lower case ("Black Ink Tank ... the ink dries"): a common noun the
    colour modifies, not a word of a name."""
    return any(t.text == token.lower_ for t in token.doc if t.i != token.i)


def _crosses_line(span: Span) -> bool:
    return any(_breaks_line(t) for t in span[:-1])


def _is_prose(span: Span) -> bool:
    """Running text: most of its words start with a lower-case letter (a title is capitalised throughout)."""
    words = [t for t in span if t.is_alpha]
    return len(words) >= 4 and sum(t.text[0].islower() for t in words) * 2 >= len(words)


def known_audience(doc: Doc, record: dict) -> bool:
    """A gender / age group value is a word of the shipped lexicon (the span model proposes open spans)."""
    if record["attribute"] != "gender":
        return True
    return record["text"].strip().lower() in _audience_words()


def _audience_words() -> frozenset[str]:
    from kgmine.extract.lexicons import GENDER_AGE

    global _AUDIENCE
    if _AUDIENCE is None:
        _AUDIENCE = frozenset(w.lower() for k, v in GENDER_AGE.items() for w in (k, *v))
    return _AUDIENCE


_AUDIENCE: frozenset[str] | None = None


def audience(doc: Doc, record: dict) -> bool:
    """A gender / age group word of running prose is the product's audience, not people it names: it is
    no member of a list of three or more (a store's departments), no size ("sizes newborn to 16"), and it
    is not the object of a preposition that names no audience (:func:`_audience_role`). Without a parse, or
    outside prose, every value stays."""
    if record["attribute"] != "gender":
        return True
    span = _span(doc, record)
    if span is None:
        return True
    text = record["text"].strip().lower()
    before = doc.text[max(0, record["start"] - 30):record["start"]]
    possessive = text.endswith(("'s", "’s", "s'", "s’", "mens", "childrens")) or re.match(
        r"['’]", doc.text[record["end"]:record["end"] + 1])  # "men's", "womens health", "kids' ..."
    if text.startswith("for ") or text == "unisex" or possessive or _AUDIENCE_LABEL.search(before):
        return True
    if re.search(r"(?i)\bsizes?\s*$", before) or _SIZE_ON.match(doc.text[record["end"]:record["end"] + 8]):
        return False
    if not doc.has_annotation("DEP"):
        return True
    first = span.root
    while first.dep_ == "conj" and first.head.i != first.i:
        first = first.head
    if len([t for t in first.subtree if t.dep_ == "conj" and _in_list(t, first)]) >= 2:
        return False
    if not _is_prose(span.sent if doc.has_annotation("SENT_START") else doc[:]):
        return True
    return _audience_role(span.root, first)


def _in_list(token, first) -> bool:
    """``token`` is a conjunct of the coordination that ``first`` opens."""
    while token.dep_ == "conj" and token.i != first.i:
        token = token.head
    return token.i == first.i


def _audience_role(token, first) -> bool:
    """``token`` (a conjunct of ``first``) may mark an audience: anything but the object of a preposition that
    names no audience ("stories about women", "brings apparel to men and women"); "for" (and "aimed at",
    "geared to", "read by" ...) does. Subjects and objects stay: "Ladies everywhere will love this ring" names
    the audience as often as prose names people, and dropping them cost half the gender recall on WDC-PAVE."""
    if token.dep_ in {"compound", "amod", "nmod", "poss"} and token.head.i != token.i:
        # a noun's modifier ("kids backpack"); of a mis-tagged head, the head's role ("for girls ages 8-12")
        return token.head.pos_ in {"NOUN", "PROPN"} or _audience_role(token.head, token.head)
    if first.dep_ == "pobj":
        head = first.head
        return head.lower_ == "for" or head.head.lemma_.lower() in _AUDIENCE_PREPS.get(head.lower_, ())
    return True


CHECKS: tuple[Callable[[Doc, dict], bool], ...] = (
    shape, rank, phone_context, listing_metadata, bound, size_range, sentence_initial, place_or_people, cut_name,
    marker_span, longer_name, inside_a_name, capitalised_name, known_audience, audience)
"""The checks, in order (a candidate must pass all)."""


class ValueChecks:
    """``kgmine_value_checks``: keeps the candidates that pass every check of :data:`CHECKS`."""

    def __init__(self, nlp: Language, name: str = "kgmine_value_checks") -> None:
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        """Keep the plausible candidates."""
        if doc._.kgmine_candidates:
            doc._.kgmine_candidates = [r for r in doc._.kgmine_candidates if all(c(doc, r) for c in CHECKS)]
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterable[Doc]:
        """Process a stream of docs."""
        for doc in docs:
            yield self(doc)


@Language.factory("kgmine_value_checks")
def make_value_checks(nlp: Language, name: str) -> ValueChecks:
    """Factory of :class:`ValueChecks`."""
    return ValueChecks(nlp, name)
