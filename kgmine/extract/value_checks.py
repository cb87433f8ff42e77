"""``kgmine_value_checks``: the shape and context checks every attribute candidate must pass.

Runs after every proposer (gazetteer, brand rules, unit grammar, identifier shapes, the span model) and
before the combiner, on ``doc._.kgmine_candidates``. Each check is a small named predicate over one
candidate record (see :mod:`kgmine.extract.doc`) and the Doc; :data:`CHECKS` lists them in order. They
are written for any English catalog: none names a shop, a brand or a data set.

=======================  ====================================================================================
check                    drops
=======================  ====================================================================================
``shape``                an identifier without a digit, shorter than four characters, or that is a
                         quantity; a phone number; a brand that starts with neither a capital nor a digit
``sentence_initial``     a one-word brand that is a sentence-initial verb, adjective or function word
                         ("Crafted from oak, ...")
``place_or_people``      a brand that is exactly a nationality / place entity ("American", "Ohio")
``cut_name``             a span-model brand that cuts a capitalised name ("RUNNER" of "RUNNER'S WORLD",
                         "NATIONAL" of "NATIONAL GEOGRAPHIC")
``marker_span``          a marker-rule brand ("from X") that crosses a sentence end or is one of a
                         coordinated list ("from Fashion, Beauty and Jewelry advertisers")
``longer_name``          a list brand (gazetteer) right after another capitalised word of the same name
                         ("Fair" of "Vanity Fair", "Gift Card" of "Nordstrom Gift Card")
``inside_a_name``        a colour, material or pattern word inside (not ending) a brand candidate, or inside a person /
                         place name, or a two-three word organisation / work title ("Red" of "Red Robin",
                         "Brown" of "Jenny Brown")
``known_audience``       a gender / age group that is not a word of the shipped lexicon
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
_PHONE = re.compile(r"^(?:\+?1[-. ]?)?\(?\d{3}\)?[-. ]?\d{3}[-. ]?\d{4}$|^(?:\+?1[-. ])?8\d\d[-. ][A-Z0-9][A-Z0-9-]{3,}$")
_POSSESSIVE = {"'s", "’s", "'", "’"}


def _span(doc: Doc, record: dict) -> Span | None:
    return doc.char_span(record["start"], record["end"], alignment_mode="expand")


def shape(doc: Doc, record: dict) -> bool:
    """An identifier has a digit and at least four characters, is no quantity and no phone number; a brand
    starts with a capital letter or a digit and has a letter."""
    text = record["text"].strip()
    if record["attribute"] == "model_number":
        from kgmine.extract.measures import find_measures

        return (len(text) >= 4 and any(c.isdigit() for c in text) and not _PHONE.match(text)
                and not any(s == 0 and e == len(text) for s, e, *_ in find_measures(text)))
    if record["attribute"] == "brand":
        return bool(text) and (text[0].isupper() or text[0].isdigit()) and any(c.isalpha() for c in text)
    return True


def sentence_initial(doc: Doc, record: dict) -> bool:
    """A brand is a name: one word capitalised only because it opens a sentence, and tagged as a verb,
    adjective or function word, is not ("Crafted from oak, ..."; "SEAPESCA" or "Fish King" stay)."""
    if record["attribute"] != "brand" or not doc.has_annotation("POS"):
        return True
    span = _span(doc, record)
    if span is None or len(span) != 1 or span.text.isupper():
        return True
    token = span[0]
    return not (token.is_sent_start and token.pos_ in _NOT_NAMES)


def place_or_people(doc: Doc, record: dict) -> bool:
    """A brand is not exactly a nationality, religious/political group or place entity."""
    if record["attribute"] != "brand" or not doc.has_annotation("ENT_IOB"):
        return True
    span = _span(doc, record)
    if span is None:
        return True
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
    a capitalised word in the middle of a sentence (a generic word such as "New" or "Women's" may be)."""
    if record["attribute"] != "brand" or not record["extractor"].startswith("gazetteer"):
        return True
    span = _span(doc, record)
    if span is None or span.start == 0:
        return True
    before = doc[span.start - 1]
    from kgmine.extract.brands import is_generic_word

    return not (before.is_alpha and before.text[:1].isupper() and not before.is_sent_start
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

CHECKS: tuple[Callable[[Doc, dict], bool], ...] = (
    shape, sentence_initial, place_or_people, cut_name, marker_span, longer_name, inside_a_name, known_audience)
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
