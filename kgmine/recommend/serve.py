"""Serving: top-K lists and similar items as DataFrames, explanation paths read from the graph store,
and RECOMMENDED edges written back.

* :func:`recommend_topk` — ``DataFrame(user_id, product_id, score, rank, model)``, the user's known
  (train/valid/test) items excluded by default.
* :func:`fallback_topk` — for a user the model cannot score (unknown, or no training interactions:
  :func:`is_cold`), a non-personal list: the most popular products within the categories of what the
  user touched, then the most popular overall; ``model`` says which.
* :func:`similar_items` — ``DataFrame(product_id, similar_id, score, rank, model)``.
* :func:`explain` — for each recommended product one short path in the store that connects the user
  to it, tried in this order: a product the user bought or rated that is linked to it by
  FREQUENTLY_BOUGHT_WITH / ALSO_BOUGHT / ALSO_VIEWED; a product the user rated >= 4 of the same brand;
  a bought product of the same brand; of the same (sub)category; in the same mined cluster; then the
  collaborative path (the user and another user share a product, and the other user has this one); last,
  with ``shared_attributes=True`` (the explorer's choice), a bought product with an extracted attribute
  value in common. The path is a list of stored edges ``{src, rel, dst}`` with nodes written ``Label:id``
  (arrows as stored).
* :func:`write_recommendations` — upserts RECOMMENDED(score, rank, model) edges, replacing the
  model's earlier edges of the same users.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import torch

from kgmine.graph.schema import check_identifier
from kgmine.recommend.fitted import FittedRecommender

RECOMMEND_COLUMNS = ["user_id", "product_id", "score", "rank", "model"]


def recommend_topk(fitted: FittedRecommender, users: Iterable[str] | None = None, k: int = 10,
                   exclude: Sequence[str] = ("train", "valid", "test"), batch_size: int = 2048) -> pd.DataFrame:
    """Top-``k`` products per user (all users when ``users`` is None), best first.

    ``exclude`` lists the splits whose items a user already has and should not be recommended
    again (default: all of them, i.e. everything the user interacted with). Unknown user ids raise
    KeyError naming the id.
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    data = fitted.data
    idx = np.arange(data.n_users) if users is None else data.user_index(list(users))
    k = min(k, data.n_items)
    known = [data.csr(s) for s in exclude]
    frames = []
    with torch.no_grad():
        for start in range(0, len(idx), batch_size):
            batch = idx[start: start + batch_size]
            scores = fitted.score(torch.from_numpy(batch)).float().cpu()
            for m in known:
                rows = m[batch]
                r = np.repeat(np.arange(len(batch)), np.diff(rows.indptr))
                scores[torch.from_numpy(r), torch.from_numpy(rows.indices.astype(np.int64))] = -torch.inf
            top = torch.topk(scores, k, dim=1)
            values, items = top.values.numpy(), top.indices.numpy()
            ok = np.isfinite(values)
            frames.append(pd.DataFrame({
                "user_id": np.repeat(data.user_ids[batch], k)[ok.ravel()],
                "product_id": data.item_ids[items.ravel()][ok.ravel()],
                "score": values.ravel()[ok.ravel()].astype(float),
                "rank": np.tile(np.arange(1, k + 1), len(batch))[ok.ravel()],
            }))
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=RECOMMEND_COLUMNS[:-1])
    out["model"] = fitted.name
    out["user_id"] = out["user_id"].astype("string")
    out["product_id"] = out["product_id"].astype("string")
    out["rank"] = out["rank"].astype("int64")
    return out[RECOMMEND_COLUMNS]


FALLBACK = "popularity (fallback)"
FALLBACK_IN_CATEGORIES = "popularity in the user's categories (fallback)"
CATEGORY_RELATION = "in_category"  # the KG relation of Product -> Category (kgmine.recommend.store_data)


def is_cold(fitted: FittedRecommender, user_id: str) -> bool:
    """True when the model cannot personalise for ``user_id``: unknown to it, or without training pairs."""
    idx = pd.Index(fitted.data.user_ids).get_indexer([str(user_id)])[0]
    return idx < 0 or fitted.data.csr("train")[idx].nnz == 0


def fallback_topk(fitted: FittedRecommender, user_id: str, k: int = 10, touched: Sequence[str] = ()) -> pd.DataFrame:
    """The documented non-personal ranking for a user the model cannot score (:func:`is_cold`).

    Items are ranked by their number of training interactions. When ``touched`` (products the user
    interacted with, e.g. read from the store after the model was trained) have categories in the
    model's KG, the products of those categories come first, most popular first, then the rest; the
    touched products themselves are left out. Columns: those of :func:`recommend_topk`, with ``model``
    naming the fallback (:data:`FALLBACK_IN_CATEGORIES` or :data:`FALLBACK`).
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    data = fitted.data
    counts = np.asarray(data.csr("train").getnnz(axis=0), dtype=np.float64)
    touched_idx = pd.Index(data.item_ids).get_indexer([str(t) for t in touched])
    touched_idx = touched_idx[touched_idx >= 0]
    in_categories = np.zeros(data.n_items, dtype=bool)
    kg = data.kg
    if kg is not None and len(touched_idx) and CATEGORY_RELATION in kg.relation_names:
        is_cat = kg.relations == kg.relation_names.index(CATEGORY_RELATION)
        heads, tails = kg.heads[is_cat], kg.tails[is_cat]
        categories = np.unique(tails[np.isin(heads, touched_idx)])
        in_categories[heads[np.isin(tails, categories)]] = True
    in_categories[touched_idx] = False
    key = counts + np.where(in_categories, counts.max() + 1.0, 0.0)  # category members first, then by count
    key[touched_idx] = -np.inf
    order = np.lexsort((np.arange(data.n_items), -key))
    order = order[np.isfinite(key[order])][:k]
    label = FALLBACK_IN_CATEGORIES if in_categories.any() else FALLBACK
    out = pd.DataFrame({"user_id": pd.array([str(user_id)] * len(order), dtype="string"),
                        "product_id": pd.array(data.item_ids[order].astype(str), dtype="string"),
                        "score": counts[order], "rank": np.arange(1, len(order) + 1, dtype=np.int64),
                        "model": label})
    return out[RECOMMEND_COLUMNS]


def similar_items(fitted: FittedRecommender, item: str, k: int = 10) -> pd.DataFrame:
    """The ``k`` products most similar to ``item`` (cosine of the model's item embeddings; ItemKNN
    similarity for non-neural models), best first."""
    i = int(fitted.data.item_index([item])[0])
    sim = fitted.item_similarity(i).float().cpu().clone()
    sim[i] = -torch.inf
    k = min(k, fitted.data.n_items - 1)
    top = torch.topk(sim, k)
    ok = torch.isfinite(top.values).numpy()
    return pd.DataFrame({
        "product_id": pd.array([item] * int(ok.sum()), dtype="string"),
        "similar_id": pd.array(fitted.data.item_ids[top.indices.numpy()[ok]], dtype="string"),
        "score": top.values.numpy()[ok].astype(float),
        "rank": np.arange(1, int(ok.sum()) + 1),
        "model": fitted.name,
    })


# ---------------------------------------------------------------------- explanations
ITEM_LINKS = ("FREQUENTLY_BOUGHT_WITH", "ALSO_BOUGHT", "ALSO_VIEWED")
SHARED = (("HAS_BRAND", "Brand", "same brand"), ("IN_CATEGORY", "Category", "same category"),
          ("IN_CLUSTER", "Cluster", "same cluster"))
_PHRASE = {"FREQUENTLY_BOUGHT_WITH": "frequently bought with", "ALSO_BOUGHT": "also bought with",
           "ALSO_VIEWED": "also viewed with"}
_VERB = {"BOUGHT": "bought", "RATED": "rated"}


def _edge(src: str, rel: str, dst: str) -> dict[str, str]:
    return {"src": src, "rel": rel, "dst": dst}


def _rel_types(store) -> set[str]:
    """Relationship types that have at least one edge in ``store`` (others are skipped)."""
    from kgmine.graph.schema import REL_TYPES

    counts = store.counts()
    return {type_ for type_ in REL_TYPES if counts.get(type_)}


def explain(store, user_id: str, product_ids: Sequence[str], max_hops_rows: int = 5000,
            shared_attributes: bool = False) -> pd.DataFrame:
    """One explanation per product: ``DataFrame(user_id, product_id, explanation, path)``.

    ``path`` is a list of stored edges ``{"src": "Label:id", "rel": TYPE, "dst": "Label:id"}`` that
    leads from the user to the product (see the module docstring for the order of patterns tried);
    products with no such path get ``explanation`` ``"no path in the graph"`` and an empty path.
    ``shared_attributes`` adds a last pattern, ``u -BOUGHT-> x -HAS_ATTRIBUTE-> v <-HAS_ATTRIBUTE- p``
    (the smallest ``x`` id, then the smallest ``v`` id of that ``x``).
    All Cypher is parameterised; only schema relationship types are interpolated.
    """
    todo = [str(p) for p in product_ids]
    found: dict[str, tuple[str, list[dict[str, str]]]] = {}
    present = _rel_types(store)
    user_rels = [r for r in ("BOUGHT", "RATED") if r in present]
    params = {"user": str(user_id), "limit": int(max_hops_rows)}
    patterns = [_item_link_patterns, _shared_node_patterns, _collaborative_patterns]
    if shared_attributes:
        patterns.append(_shared_attribute_patterns)
    for make in patterns:
        for pattern in make(str(user_id), present, user_rels):
            remaining = [p for p in todo if p not in found]
            if not remaining:
                break
            rows = store.query(pattern.cypher, {**params, "items": remaining})
            if pattern.sort_by and len(rows):
                rows = rows.sort_values(pattern.sort_by, ascending=pattern.ascending, kind="stable")
            for row in rows.itertuples(index=False):
                if row.product not in found:
                    found[row.product] = pattern.build(row)
    return pd.DataFrame({
        "user_id": pd.array([str(user_id)] * len(todo), dtype="string"),
        "product_id": pd.array(todo, dtype="string"),
        "explanation": [found[p][0] if p in found else "no path in the graph" for p in todo],
        "path": [found[p][1] if p in found else [] for p in todo],
    })


@dataclass(frozen=True)
class _Pattern:
    """One explanation query: rows ``product, via, …`` for the unexplained ``$items``; ``build(row)``
    gives (text, path) of a product it explains; rows sorted by ``sort_by`` first (the first row wins)."""

    cypher: str
    build: Callable[[Any], tuple[str, list[dict[str, str]]]]
    sort_by: str | None = None
    ascending: bool = False


def _has(user_id: str, urel: str, row) -> dict[str, str]:
    return _edge(f"User:{user_id}", urel, f"Product:{row.via}")


def _item_link_patterns(user_id: str, present: set[str], user_rels: list[str]) -> Iterator[_Pattern]:
    """1. a product the user has, linked to the candidate by an item-item relation (either direction)."""
    for link in [r for r in ITEM_LINKS if r in present]:
        for urel in user_rels:
            for forward in (True, False):
                arrow = f"-[:{link}]->" if forward else f"<-[:{link}]-"
                yield _Pattern(
                    f"MATCH (u:User {{id: $user}})-[:{urel}]->(x:Product){arrow}(p:Product) "
                    "WHERE p.id IN $items AND x.id <> p.id "
                    "RETURN p.id AS product, x.id AS via, x.title AS via_title LIMIT $limit",
                    lambda row, urel=urel, link=link, forward=forward: (
                        f"{_VERB[urel]} {_name(row.via, row.via_title)}, which is {_PHRASE[link]} it",
                        [_has(user_id, urel, row),
                         _edge(f"Product:{row.via}", link, f"Product:{row.product}") if forward
                         else _edge(f"Product:{row.product}", link, f"Product:{row.via}")]))


def _shared_node_patterns(user_id: str, present: set[str], user_rels: list[str]) -> Iterator[_Pattern]:
    """2. shared brand / category / cluster with a product the user rated high or bought."""
    for rel, label, phrase in [s for s in SHARED if s[0] in present]:
        for urel, where, verb in (("RATED", "AND r.rating >= 4", "rated {rating:g}/5"), ("BOUGHT", "", "bought")):
            if urel not in user_rels:
                continue
            rated = urel == "RATED"
            yield _Pattern(
                f"MATCH (u:User {{id: $user}})-[r:{urel}]->(x:Product)-[:{rel}]->(b:{label})<-[:{rel}]-(p:Product) "
                f"WHERE p.id IN $items AND x.id <> p.id {where} "
                f"RETURN p.id AS product, x.id AS via, x.title AS via_title, b.id AS shared"
                f"{', r.rating AS rating' if rated else ''} LIMIT $limit",
                lambda row, urel=urel, verb=verb, rel=rel, label=label, phrase=phrase: (
                    f"{verb.format(rating=getattr(row, 'rating', 0) or 0)} {_name(row.via, row.via_title)}; "
                    f"{phrase} ({row.shared})",
                    [_has(user_id, urel, row), _edge(f"Product:{row.via}", rel, f"{label}:{row.shared}"),
                     _edge(f"Product:{row.product}", rel, f"{label}:{row.shared}")]),
                sort_by="rating" if rated else None)


def _collaborative_patterns(user_id: str, present: set[str], user_rels: list[str]) -> Iterator[_Pattern]:
    """3. the collaborative path a graph recommender propagates over: another user who has a product
    in common with this user has the candidate."""
    for urel in user_rels:
        yield _Pattern(
            f"MATCH (u:User {{id: $user}})-[:{urel}]->(x:Product)<-[:{urel}]-(v:User)-[:{urel}]->(p:Product) "
            "WHERE p.id IN $items AND v.id <> $user AND x.id <> p.id "
            "RETURN p.id AS product, x.id AS via, x.title AS via_title, v.id AS peer LIMIT $limit",
            lambda row, urel=urel: (
                f"{_VERB[urel]} {_name(row.via, row.via_title)}; user {row.peer} also {_VERB[urel]} that and this",
                [_has(user_id, urel, row), _edge(f"User:{row.peer}", urel, f"Product:{row.via}"),
                 _edge(f"User:{row.peer}", urel, f"Product:{row.product}")]))


def _shared_attribute_patterns(user_id: str, present: set[str], user_rels: list[str]) -> Iterator[_Pattern]:
    """4. an extracted attribute value in common with a bought product (one row per bought product with
    its smallest shared value; the smallest bought id wins)."""
    if "BOUGHT" in user_rels and "HAS_ATTRIBUTE" in present:
        yield _Pattern(
            "MATCH (u:User {id: $user})-[:BOUGHT]->(x:Product)-[:HAS_ATTRIBUTE]->(v:AttributeValue)"
            "<-[:HAS_ATTRIBUTE]-(p:Product) WHERE p.id IN $items AND x.id <> p.id "
            "RETURN p.id AS product, x.id AS via, min(v.id) AS shared",
            lambda row: (
                f"bought {row.via}, which has the same {row.shared.replace(':', ' ', 1)}",
                [_has(user_id, "BOUGHT", row),
                 _edge(f"Product:{row.via}", "HAS_ATTRIBUTE", f"AttributeValue:{row.shared}"),
                 _edge(f"Product:{row.product}", "HAS_ATTRIBUTE", f"AttributeValue:{row.shared}")]),
            sort_by="via", ascending=True)


def _name(pid: str, title) -> str:
    if title is None or (isinstance(title, float) and np.isnan(title)) or title is pd.NA or not str(title).strip():
        return str(pid)
    title = str(title)
    return f"'{title[:40]}{'…' if len(title) > 40 else ''}'"


def path_exists(store, path: Sequence[dict[str, str]]) -> bool:
    """True when every edge ``{src, rel, dst}`` of ``path`` is stored (direction as written)."""
    for step in path:
        src_label, src_id = step["src"].split(":", 1)
        dst_label, dst_id = step["dst"].split(":", 1)
        cypher = (f"MATCH (a:{check_identifier(src_label)} {{id: $a}})-[r:{check_identifier(step['rel'])}]->"
                  f"(b:{check_identifier(dst_label)} {{id: $b}}) RETURN count(r) AS n")
        if int(store.query(cypher, {"a": src_id, "b": dst_id})["n"].iloc[0]) == 0:
            return False
    return True


def write_recommendations(store, recommendations: pd.DataFrame, replace: bool = True) -> int:
    """Write ``recommendations`` (``recommend_topk`` output) as RECOMMENDED(score, rank, model) edges.

    With ``replace`` the earlier RECOMMENDED edges of the same model and users are deleted first, so
    a re-run leaves exactly the new lists. Users and products must already be in the store (edges
    to unknown nodes are not created by the stores). Deletion and upsert are one transaction.
    Returns the number of rows written.
    """
    if not len(recommendations):
        return 0
    missing = [c for c in RECOMMEND_COLUMNS if c not in recommendations.columns]
    if missing:
        raise ValueError(f"recommendations are missing column(s) {missing}")
    frame = pd.DataFrame({"src": recommendations["user_id"].astype(str), "dst": recommendations["product_id"].astype(str),
                          "score": recommendations["score"].astype(float), "rank": recommendations["rank"].astype("int64"),
                          "model": recommendations["model"].astype(str)})
    with store.transaction():  # the replaced lists and the new ones: all or nothing
        if replace:
            for model, group in recommendations.groupby("model"):
                store.delete_edges("RECOMMENDED", "User", "Product", where={"model": str(model)},
                                   src_ids=group["user_id"].astype(str).unique().tolist())
        return store.upsert_edges("RECOMMENDED", "User", "Product", frame)
