"""Blocking: candidate pairs between two record tables without scoring all n x m pairs.

Candidates of each left record are its ``k`` nearest right records by TF-IDF cosine (character n-grams
of the title plus word tokens of the text; scikit-learn ``NearestNeighbors``, brute cosine on sparse
rows) and every right record sharing a model-number key (``features.codes``)."""
from __future__ import annotations

from collections import defaultdict

import pandas as pd
import scipy.sparse as sp

from kgmine.match.features import codes, text_of, title_of


def _matrix(left: list[dict], right: list[dict]):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 4), sublinear_tf=True, min_df=1)
    word = TfidfVectorizer(sublinear_tf=True, token_pattern=r"[a-z0-9][a-z0-9.\-]*", min_df=1)
    titles = [title_of(r) for r in left + right]
    texts = [title_of(r) + " " + text_of(r)[:300] for r in left + right]
    x = normalize(sp.hstack([char.fit_transform(titles), word.fit_transform(texts)]).tocsr())
    return x[:len(left)], x[len(left):]


def block(left: list[dict], right: list[dict], k: int = 20) -> pd.DataFrame:
    """Candidate pairs (``left_index``, ``right_index``, ``source`` 'knn'/'code'/'both', ``cosine``)."""
    from sklearn.neighbors import NearestNeighbors

    if not left or not right:
        return pd.DataFrame(columns=["left_index", "right_index", "source", "cosine"])
    xl, xr = _matrix(left, right)
    nn = NearestNeighbors(n_neighbors=min(k, len(right)), metric="cosine", algorithm="brute").fit(xr)
    dist, idx = nn.kneighbors(xl)
    found = {(i, int(j)): ("knn", 1.0 - float(d)) for i in range(len(left)) for d, j in zip(dist[i], idx[i])}
    keys = defaultdict(set)
    for j, r in enumerate(right):
        for c in codes(title_of(r)):
            if len(c) >= 4:
                keys[c].add(j)
    for i, r in enumerate(left):
        for c in codes(title_of(r)):
            for j in keys.get(c, ()) if len(keys.get(c, ())) <= 20 else ():
                src = "both" if (i, j) in found else "code"
                cos = found[(i, j)][1] if (i, j) in found else float(xl[i].multiply(xr[j]).sum())
                found[(i, j)] = (src, cos)
    rows = [(i, j, s, c) for (i, j), (s, c) in found.items()]
    return pd.DataFrame(rows, columns=["left_index", "right_index", "source", "cosine"])


def blocking_report(candidates: pd.DataFrame, matches: set[tuple[int, int]], n_left: int) -> dict:
    """Recall of the known ``matches`` among the candidates and candidates per left record."""
    got = set(zip(candidates["left_index"], candidates["right_index"]))
    return {"recall": len(got & matches) / max(len(matches), 1), "n_matches": len(matches),
            "n_candidates": len(got), "candidates_per_left": len(got) / max(n_left, 1),
            "max_candidates_per_left": int(candidates.groupby("left_index").size().max()) if len(got) else 0}


