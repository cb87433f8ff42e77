"""Edges read from text: relation triples and named-entity mentions become graph edges with provenance.

Input: the tables of :func:`kgmine.extract.catalog.extract_catalog` (``relations``, ``entities``) and the
KG tables built so far (so that an entity can resolve to a node that already exists). Output: edges added
to the :class:`~kgmine.graph.tables.KGTables`:

===================  =================================================================================
relation             edge
===================  =================================================================================
``made_of``          ``MADE_OF`` to the ``AttributeValue`` of the lexicon material the tail names
                     (:func:`material_of`), else to ``Entity {kind: "material"}``
``compatible_with``  ``COMPATIBLE_WITH`` to the catalog ``Product`` whose name is the tail ("compatible
                     with iPhone 12" -> the shop's iPhone 12), else to ``Entity {kind: "device"}``
``part_of``          ``PART_OF`` to ``Entity {kind: "collection"}``
``has_feature``      ``HAS_FEATURE`` to ``Entity {kind: "feature"}``
``brand_of``         not an edge of its own: a brand candidate (``HAS_BRAND``), see ``graph.build``
===================  =================================================================================

Entity names are resolved with :class:`~kgmine.extract.resolve.EntityResolver` per kind first (spelling
variants become one node). Mentions found by NER in descriptions and reviews become ``MENTIONS`` edges to
the ``Brand`` or ``Product`` they name, else to ``Entity {kind: <NER label>}``. Every edge carries
``source_doc``, ``start_char`` / ``end_char`` (character offsets of the tail in that document), ``rule``,
``extractor`` and ``confidence``. The product side of a triple is the product whose text it was read from.
"""
from __future__ import annotations

import re

import pandas as pd

from kgmine.graph.keys import entity_key
from kgmine.graph.tables import KGTables

#: relation -> (relationship type, entity kind)
RELATION_EDGES: dict[str, tuple[str, str]] = {
    "made_of": ("MADE_OF", "material"), "compatible_with": ("COMPATIBLE_WITH", "device"),
    "part_of": ("PART_OF", "collection"), "has_feature": ("HAS_FEATURE", "feature"),
}
_HEAD_END = re.compile(r"\s(?:for|with|compatible|fits|in|by|from)\s|,|\s[-|/]\s|\(")
_GENERIC_MATERIALS = frozenset({"wood", "metal"})
_TEXT_PROV = ["source_doc", "start_char", "end_char", "rule", "text", "extractor", "confidence"]


def product_names(products: pd.DataFrame) -> dict[str, str]:
    """``{name key: product_id}``: the key of each title's head (the title up to ``for`` / ``with`` / ``,`` ...)
    and of its head without the leading brand word; a key two products share is dropped (ambiguous)."""

    seen: dict[str, set[str]] = {}
    for pid, title in zip(products["product_id"].astype(str), products["title"].fillna("").astype(str)):
        head = _HEAD_END.split(title, maxsplit=1)[0]
        key = entity_key(head)
        for k in {key, key.split(" ", 1)[1] if " " in key else key}:
            if k:
                seen.setdefault(k, set()).add(pid)
    return {k: next(iter(v)) for k, v in seen.items() if len(v) == 1}


def _resolve_product(name_key: str, names: dict[str, str]) -> str | None:
    """The product named by ``name_key``: an exact name key, or the one whose name starts with it and then
    holds only a capacity/size word ("iphone 12 64gb")."""
    if name_key in names:
        return names[name_key]
    hits = {pid for key, pid in names.items()
            if key.startswith(name_key + " ") and re.fullmatch(r"(?:\s\d+\s?(?:gb|tb|mm|inch|in)\b)+", key[len(name_key):])}
    return hits.pop() if len(hits) == 1 else None


def _resolved_names(frame: pd.DataFrame, kind_col: str, name_col: str) -> pd.Series:
    """Canonical names per kind, merged by :class:`~kgmine.extract.resolve.EntityResolver`."""
    from kgmine.extract.resolve import EntityResolver

    table = pd.DataFrame({"attribute": frame[kind_col].astype(str), "value": frame[name_col].astype(str)})
    return EntityResolver().fit_transform(table)["value"].reset_index(drop=True)


def add_relation_edges(tables: KGTables, relations: pd.DataFrame, products: pd.DataFrame) -> dict[str, int]:
    """Add the relation triples (already thresholded by the caller) as edges; returns edges per type."""

    rel = relations[relations["relation"].isin(list(RELATION_EDGES)) & relations["tail"].notna()].copy()
    if rel.empty:
        return {}
    rel["kind"] = rel["relation"].map(lambda r: RELATION_EDGES[r][1])
    rel = rel.reset_index(drop=True)
    rel["name"] = _resolved_names(rel, "kind", "tail")
    rel["key"] = rel["name"].map(entity_key)
    rel["start_char"], rel["end_char"], rel["text"] = rel["tail_start"], rel["tail_end"], rel["tail"]
    names = product_names(products) if "title" in products else {}
    new_values: set[str] = set()
    targets, labels = [], []
    for r in rel.itertuples(index=False):
        target = None
        if r.relation == "compatible_with":
            pid = _resolve_product(r.key, names)
            if pid is not None and pid != r.product_id:
                target = ("Product", pid)
        elif r.relation == "made_of":
            material = material_of(r.tail)
            if material is not None:
                target = ("AttributeValue", f"material:{entity_key(material)}")
                new_values.add(material)
        if target is None:
            target = ("Entity", f"{r.kind}:{r.key}")
        labels.append(target[0])
        targets.append(target[1])
    rel["dst_label"], rel["dst"], rel["src"] = labels, targets, rel["product_id"]
    if new_values:
        tables.add_nodes("AttributeValue", pd.DataFrame({"id": [f"material:{entity_key(m)}" for m in new_values],
                                                         "attribute": "material",
                                                         "value": [entity_key(m) for m in new_values]}))
    ents = rel[rel["dst_label"] == "Entity"].drop_duplicates("dst")
    if len(ents):
        tables.add_nodes("Entity", pd.DataFrame({"id": ents["dst"], "name": ents["name"], "kind": ents["kind"]}))
    counts: dict[str, int] = {}
    rel = rel.sort_values("confidence", ascending=False, kind="stable")
    for (relation, dst_label), group in rel.groupby(["relation", "dst_label"], sort=True):
        type_ = RELATION_EDGES[relation][0]
        edges = group.drop_duplicates(["src", "dst"])[["src", "dst", *_TEXT_PROV]]
        tables.add_edges(type_, "Product", dst_label, edges)
        counts[type_] = counts.get(type_, 0) + len(edges)
    return counts


def material_of(phrase: str) -> str | None:
    """The canonical material a phrase names ("ripstop nylon" -> "nylon", "solid oak wood" -> "oak"): the
    longest lexicon spelling (:func:`~kgmine.extract.lexicons.material_vocab`) found in it as whole words, a
    specific material before a generic one (``wood``, ``metal``)."""

    key = f" {entity_key(phrase)} "
    best = None
    for canonical, aliases in _material_table().items():
        for surface in (canonical, *aliases):
            rank = (canonical not in _GENERIC_MATERIALS, len(surface))
            if f" {surface} " in key and (best is None or rank > best[1]):
                best = (canonical, rank)
    return best[0] if best else None


def _material_table() -> dict[str, list[str]]:
    from kgmine.extract.lexicons import material_vocab

    return {m: [a.lower() for a in aliases] for m, aliases in material_vocab().items()}


def add_mention_edges(tables: KGTables, entities: pd.DataFrame, products: pd.DataFrame) -> int:
    """Add NER mentions (descriptions and reviews) as ``MENTIONS`` edges; returns how many."""

    if entities is None or entities.empty:
        return 0
    ents = entities[~entities["source_doc"].astype(str).str.endswith("#title")].copy()
    ents = ents[ents["text"].astype(str).str.len() >= 2]
    if ents.empty:
        return 0
    ents["kind"] = ents["label"].str.lower()
    ents = ents.reset_index(drop=True)
    ents["name"] = _resolved_names(ents, "kind", "text")
    ents["key"] = ents["name"].map(entity_key)
    brands = set(tables.nodes["Brand"]["id"]) if "Brand" in tables.nodes else set()
    names = product_names(products) if "title" in products else {}
    src_label = ents["source"].map({"product": "Product", "review": "Review"})
    dst_label, dst = [], []
    for key, kind in zip(ents["key"], ents["kind"]):
        pid = _resolve_product(key, names)
        if key in brands:
            dst_label.append("Brand"), dst.append(key)
        elif pid is not None:
            dst_label.append("Product"), dst.append(pid)
        else:
            dst_label.append("Entity"), dst.append(f"{kind}:{key}")
    ents["src_label"], ents["dst_label"], ents["dst"], ents["src"] = src_label, dst_label, dst, ents["doc_id"]
    ents = ents[~((ents["src_label"] == "Product") & (ents["dst"] == ents["src"]))]
    new = ents[ents["dst_label"] == "Entity"].drop_duplicates("dst")
    if len(new):
        tables.add_nodes("Entity", pd.DataFrame({"id": new["dst"], "name": new["name"], "kind": new["kind"]}))
    ents = ents.assign(extractor="spacy_ner", confidence=0.5)
    n = 0
    for (sl, dl), group in ents.groupby(["src_label", "dst_label"], sort=True):
        edges = group.drop_duplicates(["src", "dst"]).rename(columns={"start": "start_char", "end": "end_char"})
        edges = edges[["src", "dst", "source_doc", "start_char", "end_char", "label", "extractor", "confidence"]]
        tables.add_edges("MENTIONS", sl, dl, edges)
        n += len(edges)
    return n
