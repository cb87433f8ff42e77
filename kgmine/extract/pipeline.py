"""The extraction driver: product and review texts in, one row per extracted value out.

:func:`build_pipeline` assembles a spaCy pipeline — a pretrained English model (:func:`pick_model`)
with the product tokenizer rules, then ``kgmine_gazetteer`` (catalog values), optionally
``kgmine_span_model`` (a trained tagger), ``kgmine_dimensions`` (marked measurements),
``kgmine_combiner`` (overlaps) and ``kgmine_linker`` (dependency links to the product).
:func:`extract_products` runs product titles and descriptions through it with ``nlp.pipe`` (batched, optionally multi-process) and returns a DataFrame with one
row per (product, attribute, value) — the best-confidence mention — ready for the graph builder
(HAS_BRAND / IN_CATEGORY / HAS_ATTRIBUTE edges with provenance). :func:`extract_texts` does the same
for free texts such as reviews (MENTIONS edges).
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pandas as pd
import spacy
from spacy.language import Language

# importing the component modules registers their factories with spaCy
from kgmine.extract import combiner as _combiner  # noqa: F401
from kgmine.extract import dimensions as _dimensions  # noqa: F401
from kgmine.extract import gazetteer as _gazetteer  # noqa: F401
from kgmine.extract import linker as _linker  # noqa: F401
from kgmine.extract import span_model as _span_model  # noqa: F401
from kgmine.extract.batching import PRODUCT_COLUMNS, TEXT_COLUMNS, best_per_value, clean_text, run_docs
from kgmine.extract.spacy_models import FALLBACK_MODEL, PREFERRED_MODELS, pick_model  # noqa: F401 (re-exported)
from kgmine.extract.tokenizer import customize_tokenizer
from kgmine.progress import make_progress

Vocab = Mapping[str, "Sequence[str] | Mapping[str, Sequence[str]]"]


def build_pipeline(vocab: Vocab | None = None, model: str | Language | None = None, *,
                   span_model: str | Path | None = None, attributes: Sequence[str] | None = None,
                   keep_ner: bool = False, link: bool = True, dimensions: bool = True, spans_key: str | None = None,
                   product_nouns: Sequence[str] | None = None,
                   gazetteer_config: dict | None = None, combiner_config: dict | None = None,
                   linker_config: dict | None = None) -> Language:
    """The kgmine extraction pipeline.

    ``model``: a spaCy package name, a loaded ``Language``, ``"blank"`` (tokenizer only: no parse, so
    no linking) or ``None`` for :func:`pick_model`. The pretrained ``ner`` is left out unless
    ``keep_ner`` (kgmine does not use OntoNotes entities). ``vocab`` fills the gazetteer
    (``{attribute: [values]}`` or ``{attribute: {canonical: [aliases]}}``); ``span_model`` is a
    directory saved by :meth:`~kgmine.extract.span_model.SpanModel.to_disk`; ``attributes`` restricts
    what the combiner keeps; ``dimensions`` adds ``kgmine_dimensions`` (width/depth/height/length in cm);
    ``spans_key`` (e.g. ``"kgmine"``) also mirrors the values into ``doc.spans`` — off by default, the
    driver reads ``doc._.kgmine_attributes`` and smaller docs are cheaper to pass between processes.
    """
    if isinstance(model, Language):
        nlp = model
    elif model == "blank":
        nlp = spacy.blank("en")
    else:
        name = model or pick_model()
        nlp = spacy.load(name, exclude=[] if keep_ner else ["ner"])
    customize_tokenizer(nlp)
    gaz = nlp.add_pipe("kgmine_gazetteer", config=dict(gazetteer_config or {}))
    if vocab:
        gaz.add_vocab(vocab)
    if span_model is not None:
        nlp.add_pipe("kgmine_span_model", config={"model": str(span_model)})
    if dimensions:
        nlp.add_pipe("kgmine_dimensions")
    cfg = {"attributes": list(attributes) if attributes else None, "spans_key": spans_key, **(combiner_config or {})}
    nlp.add_pipe("kgmine_combiner", config=cfg)
    if link and "parser" in nlp.pipe_names:
        lcfg = {"product_nouns": list(product_nouns) if product_nouns else None, **(linker_config or {})}
        nlp.add_pipe("kgmine_linker", config=lcfg)
    return nlp


def vocab_with_aliases(vocab: Mapping[str, Sequence[str]],
                       aliases: Mapping[str, Mapping[str, Sequence[str]]]) -> dict:
    """Merge alias tables into a vocabulary: ``aliases[attribute][canonical] = [variants]``.

    Values of ``vocab`` that are listed as a variant are folded into their canonical value, e.g.
    ``vocab_with_aliases({"colour": ["grey", "gray"]}, {"colour": {"grey": ["gray"]}})`` gives
    ``{"colour": {"grey": ["gray"]}}``.
    """
    out: dict[str, dict[str, list[str]]] = {}
    for attribute, values in vocab.items():
        table = {canon: list(vs) for canon, vs in (aliases.get(attribute) or {}).items()}
        variant_of = {v: canon for canon, vs in table.items() for v in vs}
        merged: dict[str, list[str]] = {}
        for v in values:
            canon = variant_of.get(v, v)
            merged.setdefault(canon, [])
        for canon, vs in table.items():
            merged.setdefault(canon, [])
            merged[canon] = sorted(set(merged[canon]) | set(vs))
        out[attribute] = merged
    return out


def extract_products(products: pd.DataFrame, vocab: Vocab | None = None, nlp: Language | None = None, *,
                     fields: Sequence[str] = ("title", "description"), batch_size: int = 64, n_process: int = 1,
                     min_confidence: float = 0.0, progress: bool = True) -> pd.DataFrame:
    """Extract attribute values from product texts.

    ``products`` needs ``product_id`` and the text ``fields`` (missing/NA texts are skipped). Without
    ``nlp`` a pipeline is built by :func:`build_pipeline` from ``vocab``; with ``nlp`` and ``vocab``
    the values are added to its ``kgmine_gazetteer`` (one is added if missing, before the combiner).
    Returns one row per (product_id, attribute, value) — the mention with the highest confidence —
    with columns :data:`PRODUCT_COLUMNS`; ``source_doc`` is ``"<product_id>#<field>"``.
    """
    if "product_id" not in products.columns:
        raise ValueError("extract_products: products has no 'product_id' column")
    missing = [f for f in fields if f not in products.columns]
    if missing:
        raise ValueError(f"extract_products: products has no column(s) {missing} (fields={list(fields)})")
    nlp = _ensure_pipeline(nlp, vocab)
    ids = products["product_id"].astype("string").to_numpy()
    texts = {f: products[f].to_numpy() for f in fields}

    def items() -> Iterator[tuple[str, tuple]]:
        for i, pid in enumerate(ids):
            for f in fields:
                text = clean_text(texts[f][i])
                if text:
                    yield text, (str(pid), f)

    total = sum(1 for i in range(len(ids)) for f in fields if clean_text(texts[f][i]))
    rows = []
    for records, (pid, f) in run_docs(nlp, items(), total, batch_size, n_process, progress, "extract products"):
        for r in records:
            if r["confidence"] < min_confidence:
                continue
            rows.append({"product_id": pid, "attribute": r["attribute"], "value": r["value"], "text": r["text"],
                         "start": r["start"], "end": r["end"], "field": f, "extractor": r["extractor"],
                         "confidence": r["confidence"], "source_doc": f"{pid}#{f}", "linked": r["linked"]})
    return best_per_value(rows, ["product_id", "attribute", "value"], PRODUCT_COLUMNS)


def extract_texts(texts: pd.DataFrame, vocab: Vocab | None = None, nlp: Language | None = None, *,
                  id_col: str = "review_id", text_col: str = "text", batch_size: int = 64, n_process: int = 1,
                  min_confidence: float = 0.0, progress: bool = True) -> pd.DataFrame:
    """Extract mentioned values from free texts (reviews): one row per (doc_id, attribute, value).

    Columns :data:`TEXT_COLUMNS`; ``doc_id`` is the ``id_col`` value and ``source_doc`` equals it.
    """
    for col in (id_col, text_col):
        if col not in texts.columns:
            raise ValueError(f"extract_texts: texts has no {col!r} column")
    nlp = _ensure_pipeline(nlp, vocab)
    ids = texts[id_col].astype("string").to_numpy()
    bodies = [clean_text(t) for t in texts[text_col].to_numpy()]
    items = ((body, (str(i),)) for i, body in zip(ids, bodies) if body)
    total = sum(1 for b in bodies if b)
    rows = []
    for records, (doc_id,) in run_docs(nlp, items, total, batch_size, n_process, progress, "extract texts"):
        for r in records:
            if r["confidence"] < min_confidence:
                continue
            rows.append({"doc_id": doc_id, "attribute": r["attribute"], "value": r["value"], "text": r["text"],
                         "start": r["start"], "end": r["end"], "extractor": r["extractor"],
                         "confidence": r["confidence"], "source_doc": doc_id, "linked": r["linked"]})
    return best_per_value(rows, ["doc_id", "attribute", "value"], TEXT_COLUMNS)


def _ensure_pipeline(nlp: Language | None, vocab: Vocab | None) -> Language:
    if nlp is None:
        return build_pipeline(vocab)
    if vocab:
        if "kgmine_gazetteer" in nlp.pipe_names:
            nlp.get_pipe("kgmine_gazetteer").add_vocab(vocab)
        else:
            before = "kgmine_combiner" if "kgmine_combiner" in nlp.pipe_names else None
            gaz = nlp.add_pipe("kgmine_gazetteer", before=before)
            gaz.add_vocab(vocab)
    if "kgmine_combiner" not in nlp.pipe_names:
        raise ValueError("extract: nlp has no 'kgmine_combiner' component (use build_pipeline)")
    return nlp

