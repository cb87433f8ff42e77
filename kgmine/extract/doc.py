"""Where kgmine's spaCy components keep their results on a ``Doc``.

Extractors (gazetteer, span model) *propose*: each appends candidate records to
``doc._.kgmine_candidates``. The combiner *decides*: it resolves overlaps and writes the accepted
values to ``doc._.kgmine_attributes`` and, for spaCy tooling (displaCy, ``Span`` access), to the
span group ``doc.spans["kgmine"]`` (label = attribute, ``kb_id`` = normalised value; switched off with
the combiner's ``spans_key=None``). The linker adds which product mention each value is attached to.

A record is a plain ``dict`` (so docs survive ``nlp.pipe(n_process=2)``, which sends them between
processes with msgpack) with the keys of :data:`RECORD_KEYS`:

``attribute``   attribute name (``brand``, ``colour``, ``Part Number`` ...)
``value``       the normalised value (what a KG node is made of)
``text``        the surface string as it appears in the text
``start``/``end``  character offsets of the surface in ``doc.text``
``extractor``   name of the component that proposed it (``gazetteer``, ``span_model`` ...)
``confidence``  a number in [0, 1]
``head``        (after linking) the text of the product mention the value is attached to, or ``None``
``linked``      (after linking) ``"product"``, ``"other"`` or ``None`` when no parse was available
"""
from __future__ import annotations

from spacy.tokens import Doc, Span

SPANS_KEY = "kgmine"
RECORD_KEYS = ("attribute", "value", "text", "start", "end", "extractor", "confidence", "head", "linked")


def register_extensions() -> None:
    """Register ``Doc._.kgmine_candidates`` and ``Doc._.kgmine_attributes`` (idempotent)."""
    if not Doc.has_extension("kgmine_candidates"):
        Doc.set_extension("kgmine_candidates", default=None)
    if not Doc.has_extension("kgmine_attributes"):
        Doc.set_extension("kgmine_attributes", default=None)


register_extensions()


def make_record(attribute: str, value: str, text: str, start: int, end: int, extractor: str,
                confidence: float) -> dict:
    """A candidate/attribute record (see module docstring)."""
    return {"attribute": attribute, "value": value, "text": text, "start": int(start), "end": int(end),
            "extractor": extractor, "confidence": float(confidence), "head": None, "linked": None}


def add_candidates(doc: Doc, records: list[dict]) -> None:
    """Append candidate records to ``doc._.kgmine_candidates``."""
    if doc._.kgmine_candidates is None:
        doc._.kgmine_candidates = []
    doc._.kgmine_candidates.extend(records)


def candidates(doc: Doc) -> list[dict]:
    """The candidate records proposed so far (empty list if none)."""
    return doc._.kgmine_candidates or []


def attributes(doc: Doc) -> list[dict]:
    """The accepted attribute records (empty list if the combiner has not run or found nothing)."""
    return doc._.kgmine_attributes or []


def set_attributes(doc: Doc, records: list[dict], spans_key: str | None = SPANS_KEY) -> None:
    """Store accepted records on the doc and, unless ``spans_key`` is ``None``, mirror them into
    ``doc.spans[spans_key]``."""
    doc._.kgmine_attributes = records
    if spans_key is None:
        return
    spans = []
    for r in records:
        span = doc.char_span(r["start"], r["end"], label=r["attribute"], kb_id=r["value"],
                             alignment_mode="expand")
        if span is not None:
            spans.append(span)
    doc.spans[spans_key] = spans


def drop_candidates(doc: Doc) -> None:
    """Remove ``doc._.kgmine_candidates`` from the doc (smaller docs to serialise between processes)."""
    doc.user_data.pop(("._.", "kgmine_candidates", None, None), None)


def record_span(doc: Doc, record: dict) -> Span | None:
    """The token span covering a record's characters (``None`` if outside the doc)."""
    return doc.char_span(record["start"], record["end"], alignment_mode="expand")
