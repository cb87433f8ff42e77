"""Open extraction of a whole catalog: product texts and reviews in, attribute / relation / entity tables out.

:func:`extract_catalog` is what ``kgmine run`` calls. It

1. induces brand names from the catalog's own titles and descriptions (no labels, no lexicon of brands:
   :func:`~kgmine.extract.brands.induce_brands`), and adds the catalog's brand column if it has one;
2. builds the open-vocabulary pipeline (:func:`~kgmine.extract.open_extractor.build_open_pipeline`) —
   or uses the caller's ``nlp`` (a pipeline saved by ``kgmine train extractor``);
3. runs every product title and description through it once (batched, optionally multi-process) and
   collects attribute values, relation triples and named entities with their provenance
   (``source_doc`` = ``"<product_id>#<field>"``, character offsets into that field's text);
4. runs the review texts for mentioned values and entities.

Relation confidences are the measured precision of the rule that produced them
(:func:`~kgmine.extract.relation_confidence.rule_precision`), not the rules' hand-set priors.
"""
from __future__ import annotations

import re

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from spacy.language import Language

from kgmine.extract.brands import induce_brands
from kgmine.extract.open_extractor import build_open_pipeline, doc_payload
from kgmine.extract.batching import PRODUCT_COLUMNS, TEXT_COLUMNS, best_per_value, clean_text, run_docs

RELATION_COLUMNS = ["product_id", "field", "source_doc", "head", "relation", "tail", "head_start", "head_end",
                    "tail_start", "tail_end", "extractor", "rule", "confidence", "prior"]
ENTITY_COLUMNS = ["doc_id", "source", "label", "text", "start", "end", "source_doc"]


@dataclass
class CatalogExtraction:
    """What :func:`extract_catalog` found.

    ``attributes``: one row per (product, attribute, value), columns :data:`~kgmine.extract.pipeline.PRODUCT_COLUMNS`;
    ``relations``: one row per triple, columns :data:`RELATION_COLUMNS` (``confidence`` = the rule's measured
    precision, ``prior`` = the rule's hand-set prior);
    ``entities``: named entities in product texts (``source`` = ``"product"``, ``doc_id`` = product id) and
    reviews (``"review"``, review id), columns :data:`ENTITY_COLUMNS`;
    ``review_mentions``: values mentioned in reviews, columns :data:`~kgmine.extract.pipeline.TEXT_COLUMNS`
    with ``review_id`` for ``doc_id``; ``brands``: the induced brand names and their evidence.
    """

    attributes: pd.DataFrame
    relations: pd.DataFrame
    entities: pd.DataFrame
    review_mentions: pd.DataFrame | None = None
    brands: dict[str, int] = field(default_factory=dict)


def catalog_brands(products: pd.DataFrame) -> dict[str, int]:
    """Brands induced from ``products`` titles (and descriptions), see :func:`~kgmine.extract.brands.induce_brands`."""
    titles = [clean_text(t) for t in products["title"].to_numpy()] if "title" in products else []
    texts = [clean_text(t) for t in products["description"].to_numpy()] if "description" in products else []
    return induce_brands(titles, texts)


def _known_brands(products: pd.DataFrame) -> dict[str, list[str]]:
    """The catalog's brand column as gazetteer vocabulary, without values that only name the catalog's
    product type (a brand field "Gift Card" in a catalog whose categories are "Gift Cards")."""
    if "brand" not in products:
        return {}
    names = products["brand"].dropna().astype(str).str.strip()
    type_words = _category_words(products)
    names = sorted(n for n in set(names[names != ""]) if not _words(n) <= type_words)
    return {"brand": names} if names else {}


def _words(text: str) -> set[str]:
    return {w[:-1] if w.endswith("s") and len(w) > 3 else w for w in re.findall(r"[a-z0-9]+", text.lower())}


def _category_words(products: pd.DataFrame) -> set[str]:
    if "category_path" not in products:
        return set()
    paths = products["category_path"].dropna().astype(str).unique()
    return set().union(*(_words(p) for p in paths)) if len(paths) else set()


def extract_catalog(products: pd.DataFrame, reviews: pd.DataFrame | None = None, nlp: Language | None = None, *,
                    span_model: str | Path | None = "default", fields: Sequence[str] = ("title", "description"),
                    batch_size: int = 64, n_process: int = 1, progress: bool = True) -> CatalogExtraction:
    """Extract attributes, relations and entities from a catalog (see module docstring).

    ``products`` needs ``product_id`` and the text ``fields`` present in it; ``reviews`` (optional) needs
    ``review_id`` and ``text``. Without ``nlp`` the open pipeline is built with the brands induced from
    this catalog plus its own brand column, and ``span_model`` (``"default"``: the shipped model; a directory
    from ``kgmine train extractor``; ``None``: none).
    """
    from kgmine.extract.relation_confidence import rule_precision

    if "product_id" not in products.columns:
        raise ValueError("extract_catalog: products has no 'product_id' column")
    fields = [f for f in fields if f in products.columns]
    brands = catalog_brands(products)
    if nlp is None:
        nlp = build_open_pipeline(brands=brands, vocab=_known_brands(products), span_model=span_model)
    ids = products["product_id"].astype("string").to_numpy()
    texts = {f: [clean_text(t) for t in products[f].to_numpy()] for f in fields}

    def items() -> Iterator[tuple[str, tuple]]:
        for i, pid in enumerate(ids):
            for f in fields:
                if texts[f][i]:
                    yield texts[f][i], (str(pid), f)

    total = sum(1 for f in fields for t in texts[f] if t)
    attr_rows, rel_rows, ent_rows = [], [], []
    precision = rule_precision()
    for payload, (pid, f) in run_docs(nlp, items(), total, batch_size, n_process, progress, "extract products",
                                  payload=doc_payload):
        doc = f"{pid}#{f}"
        for r in payload["attributes"]:
            attr_rows.append({"product_id": pid, "attribute": r["attribute"], "value": r["value"], "text": r["text"],
                              "start": r["start"], "end": r["end"], "field": f, "extractor": r["extractor"],
                              "confidence": r["confidence"], "source_doc": doc, "linked": r["linked"]})
        for r in payload["relations"]:
            rel_rows.append({"product_id": pid, "field": f, "source_doc": doc,
                             **{k: r[k] for k in RELATION_COLUMNS[3:12]},
                             "confidence": precision.get(r["rule"], 0.0), "prior": r["confidence"]})
        ent_rows.extend({"doc_id": pid, "source": "product", **e, "source_doc": doc} for e in payload["entities"])
    mentions = None
    if reviews is not None and len(reviews):
        mentions, review_ents = _extract_reviews(nlp, reviews, batch_size, n_process, progress)
        ent_rows.extend(review_ents)
    relations = pd.DataFrame(rel_rows, columns=RELATION_COLUMNS)
    for col in ("head_start", "head_end", "tail_start", "tail_end"):
        relations[col] = relations[col].astype("Int64")
    relations["confidence"] = relations["confidence"].astype(float)
    return CatalogExtraction(
        attributes=best_per_value(attr_rows, ["product_id", "attribute", "value"], PRODUCT_COLUMNS),
        relations=relations, entities=pd.DataFrame(ent_rows, columns=ENTITY_COLUMNS),
        review_mentions=mentions, brands=brands)


def _extract_reviews(nlp: Language, reviews: pd.DataFrame, batch_size: int, n_process: int,
                     progress: bool) -> tuple[pd.DataFrame, list[dict]]:
    for col in ("review_id", "text"):
        if col not in reviews.columns:
            raise ValueError(f"extract_catalog: reviews has no {col!r} column")
    ids = reviews["review_id"].astype("string").to_numpy()
    bodies = [clean_text(t) for t in reviews["text"].to_numpy()]
    items = ((body, (str(i),)) for i, body in zip(ids, bodies) if body)
    rows, ents = [], []
    with nlp.select_pipes(disable=[p for p in ("kgmine_relations", "kgmine_linker") if p in nlp.pipe_names]):
        for payload, (doc_id,) in run_docs(nlp, items, sum(1 for b in bodies if b), batch_size, n_process, progress,
                                       "extract reviews", payload=doc_payload):
            rows.extend({"doc_id": doc_id, **{k: r[k] for k in ("attribute", "value", "text", "start", "end",
                                                                  "extractor", "confidence")},
                         "source_doc": doc_id, "linked": r["linked"]} for r in payload["attributes"])
            ents.extend({"doc_id": doc_id, "source": "review", **e, "source_doc": doc_id}
                        for e in payload["entities"])
    mentions = best_per_value(rows, ["doc_id", "attribute", "value"], TEXT_COLUMNS)
    return mentions.rename(columns={"doc_id": "review_id"}), ents
