"""Brands without a brand list: marker rules per text, and brand induction over a whole catalog.

Per text (:func:`find_brand_mentions`): a capitalised name after ``by`` / ``from`` / ``brand:`` /
``manufacturer:`` / ``made by``, or before ``®`` / ``™``, is a brand candidate.

Over a catalog (:func:`induce_brands`): shops put the brand first in the title. A capitalised n-gram
(one to four tokens) that starts the titles of at least ``min_titles`` products, is written capitalised
wherever it occurs, and is not a generic attribute word (colour, material, size ...), is taken as a
brand; of the prefixes of one title the longest that keeps most of the shorter one's support is kept,
and company words carry it on ("Alder & Co" rather than "Alder" or "Alder & Co Black"). A prefix whose
titles mostly name another brand by a marker ("Rugged Leather Boot by Nord Lab") is not a brand. Brands
named by the marker rules anywhere in the catalog are added. Nothing here needs labels: it reads the texts it is given.

The induced brands go into the ``kgmine_gazetteer`` under ``brand`` (see
:mod:`kgmine.extract.open_extractor`), each with a confidence that grows with its evidence.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

from kgmine.extract.colours import COLOUR_FAMILIES
from kgmine.extract.lexicons import GENDER_AGE, PATTERNS, material_vocab

_WORD = r"[A-Z0-9][\w'’.]*(?:-[\w'’.]+)*"
_NAME = rf"{_WORD}(?:\s(?:&\s|and\s|of\s|de\s)?{_WORD}){{0,3}}"
_MARKED = re.compile(rf"(?:\b(?:[Bb]y|[Ff]rom|[Bb]rand\s*:|[Mm]anufacturer\s*:|[Mm]ade by|[Dd]esigned by)\s+)"
                     rf"(?P<name>{_NAME})|(?P<tm>{_WORD}(?:\s{_WORD}){{0,2}})\s?[®™]")
_TOKEN = re.compile(r"[\w'’&.-]+|[^\w\s]")

_GENERIC = frozenset(
    {w for fam in COLOUR_FAMILIES.values() for v in fam for w in v.split()} | set(COLOUR_FAMILIES)
    | {w for m, als in material_vocab().items() for v in [m, *als] for w in v.split()}
    | {w for p, als in PATTERNS.items() for v in [p, *als] for w in v.split()}
    | {w for g, als in GENDER_AGE.items() for v in [g, *als] for w in v.split()}
    | {"the", "a", "an", "new", "set", "pack", "pair", "kit", "lot", "size", "mini", "large", "small", "medium",
       "classic", "premium", "original", "genuine", "pro", "plus", "deluxe", "best", "top", "hot", "sale",
       "free", "shipping", "women", "men", "kids", "for", "with", "and", "in", "of", "on", "our", "this",
       "home", "kitchen", "office", "garden", "outdoor", "indoor", "gift", "card", "cards", "magazine", "book",
       "black", "white", "one", "two", "three", "four", "us", "uk", "eu", "usa", "amazon", "ebay", "store",
       "shop", "today", "now", "more", "all", "you", "your", "it", "is", "are", "be", "as", "at", "to", "or",
       "these", "those", "its", "his", "her", "their", "each", "every", "fits", "fit", "compatible", "replacement",
       "null", "none", "nan", "n/a", "unknown", "generic", "unbranded", "brand", "item", "product"})
#: words that continue a company name ("Alder & Co", "Kestrel Works", "Marlow Lab")
COMPANY_WORDS = frozenset({"&", "and", "co", "co.", "company", "inc", "inc.", "ltd", "ltd.", "llc", "gmbh", "corp",
                           "corp.", "corporation", "group", "lab", "labs", "works", "brands", "industries",
                           "international", "studio", "studios", "collective", "supply", "outfitters"})
_MONTHS = frozenset("january february march april may june july august september october november december "
                    "monday tuesday wednesday thursday friday saturday sunday".split())


def is_generic_word(word: str) -> bool:
    """Whether ``word`` is a generic product word (colour, material, size, audience, shop word ...), not a name."""
    return word.lower().strip(".,'’") in _GENERIC


def _is_name_token(tok: str) -> bool:
    return bool(tok) and (tok[0].isupper() or tok[0].isdigit() and any(c.isalpha() for c in tok)) \
        and tok.lower() not in _MONTHS


def clean_name(name: str) -> str | None:
    """The brand name of a matched phrase with generic trailing words dropped (``None`` if nothing is left)."""
    words = name.strip(" .,;:-'’").split()
    code = next((i for i, w in enumerate(words) if any(c.isdigit() for c in w) and i > 0), None)
    words = words[:code] if code is not None else words  # "Samsill SAM81270": the brand ends at a code
    while words and (words[-1].lower().strip(".,") in _GENERIC or words[-1] in ("&", "and", "of", "de")):
        words.pop()
    while words and words[0].lower() in _GENERIC:
        words.pop(0)
    if not words or all(w.lower() in _GENERIC for w in words) or words[0][0].isdigit():
        return None
    out = " ".join(words)
    return out if len(out) >= 2 else None


def find_brand_mentions(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, name)`` of brands named by a marker in ``text``."""
    out = []
    for m in _MARKED.finditer(text):
        group = "name" if m.group("name") else "tm"
        name = clean_name(m.group(group))
        if name is None:
            continue
        start = m.start(group) + m.group(group).find(name)
        out.append((start, start + len(name), name))
    return out


def _title_tokens(title: str) -> list[str]:
    return _TOKEN.findall(title)


def induce_brands(titles: Sequence[str], texts: Iterable[str] = (), *, min_titles: int = 2,
                  keep: float = 0.6, max_tokens: int = 4) -> dict[str, int]:
    """Brand names induced from a catalog: ``{name: evidence}`` (see module docstring).

    ``titles`` are the product titles; ``texts`` any further texts (descriptions) in which marker
    rules also name brands and in which lower-case uses of a candidate count against it.
    """
    prefixes: Counter = Counter()
    heads: list[list[str]] = []
    for title in titles:
        toks = _title_tokens(title or "")
        run: list[str] = []
        for tok in toks[:max_tokens]:
            if tok == "&" or tok.lower() in ("and", "of") and run:
                run.append(tok)
                continue
            if not _is_name_token(tok):
                break
            run.append(tok)
        while run and run[-1] in ("&", "and", "of"):
            run.pop()
        heads.append(run)
        for n in range(1, len(run) + 1):
            prefixes[" ".join(run[:n])] += 1
    marked: Counter = Counter()
    lower_uses: Counter = Counter()
    all_texts = list(titles) + list(texts)
    for text in all_texts:
        for _, _, name in find_brand_mentions(text or ""):
            marked[name] += 1
    candidates: Counter = Counter()
    conflicts: Counter = Counter()  # titles of a candidate that name another brand by a marker
    for title, run in zip(titles, heads):
        best, size = None, 0
        for n in range(1, len(run) + 1):
            name = " ".join(run[:n])
            if prefixes[name] < min_titles:
                break
            if best is None or prefixes[name] >= keep * prefixes[best]:
                best, size = name, n
        if best is None:
            continue
        while size < len(run) and run[size].lower() in COMPANY_WORDS:  # a company name goes on: "Alder & Co"
            size += 1
        name = clean_name(" ".join(run[:size]))
        if name is None:
            continue
        candidates[name] = max(candidates[name], prefixes[" ".join(run[:size])])
        if any(other != name for _, _, other in find_brand_mentions(title or "")):
            conflicts[name] += 1
    if candidates:
        words = {w.lower() for name in candidates for w in name.split()}
        for text in all_texts:
            for tok in re.findall(r"\b[a-z][\w'-]*\b", text or ""):
                if tok in words:
                    lower_uses[tok] += 1
    out: dict[str, int] = {}
    for name, count in candidates.items():
        first = name.split()[0].lower()
        if lower_uses[first] > 0.2 * count:  # an ordinary word that happens to start titles
            continue
        if conflicts[name] > 0.5 * count:  # "Rugged Leather Boot by Nord Lab": the title names its brand
            continue
        out[name] = count + marked.get(name, 0)
    for name, count in marked.items():
        if name not in out and count >= min_titles:
            out[name] = count
    return out


def brand_confidence(evidence: int) -> float:
    """Gazetteer confidence of an induced brand seen ``evidence`` times (0.6 at 2, towards 0.95)."""
    return round(min(0.95, 0.5 + 0.45 * (1.0 - 1.0 / (1.0 + 0.25 * max(0, evidence)))), 3)
