"""``kgmine_combiner``: turns the candidates of all extractors into one consistent set of values.

Rules, in order:

1. keep only candidates of the configured ``attributes`` (all when ``None``) with
   ``confidence >= min_confidence``;
2. merge candidates that agree (same characters, same attribute, same value): the merged confidence
   is the ``agreement`` rule over the extractors' confidences — ``"max"``, or ``"noisy_or"``
   (1 - prod(1 - c), two independent extractors agreeing are more credible than either) — and the
   extractor names are joined with ``+``;
3. resolve overlapping spans greedily: candidates are ranked by ``prefer`` — ``"longest"`` (length, then
   confidence) or ``"confidence"`` (confidence, then length) — and a candidate is dropped when its
   characters overlap an already accepted one; with ``allow_nested_attributes`` a span may overlap an
   accepted span of a *different* attribute (``"navy blue"`` colour inside ``"navy blue t-shirt"``).

The accepted records go to ``doc._.kgmine_attributes`` and ``doc.spans[spans_key]`` (default
``"kgmine"``; ``None`` = no span group). The candidates are then removed from the doc unless
``keep_candidates`` (a doc with less user data is cheaper to send between processes).
"""
from __future__ import annotations

from collections.abc import Iterable

from spacy.language import Language
from spacy.tokens import Doc

from kgmine.extract.doc import SPANS_KEY, candidates, drop_candidates, set_attributes

AGREEMENT_RULES = ("max", "noisy_or")
PREFER_RULES = ("longest", "confidence")


class Combiner:
    """Overlap resolver (see module docstring). Parameters are the factory config."""

    def __init__(self, nlp: Language, name: str = "kgmine_combiner", *, attributes: list[str] | None = None,
                 prefer: str = "longest", agreement: str = "noisy_or", min_confidence: float = 0.0,
                 allow_nested_attributes: bool = False, spans_key: str | None = SPANS_KEY,
                 keep_candidates: bool = False) -> None:
        if prefer not in PREFER_RULES:
            raise ValueError(f"prefer must be one of {PREFER_RULES}, got {prefer!r}")
        if agreement not in AGREEMENT_RULES:
            raise ValueError(f"agreement must be one of {AGREEMENT_RULES}, got {agreement!r}")
        self.name = name
        self.attributes = set(attributes) if attributes else None
        self.prefer = prefer
        self.agreement = agreement
        self.min_confidence = float(min_confidence)
        self.allow_nested_attributes = bool(allow_nested_attributes)
        self.spans_key = spans_key
        self.keep_candidates = bool(keep_candidates)

    def combine(self, records: list[dict]) -> list[dict]:
        """The accepted subset of candidate ``records`` (new dicts), sorted by start offset."""
        merged: dict[tuple, dict] = {}
        for r in records:
            if self.attributes is not None and r["attribute"] not in self.attributes:
                continue
            if r["confidence"] < self.min_confidence:
                continue
            key = (r["start"], r["end"], r["attribute"], r["value"])
            seen = merged.get(key)
            if seen is None:
                merged[key] = dict(r)
                continue
            if r["extractor"] not in seen["extractor"].split("+"):
                seen["extractor"] = f"{seen['extractor']}+{r['extractor']}"
                if self.agreement == "noisy_or":
                    seen["confidence"] = 1.0 - (1.0 - seen["confidence"]) * (1.0 - r["confidence"])
                else:
                    seen["confidence"] = max(seen["confidence"], r["confidence"])
            else:
                seen["confidence"] = max(seen["confidence"], r["confidence"])
        if self.prefer == "longest":
            order = sorted(merged.values(), key=lambda r: (-(r["end"] - r["start"]), -r["confidence"], r["start"]))
        else:
            order = sorted(merged.values(), key=lambda r: (-r["confidence"], -(r["end"] - r["start"]), r["start"]))
        accepted: list[dict] = []
        for r in order:
            clash = False
            for a in accepted:
                if r["start"] < a["end"] and a["start"] < r["end"]:
                    if self.allow_nested_attributes and a["attribute"] != r["attribute"]:
                        continue
                    clash = True
                    break
            if not clash:
                accepted.append(r)
        accepted.sort(key=lambda r: (r["start"], r["end"]))
        return accepted

    def __call__(self, doc: Doc) -> Doc:
        """Resolve the doc's candidates into ``doc._.kgmine_attributes``."""
        set_attributes(doc, self.combine(candidates(doc)), self.spans_key)
        if not self.keep_candidates:
            drop_candidates(doc)
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterable[Doc]:
        """Process a stream of docs."""
        for doc in docs:
            yield self(doc)


@Language.factory(
    "kgmine_combiner",
    default_config={"attributes": None, "prefer": "longest", "agreement": "noisy_or", "min_confidence": 0.0,
                    "allow_nested_attributes": False, "spans_key": SPANS_KEY, "keep_candidates": False},
)
def make_combiner(nlp: Language, name: str, attributes: list[str] | None, prefer: str, agreement: str,
                  min_confidence: float, allow_nested_attributes: bool, spans_key: str | None,
                  keep_candidates: bool) -> Combiner:
    """Factory of :class:`Combiner` (``nlp.add_pipe("kgmine_combiner", config={"prefer": "confidence"})``)."""
    return Combiner(nlp, name, attributes=attributes, prefer=prefer, agreement=agreement,
                    min_confidence=min_confidence, allow_nested_attributes=allow_nested_attributes,
                    spans_key=spans_key, keep_candidates=keep_candidates)
