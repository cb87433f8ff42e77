"""``kgmine_codes``: model, part and stock numbers recognised by their shape.

Identifiers in product text look alike across shops: a token of letters and digits (``WH-1000XM4``,
``435952-B21``, ``DL380``, ``YA24a``), often behind a marker (``Model:``, ``Part #``, ``MPN``, ``SKU``,
``Item No.``). A marked identifier is proposed with confidence 0.9; an unmarked one only when it has
both letters and digits (or digit groups joined by a hyphen), at least four characters, and is not a
quantity (``64GB``, ``500ml``, ``4K``: those are :mod:`kgmine.extract.measures`' job) nor a year, a
resolution or a standard name (``USB3``, ``DDR4``, ``1080p``) — with confidence 0.6 in a title and 0.45
elsewhere (0.5 / 0.35 for digits-only identifiers, which are as often item or UPC numbers), 0.1 more for
an identifier of eight characters or more and 0.1 less for one of five or fewer (short ones are more often
series names: ``DL385``). Tokens with a slash, a glued word (``36-Compartment``) or a product of numbers
(``1x4GB``) are not identifiers. The value is the identifier as written.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from spacy.language import Language
from spacy.tokens import Doc

from kgmine.extract.doc import add_candidates, make_record
from kgmine.extract.measures import find_measures

_MARKER = re.compile(
    r"\b(?:model|part|item|mfr|mfg|manufacturer|catalog|style|product|stock|ref|reference|article|art)"
    r"\.?\s*(?:no\.?|num(?:ber)?\.?|#|code|id)?\s*[:#]?\s*"
    r"|\b(?:mpn|sku|upc|ean|p/n|pn|asin)\s*[:#]?\s*", re.IGNORECASE)
_TOKEN = re.compile(r"(?<![\w/.-])(?P<id>[A-Za-z0-9](?:[A-Za-z0-9]|[-./](?=[A-Za-z0-9])){2,30})(?![\w-])")
_STANDARDS = re.compile(r"(?i)^(?:usb\d.*|ddr\d.*|gen\d+|\d{3,4}p|\d+k|mp\d|h\.?26\d|wi-?fi\d?|bluetooth\d.*|"
                        r"ip\d\d|[a-z]\d|\d[a-z]|covid-?19|rj-?\d+|\d+(?:st|nd|rd|th)|\d+s|pcie?\d.*|sata\d*.*|"
                        r"cr\d{4}|aaa?|[a-z]{1,2}\d{1,2}|\d{1,2}[a-z]{1,2})$")
_YEAR = re.compile(r"^(?:19|20)\d\d$")


_GLUED_WORD = re.compile(r"[a-z]{4,}|[A-Z][a-z]{3,}")  # "4/Carton", "36-Compartment": a count and a word
_TIMES = re.compile(r"\d[xX×]\d")  # "1x4GB", "3.5X3.5": a product of numbers


def _is_code(token: str) -> bool:
    if len(token) < 4 or _YEAR.match(token) or _STANDARDS.match(token) or "/" in token:
        return False
    if _GLUED_WORD.search(token) or _TIMES.search(token):
        return False
    letters = sum(ch.isalpha() for ch in token)
    digits = sum(ch.isdigit() for ch in token)
    if digits == 0:
        return False
    if letters == 0:  # digits only: an identifier when grouped with a hyphen ("314933-637")
        return bool(re.fullmatch(r"\d{3,}(?:-\d{2,})+", token))
    return not any(s == 0 and e == len(token) for s, e, *_ in find_measures(token))


def find_codes(text: str, title_end: int | None = None) -> list[tuple[int, int, float]]:
    """``(start, end, confidence)`` of identifier-shaped tokens in ``text`` (see module docstring)."""
    out: dict[tuple[int, int], float] = {}
    for m in _MARKER.finditer(text):
        t = _TOKEN.match(text, m.end())
        if t and any(ch.isdigit() for ch in t.group("id")) and len(t.group("id")) >= 3:
            out[(t.start("id"), t.end("id"))] = 0.9
    if any(ch.isdigit() for ch in text):
        for t in _TOKEN.finditer(text):
            key = (t.start("id"), t.end("id"))
            if key in out or not _is_code(t.group("id")):
                continue
            code = t.group("id")
            digits_only = not any(ch.isalpha() for ch in code)
            in_title = title_end is None or key[0] < title_end
            conf = (0.5 if in_title else 0.35) if digits_only else (0.6 if in_title else 0.45)
            # long identifiers are part numbers more often than short series names ("DL385", "MSA30")
            out[key] = round(conf + (0.1 if len(code) >= 8 else -0.1 if len(code) <= 5 else 0.0), 2)
    return [(s, e, c) for (s, e), c in sorted(out.items())]


class Codes:
    """Identifier-shape extractor (see module docstring). Parameters are the factory config."""

    def __init__(self, nlp: Language, name: str = "kgmine_codes", *, attribute: str = "model_number",
                 extractor: str = "codes") -> None:
        self.name = name
        self.attribute = attribute
        self.extractor = extractor

    def __call__(self, doc: Doc) -> Doc:
        """Append one candidate per identifier."""
        title_end = doc.text.find("\n\n")
        recs = [make_record(self.attribute, doc.text[s:e], doc.text[s:e], s, e, self.extractor, c)
                for s, e, c in find_codes(doc.text, title_end if title_end >= 0 else None)]
        add_candidates(doc, recs)
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterable[Doc]:
        """Process a stream of docs."""
        for doc in docs:
            yield self(doc)


@Language.factory("kgmine_codes", default_config={"attribute": "model_number", "extractor": "codes"})
def make_codes(nlp: Language, name: str, attribute: str, extractor: str) -> Codes:
    """Factory of :class:`Codes` (``nlp.add_pipe("kgmine_codes")``)."""
    return Codes(nlp, name, attribute=attribute, extractor=extractor)
