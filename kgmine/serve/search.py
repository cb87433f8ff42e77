"""Ranked token search for the explorer: BM25 over the display text and id of every node kind.

The index is built once from the store (one query per label, the store is read-only while served):
each node's document is its id plus its display property (a product's title, a brand's name, an
attribute value, …). A query is split into lower-case word tokens; a node matches when it holds at
least one, and hits are ranked by the number of distinct query tokens they hold, then by BM25
(k1 = 1.2, b = 0.75), so "walnut table" lists nodes holding both words first. An exact id match
comes before everything.

>>> index = SearchIndex.from_documents([("Product", "p1", "Walnut side table"),
...                                     ("Product", "p2", "Oak table"), ("Brand", "b1", "Walnut & Co")])
>>> [h["id"] for h in index.search("walnut table")]
['p1', 'p2', 'b1']
"""
from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from typing import Any

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)

#: Labels searched, in the order ties are listed.
SEARCH_LABELS = ("Product", "Brand", "Category", "AttributeValue", "Entity", "Cluster", "Community", "User")


def tokens(text: Any) -> list[str]:
    """Lower-case word tokens of ``text`` (letters and digits; punctuation splits)."""
    return _TOKEN.findall(str(text or "").lower())


class SearchIndex:
    """An in-memory BM25 index of ``(label, id, text)`` documents."""

    def __init__(self, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.docs: list[tuple[str, str, str]] = []
        self.lengths: list[int] = []
        self.postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self.ids: dict[str, list[int]] = defaultdict(list)

    @classmethod
    def from_documents(cls, docs: Iterable[tuple[str, Any, Any]]) -> "SearchIndex":
        index = cls()
        for label, nid, text in docs:
            index.add(label, str(nid), "" if text is None else str(text))
        return index

    def add(self, label: str, nid: str, text: str) -> None:
        """Index one node: its id and its display text."""
        doc = len(self.docs)
        self.docs.append((label, nid, text or nid))
        toks = tokens(text) + ([] if text and nid.lower() in text.lower() else tokens(nid))
        self.lengths.append(max(1, len(toks)))
        for tok, tf in Counter(toks).items():
            self.postings[tok].append((doc, tf))
        self.ids[nid.lower()].append(doc)

    def search(self, query: str, limit: int = 20) -> list[dict[str, Any]]:
        """Hits ``{kind, id, name, score, matched}`` best first (see the module docstring)."""
        terms = list(dict.fromkeys(tokens(query)))
        if not terms or not self.docs:
            return []
        n, avg = len(self.docs), sum(self.lengths) / len(self.docs)
        score: dict[int, float] = defaultdict(float)
        matched: dict[int, int] = defaultdict(int)
        for term in terms:
            posting = self.postings.get(term, [])
            idf = math.log(1 + (n - len(posting) + 0.5) / (len(posting) + 0.5))
            for doc, tf in posting:
                norm = tf + self.k1 * (1 - self.b + self.b * self.lengths[doc] / avg)
                score[doc] += idf * tf * (self.k1 + 1) / norm
                matched[doc] += 1
        exact = set(self.ids.get(query.strip().lower(), []))
        order = {lab: i for i, lab in enumerate(SEARCH_LABELS)}
        ranked = sorted(set(score) | exact, key=lambda d: (d not in exact, -matched[d], -score[d],
                                                           order.get(self.docs[d][0], 99), self.docs[d][1]))
        return [{"kind": self.docs[d][0], "id": self.docs[d][1], "name": self.docs[d][2],
                 "score": round(score[d], 4), "matched": matched[d] if d not in exact else len(terms)}
                for d in ranked[:limit]]


def build_index(query: Callable[[str], Any], display: dict[str, str], present: Iterable[str]) -> SearchIndex:
    """A :class:`SearchIndex` over every label of :data:`SEARCH_LABELS` in ``present`` (labels with nodes),
    reading ``id`` and the label's ``display`` property through ``query(cypher)`` (a DataFrame)."""
    index = SearchIndex()
    present = set(present)
    for label in SEARCH_LABELS:
        if label not in present:
            continue
        prop = display.get(label, "id")
        frame = query(f"MATCH (n:{label}) RETURN n.id AS id, n.{prop} AS text")
        for nid, text in frame.itertuples(index=False, name=None):
            if nid is not None:
                index.add(label, str(nid), "" if text is None or text != text else str(text))
    return index


__all__ = ["SEARCH_LABELS", "SearchIndex", "build_index", "tokens"]
