"""One product, one node: merge the catalogs of several sources into one :class:`ShopData` plus offers.

Every source row becomes an *offer* with the id ``"<source>:<product_id>"``; offers that the matcher pairs
(blocking + pair scoring between every two sources, :func:`kgmine.match.tables.match_tables`) are clustered
into one product (connected components at the matcher's threshold, :mod:`kgmine.match.cluster`). The
product's id is the id of its first offer in source order (the first source listed, then the smallest
product id), so re-running the same inputs gives the same ids; its title, brand, category and price are
that offer's, gaps filled from the other offers in the same order; its description joins the distinct
descriptions of all its offers, so extraction reads what every source says.

Interactions, reviews and item edges of every source are re-pointed at the merged products. User, review
and basket ids are prefixed with their source (``shared_users=True`` keeps user ids as they are, for
sources that share one customer base).

:func:`relink_offers` keeps a store consistent when the clustering changes between runs (a new threshold,
a new matcher): every stored product whose set of offers changed is deleted with its edges before the load
writes it again, so nothing is duplicated and no edge stays on a product it no longer belongs to.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kgmine.io.tables import ShopData
from kgmine.match.cluster import cluster_pairs

_SOURCE_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


@dataclass
class MergedCatalog:
    """The merged data (one product per real product) and its ``offers``: ``offer_id``, ``source``,
    ``source_id``, ``title``, ``price``, ``product_id`` (the merged product), ``score`` (the best match score
    linking the offer into its product; 1.0 for a product's first offer) and ``matcher``."""

    data: ShopData
    offers: pd.DataFrame
    pairs: pd.DataFrame

    def summary(self) -> dict:
        per_product = self.offers.groupby("product_id").size()
        return {"offers": int(len(self.offers)), "products": int(len(per_product)),
                "merged_products": int((per_product > 1).sum()), "matched_pairs": int(self.pairs["match"].sum())
                if len(self.pairs) else 0}


class TitleSimilarityMatcher:
    """A matcher needing no labelled pairs: the mean of the token-set ratio and the character TF-IDF cosine
    of the titles, raised to at least 0.9 when the titles share a model-number key and halved when both
    carry model numbers and none is shared. ``threshold_`` (default 0.75) decides a match.

    For labelled pairs train :class:`~kgmine.match.matcher.ProductMatcher` (``kgmine match --train``) and
    pass its directory as ``data.match.model``; this is the fallback when there is none."""

    name = "title-similarity"

    def __init__(self, threshold: float = 0.75) -> None:
        self.threshold_ = threshold

    def predict_proba(self, pairs: pd.DataFrame) -> np.ndarray:
        from rapidfuzz import fuzz
        from sklearn.feature_extraction.text import TfidfVectorizer

        from kgmine.match.features import codes, title_of

        if not len(pairs):
            return np.zeros((0, 2))
        lt = [title_of(r) for r in pairs["left"]]
        rt = [title_of(r) for r in pairs["right"]]
        tfidf = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True).fit(lt + rt)
        cos = np.asarray(tfidf.transform(lt).multiply(tfidf.transform(rt)).sum(axis=1)).ravel()
        scores = []
        for a, b, c in zip(lt, rt, cos):
            s = (fuzz.token_set_ratio(a, b) / 100.0 + float(c)) / 2
            ca, cb = {k for k in codes(a) if len(k) >= 4}, {k for k in codes(b) if len(k) >= 4}
            if ca & cb:
                s = max(s, 0.9)
            elif ca and cb:
                s /= 2
            scores.append(min(max(s, 0.0), 1.0))
        p = np.array(scores)
        return np.column_stack([1 - p, p])


def _check_sources(sources: Sequence[tuple[str, ShopData]]) -> None:
    names = [name for name, _ in sources]
    for name in names:
        if not isinstance(name, str) or not _SOURCE_NAME.match(name):
            raise ValueError(f"source name {name!r}: use 1-64 letters, digits, '_', '-' or '.'")
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"source names must be distinct; repeated: {dupes}")
    if len(sources) < 2:
        raise ValueError("merging needs at least two sources")


def _prefixed(source: str, values: pd.Series) -> pd.Series:
    return (source + ":" + values.astype("string")).where(values.notna())


def merge_catalogs(sources: Sequence[tuple[str, ShopData]], matcher=None, *, k: int = 20,
                   shared_users: bool = False, progress: bool = True) -> MergedCatalog:
    """Merge ``sources`` (``(name, ShopData)`` pairs, in priority order) into one catalog; see the module.

    ``matcher`` is anything with ``predict_proba(pairs)`` and ``threshold_`` (a fitted
    :class:`~kgmine.match.matcher.ProductMatcher`, or by default :class:`TitleSimilarityMatcher`).
    """
    from kgmine.match.tables import match_tables

    _check_sources(sources)
    matcher = matcher if matcher is not None else TitleSimilarityMatcher()
    matcher_name = getattr(matcher, "name", type(matcher).__name__)
    offers = []
    for order, (name, shop) in enumerate(sources):
        p = shop.products.sort_values("product_id", kind="stable").reset_index(drop=True)
        offers.append(p.assign(offer_id=_prefixed(name, p["product_id"]), source=name, source_id=p["product_id"],
                               order=order))
    offer_table = pd.concat(offers, ignore_index=True)

    pair_frames = []
    for i in range(len(sources)):
        for j in range(i + 1, len(sources)):
            (ln, ls), (rn, rs) = sources[i], sources[j]
            got = match_tables(ls.products, rs.products, matcher, k=k, progress=progress)
            pair_frames.append(got.assign(left_id=ln + ":" + got["left_id"], right_id=rn + ":" + got["right_id"],
                                          left_source=ln, right_source=rn))
    pairs = pd.concat(pair_frames, ignore_index=True) if pair_frames else pd.DataFrame(
        columns=["left_id", "right_id", "score", "match"])
    clusters = cluster_pairs(list(offer_table["offer_id"]), pairs, matcher.threshold_)
    component = dict(zip(clusters["record_id"], clusters["cluster"]))
    offer_table["component"] = offer_table["offer_id"].map(component)
    # the product id of a component: its first offer in source order, then product id order
    first = offer_table.sort_values(["order", "source_id"], kind="stable").drop_duplicates("component")
    product_of_component = dict(zip(first["component"], first["offer_id"]))
    offer_table["product_id_merged"] = offer_table["component"].map(product_of_component)

    best = _best_link_scores(pairs, matcher.threshold_)
    offer_table["score"] = [1.0 if oid == pid else best.get(oid, float("nan"))
                            for oid, pid in zip(offer_table["offer_id"], offer_table["product_id_merged"])]
    products = _merged_products(offer_table)
    remap = dict(zip(offer_table["offer_id"], offer_table["product_id_merged"]))
    data = _merged_behaviour(sources, remap, products, shared_users)
    offer_frame = pd.DataFrame({
        "offer_id": offer_table["offer_id"], "source": offer_table["source"], "source_id": offer_table["source_id"],
        "title": offer_table["title"], "price": offer_table["price"],
        "product_id": offer_table["product_id_merged"], "score": offer_table["score"], "matcher": matcher_name})
    return MergedCatalog(data=data, offers=offer_frame, pairs=pairs)


def _best_link_scores(pairs: pd.DataFrame, threshold: float) -> dict[str, float]:
    """Per offer id, the highest score of a match it takes part in."""
    if not len(pairs):
        return {}
    kept = pairs[pairs["score"] >= threshold]
    both = pd.concat([kept[["left_id", "score"]].rename(columns={"left_id": "id"}),
                      kept[["right_id", "score"]].rename(columns={"right_id": "id"})])
    return both.groupby("id")["score"].max().to_dict()


def _merged_products(offer_table: pd.DataFrame) -> pd.DataFrame:
    """One products row per merged product: the first offer's fields, gaps filled from the others in order."""
    ordered = offer_table.sort_values(["product_id_merged", "order", "source_id"], kind="stable")
    cols = ["title", "description", "brand", "category_path", "price"]
    grouped = ordered.groupby("product_id_merged", sort=True)
    merged = grouped[cols].first()  # first non-null per column
    # every offer's description, so extraction reads what each source says about the product
    merged["description"] = grouped["description"].agg(
        lambda d: "\n".join(dict.fromkeys(x for x in d.dropna() if str(x).strip())) or pd.NA)
    return merged.reset_index().rename(columns={"product_id_merged": "product_id"})


def _merged_behaviour(sources: Sequence[tuple[str, ShopData]], remap: dict[str, str], products: pd.DataFrame,
                      shared_users: bool) -> ShopData:
    inter, reviews, items, ents, users = [], [], [], [], []
    for name, shop in sources:
        def product(col: pd.Series) -> pd.Series:
            keyed = _prefixed(name, col)
            return keyed.map(remap).fillna(keyed).astype("string")

        def user(col: pd.Series) -> pd.Series:
            return col.astype("string") if shared_users else _prefixed(name, col)

        users.append(shop.users.assign(user_id=user(shop.users["user_id"])))
        inter.append(shop.interactions.assign(user_id=user(shop.interactions["user_id"]),
                                              product_id=product(shop.interactions["product_id"]),
                                              basket_id=_prefixed(name, shop.interactions["basket_id"])))
        reviews.append(shop.reviews.assign(review_id=_prefixed(name, shop.reviews["review_id"]),
                                           user_id=user(shop.reviews["user_id"]),
                                           product_id=product(shop.reviews["product_id"])))
        items.append(shop.item_edges.assign(src=product(shop.item_edges["src"]), dst=product(shop.item_edges["dst"])))
        ents.append(shop.entity_edges.assign(product_id=product(shop.entity_edges["product_id"])))
    name = "+".join(n for n, _ in sources)
    edges = pd.concat(items, ignore_index=True)
    edges = edges[edges["src"] != edges["dst"]].drop_duplicates()  # two offers of one product linked to each other
    return ShopData(name=name, products=products, users=pd.concat(users, ignore_index=True).drop_duplicates("user_id"),
                    interactions=pd.concat(inter, ignore_index=True), reviews=pd.concat(reviews, ignore_index=True),
                    item_edges=edges, entity_edges=pd.concat(ents, ignore_index=True).drop_duplicates())


def relink_offers(store, offers: pd.DataFrame) -> int:
    """Delete (with their edges) the stored products whose set of offers differs from ``offers``' — they are
    written again by the load that follows — and the offers moving to another product; returns how many
    products were deleted. A store without offers yet is left alone."""
    store.create_schema()
    stored = store.read_edges("OFFER_OF", "Offer", "Product")
    if stored.empty:
        return 0
    old = stored.groupby("dst")["src"].agg(frozenset).to_dict()
    new = offers.groupby("product_id")["offer_id"].agg(frozenset).to_dict()
    changed = sorted(p for p, members in old.items() if new.get(p) != members)
    if changed:
        moved = sorted(set().union(*(old[p] for p in changed)))
        store.delete_nodes("Product", ids=changed)
        store.delete_nodes("Offer", ids=moved)
    return len(changed)
