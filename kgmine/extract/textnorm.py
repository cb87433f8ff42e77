"""Text normalisation shared by the gazetteer, the value normalisers and entity resolution.

Three jobs, all deterministic and dependency-free:

* :func:`normalize_key` — the comparison key of a surface string: Unicode NFKC, case-folded,
  punctuation turned into spaces (``&`` and ``+`` kept), whitespace collapsed, each word singularised.
  ``"Navy-Blue T-Shirts"`` and ``"navy blue t shirt"`` get the same key.
* :func:`singularize` / :func:`pluralize` — small English inflection rules (no lemmatizer needed).
* :func:`surface_variants` — the spellings a catalog value may take in running text: case is handled by
  the matcher, this adds hyphen/space/joined forms, British/American spellings (``grey``/``gray``,
  ``colour``/``color``, ``aluminium``/``aluminum``) and the plural of the last word.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# British <-> American (and other common) spelling pairs; both directions are generated.
SPELLING_PAIRS: tuple[tuple[str, str], ...] = (
    ("grey", "gray"), ("colour", "color"), ("aluminium", "aluminum"), ("jewellery", "jewelry"),
    ("centre", "center"), ("metre", "meter"), ("litre", "liter"), ("fibre", "fiber"),
    ("favourite", "favorite"), ("cosy", "cozy"), ("moustache", "mustache"), ("pyjamas", "pajamas"),
    ("tyre", "tire"), ("storey", "story"), ("harbour", "harbor"), ("organiser", "organizer"),
)
_SPELL = {a: b for a, b in SPELLING_PAIRS} | {b: a for a, b in SPELLING_PAIRS}

# Words whose singular and plural are the same or that must not be singularised.
_INVARIANT = frozenset({
    "series", "species", "glass", "gas", "dress", "canvas", "bus", "plus", "lens", "chassis", "news",
    "headphones", "earbuds", "scissors", "pants", "shorts", "jeans", "trousers", "leggings", "glasses",
    "sunglasses", "goggles", "tongs", "pliers", "binoculars", "clothes", "this", "is", "was", "has",
    "its", "us", "yes", "less", "mass", "boss", "brass", "grass", "cross", "moss", "chess", "loss",
    "stainless", "wireless", "cordless", "seamless", "status", "cactus", "virus", "campus", "bonus",
    "focus", "atlas", "alias", "always", "perhaps", "analysis", "basis", "axis", "thesis", "kiwis",
    "cs", "ss", "mens", "womens", "kids", "gps", "pcs", "sas", "sds", "ios", "os",
})
_IRREGULAR_PLURAL = {"man": "men", "woman": "women", "child": "children", "foot": "feet", "tooth": "teeth",
                     "mouse": "mice", "person": "people", "knife": "knives", "leaf": "leaves", "shelf": "shelves",
                     "wolf": "wolves", "half": "halves", "life": "lives", "wife": "wives", "scarf": "scarves"}
_IRREGULAR_SINGULAR = {v: k for k, v in _IRREGULAR_PLURAL.items()}

_PUNCT = re.compile(r"[^\w&+]+", re.UNICODE)
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"[a-z]+$")


def nfkc(text: str) -> str:
    """Unicode NFKC normal form with non-breaking/odd spaces turned into plain spaces."""
    return unicodedata.normalize("NFKC", text).replace("\u00a0", " ")


@lru_cache(maxsize=65536)
def singularize(word: str) -> str:
    """The singular of an English word (lower case in, lower case out); unknown shapes pass through.

    >>> singularize("boxes"), singularize("shelves"), singularize("glass"), singularize("t-shirts")
    ('box', 'shelf', 'glass', 't-shirt')
    """
    w = word.lower()
    if len(w) <= 3 or not _WORD.search(w) or w in _INVARIANT or w.endswith(("ss", "us", "is", "ous")):
        return w
    if w in _IRREGULAR_SINGULAR:
        return _IRREGULAR_SINGULAR[w]
    for suffix, repl in (("ies", "y"), ("ves", "f"), ("oes", "o")):
        if w.endswith(suffix) and len(w) > len(suffix) + 1:
            cand = w[: -len(suffix)] + repl
            if suffix == "ves" and cand + "e" in _IRREGULAR_PLURAL:
                return cand + "e"
            return cand
    if w.endswith(("ches", "shes", "xes", "zes", "sses")):
        return w[:-2]
    if w.endswith("s") and not w.endswith("ss"):
        return w[:-1]
    return w


@lru_cache(maxsize=65536)
def pluralize(word: str) -> str:
    """The plural of an English word (simple rules; lower case)."""
    w = word.lower()
    if not w or not w[-1].isalpha() or w in _INVARIANT:
        return w
    if w in _IRREGULAR_PLURAL:
        return _IRREGULAR_PLURAL[w]
    if w.endswith(("s", "x", "z", "ch", "sh")):
        return w + "es"
    if w.endswith("y") and len(w) > 1 and w[-2] not in "aeiou":
        return w[:-1] + "ies"
    return w + "s"


@lru_cache(maxsize=131072)
def normalize_key(text: str, singular: bool = True) -> str:
    """Comparison key: NFKC, case-folded, punctuation -> space, whitespace collapsed, words singularised.

    British and American spellings map to the British form (``gray`` -> ``grey``) so that spelling
    variants of one value share a key. Returns ``""`` for text without letters or digits.
    """
    t = _PUNCT.sub(" ", nfkc(text).casefold()).replace("_", " ")
    words = [w for w in _SPACE.split(t) if w]
    out = []
    for w in words:
        if singular:
            w = singularize(w)
        out.append(_british(w))
    return " ".join(out)


def _british(word: str) -> str:
    for a, b in SPELLING_PAIRS:
        if word == b:
            return a
    return word


def compact_key(text: str) -> str:
    """:func:`normalize_key` with spaces removed (``"t shirt"`` == ``"tshirt"``)."""
    return normalize_key(text).replace(" ", "")


def surface_variants(value: str, plural: bool = True) -> list[str]:
    """Spellings under which catalog value ``value`` may appear in text (original first, no duplicates).

    Adds: hyphen <-> space <-> joined forms of multi-part values, British/American spelling swaps of
    each word, and (if ``plural``) the plural of the last word. Case is left to the matcher.
    """
    base = _SPACE.sub(" ", nfkc(value).strip())
    if not base:
        return []
    forms = [base]
    if "-" in base:
        forms += [base.replace("-", " "), base.replace("-", "")]
    elif " " in base and len(base.split()) == 2 and len(base) <= 20:
        forms += [base.replace(" ", "-")]
    spelled = []
    for f in forms:
        words = f.split(" ")
        swapped = [_SPELL.get(w.lower(), w) for w in words]
        if swapped != words:
            spelled.append(" ".join(swapped))
    forms += spelled
    if plural:
        for f in list(forms):
            words = f.split(" ")
            last = words[-1]
            if last.isalpha() and len(last) > 2 and last.lower() not in _INVARIANT:
                pl = pluralize(last)
                if pl != last.lower():
                    forms.append(" ".join(words[:-1] + [pl]))
    seen: dict[str, None] = {}
    for f in forms:
        seen.setdefault(f, None)
    return list(seen)
