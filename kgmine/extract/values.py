"""Value normalisers: turn an extracted surface string into the canonical value of its attribute.

A normaliser is a plain function ``str -> str | None`` registered under a name in
:data:`NORMALISERS` (``None`` means "this surface holds no usable value"). Attribute schemas name
their normaliser, e.g. dimensions -> ``length_cm``, part numbers -> ``alnum``. The operations follow
the normalisation types of the WDC-PAVE benchmark (Brinkmann et al., arXiv 2403.02130, Sec. 3):
string wrangling (``alnum``, ``upper``), unit expansion (``unit_expansion``), unit-of-measurement
conversion (``length_cm``, ``weight_kg``, ``weight_g``), numeric standardisation (``number``) and
substring extraction (``upc_manufacturer``). Name expansion and generalisation need learned
mappings and are not here (see :class:`kgmine.extract.attribute_model.AttributeExtractor`).
"""
from __future__ import annotations

import re
from collections.abc import Callable

from kgmine.extract.textnorm import nfkc

_WS = re.compile(r"\s+")

NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "hundred": 100, "dozen": 12, "single": 1, "pair": 2, "double": 2, "dual": 2, "triple": 3, "quad": 4,
}

# a number: "12", "1,500", "2.5", "47 1/4", "1-3/4", "3/4"
_NUM = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?:(?:\s+|-)\d+/\d+)?|\d+/\d+"
_NUM_RE = re.compile(_NUM)

# length units -> centimetres per unit
LENGTH_CM = {"mm": 0.1, "millimeter": 0.1, "millimetre": 0.1, "cm": 1.0, "centimeter": 1.0, "centimetre": 1.0,
             "m": 100.0, "meter": 100.0, "metre": 100.0, "in": 2.54, "inch": 2.54, '"': 2.54, "''": 2.54,
             "ft": 30.48, "foot": 30.48, "feet": 30.48, "'": 30.48, "yd": 91.44, "yard": 91.44}
# mass units -> grams per unit
MASS_G = {"g": 1.0, "gram": 1.0, "gr": 1.0, "kg": 1000.0, "kilogram": 1000.0, "mg": 0.001,
          "lb": 453.59237, "lbs": 453.59237, "pound": 453.59237, "#": 453.59237, "oz": 28.349523125,
          "ounce": 28.349523125}
_UNIT = (r"(?P<unit>mm|millimet(?:er|re)s?|cm|centimet(?:er|re)s?|met(?:er|re)s?|m(?![a-z])|inch(?:es)?|in(?![a-z])"
         r"|\"|''|”|″|ft|feet|foot|'|’|′|yards?|yd|kilograms?|kg|grams?|gr?(?![a-z])|mg|lbs?|pounds?|#|oz|ounces?)")
_MEASURE = re.compile(rf"(?P<num>{_NUM})(?:\s*(?:-|to)\s*(?P<num2>{_NUM}))?\s*{_UNIT}?", re.IGNORECASE)
_UNIT_CANON = {"”": '"', "″": '"', "’": "'", "′": "'"}

#: a word that only names a unit, a size system or a count (``cm``, ``ml``, ``uk``, ``pcs``, ``12``)
_UNIT_WORD = re.compile(
    r"(?:\d+(?:[.,]\d+)?|mm|cm|m|km|millimet(?:er|re)s?|centimet(?:er|re)s?|met(?:er|re)s?|inch(?:es)?|in|ft|feet|foot"
    r"|yards?|yd|kg|kgs|g|gr|mg|grams?|kilograms?|lbs?|pounds?|oz|ounces?|ml|cl|l|lit(?:er|re)s?|millilit(?:er|re)s?"
    r"|fl|gal|gallons?|qt|quarts?|tb|gb|mb|kb|mah|wh|w|kw|v|volts?|watts?|pcs?|pieces?|pack|pk|ct|count"
    r"|uk|eu|us|xs|xl|xxl|s|l|size)", re.IGNORECASE)


def is_unit_word(word: str) -> bool:
    """True when ``word`` only names a unit, a size system or a number: no use as a topic or cluster name."""
    return bool(_UNIT_WORD.fullmatch(word.strip()))


_EXPAND = {"tb": "Terabytes", "gb": "Gigabytes", "mb": "Megabytes", "kb": "Kilobytes", "w": "Watts",
           "k": "Kilobytes"}
_EXPAND_RE = re.compile(r"(?P<num>\d+(?:\.\d+)?)\s*-?\s*(?P<unit>tb|gb|mb|kb|k|w)(?![a-z])", re.IGNORECASE)


def parse_number(text: str) -> float | None:
    """The value of a number written as ``12``, ``1,500``, ``2.5``, ``47 1/4``, ``1-3/4`` or ``3/4``."""
    t = text.strip().replace(",", "")
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(?:(?:\s+|-)(\d+)/(\d+))?", t)
    if m:
        value = float(m.group(1))
        if m.group(2):
            den = float(m.group(3))
            value += float(m.group(2)) / den if den else 0.0
        return value
    m = re.fullmatch(r"(\d+)/(\d+)", t)
    if m and float(m.group(2)):
        return float(m.group(1)) / float(m.group(2))
    return None


def _fmt_int(x: float) -> str:
    return str(round(x))


def _unit_key(unit: str | None) -> str | None:
    if not unit:
        return None
    u = _UNIT_CANON.get(unit, unit).lower()
    if u.endswith("s") and u not in ("lbs",) and len(u) > 2:
        u = u[:-1]
    u = {"inche": "inch", "millimetre": "millimeter", "centimetre": "centimeter", "metre": "meter",
         "feet": "feet"}.get(u, u)
    return u


def measurements(text: str) -> list[tuple[float, str | None]]:
    """All (value, unit) pairs in ``text``; a range ``a-b`` yields its larger end."""
    out = []
    for m in _MEASURE.finditer(nfkc(text)):
        a = parse_number(m.group("num"))
        b = parse_number(m.group("num2")) if m.group("num2") else None
        if a is None:
            continue
        value = max(a, b) if b is not None else a
        out.append((value, _unit_key(m.group("unit"))))
    return out


def _convert(text: str, table: dict[str, float], default_unit: str | None) -> tuple[float, bool] | None:
    """First measurement of ``text`` converted with ``table``; (value, had_known_unit)."""
    for value, unit in measurements(text):
        if unit in table:
            return value * table[unit], True
        if unit is None and default_unit is not None:
            return value * table[default_unit], False
        if unit is not None and unit not in table:
            return None
    return None


def identity(text: str) -> str | None:
    """The surface with Unicode/whitespace normalised and outer punctuation stripped."""
    t = _WS.sub(" ", nfkc(text)).strip(" ,;:.()[]{}|/-")
    return t or None


def upper(text: str) -> str | None:
    """:func:`identity` in upper case (brand names in WDC-PAVE)."""
    t = identity(text)
    return t.upper() if t else None


def alnum(text: str) -> str | None:
    """Letters and digits only (part numbers: ``435952-B21`` -> ``435952B21``)."""
    t = re.sub(r"[^0-9A-Za-z]", "", nfkc(text))
    return t or None


def number(text: str) -> str | None:
    """A single integer-or-decimal number: ``10K`` -> ``10000``, ``15,000 rpm`` -> ``15000``, ``two`` -> ``2``."""
    t = nfkc(text).strip().lower()
    m = re.search(r"(\d+(?:\.\d+)?)\s*k(?![a-z])", t)
    if m:
        return _fmt_int(float(m.group(1)) * 1000)
    m = re.search(r"\d{1,3}(?:,\s?\d{3})+|\d+(?:\.\d+)?", t)
    if m:
        v = float(m.group(0).replace(",", "").replace(" ", ""))
        return _fmt_int(v) if v == int(v) else str(v)
    for word in re.findall(r"[a-z]+", t):
        if word in NUMBER_WORDS:
            return str(NUMBER_WORDS[word])
    return None


def unit_expansion(text: str) -> str | None:
    """Abbreviated storage/power units spelled out: ``600-GB`` -> ``600 Gigabytes``, ``80W`` -> ``80 Watts``."""
    m = _EXPAND_RE.search(nfkc(text))
    if not m:
        return None
    return f"{m.group('num')} {_EXPAND[m.group('unit').lower()]}"


def length_cm(text: str) -> str | None:
    """A length in centimetres with one decimal (``24"`` -> ``61.0``); no unit means inches; ranges take the max."""
    r = _convert(text, LENGTH_CM, default_unit="inch")
    return f"{round(r[0], 1):.1f}" if r else None


def weight_kg(text: str) -> str | None:
    """A mass in kilograms with one decimal (``20 lb`` -> ``9.1``); no unit means pounds."""
    r = _convert(text, MASS_G, default_unit="lb")
    return f"{round(r[0] / 1000.0, 1):.1f}" if r else None


def weight_g(text: str) -> str | None:
    """A mass in whole grams (``12 oz`` -> ``340``); a surface in another unit (``6in``) is kept as written."""
    r = _convert(text, MASS_G, default_unit=None)
    if r:
        return _fmt_int(r[0])
    return alnum(text) if measurements(text) else None


def upc_manufacturer(text: str) -> str | None:
    """The manufacturer code of a 12-digit UPC-A: digits 2 to 6 (``043100172086`` -> ``43100``)."""
    digits = re.sub(r"\D", "", text)
    return digits[1:6] if len(digits) >= 11 else None


NORMALISERS: dict[str, Callable[[str], str | None]] = {
    "identity": identity, "upper": upper, "alnum": alnum, "number": number, "unit_expansion": unit_expansion,
    "length_cm": length_cm, "weight_kg": weight_kg, "weight_g": weight_g, "upc_manufacturer": upc_manufacturer,
}


def get_normaliser(name: str) -> Callable[[str], str | None]:
    """The normaliser registered as ``name``; ValueError listing the known names otherwise."""
    try:
        return NORMALISERS[name]
    except KeyError:
        raise ValueError(f"unknown value normaliser {name!r}; known: {sorted(NORMALISERS)}") from None
