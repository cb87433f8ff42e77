"""Read a recommender's training data back from a graph store (for ``kgmine fit-recommender``).

Interactions are the stored BOUGHT, RATED, REVIEWED and VIEWED edges (with timestamp, rating, split where
the type has them), the same events a pipeline run trains on, the KG is the
item-item edges (ALSO_BOUGHT, ALSO_VIEWED, FREQUENTLY_BOUGHT_WITH) plus the product-entity edges
(HAS_BRAND, IN_CATEGORY, HAS_ATTRIBUTE), returned as a :class:`~kgmine.io.tables.ShopData`.
"""
from __future__ import annotations

import pandas as pd

from kgmine.graph.schema import REL_TYPES
from kgmine.io.tables import ShopData

USER_RELS = {"BOUGHT": "bought", "RATED": "rated", "REVIEWED": "reviewed", "VIEWED": "viewed"}
ITEM_RELS = ("ALSO_BOUGHT", "ALSO_VIEWED", "FREQUENTLY_BOUGHT_WITH")
ENTITY_RELS = {"HAS_BRAND": "Brand", "IN_CATEGORY": "Category", "HAS_ATTRIBUTE": "AttributeValue"}


def _safe(store, cypher: str, params: dict | None = None) -> pd.DataFrame:
    try:
        return store.query(cypher, params or {})
    except Exception:  # noqa: BLE001 - a store without that relationship table has none of its edges
        return pd.DataFrame()


def shop_from_store(store, name: str = "store") -> ShopData:
    """The interactions and KG edges of ``store`` as a ShopData (products = products with an edge)."""
    frames = []
    for rel, event in USER_RELS.items():
        props = ", ".join(f"r.{p} AS {p}" for p in ("timestamp", "split", "rating") if p in REL_TYPES[rel].properties)
        rows = _safe(store, f"MATCH (u:User)-[r:{rel}]->(p:Product) RETURN u.id AS user_id, p.id AS product_id, {props}")
        if len(rows):
            rows["event"] = event
            frames.append(rows)
    inter = pd.concat(frames, ignore_index=True) if frames else None
    item_edges = []
    for rel in ITEM_RELS:
        rows = _safe(store, f"MATCH (a:Product)-[:{rel}]->(b:Product) RETURN a.id AS src, b.id AS dst")
        if len(rows):
            rows["relation"] = rel.lower()
            item_edges.append(rows)
    entity_edges = []
    for rel, label in ENTITY_RELS.items():
        rows = _safe(store, f"MATCH (p:Product)-[:{rel}]->(e:{label}) RETURN p.id AS product_id, e.id AS entity")
        if len(rows):
            rows["relation"] = rel.lower()
            entity_edges.append(rows)
    if inter is not None and inter["split"].isna().any():
        inter = inter.drop(columns=["split"])
    return ShopData(name=name, interactions=inter,
                    item_edges=pd.concat(item_edges, ignore_index=True) if item_edges else None,
                    entity_edges=pd.concat(entity_edges, ignore_index=True) if entity_edges else None)


def touched_products(store, user_id: str) -> list[str]:
    """The products ``user_id`` bought, rated, reviewed or viewed in ``store`` (sorted, distinct)."""
    seen: set[str] = set()
    for rel in USER_RELS:
        rows = _safe(store, f"MATCH (u:User {{id: $user}})-[:{rel}]->(p:Product) RETURN p.id AS product_id",
                     {"user": str(user_id)})
        if len(rows):
            seen.update(rows["product_id"].astype(str))
    return sorted(seen)
