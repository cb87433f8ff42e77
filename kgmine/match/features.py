"""Similarity features of record pairs: rapidfuzz ratios, model-number / number agreement, price ratio,
TF-IDF cosine (fitted vectorisers passed in)."""
from __future__ import annotations

import re

import numpy as np

_CODE = re.compile(r"\b(?=[a-z0-9-]*\d)(?=[a-z0-9-]*[a-z])[a-z0-9-]{3,}\b")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_PRICE = re.compile(r"\d+(?:\.\d+)?")

FEATURE_NAMES = ("ratio", "partial_ratio", "token_sort", "token_set", "wratio", "text_token_set",
                 "code_jaccard", "code_shared", "code_in_other", "number_jaccard", "price_ratio", "price_known",
                 "brand_in_other", "tfidf_char_title", "tfidf_word_text", "len_ratio")


def title_of(record: dict) -> str:
    """The record's name/title (first non-empty of title, name)."""
    return (record.get("title") or record.get("name") or "").lower()


def text_of(record: dict) -> str:
    """Title plus every other text attribute except price."""
    parts = [title_of(record)] + [str(v).lower() for k, v in record.items() if k not in ("title", "name", "price")]
    return " ".join(p for p in parts if p)


def codes(text: str) -> set[str]:
    """Model-number-like tokens (letters and digits), hyphens removed."""
    return {c.replace("-", "") for c in _CODE.findall(text) if len(c.replace("-", "")) >= 3}


def _price(record: dict) -> float | None:
    m = _PRICE.search(str(record.get("price") or ""))
    return float(m.group()) if m else None


def _jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a and b else -1.0


def _row(left: dict, right: dict) -> list[float]:
    from rapidfuzz import fuzz

    lt, rt = title_of(left), title_of(right)
    lx, rx = text_of(left), text_of(right)
    lc, rc = codes(lt) | codes(lx[:300]), codes(rt) | codes(rx[:300])
    lflat, rflat = lx.replace("-", "").replace(" ", ""), rx.replace("-", "").replace(" ", "")
    in_other = float(any(c in rflat for c in lc if len(c) >= 4) or any(c in lflat for c in rc if len(c) >= 4))
    ln, rn = set(_NUMBER.findall(lt)), set(_NUMBER.findall(rt))
    lp, rp = _price(left), _price(right)
    price = min(lp, rp) / max(lp, rp) if lp and rp else -1.0
    brand = (left.get("manufacturer") or lt.split(" ")[0] if lt else "").lower()
    rbrand = (right.get("manufacturer") or rt.split(" ")[0] if rt else "").lower()
    brand_in = float(bool(brand) and brand in rx) + float(bool(rbrand) and rbrand in lx)
    return [fuzz.ratio(lt, rt), fuzz.partial_ratio(lt, rt), fuzz.token_sort_ratio(lt, rt),
            fuzz.token_set_ratio(lt, rt), fuzz.WRatio(lt, rt), fuzz.token_set_ratio(lx[:400], rx[:400]),
            _jaccard(lc, rc), float(len(lc & rc)), in_other, _jaccard(ln, rn), price, float(price >= 0),
            brand_in, 0.0, 0.0, min(len(lt), len(rt)) / max(len(lt), len(rt), 1)]


def _cosine(vectorizer, a: list[str], b: list[str]) -> np.ndarray:
    va, vb = vectorizer.transform(a), vectorizer.transform(b)
    return np.asarray(va.multiply(vb).sum(axis=1)).ravel()


def pair_features(lefts: list[dict], rights: list[dict], char_tfidf, word_tfidf) -> np.ndarray:
    """Feature matrix (n_pairs x len(FEATURE_NAMES)) of aligned lists of left and right records."""
    x = np.array([_row(a, b) for a, b in zip(lefts, rights)], dtype=float).reshape(-1, len(FEATURE_NAMES))
    if len(x):
        x[:, FEATURE_NAMES.index("tfidf_char_title")] = _cosine(char_tfidf, [title_of(r) for r in lefts],
                                                                [title_of(r) for r in rights])
        x[:, FEATURE_NAMES.index("tfidf_word_text")] = _cosine(word_tfidf, [text_of(r) for r in lefts],
                                                               [text_of(r) for r in rights])
    return x
