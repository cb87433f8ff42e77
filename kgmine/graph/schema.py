"""The kgmine knowledge-graph schema: node labels, relationship types, their properties.

One schema serves every store. Each node label has a string primary key ``id``; each relationship
type lists the (source label, target label) pairs it may connect and its typed properties. Stores
create their DDL (LadybugDB) or constraints and indexes (Neo4j) from this module, and
:func:`check_identifier` guards every label or type that ever reaches a Cypher string.

Extracted edges carry provenance (:data:`PROVENANCE`): the id of the source document, the name of
the extractor and its confidence.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# Cypher-facing types; the LadybugDB DDL uses them as written, Neo4j ignores them.
STRING, DOUBLE, INT64 = "STRING", "DOUBLE", "INT64"

PROVENANCE: dict[str, str] = {"source_doc": STRING, "extractor": STRING, "confidence": DOUBLE}


@dataclass(frozen=True)
class NodeType:
    """A node label with primary key ``id`` and typed properties (besides ``id``)."""

    label: str
    properties: dict[str, str]
    doc: str = ""


@dataclass(frozen=True)
class RelType:
    """A relationship type, the label pairs it connects, and its typed properties."""

    type: str
    pairs: tuple[tuple[str, str], ...]
    properties: dict[str, str]
    doc: str = ""


NODE_TYPES: dict[str, NodeType] = {
    n.label: n
    for n in [
        NodeType("Product", {"title": STRING, "description": STRING, "price": DOUBLE, "source": STRING,
                             "pagerank": DOUBLE, "degree": INT64, "betweenness": DOUBLE,
                             "component": INT64}, "a catalog item"),
        NodeType("Brand", {"name": STRING}, "a resolved brand"),
        NodeType("Category", {"name": STRING, "level": INT64, "path": STRING}, "a category; path is the full path"),
        NodeType("AttributeValue", {"attribute": STRING, "value": STRING},
                 "a normalised attribute value, id = 'attribute:value'"),
        NodeType("User", {"source": STRING}, "a shopper"),
        NodeType("Review", {"text": STRING, "rating": DOUBLE, "timestamp": INT64}, "one review text"),
        NodeType("Cluster", {"method": STRING, "label": STRING, "size": INT64}, "a mined cluster"),
        NodeType("Community", {"method": STRING, "size": INT64}, "a graph community"),
        NodeType("Offer", {"source": STRING, "source_id": STRING, "title": STRING, "price": DOUBLE},
                 "one source's record of a product (id = 'source:source_id'), when several catalogs are merged"),
    ]
}

_PROV = dict(PROVENANCE)
#: provenance of an edge read from text: where (character offsets into the source document) and which rule
TEXT_PROVENANCE: dict[str, str] = {"rule": STRING, "start_char": INT64, "end_char": INT64, "text": STRING,
                                   **PROVENANCE}
REL_TYPES: dict[str, RelType] = {
    r.type: r
    for r in [
        RelType("HAS_BRAND", (("Product", "Brand"),), _PROV, "product is made by brand (extracted or given)"),
        RelType("IN_CATEGORY", (("Product", "Category"),), _PROV, "product belongs to category"),
        RelType("SUBCATEGORY_OF", (("Category", "Category"),), {}, "child category -> parent category"),
        RelType("HAS_ATTRIBUTE", (("Product", "AttributeValue"),), {"attribute": STRING, **_PROV},
                "product has attribute value; typed by the attribute property"),
        RelType("BOUGHT", (("User", "Product"),),
                {"timestamp": INT64, "basket_id": STRING, "split": STRING, "purchases": INT64},
                "the user bought the product: one edge per pair; purchases = how many purchase events the "
                "source holds, timestamp / basket_id / split those of the latest"),
        RelType("RATED", (("User", "Product"),), {"rating": DOUBLE, "timestamp": INT64, "split": STRING},
                "an explicit rating"),
        RelType("REVIEWED", (("User", "Product"),), {"rating": DOUBLE, "timestamp": INT64, "review_id": STRING},
                "user reviewed product"),
        RelType("VIEWED", (("User", "Product"),), {"timestamp": INT64, "split": STRING},
                "the user viewed the product: one edge per pair, timestamp / split those of the latest view"),
        RelType("WROTE", (("User", "Review"),), {}, "user wrote review"),
        RelType("REVIEW_OF", (("Review", "Product"),), {}, "review is about product"),
        RelType("ALSO_BOUGHT", (("Product", "Product"),), {"source": STRING}, "catalog co-purchase link"),
        RelType("ALSO_VIEWED", (("Product", "Product"),), {"source": STRING}, "catalog co-view link"),
        RelType("MENTIONS", (("Review", "Brand"), ("Review", "AttributeValue"), ("Review", "Product"),
                             ("Review", "Entity"), ("Product", "Brand"), ("Product", "Product"), ("Product", "Entity")),
                {**_PROV, "start_char": INT64, "end_char": INT64, "label": STRING},
                "a review or product text mentions an entity (label: the NER label, if any)"),
        RelType("MADE_OF", (("Product", "AttributeValue"), ("Product", "Entity")), TEXT_PROVENANCE,
                "product is made of a material (relation rule over the product text)"),
        RelType("COMPATIBLE_WITH", (("Product", "Product"), ("Product", "Entity")), TEXT_PROVENANCE,
                "product works with a device: a catalog product when the name resolves to one"),
        RelType("PART_OF", (("Product", "Entity"),), TEXT_PROVENANCE, "product belongs to a collection or set"),
        RelType("HAS_FEATURE", (("Product", "Entity"),), TEXT_PROVENANCE, "product has a feature"),
        RelType("OFFER_OF", (("Offer", "Product"),), {"score": DOUBLE, "matcher": STRING},
                "the offer is a record of the product; score: the match score that linked it (1.0 for the "
                "product's first offer), matcher: which matcher"),
        RelType("IN_CLUSTER", (("Product", "Cluster"), ("User", "Cluster")), {"score": DOUBLE},
                "mined cluster membership"),
        RelType("IN_COMMUNITY", (("Product", "Community"),), {}, "graph community membership"),
        RelType("FREQUENTLY_BOUGHT_WITH", (("Product", "Product"),),
                {"support": DOUBLE, "confidence": DOUBLE, "lift": DOUBLE, "leverage": DOUBLE,
                 "conviction": DOUBLE}, "mined association rule antecedent -> consequent"),
        RelType("RECOMMENDED", (("User", "Product"),), {"score": DOUBLE, "rank": INT64, "model": STRING},
                "top-K recommendation"),
        RelType("RELATED_TO", (("Product", "Product"),), {"relation": STRING}, "other item-item KG triples"),
        RelType("HAS_ENTITY", (("Product", "Entity"),), {"relation": STRING}, "item-entity KG triple"),
    ]
}

NODE_TYPES["Entity"] = NodeType("Entity", {"name": STRING, "kind": STRING},
                                "a non-product KG entity: a device, collection, feature, material or a named "
                                "entity read from text (kind says which), or a RecBole .kg tail")

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


def check_identifier(name: str, kind: str = "identifier") -> str:
    """Return ``name`` if it is a safe Cypher identifier (letters, digits, ``_``), else raise ValueError.

    Labels, relationship types and property names are the only things kgmine ever puts into a
    Cypher string; all values travel as parameters.
    """
    if not isinstance(name, str) or not _IDENT.match(name):
        raise ValueError(f"invalid {kind} {name!r}: use letters, digits and '_' only")
    return name


def node_type(label: str) -> NodeType:
    """The schema entry of ``label``; ValueError naming the known labels if it is unknown."""
    return _entry(NODE_TYPES, label, "label", "node label")


def rel_type(type_: str) -> RelType:
    """The schema entry of relationship type ``type_``; ValueError if unknown."""
    return _entry(REL_TYPES, type_, "relationship type", "relationship type")


def _entry(table: dict, name: str, kind: str, known_as: str):
    """``table[name]`` once ``name`` passes :func:`check_identifier` (as a ``kind``); ValueError naming
    the known ``known_as`` entries if it is not there."""
    check_identifier(name, kind)
    try:
        return table[name]
    except KeyError:
        raise ValueError(f"unknown {known_as} {name!r}; known: {sorted(table)}") from None
