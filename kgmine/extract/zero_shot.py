"""Zero-shot scoring: the open extractor, untouched by a data set's labels, on that data set's test split.

A labelled data set names its attributes its own way (``Color(s)``, ``Metal Type``, ``Manufacturer Stock
Number``); :data:`VALUE_TYPE_MAP` — one table — says which of the extractor's value types
(:data:`kgmine.extract.lexicons.VALUE_TYPES`) answers which of them. Only mapped slots are scored, with the
WDC-PAVE / ExtractGPT metric of :mod:`kgmine.extract.attribute_eval`.

Per slot the most confident extracted value of a mapped type is predicted when its confidence reaches the
pipeline's ``extract.min_confidence`` (:data:`kgmine.config.DEFAULTS`; nothing is tuned on the data set).
The prediction is the surface as the text writes it, passed through the data set's own published
normalisation (WDC-PAVE's ``descriptions.csv``: unit conversion, delete marks, upper case; its colour
generalisation and name expansion rules are written out in :func:`wdc_colour_class` and
:data:`WDC_NAME_EXPANSION`) — the normal form is the benchmark's choice, not the extractor's.

Brands are induced (:func:`~kgmine.extract.brands.induce_brands`) from the *train* split's texts, without
its labels; nothing of the test split reaches a lexicon.
"""
from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from kgmine.extract.attribute_data import CLASSIFY, COLOUR_CLASS, AttributeDocument, load_dataset
from kgmine.extract.attribute_eval import prf, score_predictions

ANY = "*"
#: (data set, category or "*", attribute) -> value types of the open extractor that answer it
VALUE_TYPE_MAP: dict[tuple[str, str, str], tuple[str, ...]] = {
    ("wdc-pave", ANY, "Brand"): ("brand",),
    ("wdc-pave", ANY, "Manufacturer"): ("brand",),
    ("wdc-pave", ANY, "Color"): ("colour",),
    ("wdc-pave", ANY, "Color(s)"): ("colour",),
    ("wdc-pave", ANY, "Material"): ("material",),
    ("wdc-pave", "Jewelry", "Metal Type"): ("material",),
    ("wdc-pave", ANY, "Width"): ("width",),
    ("wdc-pave", ANY, "Height"): ("height",),
    ("wdc-pave", ANY, "Depth"): ("depth",),
    ("wdc-pave", ANY, "Length"): ("length",),
    ("wdc-pave", ANY, "Part Number"): ("model_number",),
    ("wdc-pave", ANY, "Manufacturer Stock Number"): ("model_number",),
    ("wdc-pave", ANY, "Model Number"): ("model_number",),
    ("wdc-pave", "Computers And Accessories", "Capacity"): ("capacity",),
    ("wdc-pave", ANY, "Pack Quantity"): ("quantity",),
    ("wdc-pave", ANY, "Size/Weight"): ("weight",),
    ("wdc-pave", ANY, "Gender"): ("gender",),
    ("ae-110k", ANY, "Brand Name"): ("brand",),
    ("ae-110k", ANY, "Model Number"): ("model_number",),
    ("ae-110k", ANY, "Model"): ("model_number",),
    ("ae-110k", ANY, "Material"): ("material",),
    ("ae-110k", ANY, "Fabric Type"): ("material",),
    ("ae-110k", ANY, "Frame Material"): ("material",),
    ("ae-110k", ANY, "Body Material"): ("material",),
    ("ae-110k", ANY, "Fingerboard Material"): ("material",),
    ("ae-110k", ANY, "Back / Side Material"): ("material",),
    ("ae-110k", ANY, "Bow Material"): ("material",),
    ("ae-110k", ANY, "Lenses Material"): ("material",),
    ("ae-110k", ANY, "Color"): ("colour",),
    ("ae-110k", ANY, "Frame Color"): ("colour",),
    ("ae-110k", ANY, "Lenses Color"): ("colour",),
    ("ae-110k", ANY, "Gender"): ("gender",),
    ("ae-110k", ANY, "Department Name"): ("gender",),
    ("ae-110k", ANY, "Pattern"): ("pattern",),
    ("ae-110k", ANY, "Length"): ("dimensions", "length"),
    ("ae-110k", ANY, "Weight"): ("weight",),
    ("ae-110k", ANY, "Quantity"): ("quantity",),
    ("ae-110k", ANY, "Size"): ("size",),
}

#: WDC-PAVE colour classes (descriptions.csv, Color Generalization) by colour family
WDC_COLOUR_CLASS = {"black": "Black", "white": "White", "brown": "Brown", "green": "Green", "beige": "Beige",
                    "grey": "Gray and Metallic", "metallic": "Gray and Metallic", "blue": "Blue", "red": "Red",
                    "pink": "Pink", "yellow": "Yellow", "purple": "Purple", "orange": "Assorted/Others",
                    "multi": "Assorted/Others", "clear": "No Color/Transparent"}
#: WDC-PAVE's Manufacturer name expansion (descriptions.csv, Name Expansion)
WDC_NAME_EXPANSION = {"HPE": "Hewlett-Packard Enterprise", "HP": "Hewlett-Packard",
                      "IBM": "International Business Machines"}


def value_types(dataset: str, category: str, attribute: str) -> tuple[str, ...]:
    """The open extractor's value types that answer ``attribute`` of ``category`` (empty: not mapped).

    An attribute named like a value type (``colour``, ``material`` ...) is that type; for a data set that
    is not in the table (a user's file) an attribute is looked up by name in every data set's rows."""
    from kgmine.extract.lexicons import VALUE_TYPES

    if attribute in VALUE_TYPES:
        return (attribute,)
    hit = VALUE_TYPE_MAP.get((dataset, category, attribute)) or VALUE_TYPE_MAP.get((dataset, ANY, attribute))
    if hit or any(d == dataset for d, _, _ in VALUE_TYPE_MAP):
        return hit or ()
    return next((t for (_, c, a), t in VALUE_TYPE_MAP.items() if a == attribute and c == ANY), ())


def mapping_table(dataset: str | None = None) -> pd.DataFrame:
    """:data:`VALUE_TYPE_MAP` as a DataFrame (dataset, category, attribute, value_types)."""
    rows = [{"dataset": d, "category": c, "attribute": a, "value_types": ", ".join(t)}
            for (d, c, a), t in VALUE_TYPE_MAP.items() if dataset in (None, d)]
    return pd.DataFrame(rows)


def wdc_colour_class(names: Sequence[str]) -> str | None:
    """WDC-PAVE's colour class of a text's colour mentions, in order: one or two colours -> the first's
    class, more than two distinct classes -> ``Assorted/Others``."""
    from kgmine.extract.colours import colour_family

    classes = [c for c in dict.fromkeys(WDC_COLOUR_CLASS.get(colour_family(n) or "") for n in names) if c]
    if not classes:
        return None
    return "Assorted/Others" if len(classes) > 2 else classes[0]


def _normalise(mode: str, surface: str) -> str | None:
    from kgmine.extract.values import get_normaliser

    if mode == CLASSIFY:  # WDC Manufacturer: name expansion
        return WDC_NAME_EXPANSION.get(surface.strip().upper(), surface.strip())
    return get_normaliser(mode)(surface)


#: the data set normalisations that read a quantity: they get the extractor's unit-bearing value
_QUANTITY_MODES = frozenset({"length_cm", "weight_kg", "weight_g", "unit_expansion", "number"})


def _written_value(record: dict, mode: str) -> str:
    """What the data set's normaliser is given: for a quantity the extractor's value (``"61 cm"``, it holds
    the unit the surface may lack: ``24`` of ``24 x 36 in``); otherwise the surface, or the lexicon's
    canonical value when the surface is a shortening of it ("Stainless" -> "stainless steel"; but
    "merino wool" stays "merino wool")."""
    surface, value = record["text"], str(record["value"])
    if mode in _QUANTITY_MODES and record["extractor"].split("+")[0] in ("measures", "dimensions"):
        return value
    if len(value) > len(surface) and surface.lower() in value.lower() and not any(c.isdigit() for c in value):
        return value
    return surface


def predict_open(docs: Sequence[AttributeDocument], schema: dict[str, dict[str, str]], dataset: str, nlp,
                 min_confidence: float, batch_size: int = 32) -> pd.DataFrame:
    """Predictions (doc_id, attribute, value, confidence, extractor, text) of the open pipeline ``nlp``."""
    from kgmine.extract.doc import attributes

    rows = []
    for d, doc in zip(docs, nlp.pipe((d.text for d in docs), batch_size=batch_size)):
        records = [r for r in attributes(doc) if r["confidence"] >= min_confidence]
        for attribute in d.gold:
            types = value_types(dataset, d.category, attribute)
            if not types:
                continue
            mode = schema.get(d.category, {}).get(attribute, "identity")
            cands = [r for r in records if r["attribute"] in types]
            if not cands:
                continue
            if mode == COLOUR_CLASS:
                ordered = sorted(cands, key=lambda r: r["start"])
                value, best = wdc_colour_class([r["value"] for r in ordered]), ordered[0]
            else:
                best = max(cands, key=lambda r: (r["confidence"], -r["start"]))
                value = _normalise(mode, _written_value(best, mode))
            if value:
                rows.append({"doc_id": d.doc_id, "attribute": attribute, "value": value,
                             "confidence": best["confidence"], "extractor": best["extractor"], "text": best["text"],
                             "value_type": best["attribute"]})
    return pd.DataFrame(rows, columns=["doc_id", "attribute", "value", "confidence", "extractor", "text",
                                       "value_type"])


def evaluate_open(dataset: str, data_root: str | Path, *, model: str | Path = "default",
                  max_test: int | None = None, split: str = "test") -> dict:
    """Score the open extractor (``model``: ``"default"`` or a span-model directory) on ``dataset``'s test split
    (``split="train"`` scores the train split instead: the development set for work on the extractor, which
    never reads its labels either). Brands are induced from the train split's texts.

    Returns the :func:`score_open` metrics.
    """
    if split not in ("test", "train"):
        raise ValueError(f"split must be 'test' or 'train', got {split!r}")
    data = load_dataset(dataset, data_root)
    docs = data.test if split == "test" else data.train
    docs = docs[:max_test] if max_test else docs
    scores = score_open(docs, dataset, data.schema, model=model, brand_texts=data.train)
    scores["split"] = split
    return scores


def score_open(docs: Sequence[AttributeDocument], dataset: str = "user", schema: dict | None = None, *,
               model: str | Path = "default", brand_texts: Sequence[AttributeDocument] | None = None) -> dict:
    """Score the open extractor on labelled ``docs`` (any labelled file: :func:`load_labelled_file`).

    ``schema`` names the data set's normaliser per category and attribute (default ``identity``);
    ``brand_texts`` are the unlabelled offers brands are induced from (default ``docs`` themselves: a user's
    file is the catalog the extractor would read). Only slots whose attribute maps onto a value type
    (:func:`value_types`) are scored. Returns the metrics of
    :func:`~kgmine.extract.attribute_eval.score_predictions` plus ``per_value_type``, ``mapping`` and run
    information.
    """
    from kgmine.config import DEFAULTS
    from kgmine.extract.brands import induce_brands
    from kgmine.extract.open_extractor import build_open_pipeline

    scored = [AttributeDocument(d.doc_id, d.category, d.title, d.description,
                                {a: g for a, g in d.gold.items() if value_types(dataset, d.category, a)})
              for d in docs]
    scored = [d for d in scored if d.gold]
    if not scored:
        raise ValueError(f"no labelled attribute maps onto a value type of the open extractor "
                         f"(see kgmine.extract.zero_shot.VALUE_TYPE_MAP)")
    t0 = time.perf_counter()
    source = brand_texts if brand_texts is not None else docs
    brands = induce_brands([d.title for d in source], [d.description for d in source])
    nlp = build_open_pipeline(brands=brands, span_model=model, relations=False)
    threshold = float(DEFAULTS["extract"]["min_confidence"])
    predictions = predict_open(scored, schema or {}, dataset, nlp, threshold)
    seconds = time.perf_counter() - t0
    scores = score_predictions(scored, predictions)
    type_of = {(d.category, a): value_types(dataset, d.category, a)[0] for d in scored for a in d.gold}
    per_pair = scores["per_pair"]
    per_pair["value_type"] = [type_of[(c, a)] for c, a in zip(per_pair["category"], per_pair["attribute"])]
    classes = ["NV", "VN", "VC", "VW"]
    per_type = per_pair.groupby("value_type")[classes].sum()
    per_type = pd.DataFrame([{"value_type": t, **prf(row), **row.to_dict()} for t, row in per_type.iterrows()])
    scores.update({"dataset": dataset, "model": str(model), "n_test": len(scored),
                   "n_slots": int(sum(len(d.gold) for d in scored)), "threshold": threshold,
                   "induced_brands": len(brands), "predict_seconds": round(seconds, 2),
                   "per_value_type": per_type, "mapping": mapping_table(dataset), "predictions": predictions})
    return scores
