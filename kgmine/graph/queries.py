"""Representative read queries over the kgmine graph, in the Cypher both stores accept.

Each :class:`NamedQuery` is written in the subset of Cypher that Neo4j 5 and LadybugDB both run
(no map projections, ``CALL {}``, ``FOREACH``, ``toInteger()``, list comprehensions or comma-joined
``MATCH`` patterns; no ``ORDER BY`` on an alias that shadows a node variable), ends in an ``ORDER BY``
that breaks every tie, and returns only scalars or lists of scalars, so the same query gives the same
rows on either store. Neo4j never matches one relationship twice within a pattern while LadybugDB
does (walk semantics), so wherever a pattern could revisit a relationship a ``WHERE`` excludes it
(``q.id <> p.id``). Neither a relationship's type nor a node's label is ever returned (Neo4j has
``type()`` / ``labels()``, LadybugDB ``label()``): where a pattern reaches nodes of several labels
(the targets of ``COMPATIBLE_WITH`` or ``MENTIONS``) the query reads properties only one label has
(``coalesce(x.kind, 'product')``). Values always travel as parameters.
:func:`representative_params` picks parameter values from the stored graph itself.

>>> from kgmine.graph.queries import QUERIES, run_named, representative_params
>>> params = representative_params(store)                      # doctest: +SKIP
>>> run_named(store, "bought_together", params)               # doctest: +SKIP
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class NamedQuery:
    """A named, parameterised read query and the parameters it needs (with defaults)."""

    name: str
    cypher: str
    doc: str
    params: tuple[str, ...] = ()
    defaults: Mapping[str, Any] = field(default_factory=dict)
    #: relationship types without whose edges the query returns no rows (and its parameter pick finds
    #: nothing): the relation edges are absent from graphs built without relation extraction
    needs: tuple[str, ...] = ()


_Q = [
    NamedQuery(
        "brands_per_category",
        """MATCH (b:Brand)<-[:HAS_BRAND]-(p:Product)-[:IN_CATEGORY]->(c:Category)
RETURN c.id AS category, count(DISTINCT b.id) AS brands, count(DISTINCT p.id) AS products
ORDER BY brands DESC, category""",
        "How many distinct brands (and products) each leaf category holds."),
    NamedQuery(
        "top_brands",
        """MATCH (p:Product)-[:HAS_BRAND]->(b:Brand)
RETURN b.id AS brand, b.name AS name, count(p) AS products
ORDER BY products DESC, brand
LIMIT $k""",
        "Brands with the most products.", ("k",), {"k": 10}),
    NamedQuery(
        "category_tree",
        """MATCH (c:Category)-[:SUBCATEGORY_OF]->(up:Category)
RETURN up.id AS parent, c.id AS child, c.level AS level
ORDER BY parent, child""",
        "Every parent -> child edge of the category hierarchy."),
    NamedQuery(
        "products_under_category",
        """MATCH (p:Product)-[:IN_CATEGORY]->(leaf:Category)-[:SUBCATEGORY_OF*1..3]->(top:Category {id: $category_id})
RETURN leaf.id AS category, count(p) AS products, min(p.price) AS min_price, max(p.price) AS max_price
ORDER BY products DESC, category""",
        "Products below a top-level category, per subcategory (variable-length hierarchy walk).",
        ("category_id",)),
    NamedQuery(
        "bought_together",
        """MATCH (p:Product {id: $product_id})<-[:BOUGHT]-(u:User)-[:BOUGHT]->(q:Product)
WHERE q.id <> p.id
RETURN q.id AS product, q.title AS title, count(DISTINCT u.id) AS buyers
ORDER BY buyers DESC, product
LIMIT $k""",
        "2-hop 'bought together': products most often bought by the buyers of a product.",
        ("product_id", "k"), {"k": 10}),
    NamedQuery(
        "top_recommendations",
        """MATCH (u:User {id: $user_id})-[r:RECOMMENDED]->(p:Product)
OPTIONAL MATCH (u)-[:BOUGHT]->(q:Product)-[:HAS_BRAND]->(b:Brand)<-[:HAS_BRAND]-(p)
WHERE q.id <> p.id
RETURN p.id AS product, r.rank AS rank, r.score AS score, r.model AS model,
       count(DISTINCT q.id) AS same_brand_purchases, min(b.name) AS via_brand
ORDER BY rank, product
LIMIT $k""",
        "A user's top recommended items, each with how many of the user's purchases share its brand.",
        ("user_id", "k"), {"k": 10}),
    NamedQuery(
        "recommendation_paths",
        """MATCH (u:User {id: $user_id})-[r:RECOMMENDED]->(p:Product)
MATCH (u)-[:BOUGHT]->(q:Product)-[:HAS_BRAND]->(b:Brand)<-[:HAS_BRAND]-(p)
WHERE q.id <> p.id
RETURN r.model AS model, r.rank AS rank, p.id AS product, q.id AS via, [u.id, q.id, b.id, p.id] AS path
ORDER BY model, rank, product, via
LIMIT $k""",
        "Explanation paths user -BOUGHT-> item -HAS_BRAND-> brand <-HAS_BRAND- recommended item.",
        ("user_id", "k"), {"k": 20}),
    NamedQuery(
        "user_brand_affinity",
        """MATCH (u:User {id: $user_id})-[:BOUGHT]->(p:Product)-[:HAS_BRAND]->(b:Brand)
RETURN b.id AS brand, count(p) AS purchases
ORDER BY purchases DESC, brand""",
        "The brands a user buys, by number of purchased products.", ("user_id",)),
    NamedQuery(
        "brand_co_purchase",
        """MATCH (b:Brand {id: $brand_id})<-[:HAS_BRAND]-(p:Product)<-[:BOUGHT]-(u:User)-[:BOUGHT]->(q:Product)-[:HAS_BRAND]->(o:Brand)
WHERE o.id <> b.id
RETURN o.id AS brand, count(DISTINCT u.id) AS users
ORDER BY users DESC, brand
LIMIT $k""",
        "4-hop: other brands bought by the buyers of a brand.", ("brand_id", "k"), {"k": 10}),
    NamedQuery(
        "frequently_bought_with",
        """MATCH (a:Product {id: $product_id})-[f:FREQUENTLY_BOUGHT_WITH]->(b:Product)
RETURN b.id AS product, f.support AS support, f.confidence AS confidence, f.lift AS lift
ORDER BY lift DESC, product""",
        "Mined association rules with a product as antecedent.", ("product_id",)),
    NamedQuery(
        "attribute_values",
        """MATCH (p:Product)-[h:HAS_ATTRIBUTE]->(a:AttributeValue)
WHERE a.attribute = $attribute
RETURN a.value AS value, count(p) AS products, min(h.confidence) AS min_confidence
ORDER BY products DESC, value""",
        "Distribution of one attribute's values, with the lowest extraction confidence.",
        ("attribute",), {"attribute": "colour"}),
    NamedQuery(
        "similar_by_attributes",
        """MATCH (p:Product {id: $product_id})-[:HAS_ATTRIBUTE]->(a:AttributeValue)<-[:HAS_ATTRIBUTE]-(q:Product)
WHERE q.id <> p.id
RETURN q.id AS product, count(a) AS shared
ORDER BY shared DESC, product
LIMIT $k""",
        "Products sharing the most attribute values with a product.", ("product_id", "k"), {"k": 10}),
    NamedQuery(
        "brand_ratings",
        """MATCH (u:User)-[r:RATED]->(p:Product)-[:HAS_BRAND]->(b:Brand)
RETURN b.id AS brand, count(r) AS ratings, sum(r.rating) / count(r) AS mean_rating
ORDER BY ratings DESC, brand""",
        "Number of ratings and mean rating per brand."),
    NamedQuery(
        "popular_products",
        """MATCH (u:User)-[:BOUGHT]->(p:Product)
RETURN p.id AS product, count(u) AS buyers
ORDER BY buyers DESC, product
LIMIT $k""",
        "The most bought products.", ("k",), {"k": 10}),
    NamedQuery(
        "cluster_sizes",
        """MATCH (p:Product)-[:IN_CLUSTER]->(c:Cluster)
RETURN c.id AS cluster, c.method AS method, count(p) AS products
ORDER BY products DESC, cluster""",
        "Size of every mined product cluster."),
    NamedQuery(
        "brand_mentions",
        """MATCH (r:Review)-[m:MENTIONS]->(b:Brand)
RETURN b.id AS brand, count(r) AS reviews, max(m.confidence) AS max_confidence
ORDER BY reviews DESC, brand""",
        "How often review texts mention each brand."),
    NamedQuery(
        "recommendation_coverage",
        """MATCH (u:User)-[r:RECOMMENDED]->(p:Product)
RETURN r.model AS model, count(r) AS recommendations, count(DISTINCT p.id) AS products,
       count(DISTINCT u.id) AS users
ORDER BY model""",
        "Per model: recommendations written, distinct items and users covered."),
    # ---- knowledge read from product text (HAS_ATTRIBUTE, MADE_OF, COMPATIBLE_WITH, PART_OF, HAS_FEATURE,
    # MENTIONS). A target node of these edges may carry any of several labels; queries never read the label
    # (Neo4j has ``type()`` / ``labels()``, LadybugDB ``label()``) but the properties only one label has.
    NamedQuery(
        "compatible_with",
        """MATCH (p:Product)-[r:COMPATIBLE_WITH]->(x)
WHERE x.id = $target OR lower(x.name) = lower($target) OR lower(r.text) = lower($target)
RETURN p.id AS product, p.title AS title, x.id AS target, coalesce(x.name, x.title) AS target_name,
       coalesce(x.kind, 'product') AS target_kind, r.text AS text, r.confidence AS confidence
ORDER BY product, target""",
        "Products compatible with a device: ``target`` is a catalog product id, a device entity id, a device "
        "name or the phrase the text used (case-insensitive), so 'iPhone 12' finds the cases linked to the "
        "shop's own iPhone 12 product.", ("target",), needs=("COMPATIBLE_WITH",)),
    NamedQuery(
        "made_of",
        """MATCH (p:Product)-[r:MADE_OF|HAS_ATTRIBUTE]->(m)
WHERE (m.attribute = 'material' AND m.value = lower($material)) OR (m.kind = 'material' AND lower(m.name) = lower($material))
WITH p, count(r) AS evidence, max(r.confidence) AS max_confidence
OPTIONAL MATCH (p)-[:HAS_BRAND]->(b:Brand)
RETURN p.id AS product, p.title AS title, min(b.id) AS brand, evidence, max_confidence
ORDER BY product""",
        "Products made of a material (a MADE_OF relation or a material attribute; evidence = edges that say "
        "so), any brand.", ("material",)),
    NamedQuery(
        "made_of_by_brand",
        """MATCH (b:Brand {id: $brand_id})<-[:HAS_BRAND]-(p:Product)-[r:MADE_OF|HAS_ATTRIBUTE]->(m)
WHERE (m.attribute = 'material' AND m.value = lower($material)) OR (m.kind = 'material' AND lower(m.name) = lower($material))
RETURN p.id AS product, p.title AS title, b.id AS brand, count(r) AS evidence, max(r.confidence) AS max_confidence
ORDER BY product""",
        "Products of one brand made of a material (as ``made_of``, brand fixed).", ("material", "brand_id")),
    NamedQuery(
        "top_seller_features",
        """MATCH (u:User)-[:BOUGHT]->(p:Product)-[:IN_CATEGORY]->(leaf:Category)-[:SUBCATEGORY_OF*0..3]->(c:Category {id: $feature_category_id})
WITH p, count(DISTINCT u.id) AS sales
ORDER BY sales DESC, p.id
LIMIT $k
MATCH (p)-[:HAS_FEATURE]->(f:Entity)
MATCH (b:User)-[:BOUGHT]->(p)
WITH f, count(DISTINCT p.id) AS products, count(DISTINCT b.id) AS buyers, min(p.id) AS first_product,
     max(p.id) AS last_product
WHERE products >= $min_products
RETURN f.id AS feature, f.name AS name, products, buyers, first_product, last_product
ORDER BY products DESC, buyers DESC, feature""",
        "Features (HAS_FEATURE entities) shared by at least ``min_products`` of the ``k`` best-selling products "
        "(most buyers) of a category or any category below it; buyers = distinct buyers of those products.",
        ("feature_category_id", "k", "min_products"), {"k": 5, "min_products": 2}, needs=("HAS_FEATURE",)),
    NamedQuery(
        "attribute_types",
        """MATCH (p:Product)-[:HAS_ATTRIBUTE]->(a:AttributeValue)
RETURN a.attribute AS attribute, count(DISTINCT a.id) AS distinct_values, count(DISTINCT p.id) AS products
ORDER BY products DESC, attribute""",
        "Every attribute type read from the text, with its number of distinct values and of products."),
    NamedQuery(
        "fact_provenance",
        """MATCH (p:Product {id: $product_id})-[r:HAS_ATTRIBUTE|MADE_OF|COMPATIBLE_WITH|PART_OF|HAS_FEATURE|MENTIONS]->(x)
RETURN CASE WHEN r.attribute IS NOT NULL THEN 'HAS_ATTRIBUTE'
            WHEN r.rule IS NULL THEN 'MENTIONS'
            WHEN x.kind = 'feature' THEN 'HAS_FEATURE'
            WHEN x.kind = 'collection' THEN 'PART_OF'
            WHEN x.kind = 'material' OR x.value IS NOT NULL THEN 'MADE_OF'
            ELSE 'COMPATIBLE_WITH' END AS relation,
       x.id AS target, r.source_doc AS source_doc, r.start_char AS start_char, r.end_char AS end_char,
       r.text AS text, r.rule AS rule, r.extractor AS extractor, r.confidence AS confidence
ORDER BY relation, target""",
        "Where each fact about a product came from: every edge read from its text with the source document, "
        "character offsets, surface text, rule, extractor and confidence (offsets and rule are null where the "
        "extractor records none, e.g. attributes).", ("product_id",)),
    NamedQuery(
        "top_mentioned_entities",
        """MATCH (s)-[m:MENTIONS]->(e)
RETURN e.id AS entity, coalesce(e.name, e.title, e.value) AS name,
       CASE WHEN e.kind IS NOT NULL THEN e.kind WHEN e.attribute IS NOT NULL THEN e.attribute
            WHEN e.title IS NOT NULL OR e.price IS NOT NULL THEN 'product' ELSE 'brand' END AS kind,
       count(m) AS mentions, count(DISTINCT s.id) AS documents,
       count(CASE WHEN m.source_doc ENDS WITH '#description' THEN 1 END) AS in_descriptions,
       count(CASE WHEN m.source_doc ENDS WITH '#description' THEN NULL ELSE 1 END) AS in_reviews
ORDER BY mentions DESC, entity
LIMIT $k""",
        "The entities (brands, products, named entities) that review texts and product descriptions mention "
        "most.", ("k",), {"k": 10}),
]

#: The representative read queries by name.
QUERIES: dict[str, NamedQuery] = {q.name: q for q in _Q}


def run_named(store: Any, name: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Run query ``name`` on ``store`` (any GraphStore) with ``params`` completed by the query's defaults.

    Raises KeyError for an unknown name and ValueError naming a missing parameter.
    """
    try:
        q = QUERIES[name]
    except KeyError:
        raise KeyError(f"unknown query {name!r}; known: {sorted(QUERIES)}") from None
    given = {**q.defaults, **dict(params or {})}
    missing = [p for p in q.params if p not in given]
    if missing:
        raise ValueError(f"query {name} needs parameter(s) {missing}")
    return store.query(q.cypher, {p: given[p] for p in q.params})


_PICKS = {
    "product_id": """MATCH (u:User)-[:BOUGHT]->(p:Product)
RETURN p.id AS v, count(u) AS n ORDER BY n DESC, v LIMIT 1""",
    "user_id": """MATCH (u:User)-[:RECOMMENDED]->(p:Product)-[:HAS_BRAND]->(b:Brand)<-[:HAS_BRAND]-(q:Product)<-[:BOUGHT]-(v:User)
WHERE v.id = u.id AND q.id <> p.id
RETURN u.id AS v, count(q) AS n ORDER BY n DESC, v LIMIT 1""",
    "brand_id": """MATCH (p:Product)-[:HAS_BRAND]->(b:Brand)
RETURN b.id AS v, count(p) AS n ORDER BY n DESC, v LIMIT 1""",
    "category_id": """MATCH (c:Category)-[:SUBCATEGORY_OF]->(top:Category)
RETURN top.id AS v, count(c) AS n ORDER BY n DESC, v LIMIT 1""",
    "attribute": """MATCH (p:Product)-[:HAS_ATTRIBUTE]->(a:AttributeValue)
RETURN a.attribute AS v, count(p) AS n ORDER BY n DESC, v LIMIT 1""",
    "target": """MATCH (p:Product)-[:COMPATIBLE_WITH]->(x)
RETURN x.id AS v, count(DISTINCT p.id) AS n ORDER BY n DESC, v LIMIT 1""",
    # a material of the picked brand's products, else the most common material
    "material": ("""MATCH (b:Brand {id: $brand_id})<-[:HAS_BRAND]-(p:Product)-[:MADE_OF|HAS_ATTRIBUTE]->(m:AttributeValue)
WHERE m.attribute = 'material'
RETURN m.value AS v, count(DISTINCT p.id) AS n ORDER BY n DESC, v LIMIT 1""",
                 """MATCH (p:Product)-[:MADE_OF|HAS_ATTRIBUTE]->(m:AttributeValue)
WHERE m.attribute = 'material'
RETURN m.value AS v, count(DISTINCT p.id) AS n ORDER BY n DESC, v LIMIT 1"""),
    # the leaf category whose bought products share the most features, else the one with most featured sales
    "feature_category_id": ("""MATCH (c:Category)<-[:IN_CATEGORY]-(p:Product)-[:HAS_FEATURE]->(f:Entity)<-[:HAS_FEATURE]-(q:Product)-[:IN_CATEGORY]->(d:Category)
WHERE d.id = c.id AND q.id <> p.id AND EXISTS { MATCH (:User)-[:BOUGHT]->(p) } AND EXISTS { MATCH (:User)-[:BOUGHT]->(q) }
RETURN c.id AS v, count(DISTINCT f.id) AS n ORDER BY n DESC, v LIMIT 1""",
                            """MATCH (u:User)-[:BOUGHT]->(p:Product)-[:HAS_FEATURE]->(f:Entity)
MATCH (p)-[:IN_CATEGORY]->(c:Category)
RETURN c.id AS v, count(DISTINCT f.id) AS n ORDER BY n DESC, v LIMIT 1"""),
}


def representative_params(store: Any) -> dict[str, Any]:
    """Parameter values chosen from the stored graph (most bought product, most active user, ...).

    Deterministic: every pick orders by a count and then by id, so both stores pick the same values.
    A parameter may have several picks, tried in order until one finds a value; a pick may use the
    parameters picked before it (``material`` is a material of the picked ``brand_id``'s products).
    Parameters whose picks find nothing are left out (their queries fall back to defaults or fail).
    """
    params: dict[str, Any] = {}
    for name, picks in _PICKS.items():
        for cypher in (picks,) if isinstance(picks, str) else picks:
            needed = re.findall(r"\$(\w+)", cypher)
            if not all(p in params for p in needed):
                continue
            frame = store.query(cypher, {p: params[p] for p in needed})
            if len(frame):
                value = frame["v"].iloc[0]
                params[name] = value.item() if hasattr(value, "item") else value
                break
    return params


__all__ = ["NamedQuery", "QUERIES", "representative_params", "run_named"]
