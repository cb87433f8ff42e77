"""The open-vocabulary default extractor: any English catalog, nothing from the user but the text.

:func:`build_open_pipeline` assembles one spaCy pipeline (save it with ``nlp.to_disk``, load it with
``spacy.load``) from a pretrained English model and kgmine's components:

==========================  =====================================================================
component                   proposes
==========================  =====================================================================
``kgmine_gazetteer``        colour, material, pattern, gender/age from the shipped lexicons
                            (:mod:`kgmine.extract.colours`, :mod:`kgmine.extract.lexicons`), plus
                            brands induced from the catalog (:func:`~kgmine.extract.brands.induce_brands`)
                            and any vocabulary the caller adds
``kgmine_brand_rules``      brands named by a marker ("by X", "X®", "Brand: X")
``kgmine_measures``         size, dimensions, weight, volume, capacity, quantity (unit grammar)
``kgmine_dimensions``       marked width / depth / height / length / diameter
``kgmine_codes``            model / part numbers by their shape
``kgmine_value_checks``     drops implausible candidates (:mod:`kgmine.extract.value_checks`)
``kgmine_span_model``       a trained tagger (the shipped model in ``kgmine/extract/models/default``
                            when present, or a directory saved by ``kgmine train extractor``)
``kgmine_combiner``         overlap resolution
``kgmine_linker``           is the value about the product?
``kgmine_relations``        made_of / compatible_with / part_of / has_feature / brand_of triples
==========================  =====================================================================

The pretrained ``ner`` is kept: its ORG / PRODUCT / GPE ... entities become MENTIONS edges, and the
relation rules' brand filter reads them. :func:`doc_payload` turns one processed Doc into plain
records (attributes, relations, entities) that survive being sent between processes.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

from kgmine.extract import brands as _brands
from kgmine.extract import codes as _codes  # noqa: F401  (registers kgmine_codes)
from kgmine.extract import measures as _measures  # noqa: F401  (registers kgmine_measures)
from kgmine.extract import value_checks as _value_checks  # noqa: F401  (registers kgmine_value_checks)
from kgmine.extract.colours import COLOUR_FAMILIES
from kgmine.extract.doc import add_candidates, attributes, make_record
from kgmine.extract.lexicons import gender_vocab, material_vocab, pattern_vocab

#: where the shipped span model lives (absent in a checkout that has not trained it)
DEFAULT_MODEL_DIR = Path(__file__).parent / "models" / "default"

#: spaCy entity labels kept as mentions (OntoNotes)
ENTITY_LABELS = ("ORG", "PRODUCT", "GPE", "NORP", "FAC", "LOC", "WORK_OF_ART", "EVENT")

#: colour names that name a material first (kept out of the colour lexicon)
MATERIAL_COLOURS = frozenset({"stainless", "stainless steel", "steel", "aluminum", "chrome", "nickel", "brushed nickel",
                              "titanium", "platinum", "pewter", "oak", "walnut", "mahogany", "denim", "kraft", "manila",
                              "chestnut", "cherry"})
#: per attribute, lexicon words that are also ordinary words or another attribute's value: lower confidence
AMBIGUOUS: dict[str, frozenset[str]] = {
    "colour": frozenset({"natural", "clear", "rose", "wine", "coffee", "sand", "ash", "smoke", "cardinal", "brick",
                         "salmon", "lime", "orange", "gold", "silver", "chocolate", "mocha", "amber", "jade", "ruby",
                         "emerald", "pearl", "lemon", "plum", "rust", "copper", "bronze", "slate", "camel",
                         "champagne", "cream", "coral", "peach", "mint", "sage", "olive", "espresso", "cognac",
                         "buff", "oatmeal", "graphite", "charcoal", "ivory", "ebony", "onyx", "indigo", "violet",
                         "lavender", "orchid", "canary", "mustard", "tan", "metallic", "frosted", "transparent",
                         "translucent", "assorted"}),
    "material": frozenset({"gold", "silver", "copper", "bronze", "stone", "crystal", "glass", "paper", "canvas",
                           "mesh", "wood", "metal", "plastic", "foam", "tin", "chrome", "satin", "velvet", "carbon",
                           "resin", "quartz", "cork", "rubber", "flannel", "modal", "acrylic", "vinyl", "poly"}),
    "pattern": frozenset({"solid", "solid color", "solid colour", "abstract", "geometric", "quilted", "chevron",
                          "embroidered", "embroidery", "spotted", "dotted"}),
    "gender": frozenset({"kids", "baby", "adult", "adults", "teens", "teen", "youth", "junior", "juniors", "child",
                         "children", "infant", "unisex"}),
}
LEXICON_CONFIDENCE = 0.85
AMBIGUOUS_CONFIDENCE = 0.45


def colour_names() -> dict[str, list[str]]:
    """Every colour name of :data:`~kgmine.extract.colours.COLOUR_FAMILIES` as its own canonical value,
    with the spellings that mean the same shade."""
    names: dict[str, list[str]] = {n: [] for fam in COLOUR_FAMILIES.values() for n in fam
                                   if n not in MATERIAL_COLOURS}
    names.update({"grey": ["gray"], "charcoal": ["charcoal grey", "charcoal gray"], "navy": ["navy blue"],
                  "multicolor": ["multicolour", "multi-color", "multi-colour"]})
    for alias in ("multicolour", "multi-color", "multi-colour"):
        names.pop(alias, None)
    return names


def lexicon_vocab() -> dict[str, dict[str, list[str]]]:
    """The shipped lexicons as a gazetteer vocabulary ``{attribute: {canonical: [aliases]}}``."""
    return {"colour": colour_names(), "material": material_vocab(), "pattern": pattern_vocab(),
            "gender": gender_vocab()}


def lexicon_confidence(vocab: Mapping[str, Mapping[str, Sequence[str]]]) -> dict[str, dict[str, float]]:
    """Per-surface confidence: :data:`AMBIGUOUS_CONFIDENCE` for ambiguous words, else :data:`LEXICON_CONFIDENCE`."""
    out: dict[str, dict[str, float]] = {}
    for attribute, table in vocab.items():
        conf = out.setdefault(attribute, {})
        for canonical, aliases in table.items():
            for surface in (canonical, *aliases):
                ambiguous = surface.lower() in AMBIGUOUS.get(attribute, ())
                conf[surface] = AMBIGUOUS_CONFIDENCE if ambiguous else LEXICON_CONFIDENCE
    return out


class BrandRules:
    """``kgmine_brand_rules``: brand candidates from marker phrases (:func:`~kgmine.extract.brands.find_brand_mentions`)."""

    def __init__(self, nlp: Language, name: str = "kgmine_brand_rules", *, confidence: float = 0.75,
                 extractor: str = "brand_rules") -> None:
        self.name = name
        self.confidence = float(confidence)
        self.extractor = extractor

    def __call__(self, doc: Doc) -> Doc:
        """Append one brand candidate per marked name."""
        add_candidates(doc, [make_record("brand", name, doc.text[s:e], s, e, self.extractor, self.confidence)
                             for s, e, name in _brands.find_brand_mentions(doc.text)])
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterable[Doc]:
        """Process a stream of docs."""
        for doc in docs:
            yield self(doc)


@Language.factory("kgmine_brand_rules", default_config={"confidence": 0.75, "extractor": "brand_rules"})
def make_brand_rules(nlp: Language, name: str, confidence: float, extractor: str) -> BrandRules:
    """Factory of :class:`BrandRules`."""
    return BrandRules(nlp, name, confidence=confidence, extractor=extractor)


def default_span_model() -> Path | None:
    """The shipped span model directory, or ``None`` when this installation has none."""
    return DEFAULT_MODEL_DIR if (DEFAULT_MODEL_DIR / "cfg.json").is_file() else None


def build_open_pipeline(model: str | Language | None = None, *, brands: Mapping[str, int] | None = None,
                        vocab: Mapping | None = None, span_model: str | Path | None = "default",
                        relations: bool = True, relation_config: dict | None = None,
                        link: bool = True) -> Language:
    """The open-vocabulary extraction pipeline (see module docstring).

    ``brands``: induced brand names with their evidence (:func:`~kgmine.extract.brands.induce_brands`);
    ``vocab``: further known values ``{attribute: values}`` (a catalog's own brand column, say);
    ``span_model``: ``"default"`` (the shipped model if installed), a directory, or ``None``;
    ``relations``: add ``kgmine_relations`` (needs a parser).
    """
    from kgmine.extract.pipeline import build_pipeline

    span_dir = default_span_model() if span_model == "default" else span_model
    nlp = build_pipeline(None, model, span_model=span_dir, keep_ner=True, link=link,
                         gazetteer_config={"split_ambiguous": True},
                         combiner_config={"allow_nested_attributes": True})
    gaz = nlp.get_pipe("kgmine_gazetteer")
    lex = lexicon_vocab()
    gaz.add_vocab(lex, confidence=lexicon_confidence(lex))
    if brands:
        gaz.add_values("brand", list(brands), confidence={b: _brands.brand_confidence(n) for b, n in brands.items()})
    if vocab:
        gaz.add_vocab(vocab)
    nlp.add_pipe("kgmine_brand_rules", after="kgmine_gazetteer")
    nlp.add_pipe("kgmine_measures", after="kgmine_brand_rules")
    nlp.add_pipe("kgmine_codes", after="kgmine_measures")
    nlp.add_pipe("kgmine_value_checks", before="kgmine_combiner")
    if relations and "parser" in nlp.pipe_names:
        from kgmine.extract import relations as _relations  # noqa: F401  (registers kgmine_relations)

        nlp.add_pipe("kgmine_relations", config=dict(relation_config or {}))
    return nlp


def doc_payload(doc: Doc) -> dict[str, list[dict]]:
    """Plain records of one processed doc: ``attributes``, ``relations`` and ``entities``."""
    rels = []
    if Doc.has_extension("kgmine_relation_records"):
        from kgmine.extract.relations import relation_records

        rels = relation_records(doc)
    ents = [{"label": e.label_, "text": e.text, "start": e.start_char, "end": e.end_char}
            for e in doc.ents if e.label_ in ENTITY_LABELS]
    return {"attributes": attributes(doc), "relations": rels, "entities": ents}
