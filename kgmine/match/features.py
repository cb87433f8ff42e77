"""Similarity features of record pairs (:class:`PairFeaturizer`): rapidfuzz ratios, model-number / number
agreement, version / year / edition disagreement (``editions.py``), price ratio, TF-IDF cosine, IDF-weighted
token overlap and soft TF-IDF, and MiniLM embedding cosine (``embeddings.py``)."""
from __future__ import annotations

import math
import re

import numpy as np

from kgmine.match.editions import EDITION_FEATURES, edition_features

_CODE = re.compile(r"\b(?=[a-z0-9-]*\d)(?=[a-z0-9-]*[a-z])[a-z0-9-]{3,}\b")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_PRICE = re.compile(r"\d+(?:\.\d+)?")
_TOKEN = re.compile(r"[a-z0-9]+")

BASE_FEATURES = ("ratio", "partial_ratio", "token_sort", "token_set", "wratio", "text_token_set",
                 "code_jaccard", "code_shared", "code_in_other", "number_jaccard", "price_ratio", "price_known",
                 "brand_in_other", "len_ratio")
TOKEN_FEATURES = ("core_token_set", "core_ratio", "core_jaccard", "log_price_diff")
TFIDF_FEATURES = ("tfidf_char_title", "tfidf_word_text", "idf_jaccard", "idf_missing_max", "soft_tfidf")
EMBEDDING_FEATURES = ("emb_title", "emb_title_brand", "emb_text")
FEATURE_NAMES = BASE_FEATURES + TOKEN_FEATURES + EDITION_FEATURES + TFIDF_FEATURES + EMBEDDING_FEATURES
"""Every feature :class:`PairFeaturizer` can compute, in column order (embedding ones only when enabled)."""

FILLER = {"software", "inc", "corp", "corporation", "ltd", "llc", "co", "the", "for", "and", "of", "by", "with",
          "new", "complete", "product", "package", "edition", "ed", "version", "box", "retail", "cd", "dvd",
          "rom", "cdrom", "dvdrom", "jewel", "case", "pc", "media", "entertainment", "interactive", "games"}
"""Words that say little about which product it is (removed from the 'core' title)."""


def title_of(record: dict) -> str:
    """The record's name/title (first non-empty of title, name)."""
    return (record.get("title") or record.get("name") or "").lower()


def text_of(record: dict) -> str:
    """Title plus every other text attribute except price."""
    parts = [title_of(record)] + [str(v).lower() for k, v in record.items() if k not in ("title", "name", "price")]
    return " ".join(p for p in parts if p)


def brand_of(record: dict) -> str:
    """The record's manufacturer/brand field (lower case, may be empty)."""
    return str(record.get("manufacturer") or record.get("brand") or "").lower().strip()


def codes(text: str) -> set[str]:
    """Model-number-like tokens (letters and digits), hyphens removed."""
    return {c.replace("-", "") for c in _CODE.findall(text) if len(c.replace("-", "")) >= 3}


def tokens(text: str) -> list[str]:
    """Lower-case letter/digit tokens of ``text``."""
    return _TOKEN.findall(text.lower())


def _price(record: dict) -> float | None:
    m = _PRICE.search(str(record.get("price") or ""))
    return float(m.group()) if m else None


def _jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a and b else -1.0


def core_tokens(title: str, brand_words: set[str]) -> set[str]:
    """Title tokens without brand words and :data:`FILLER` (what names the product line and version)."""
    return {t for t in tokens(title) if t not in brand_words and t not in FILLER}


def _row(left: dict, right: dict) -> list[float]:
    """:data:`BASE_FEATURES` + :data:`TOKEN_FEATURES` + :data:`EDITION_FEATURES` of one pair."""
    from rapidfuzz import fuzz

    lt, rt = title_of(left), title_of(right)
    lx, rx = text_of(left), text_of(right)
    lc, rc = codes(lt) | codes(lx[:300]), codes(rt) | codes(rx[:300])
    lflat, rflat = lx.replace("-", "").replace(" ", ""), rx.replace("-", "").replace(" ", "")
    in_other = float(any(c in rflat for c in lc if len(c) >= 4) or any(c in lflat for c in rc if len(c) >= 4))
    ln, rn = set(_NUMBER.findall(lt)), set(_NUMBER.findall(rt))
    lp, rp = _price(left), _price(right)
    price = min(lp, rp) / max(lp, rp) if lp and rp else -1.0
    brand = (brand_of(left) or lt.split(" ")[0] if lt else "")
    rbrand = (brand_of(right) or rt.split(" ")[0] if rt else "")
    brand_in = float(bool(brand) and brand in rx) + float(bool(rbrand) and rbrand in lx)
    brand_words = set(tokens(brand_of(left))) | set(tokens(brand_of(right)))
    lcore, rcore = core_tokens(lt, brand_words), core_tokens(rt, brand_words)
    lcs, rcs = " ".join(sorted(lcore)), " ".join(sorted(rcore))
    base = [fuzz.ratio(lt, rt), fuzz.partial_ratio(lt, rt), fuzz.token_sort_ratio(lt, rt),
            fuzz.token_set_ratio(lt, rt), fuzz.WRatio(lt, rt), fuzz.token_set_ratio(lx[:400], rx[:400]),
            _jaccard(lc, rc), float(len(lc & rc)), in_other, _jaccard(ln, rn), price, float(price >= 0),
            brand_in, min(len(lt), len(rt)) / max(len(lt), len(rt), 1)]
    token = [fuzz.token_set_ratio(lcs, rcs), fuzz.ratio(lcs, rcs), _jaccard(lcore, rcore),
             abs(math.log(lp / rp)) if lp and rp else -1.0]
    return base + token + edition_features(lt, rt, lx[:400], rx[:400])


class PairFeaturizer:
    """Feature matrix of record pairs; :meth:`fit` learns the TF-IDF vocabularies and IDF weights.

    Args:
        embeddings: add the MiniLM embedding cosines (:data:`EMBEDDING_FEATURES`).
        soft_threshold: Jaro-Winkler similarity at which two tokens count as one in soft TF-IDF.

    Attributes after :meth:`fit`: ``char_tfidf_`` (title character n-grams), ``word_tfidf_`` (text words),
    ``title_idf_`` (title token -> IDF), ``feature_names_`` (the columns :meth:`transform` returns).
    """

    def __init__(self, embeddings: bool = True, soft_threshold: float = 0.9) -> None:
        self.embeddings = embeddings
        self.soft_threshold = soft_threshold

    def fit(self, records: list[dict]) -> "PairFeaturizer":
        """Learn vocabularies and IDF weights from ``records`` (each distinct record counted once)."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        distinct = list({repr(sorted(r.items())): r for r in records}.values())
        self.char_tfidf_ = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, min_df=1)
        self.char_tfidf_.fit([title_of(r) for r in distinct])
        self.word_tfidf_ = TfidfVectorizer(sublinear_tf=True, token_pattern=r"[a-z0-9][a-z0-9.\-]*")
        self.word_tfidf_.fit([text_of(r) for r in distinct])
        title_vec = TfidfVectorizer(token_pattern=r"[a-z0-9]+", smooth_idf=True).fit([title_of(r) for r in distinct])
        self.title_idf_ = dict(zip(title_vec.get_feature_names_out(), title_vec.idf_.astype(float)))
        self.default_idf_ = float(np.max(title_vec.idf_)) if len(title_vec.idf_) else 1.0
        self.feature_names_ = BASE_FEATURES + TOKEN_FEATURES + EDITION_FEATURES + TFIDF_FEATURES + (
            EMBEDDING_FEATURES if self.embeddings else ())
        return self

    def _idf(self, token: str) -> float:
        return self.title_idf_.get(token, self.default_idf_)

    def idf_overlap(self, left_title: str, right_title: str) -> list[float]:
        """IDF-weighted Jaccard of the title tokens, the largest IDF of a token only one title has (over the
        largest IDF), and soft TF-IDF (Cohen et al. 2003: tokens within ``soft_threshold`` Jaro-Winkler
        count as shared, weighted by both TF-IDF weights and their similarity)."""
        from rapidfuzz.distance import JaroWinkler

        a, b = set(tokens(left_title)), set(tokens(right_title))
        if not a or not b:
            return [-1.0, -1.0, -1.0]
        # sums and ties in sorted token order: set order changes with PYTHONHASHSEED, and so would the
        # last bits of a float sum, the trees' split points and the scores from one process to the next
        union = sum(self._idf(t) for t in sorted(a | b))
        shared = sum(self._idf(t) for t in sorted(a & b))
        missing = max((self._idf(t) for t in a ^ b), default=0.0) / self.default_idf_
        wa = {t: self._idf(t) for t in sorted(a)}
        wb = {t: self._idf(t) for t in sorted(b)}
        na, nb = math.sqrt(sum(w * w for w in wa.values())), math.sqrt(sum(w * w for w in wb.values()))
        soft = 0.0
        for t, w in wa.items():
            best, sim = max(((u, JaroWinkler.similarity(t, u)) for u in wb), key=lambda x: x[1])
            if sim >= self.soft_threshold:
                soft += w / na * wb[best] / nb * sim
        return [shared / union, missing, min(soft, 1.0)]

    def transform(self, lefts: list[dict], rights: list[dict]) -> np.ndarray:
        """Feature matrix (n_pairs x ``len(feature_names_)``) of aligned lists of left and right records."""
        names = self.feature_names_
        x = np.zeros((len(lefts), len(names)), dtype=float)
        if not len(lefts):
            return x
        rows = len(BASE_FEATURES) + len(TOKEN_FEATURES) + len(EDITION_FEATURES)
        x[:, :rows] = np.array([_row(a, b) for a, b in zip(lefts, rights)], dtype=float)
        lt, rt = [title_of(r) for r in lefts], [title_of(r) for r in rights]
        lx, rx = [text_of(r) for r in lefts], [text_of(r) for r in rights]
        x[:, names.index("tfidf_char_title")] = _cosine(self.char_tfidf_, lt, rt)
        x[:, names.index("tfidf_word_text")] = _cosine(self.word_tfidf_, lx, rx)
        start = names.index("idf_jaccard")
        x[:, start:start + 3] = np.array([self.idf_overlap(a, b) for a, b in zip(lt, rt)], dtype=float)
        if self.embeddings:
            from kgmine.match.embeddings import cosine

            lb = [(brand_of(r) + " " + t).strip() for r, t in zip(lefts, lt)]
            rb = [(brand_of(r) + " " + t).strip() for r, t in zip(rights, rt)]
            x[:, names.index("emb_title")] = cosine(lt, rt)
            x[:, names.index("emb_title_brand")] = cosine(lb, rb)
            x[:, names.index("emb_text")] = cosine([t[:500] for t in lx], [t[:500] for t in rx])
        return x


def _cosine(vectorizer, a: list[str], b: list[str]) -> np.ndarray:
    va, vb = vectorizer.transform(a), vectorizer.transform(b)
    return np.asarray(va.multiply(vb).sum(axis=1)).ravel()
