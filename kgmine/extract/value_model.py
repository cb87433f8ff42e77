"""Training a span model for the open extractor: labelled offers in, a ``kgmine_span_model`` directory out.

The labels are the extractor's value types (:data:`kgmine.extract.lexicons.VALUE_TYPES`): a data set's
attribute becomes the value type :data:`kgmine.extract.zero_shot.VALUE_TYPE_MAP` names for it (or keeps
its own name when it already is one, as in a user's CSV with ``colour`` / ``material`` columns); the
other attributes are not trained. Gold values are located in the text with
:func:`~kgmine.extract.attribute_data.align_gold`; overlapping spans keep the longest.

:func:`train_value_model` holds out ``dev_fraction`` of the offers for early stopping and per-label
calibration (:meth:`~kgmine.extract.span_model.SpanModel.calibrate`), and writes the model with a
``model_card.json`` (data, licence, command, dev scores). The shipped default model is built with::

    kgmine train extractor --dataset ae-110k --data-root ../shared/data --value-types \\
        --out kgmine/extract/models/default
"""
from __future__ import annotations

import random
import time
from collections.abc import Sequence
from pathlib import Path

import spacy
import srsly

from kgmine.extract.attribute_data import AttributeDocument, align_gold
from kgmine.extract.lexicons import VALUE_TYPES
from kgmine.extract.span_model import SpanExample, span_f1, train_span_model
from kgmine.extract.tokenizer import customize_tokenizer


def value_type_of(dataset: str, category: str, attribute: str) -> str | None:
    """The value type an attribute is trained as (``None``: not trained); with ``dataset="own-attributes"``
    every attribute is trained under its own name."""
    from kgmine.extract.zero_shot import value_types

    if attribute in VALUE_TYPES or dataset == "own-attributes":
        return attribute
    types = value_types(dataset, category, attribute)
    return types[0] if types else None


def value_type_examples(docs: Sequence[AttributeDocument], dataset: str, nlp=None) -> list[SpanExample]:
    """``(text, [(start, end, value type)])`` per offer (offers without a located value keep an empty list)."""
    nlp = nlp or customize_tokenizer(spacy.blank("en"))
    out = []
    for d in docs:
        sdoc = nlp.make_doc(d.text)
        spans = []
        for attribute, values in d.gold.items():
            label = value_type_of(dataset, d.category, attribute)
            if label is None or not values:
                continue
            spans.extend((s, e, label) for s, e in align_gold(sdoc, values, "identity"))
        kept: list[tuple[int, int, str]] = []
        for s, e, label in sorted(set(spans), key=lambda x: (-(x[1] - x[0]), x[0])):
            if all(e <= ks or s >= ke for ks, ke, _ in kept):
                kept.append((s, e, label))
        out.append((d.text, sorted(kept)))
    return out


def train_value_model(docs: Sequence[AttributeDocument], out_dir: str | Path, *, dataset: str = "user",
                      source: str = "", licence: str = "", command: str = "", n_epochs: int = 15,
                      patience: int = 3, dev_fraction: float = 0.15, random_state: int = 0,
                      progress: bool = True) -> dict:
    """Train, calibrate and save a value-type span model; returns the model card (also written as JSON)."""
    if not docs:
        raise ValueError("train_value_model: no labelled offers")
    nlp = customize_tokenizer(spacy.blank("en"))
    examples = value_type_examples(docs, dataset, nlp)
    labelled = [ex for ex in examples if ex[1]]
    if not labelled:
        raise ValueError("train_value_model: no gold value of a known value type is found in the texts "
                         f"(value types: {sorted(VALUE_TYPES)})")
    order = list(range(len(examples)))
    random.Random(random_state).shuffle(order)
    n_dev = max(1, round(dev_fraction * len(order)))
    dev = [examples[i] for i in sorted(order[:n_dev])]
    train = [examples[i] for i in sorted(order[n_dev:])]
    t0 = time.perf_counter()
    model, history = train_span_model(train, nlp=nlp, dev=dev, n_epochs=n_epochs, patience=patience,
                                      random_state=random_state, progress=progress)
    seconds = time.perf_counter() - t0
    out = Path(out_dir)
    model.to_disk(out)
    counts: dict[str, int] = {}
    for _, spans in examples:
        for _, _, label in spans:
            counts[label] = counts.get(label, 0) + 1
    card = {"model": "kgmine_span_model (spaCy transition-based NER, HashEmbedCNN tok2vec)",
            "data": source or dataset, "licence": licence, "command": command,
            "offers": len(examples), "offers_with_values": len(labelled), "train_offers": len(train),
            "dev_offers": len(dev), "spans_per_value_type": dict(sorted(counts.items())),
            "dev_span_f1": round(span_f1(model, dev), 4), "label_confidence": model.label_confidence,
            "history": history, "train_seconds": round(seconds, 1), "random_state": random_state,
            "spacy": spacy.__version__}
    srsly.write_json(out / "model_card.json", card)
    return card
