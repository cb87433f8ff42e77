"""Turn reader tables and extraction results into the knowledge graph's node and edge tables.

Input: a :class:`~kgmine.io.tables.ShopData` and, optionally, the extraction result (one row per
product, attribute and value, with provenance) and review mentions. Output: :class:`KGTables`,
ready for any store or export. Nothing here talks to a database.

Ids: products, users and reviews keep their source ids; a category's id is its full path
(``"Kitchen > Cookware"``); brands and attribute values get normalised keys (:func:`entity_key`),
so spelling variants that entity resolution mapped to one canonical value become one node.
"""
from __future__ import annotations

import pandas as pd

from kgmine.graph.keys import entity_key
from kgmine.graph.tables import KGTables
from kgmine.graph.text_edges import add_mention_edges, add_relation_edges
from kgmine.io.tables import CATEGORY_SEP, ShopData

#: attributes that become their own node labels rather than AttributeValue nodes
STRUCTURAL_ATTRIBUTES = ("brand", "category", "subcategory")

#: interaction event -> relationship type
EVENT_REL = {"bought": "BOUGHT", "rated": "RATED", "reviewed": "REVIEWED", "viewed": "VIEWED"}

EXTRACTION_COLUMNS = ("product_id", "attribute", "value", "extractor", "confidence", "source_doc")


def build_tables(data: ShopData, extracted: pd.DataFrame | None = None,
                 review_mentions: pd.DataFrame | None = None, relations: pd.DataFrame | None = None,
                 entities: pd.DataFrame | None = None, offers: pd.DataFrame | None = None,
                 behaviour: dict | None = None) -> KGTables:
    """Build the KG tables of ``data`` plus extracted attributes, relations, entities and review mentions.

    ``extracted`` has columns product_id, attribute, value, extractor, confidence, source_doc (as
    returned by :func:`kgmine.extract.pipeline.extract_products`). ``review_mentions`` has
    review_id, attribute, value, extractor, confidence. ``relations`` and ``entities`` are the tables of
    :func:`kgmine.extract.catalog.extract_catalog` (relations already filtered by the caller's
    confidence threshold); they become edges through :mod:`kgmine.graph.text_edges`. A catalog brand
    (``products.brand``) wins over an extracted one; of several extracted brands (attribute values and
    ``brand_of`` triples) the most confident is kept. ``offers`` (:class:`kgmine.match.merge.MergedCatalog`
    ``.offers``) become Offer nodes with an OFFER_OF edge to their product. ``behaviour``, when given, holds the
    User nodes and BOUGHT / RATED / VIEWED edge frames already built elsewhere (``{"User": frame,
    ("BOUGHT", "User", "Product"): frame, ...}``, as :func:`kgmine.spark.interaction_tables.interaction_tables_spark`
    builds them on Spark) and is used instead of building them from ``data.interactions``.
    """
    tables = KGTables()
    products = data.products
    _add_products(tables, data)
    _add_categories(tables, products)
    _add_brands_and_attributes(tables, products, _with_brand_triples(extracted, relations))
    _add_users_and_interactions(tables, data, behaviour)
    _add_reviews(tables, data, review_mentions)
    _add_item_edges(tables, data)
    if relations is not None and len(relations):
        add_relation_edges(tables, relations, products)
    if entities is not None and len(entities):
        add_mention_edges(tables, entities, products)
    if offers is not None and len(offers):
        _add_offers(tables, offers)
    return tables


def _add_offers(tables: KGTables, offers: pd.DataFrame) -> None:
    tables.add_nodes("Offer", offers.rename(columns={"offer_id": "id"})[["id", "source", "source_id", "title", "price"]])
    tables.add_edges("OFFER_OF", "Offer", "Product", pd.DataFrame({
        "src": offers["offer_id"], "dst": offers["product_id"], "score": offers["score"], "matcher": offers["matcher"]}))


def _with_brand_triples(extracted: pd.DataFrame | None, relations: pd.DataFrame | None) -> pd.DataFrame | None:
    """``extracted`` plus one brand row per ``brand_of`` triple (the brand is the triple's head)."""
    if relations is None or relations.empty:
        return extracted
    brand_of = relations[(relations["relation"] == "brand_of") & relations["head"].notna()]
    if brand_of.empty:
        return extracted
    rows = pd.DataFrame({"product_id": brand_of["product_id"], "attribute": "brand", "value": brand_of["head"],
                         "extractor": "kgmine_relations:" + brand_of["rule"], "confidence": brand_of["confidence"],
                         "source_doc": brand_of["source_doc"]})
    return rows if extracted is None else pd.concat([extracted, rows], ignore_index=True)


def _add_products(tables: KGTables, data: ShopData) -> None:
    frame = data.products.rename(columns={"product_id": "id"})[["id", "title", "description", "price"]].copy()
    frame["source"] = data.name
    referenced = pd.concat([data.interactions["product_id"], data.reviews["product_id"],
                            data.item_edges["src"], data.item_edges["dst"], data.entity_edges["product_id"]])
    stubs = pd.Index(referenced.dropna().unique()).difference(pd.Index(frame["id"]))
    if len(stubs):  # products seen in behaviour but absent from the catalog
        frame = pd.concat([frame, pd.DataFrame({"id": stubs.astype("string"), "source": data.name})],
                          ignore_index=True)
    tables.add_nodes("Product", frame)


def _add_categories(tables: KGTables, products: pd.DataFrame) -> None:
    paths = products[["product_id", "category_path"]].dropna()
    if paths.empty:
        return
    nodes, parents = {}, set()
    for path in paths["category_path"].unique():
        levels = [p.strip() for p in str(path).split(CATEGORY_SEP) if p.strip()]
        for depth in range(1, len(levels) + 1):
            full = CATEGORY_SEP.join(levels[:depth])
            nodes[full] = (levels[depth - 1], depth)
            if depth > 1:
                parents.add((full, CATEGORY_SEP.join(levels[: depth - 1])))
    tables.add_nodes("Category", pd.DataFrame(
        [{"id": k, "name": name, "level": level, "path": k} for k, (name, level) in nodes.items()]))
    if parents:
        tables.add_edges("SUBCATEGORY_OF", "Category", "Category",
                         pd.DataFrame(sorted(parents), columns=["src", "dst"]))
    leaf = paths["category_path"].map(lambda p: CATEGORY_SEP.join(x.strip() for x in str(p).split(CATEGORY_SEP)
                                                                  if x.strip()))
    edges = pd.DataFrame({"src": paths["product_id"].to_numpy(), "dst": leaf.to_numpy(),
                          "source_doc": paths["product_id"].to_numpy(), "extractor": "catalog", "confidence": 1.0})
    tables.add_edges("IN_CATEGORY", "Product", "Category", edges[edges["dst"] != ""])


def _add_brands_and_attributes(tables: KGTables, products: pd.DataFrame, extracted: pd.DataFrame | None) -> None:
    catalog = products[["product_id", "brand"]].dropna()
    catalog = catalog[catalog["brand"].str.strip() != ""]
    brand_rows = pd.DataFrame({"product_id": catalog["product_id"], "value": catalog["brand"],
                               "extractor": "catalog", "confidence": 1.0, "source_doc": catalog["product_id"]})
    attr_rows = pd.DataFrame(columns=list(EXTRACTION_COLUMNS))
    if extracted is not None and len(extracted):
        missing = [c for c in EXTRACTION_COLUMNS if c not in extracted.columns]
        if missing:
            raise ValueError(f"extraction result is missing column(s) {missing}")
        ext = extracted.dropna(subset=["product_id", "attribute", "value"])
        ext_brands = ext[(ext["attribute"] == "brand") & ~ext["product_id"].isin(catalog["product_id"])]
        ext_brands = (ext_brands.sort_values("confidence", ascending=False, kind="stable")
                      .drop_duplicates("product_id"))
        brand_rows = pd.concat([brand_rows, ext_brands[["product_id", "value", "extractor", "confidence",
                                                        "source_doc"]]], ignore_index=True)
        attr_rows = ext[~ext["attribute"].isin(STRUCTURAL_ATTRIBUTES)]
    if len(brand_rows):
        keys = brand_rows["value"].map(entity_key)
        names = pd.DataFrame({"id": keys, "name": brand_rows["value"].astype("string").str.strip()})
        tables.add_nodes("Brand", names.drop_duplicates("id"))
        tables.add_edges("HAS_BRAND", "Product", "Brand", pd.DataFrame({
            "src": brand_rows["product_id"], "dst": keys, "source_doc": brand_rows["source_doc"],
            "extractor": brand_rows["extractor"], "confidence": brand_rows["confidence"]}))
    if len(attr_rows):
        ids = attr_rows["attribute"].astype(str) + ":" + attr_rows["value"].map(entity_key)
        tables.add_nodes("AttributeValue", pd.DataFrame({
            "id": ids, "attribute": attr_rows["attribute"], "value": attr_rows["value"].map(entity_key)}))
        tables.add_edges("HAS_ATTRIBUTE", "Product", "AttributeValue", pd.DataFrame({
            "src": attr_rows["product_id"], "dst": ids, "attribute": attr_rows["attribute"],
            "source_doc": attr_rows["source_doc"], "extractor": attr_rows["extractor"],
            "confidence": attr_rows["confidence"]}))


def _add_users_and_interactions(tables: KGTables, data: ShopData, behaviour: dict | None = None) -> None:
    inter = data.interactions.rename(columns={"user_id": "src", "product_id": "dst"})
    if behaviour is not None:
        for key, frame in behaviour.items():
            if key == "User":
                tables.add_nodes("User", frame)
            elif len(frame):
                tables.add_edges(*key, frame)
    else:
        users = pd.concat([data.users["user_id"], data.interactions["user_id"], data.reviews["user_id"]]).dropna()
        tables.add_nodes("User", pd.DataFrame({"id": users.unique(), "source": data.name}))
        for event in ("bought", "rated", "viewed"):  # one edge per (user, product): the latest event's properties
            rel = EVENT_REL[event]
            rows = inter[inter["event"] == event].sort_values("timestamp", kind="stable")
            if event == "bought":  # one edge per (user, product) keeps the latest purchase and counts them all
                rows = rows.assign(purchases=rows.groupby(["src", "dst"], sort=False)["src"].transform("size"))
            if len(rows):
                tables.add_edges(rel, "User", "Product", rows)
    reviewed = inter[inter["event"] == "reviewed"]
    if len(reviewed) and len(data.reviews):
        keys = data.reviews.rename(columns={"user_id": "src", "product_id": "dst"})
        keys = keys[["src", "dst", "timestamp", "review_id"]].drop_duplicates(["src", "dst", "timestamp"])
        reviewed = reviewed.merge(keys, on=["src", "dst", "timestamp"], how="left")
    if len(reviewed):
        tables.add_edges("REVIEWED", "User", "Product", reviewed.sort_values("timestamp", kind="stable"))


def _add_reviews(tables: KGTables, data: ShopData, mentions: pd.DataFrame | None) -> None:
    reviews = data.reviews
    if reviews.empty:
        return
    tables.add_nodes("Review", reviews.rename(columns={"review_id": "id"}))
    tables.add_edges("WROTE", "User", "Review", pd.DataFrame({"src": reviews["user_id"], "dst": reviews["review_id"]}))
    tables.add_edges("REVIEW_OF", "Review", "Product",
                     pd.DataFrame({"src": reviews["review_id"], "dst": reviews["product_id"]}))
    if "REVIEWED" not in {k[0] for k in tables.edges}:
        tables.add_edges("REVIEWED", "User", "Product", pd.DataFrame({
            "src": reviews["user_id"], "dst": reviews["product_id"], "rating": reviews["rating"],
            "timestamp": reviews["timestamp"], "review_id": reviews["review_id"]}))
    if mentions is None or mentions.empty:
        return
    brands = set(tables.nodes["Brand"]["id"]) if "Brand" in tables.nodes else set()
    values = set(tables.nodes["AttributeValue"]["id"]) if "AttributeValue" in tables.nodes else set()
    m = mentions.dropna(subset=["review_id", "attribute", "value"])
    keys = m["value"].map(entity_key)
    prov = {"source_doc": m["review_id"], "extractor": m["extractor"], "confidence": m["confidence"]}
    is_brand = (m["attribute"] == "brand") & keys.isin(brands)
    if is_brand.any():
        tables.add_edges("MENTIONS", "Review", "Brand", pd.DataFrame(
            {"src": m["review_id"], "dst": keys, **prov})[is_brand])
    attr_ids = m["attribute"].astype(str) + ":" + keys
    is_attr = ~m["attribute"].isin(STRUCTURAL_ATTRIBUTES) & attr_ids.isin(values)
    if is_attr.any():
        tables.add_edges("MENTIONS", "Review", "AttributeValue", pd.DataFrame(
            {"src": m["review_id"], "dst": attr_ids, **prov})[is_attr])


def _add_item_edges(tables: KGTables, data: ShopData) -> None:
    edges = data.item_edges
    for relation, rel in (("also_bought", "ALSO_BOUGHT"), ("also_viewed", "ALSO_VIEWED")):
        rows = edges[edges["relation"] == relation]
        if len(rows):
            tables.add_edges(rel, "Product", "Product", rows.assign(source=data.name))
    other = edges[~edges["relation"].isin(["also_bought", "also_viewed"])]
    if len(other):
        tables.add_edges("RELATED_TO", "Product", "Product", other)
    ent = data.entity_edges
    if len(ent):
        tables.add_nodes("Entity", pd.DataFrame({"id": ent["entity"].unique(), "name": ent["entity"].unique()}))
        tables.add_edges("HAS_ENTITY", "Product", "Entity",
                         pd.DataFrame({"src": ent["product_id"], "dst": ent["entity"], "relation": ent["relation"]}))
