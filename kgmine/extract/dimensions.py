"""``kgmine_dimensions``: rule-based extractor of explicitly marked product dimensions.

Catalog text writes dimensions with markers: ``39"W x 17-7/8"D x 33-1/4"H``, ``24" wide``, ``48" long``,
``Height: 30 cm``. A measurement (number with optional fraction and length unit) followed by a marker
letter glued to it (``W``/``D``/``H``/``L``) or by a marker word, or preceded by a dimension word and a
colon, is proposed as a candidate of the
corresponding attribute (``width``, ``depth``, ``height``, ``length``, ``diameter`` — renamed with
``labels``). The value is the length in centimetres (``"99.1 cm"``; unit-less numbers are inches, the
catalog convention). Unmarked measurements (``24 x 36``) are left to the trained span model.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from spacy.language import Language
from spacy.tokens import Doc

from kgmine.extract.doc import add_candidates, make_record
from kgmine.extract.values import length_cm

_NUM = r"\d+(?:\.\d+)?(?:(?:\s+|-)\d+/\d+)?|\d+/\d+"
_UNIT = r"(?:\s*(?:\"|''|”|″|in\b\.?|inch(?:es)?\b|ft\b\.?|feet\b|'|cm\b|mm\b|m\b))?"
_MARK = {"w": "width", "wide": "width", "width": "width", "d": "depth", "deep": "depth", "depth": "depth",
         "front-to-back": "depth", "h": "height", "high": "height", "tall": "height", "height": "height",
         "l": "length", "long": "length", "length": "length", "dia": "diameter", "diameter": "diameter"}
# "39\"W", "47 1/4w": a marker letter glued to the measurement
_LETTER = re.compile(rf"(?<![\w.])(?P<m>(?:{_NUM}){_UNIT})(?P<k>W|D|H|L)(?![A-Za-z])", re.IGNORECASE)
# "24\" wide", "5-1/4\" maximum height" is not matched (a word in between); "30 in. deep"
_WORD = re.compile(rf"(?<![\w.])(?P<m>(?:{_NUM}){_UNIT})\s?(?P<k>wide|deep|high|tall|long|width|depth|height|length|"
                   rf"front-to-back|dia\.?|diameter)(?![A-Za-z])", re.IGNORECASE)
# "Height: 30 cm"
_BEFORE = re.compile(rf"(?P<k>width|depth|height|length|diameter)\s*[:=]\s*(?P<m>(?:{_NUM}){_UNIT})", re.IGNORECASE)


# cheap pre-checks: most texts hold no marked dimension at all
_QUICK_LETTER = re.compile(r"\d[\"'”″.a-z]{0,7}\s?[WDHLwdhl](?![A-Za-z])")
_WORDS = ("wide", "deep", "high", "tall", "long", "width", "depth", "height", "length", "front-to-back", "dia")
_HAS_UNIT = re.compile(r"[\"'”″a-z]\.?$", re.IGNORECASE)
_TIMES = re.compile(r"(?:^|[\s\d\"'”″])[xX×](?:$|[\s\d])")


def _in_dimension_list(text: str, m: re.Match) -> bool:
    return bool(_TIMES.search(text[max(0, m.start() - 10):m.start()]) or _TIMES.search(text[m.end():m.end() + 6]))


class Dimensions:
    """Marked-dimension extractor (see module docstring). Parameters are the factory config."""

    def __init__(self, nlp: Language, name: str = "kgmine_dimensions", *, labels: dict[str, str] | None = None,
                 extractor: str = "dimensions", confidence: float = 0.9) -> None:
        self.name = name
        self.labels = {k: v for k, v in (labels or {}).items()}
        self.extractor = extractor
        self.confidence = float(confidence)

    def find(self, text: str) -> list[tuple[int, int, str, str]]:
        """``(start, end, attribute, value)`` of the marked measurements in ``text``."""
        out: list[tuple[int, int, str, str]] = []
        low = text.lower()
        regexes = [_LETTER] if _QUICK_LETTER.search(text) else []
        if any(w in low for w in _WORDS):
            regexes += [_WORD, _BEFORE]
        for rx in regexes:
            for m in rx.finditer(text):
                kind = m.group("k").lower().rstrip(".")
                measure = m.group("m")
                if len(kind) == 1 and not _HAS_UNIT.search(measure) and not _in_dimension_list(text, m):
                    continue  # "3D eyes": a glued letter without a unit only counts inside "a x b x c"
                attribute = _MARK.get(kind)
                cm = length_cm(measure)
                if attribute is None or cm is None:
                    continue
                attribute = self.labels.get(attribute, attribute)
                out.append((m.start("m"), m.end("m"), attribute, f"{cm} cm"))
        return out

    def __call__(self, doc: Doc) -> Doc:
        """Append one candidate per marked measurement."""
        recs = [make_record(a, v, doc.text[s:e], s, e, self.extractor, self.confidence)
                for s, e, a, v in self.find(doc.text)]
        add_candidates(doc, recs)
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterable[Doc]:
        """Process a stream of docs."""
        for doc in docs:
            yield self(doc)


@Language.factory("kgmine_dimensions",
                  default_config={"labels": None, "extractor": "dimensions", "confidence": 0.9})
def make_dimensions(nlp: Language, name: str, labels: dict | None, extractor: str, confidence: float) -> Dimensions:
    """Factory of :class:`Dimensions` (``nlp.add_pipe("kgmine_dimensions")``)."""
    return Dimensions(nlp, name, labels=labels, extractor=extractor, confidence=confidence)
