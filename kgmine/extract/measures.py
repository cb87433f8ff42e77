"""``kgmine_measures``: a unit grammar for sizes, dimensions, weights, volumes, capacities and pack sizes.

Product text writes quantities in a small number of shapes, whatever the catalog: a number, an optional
range or fraction, and a unit (``1.5 kg``, ``12 fl oz``, ``64GB``, ``24" x 36"``), or a count with a pack
word (``pack of 6``, ``4pcs/lot``, ``12-count``), or a size with its system (``size 42``, ``UK 9``,
``XL``). The grammar below proposes one candidate per such phrase with a normalised value:

==============  ==========================================  ======================
attribute       written as                                    value
==============  ==========================================  ======================
``dimensions``  ``120 x 60 x 75 cm``, ``24" x 36"``, ``40mm``   ``120 x 60 x 75 cm``, ``4 cm``
``weight``      ``1.5 kg``, ``12 oz``, ``2 lbs``               grams: ``1500 g``, ``340 g``
``volume``      ``500 ml``, ``1.5 L``, ``12 fl oz``, ``5 gal``  millilitres: ``500 ml``
``capacity``    ``64GB``, ``2 TB``, ``80W``, ``5000mAh``        ``64 GB``, ``80 W``
``quantity``    ``pack of 6``, ``6-pack``, ``4 pcs``, ``12 ct``  ``6``
``size``        ``size 42``, ``Size: M``, ``UK 9``, ``XL``      ``42``, ``M``, ``UK 9``, ``XL``
==============  ==========================================  ======================

Each number of a dimension list is also proposed by its position, in the retail order W x D x H (three
numbers; of two only the first, the width: the second is a depth, height or length by product), as
``width`` / ``depth`` / ``height`` with a lower confidence (``position``).
Lengths without a unit are not taken (a bare ``24 x 36`` could be anything); unit-less dimension lists
are taken when every part is a number and one unit follows the list. Marked dimensions (``24" W``,
``Height: 30 cm``) are the job of ``kgmine_dimensions``. The confidence of each shape is a fixed prior
(:data:`CONFIDENCE`); a trained model or the combiner decides between overlapping candidates.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from spacy.language import Language
from spacy.tokens import Doc

from kgmine.extract.doc import add_candidates, make_record
from kgmine.extract.values import LENGTH_CM, MASS_G, NUMBER_WORDS, parse_number

_N = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?(?:[ -]\d+/\d+)?|\d+/\d+"
_LEN_UNIT = (r"mm|millimet(?:er|re)s?|cm|centimet(?:er|re)s?|met(?:er|re)s?|m|inch(?:es)?|in\.?|\"|''|”|″"
             r"|ft\.?|feet|foot|'|yards?|yd")
_MASS_UNIT = r"kg|kgs|kilograms?|g|grams?|gr|mg|lbs?\.?|pounds?|oz\.?|ounces?"
_VOL_UNIT = r"ml|mL|millilit(?:er|re)s?|cl|l|L|lit(?:er|re)s?|fl\.?\s?oz\.?|fluid ounces?|gallons?|gal\.?|qt\.?|quarts?"
_CAP_UNIT = r"TB|GB|MB|KB|tb|gb|mb|mAh|mah|Wh|W|watts?|kW|V|volts?"
_END = r"(?![A-Za-z0-9])"
_START = r"(?<![A-Za-z0-9.,/])"

_DIMS = re.compile(rf"{_START}(?P<a>{_N})\s*(?P<ua>{_LEN_UNIT})?\s*[xX×*]\s*(?P<b>{_N})\s*(?P<ub>{_LEN_UNIT})?"
                   rf"(?:\s*[xX×*]\s*(?P<c>{_N}))?\s*(?P<u>{_LEN_UNIT}){_END}")
_LENGTH = re.compile(rf"{_START}(?P<a>{_N})\s?(?P<u>mm|cm|millimet(?:er|re)s?|centimet(?:er|re)s?|met(?:er|re)s?"
                     rf"|inch(?:es)?|\"|”|″|ft\.?|feet|foot){_END}")
_WEIGHT = re.compile(rf"{_START}(?P<a>{_N})\s?-?\s?(?P<u>{_MASS_UNIT}){_END}(?!\s?/)", re.IGNORECASE)
_VOLUME = re.compile(rf"{_START}(?P<a>{_N})\s?-?\s?(?P<u>{_VOL_UNIT}){_END}")
_CAPACITY = re.compile(rf"{_START}(?P<a>{_N})\s?-?\s?(?P<u>{_CAP_UNIT}){_END}")
_NUMWORD = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
_COUNT = rf"\d+|{_NUMWORD}"
_QUANTITY = re.compile(
    rf"(?:\b(?:pack|set|box|case|bag|bundle|lot|carton|roll|tube|pkg|package) of (?P<a>{_COUNT})\b"
    rf"|{_START}(?P<b>{_COUNT})[ -]?(?:pack|pk|pcs|pc|pieces?|piece|count|ct|sheets|pairs|rolls|cans|bottles|packs)"
    rf"(?:\s?/\s?(?:lot|set|pack|box|bag))?{_END}"
    rf"|{_START}(?P<c>\d+)\s?(?:/|per)\s?(?:pack|pk|box|bx|case|cs|bag|set){_END})",
    re.IGNORECASE)
_LETTER_SIZES = r"XXXXL|XXXL|XXL|XL|XS|XXS|[2-6]XL|S|M|L"
_SIZE = re.compile(
    rf"\bsize[sd]?\s*[:#]?\s*(?P<a>(?:UK|US|EU|EUR|IT|FR)\s?\d+(?:\.5)?|{_LETTER_SIZES}|\d+(?:\.5)?"
    rf"|one size|small|medium|large|extra large|x-large|xx-large|queen|king|twin|full|double|single)(?![A-Za-z0-9])"
    rf"|\b(?P<b>(?:UK|US|EU|EUR)\s?\d{{1,2}}(?:\.5)?)(?![A-Za-z0-9.])"
    rf"|(?<![A-Za-z0-9-])(?P<c>XXXXL|XXXL|XXL|XL|XS|XXS|[2-6]XL)(?![A-Za-z0-9-])"
    rf"|\b(?P<d>queen|king|twin|full|california king|super king)[ -]size\b"
    rf"|\b(?P<e>one size)\b",
    re.IGNORECASE)

_FOLLOWED_BY_UNIT = re.compile(rf"[.,]\d|\s?(?:{_LEN_UNIT}|{_MASS_UNIT}|{_VOL_UNIT}|{_CAP_UNIT}|litres?|liters?"
                               rf"|persons?|people|seats?|pcs|pieces?){_END}", re.IGNORECASE)

#: prior confidence of each shape (``length``: one unmarked length, a ``dimensions`` value; ``position``: a
#: width / depth / height read from its place in a dimension list)
CONFIDENCE: dict[str, float] = {"dimensions": 0.85, "length": 0.6, "position": 0.55, "weight": 0.85, "volume": 0.85,
                                "capacity": 0.8, "quantity": 0.8, "size": 0.8}

_VOLUME_ML = {"ml": 1.0, "millilit": 1.0, "cl": 10.0, "l": 1000.0, "lit": 1000.0, "floz": 29.5735,
              "fluidounce": 29.5735, "gallon": 3785.41, "gal": 3785.41, "qt": 946.353, "quart": 946.353}


def _fmt(x: float) -> str:
    if x >= 10:
        return str(round(x))
    return f"{round(x, 1):g}"


def _length_key(unit: str) -> str:
    u = unit.lower().rstrip(".")
    u = {"”": '"', "″": '"', "''": '"'}.get(u, u)
    if u.startswith("millimet"):
        return "mm"
    if u.startswith("centimet"):
        return "cm"
    if u.startswith("met"):
        return "m"
    if u.startswith("inch") or u == "in":
        return "inch"
    return {"feet": "ft", "foot": "ft", "yards": "yd", "yard": "yd"}.get(u, u)


def to_cm(number: str, unit: str) -> float | None:
    """``number`` in ``unit`` as centimetres (``None`` if the number or unit is unknown)."""
    v = parse_number(number)
    factor = LENGTH_CM.get(_length_key(unit))
    return None if v is None or factor is None else v * factor


def grams(number: str, unit: str) -> float | None:
    """``number`` in mass ``unit`` as grams."""
    v = parse_number(number)
    u = unit.lower().rstrip(".")
    u = {"kgs": "kg", "kilograms": "kg", "kilogram": "kg", "grams": "g", "gram": "g", "pounds": "lb",
         "pound": "lb", "lbs": "lb", "ounces": "oz", "ounce": "oz"}.get(u, u)
    factor = MASS_G.get(u)
    return None if v is None or factor is None else v * factor


def millilitres(number: str, unit: str) -> float | None:
    """``number`` in volume ``unit`` as millilitres."""
    v = parse_number(number)
    u = re.sub(r"[\s.]", "", unit.lower())
    for key in sorted(_VOLUME_ML, key=len, reverse=True):
        if u.startswith(key):
            return None if v is None else v * _VOLUME_ML[key]
    return None


def _count(word: str) -> str | None:
    w = word.lower()
    if w.isdigit():
        return str(int(w)) if int(w) > 0 else None
    return str(NUMBER_WORDS[w]) if w in NUMBER_WORDS else None


def find_measures(text: str) -> list[tuple[int, int, str, str, str]]:
    """``(start, end, attribute, value, shape)`` of every quantity phrase in ``text`` (see module docstring);
    ``shape`` names its prior in :data:`CONFIDENCE`."""
    out: list[tuple[int, int, str, str, str]] = []
    if any(ch.isdigit() for ch in text):
        for m in _DIMS.finditer(text):
            unit = m.group("u")
            parts = [m.group("a"), m.group("b")] + ([m.group("c")] if m.group("c") else [])
            units = [m.group("ua") or unit, m.group("ub") or unit] + ([unit] if m.group("c") else [])
            cms = [to_cm(p, u) for p, u in zip(parts, units)]
            if all(c is not None for c in cms):
                out.append((m.start(), m.end(), "dimensions", " x ".join(_fmt(c) for c in cms) + " cm", "dimensions"))
                names = ("width", "depth", "height") if len(cms) == 3 else ("width",)
                for name, group, cm in zip(names, ("a", "b", "c"), cms):  # retail order: W x D x H
                    out.append((m.start(group), m.end(group), name, f"{_fmt(cm)} cm", "position"))
        for m in _LENGTH.finditer(text):
            cm = to_cm(m.group("a"), m.group("u"))
            if cm is not None:
                out.append((m.start(), m.end(), "dimensions", f"{_fmt(cm)} cm", "length"))
        for m in _WEIGHT.finditer(text):
            if re.match(r"\s*(?:fl|fluid)\b", text[m.start("u") - 4:m.start("u")], re.IGNORECASE):
                continue
            g = grams(m.group("a"), m.group("u"))
            if g is not None and g > 0:
                out.append((m.start(), m.end(), "weight", f"{_fmt(g)} g", "weight"))
        for m in _VOLUME.finditer(text):
            ml = millilitres(m.group("a"), m.group("u"))
            if ml is not None and ml > 0:
                out.append((m.start(), m.end(), "volume", f"{_fmt(ml)} ml", "volume"))
        for m in _CAPACITY.finditer(text):
            v = parse_number(m.group("a"))
            if v is None or v <= 0:
                continue
            unit = m.group("u")
            unit = {"watt": "W", "watts": "W", "volt": "V", "volts": "V", "mah": "mAh"}.get(unit.lower(), unit)
            unit = unit.upper() if unit.lower() in ("tb", "gb", "mb", "kb") else unit
            out.append((m.start(), m.end(), "capacity", f"{_fmt(v)} {unit}", "capacity"))
    for m in _QUANTITY.finditer(text):
        word = m.group("a") or m.group("b") or m.group("c")
        n = _count(word) if word else None
        if n is not None:
            out.append((m.start(), m.end(), "quantity", n, "quantity"))
    for m in _SIZE.finditer(text):
        name = next(g for g in ("a", "b", "c", "d", "e") if m.group(g))
        if name == "a" and _FOLLOWED_BY_UNIT.match(text, m.end(name)):
            continue  # "Size: 6.1 inch", "Size: 40 litre": a measure, not a size
        raw = re.sub(r"\s+", " ", m.group(name)).strip()
        if name in ("a", "b") and re.match(r"(?i)(uk|us|eur?|it|fr)\s?\d", raw):
            system, num = re.match(r"(?i)([a-z]+)\s?(.+)", raw).groups()
            value = f"{system.upper()} {num}"
        elif raw.upper() in _LETTER_SIZES.split("|") or re.fullmatch(r"[2-6]XL", raw.upper()):
            if name == "a" and len(raw) == 1 and raw.islower():
                continue  # "size s" is rare; "sizes m" more likely a typo of something else
            value = raw.upper()
        else:
            value = raw.lower()
        start, end = (m.start(name), m.end(name)) if name in ("a",) else (m.start(), m.end())
        if name == "d":
            start, end = m.start(name), m.end()
        out.append((start, end, "size", value, "size"))
    return out


class Measures:
    """Unit-grammar extractor (see module docstring). Parameters are the factory config."""

    def __init__(self, nlp: Language, name: str = "kgmine_measures", *, attributes: list[str] | None = None,
                 extractor: str = "measures", confidence: dict[str, float] | None = None) -> None:
        self.name = name
        self.attributes = set(attributes) if attributes else None
        self.extractor = extractor
        self.confidence = {**CONFIDENCE, **(confidence or {})}

    def __call__(self, doc: Doc) -> Doc:
        """Append one candidate per quantity phrase found in the doc's text."""
        recs = [make_record(a, v, doc.text[s:e], s, e, self.extractor, self.confidence.get(shape, 0.7))
                for s, e, a, v, shape in find_measures(doc.text)
                if self.attributes is None or a in self.attributes]
        add_candidates(doc, recs)
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterable[Doc]:
        """Process a stream of docs."""
        for doc in docs:
            yield self(doc)


@Language.factory("kgmine_measures", default_config={"attributes": None, "extractor": "measures",
                                                     "confidence": None})
def make_measures(nlp: Language, name: str, attributes: list[str] | None, extractor: str,
                  confidence: dict | None) -> Measures:
    """Factory of :class:`Measures` (``nlp.add_pipe("kgmine_measures")``)."""
    return Measures(nlp, name, attributes=attributes, extractor=extractor, confidence=confidence)
