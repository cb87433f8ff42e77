"""kgmine.extract — attribute values (and, in ``relations``, relations) from product text with spaCy.

spaCy components (registered as factories when :mod:`kgmine.extract.pipeline` is imported):

``kgmine_gazetteer``   catalog-value matcher (:mod:`kgmine.extract.gazetteer`)
``kgmine_span_model``  trainable NER-based value tagger (:mod:`kgmine.extract.span_model`)
``kgmine_combiner``    overlap resolution (:mod:`kgmine.extract.combiner`)
``kgmine_dimensions``  marked width/depth/height/length measurements (:mod:`kgmine.extract.dimensions`)
``kgmine_linker``      dependency links from values to the product (:mod:`kgmine.extract.linker`)

Driver: :func:`extract_products`, :func:`extract_texts`, :func:`build_pipeline`, :func:`pick_model`.
Entity resolution: :class:`EntityResolver`, :func:`resolve_extractions`.
Learning and evaluation on labelled offers: :class:`AttributeExtractor`,
:func:`evaluate_attribute_dataset`.

Names are imported lazily so that ``import kgmine.extract`` does not load spaCy.
"""
from __future__ import annotations

import importlib

_EXPORTS = {
    "extract_products": "kgmine.extract.pipeline",
    "extract_texts": "kgmine.extract.pipeline",
    "build_pipeline": "kgmine.extract.pipeline",
    "pick_model": "kgmine.extract.spacy_models",
    "vocab_with_aliases": "kgmine.extract.pipeline",
    "PRODUCT_COLUMNS": "kgmine.extract.pipeline",
    "TEXT_COLUMNS": "kgmine.extract.pipeline",
    "EntityResolver": "kgmine.extract.resolve",
    "resolve_extractions": "kgmine.extract.resolve",
    "AttributeExtractor": "kgmine.extract.attribute_model",
    "evaluate_attribute_dataset": "kgmine.extract.attribute_eval",
    "score_predictions": "kgmine.extract.attribute_eval",
    "load_dataset": "kgmine.extract.attribute_data",
    "SpanModel": "kgmine.extract.span_model",
    "train_span_model": "kgmine.extract.span_model",
    "Gazetteer": "kgmine.extract.gazetteer",
    "Combiner": "kgmine.extract.combiner",
    "Linker": "kgmine.extract.linker",
    "Dimensions": "kgmine.extract.dimensions",
    "colour_vocab": "kgmine.extract.colours",
    "colour_family": "kgmine.extract.colours",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'kgmine.extract' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
