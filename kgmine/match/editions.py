"""Version, year and edition words of product titles, and whether two titles disagree on them.

Software offers of one product differ from offers of its neighbours mostly by a version ("office 2007"
vs "office 2010", "photoshop cs3" vs "cs4", "v2.0" vs "3") or an edition word ("pro" vs "standard",
"upgrade" vs full, "mac" vs "windows"). :func:`edition_features` turns those into pair features.
"""
from __future__ import annotations

import re

_JOIN_DOT = re.compile(r"(\d)\s+\.\s*(\d)")          # "2 .0" -> "2.0"
_V_PREFIX = re.compile(r"\b(?:v|ver|version)\s*\.?\s*(?=\d)")  # "v. 8", "v2", "version 3" -> the number
_NUMBER = re.compile(r"(?<![a-z0-9.])\d+(?:\.\d+)*(?![a-z0-9])")
_PREFIXED = re.compile(r"\b([a-z]{1,4})(\d{1,4})\b")  # "cs3" -> ("cs", "3"), "x3", "sp2"
_YEAR = re.compile(r"\b(19[89]\d|20[0-3]\d)\b")
_WORD = re.compile(r"[a-z]+")

EDITION_WORDS = {
    "pro": "professional", "professional": "professional", "prof": "professional",
    "standard": "standard", "std": "standard",
    "premium": "premium", "deluxe": "deluxe", "dlx": "deluxe", "home": "home", "basic": "basic",
    "ultimate": "ultimate", "enterprise": "enterprise", "business": "business", "server": "server",
    "academic": "academic", "education": "academic", "edu": "academic", "student": "academic",
    "students": "academic", "teacher": "academic", "upgrade": "upgrade", "upg": "upgrade", "upgr": "upgrade",
    "oem": "oem", "suite": "suite", "lite": "lite", "express": "express", "elements": "elements",
    "plus": "plus", "platinum": "platinum", "gold": "gold", "gaming": "gaming", "workgroup": "workgroup",
    "license": "license", "licence": "license", "subscription": "subscription", "renewal": "renewal",
    "family": "family", "small": "small business",
}
"""Edition word -> canonical edition (synonyms and abbreviations share one)."""

PLATFORMS = {"mac": "mac", "macintosh": "mac", "osx": "mac", "win": "windows", "windows": "windows",
             "linux": "linux"}
"""Platform word -> canonical platform."""

EDITION_FEATURES = ("version_conflict", "number_missing", "year_conflict", "prefixed_conflict",
                    "edition_conflict", "edition_missing", "platform_conflict")


def normalise_versions(text: str) -> str:
    """Lower-case ``text`` with version spellings unified: ``"v2 .0"`` -> ``"2.0"``, ``"v. 8"`` -> ``"8"``."""
    return _V_PREFIX.sub("", _JOIN_DOT.sub(r"\1.\2", text.lower()))


def _canon_number(n: str) -> str:
    while n.endswith(".0"):
        n = n[:-2]
    return n


def version_numbers(text: str) -> set[str]:
    """Stand-alone numbers of at most four digits before the point (versions, years, counts), trailing
    ``.0`` removed (``"2.0"`` == ``"2"``); long numbers (SKUs, part numbers) are left out."""
    out = set()
    for n in _NUMBER.findall(normalise_versions(text)):
        if len(n.split(".")[0]) <= 4:
            out.add(_canon_number(n))
    return out


def years(text: str) -> set[str]:
    """Years 1980-2039 mentioned in ``text``."""
    return set(_YEAR.findall(text.lower()))


def prefixed_versions(text: str) -> dict[str, set[str]]:
    """Letter-prefixed versions (``"cs3"`` -> ``{"cs": {"3"}}``, ``"x3"``, ``"sp2"``)."""
    out: dict[str, set[str]] = {}
    for prefix, number in _PREFIXED.findall(text.lower()):
        out.setdefault(prefix, set()).add(number)
    return out


def editions(text: str) -> set[str]:
    """Canonical edition words of ``text`` (``"pro"`` and ``"professional"`` are one)."""
    return {EDITION_WORDS[w] for w in _WORD.findall(text.lower()) if w in EDITION_WORDS}


def platforms(text: str) -> set[str]:
    """Canonical platforms named in ``text`` (mac, windows, linux)."""
    return {PLATFORMS[w] for w in _WORD.findall(text.lower()) if w in PLATFORMS}


def _conflict(a: set, b: set) -> float:
    """1 when each side has an item the other lacks, 0 when neither or one side does, -1 when a side is empty."""
    if not a or not b:
        return -1.0
    return float(bool(a - b) and bool(b - a))


def edition_features(left_title: str, right_title: str, left_text: str = "", right_text: str = "") -> list[float]:
    """Values of :data:`EDITION_FEATURES` for two titles (``*_text``: the whole records, where a number
    or edition missing from the other title may still be found).

    * ``version_conflict``: both titles carry version numbers and each has one the other lacks
      ("office 2007" vs "office 2010" -> 1; -1 when a title has none);
    * ``number_missing``: numbers of one title found nowhere in the other record;
    * ``year_conflict``: both name years, and different ones;
    * ``prefixed_conflict``: one letter prefix with different numbers ("cs3" vs "cs4");
    * ``edition_conflict`` / ``edition_missing``: the same for edition words ("pro" vs "standard");
    * ``platform_conflict``: one says mac, the other windows (and not both).
    """
    lt, rt = normalise_versions(left_title), normalise_versions(right_title)
    lx, rx = normalise_versions(left_text or left_title), normalise_versions(right_text or right_title)
    ln, rn = version_numbers(lt), version_numbers(rt)
    lxn, rxn = version_numbers(lx) | ln, version_numbers(rx) | rn
    missing = len(ln - rxn) + len(rn - lxn)
    ly, ry = years(lt), years(rt)
    year = float(bool(ly) and bool(ry) and not (ly & ry))
    lp, rp = prefixed_versions(lt), prefixed_versions(rt)
    prefixed = float(any(p in rp and not (lp[p] & rp[p]) for p in lp))
    le, re_ = editions(lt), editions(rt)
    lxe, rxe = editions(lx) | le, editions(rx) | re_
    edition_missing = len(le - rxe) + len(re_ - lxe)
    lpl, rpl = platforms(lx), platforms(rx)
    platform = float(bool(lpl) and bool(rpl) and not (lpl & rpl))
    return [_conflict(ln, rn), float(missing), year, prefixed, _conflict(le, re_), float(edition_missing), platform]
