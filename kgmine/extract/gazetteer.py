"""``kgmine_gazetteer``: a spaCy component that finds known catalog values in text.

Built from a vocabulary ``{attribute: values}`` (brands, categories, colours, materials, sizes ...),
it matches every spelling of every value with a :class:`spacy.matcher.PhraseMatcher` on lower-cased
tokens, so it is tolerant to case, to plurals, to hyphen/space/joined forms and to British/American
spelling (:func:`kgmine.extract.textnorm.surface_variants`). Values shorter than
``min_lower_length`` characters (``S``, ``XL``, ``HP``) match case-sensitively to avoid hits on
ordinary words. Each hit becomes a candidate record (see :mod:`kgmine.extract.doc`) carrying the
canonical value, the character offsets, the extractor name and a confidence: per value if one was
given (e.g. learned from labelled data), else ``default_confidence``; a surface shared by ``k``
attributes gets its confidence divided by ``k`` when ``split_ambiguous`` is on.

Use it in any pipeline::

    nlp.add_pipe("kgmine_gazetteer", config={"vocab": {"colour": ["grey", "navy"]}})
    nlp.get_pipe("kgmine_gazetteer").add_values("brand", {"Hewlett-Packard": ["HP", "HPE"]})

The vocabulary is saved with the pipeline (``nlp.to_disk``) and restored by ``spacy.load``.
"""
from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path

import srsly
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc
from spacy.util import ensure_path

from kgmine.extract.doc import add_candidates, make_record
from kgmine.extract.textnorm import normalize_key, surface_variants

VocabLike = Mapping[str, "Iterable[str] | Mapping[str, Iterable[str]]"]


class Gazetteer:
    """Catalog-value matcher (see module docstring). Parameters are the factory config."""

    def __init__(self, nlp: Language, name: str = "kgmine_gazetteer", *, vocab: dict | None = None,
                 attributes: list[str] | None = None, extractor: str = "gazetteer",
                 default_confidence: float = 0.9, min_lower_length: int = 3, plural_variants: bool = True,
                 split_ambiguous: bool = True) -> None:
        if not 0.0 <= default_confidence <= 1.0:
            raise ValueError(f"default_confidence must be in [0, 1], got {default_confidence}")
        self.nlp = nlp
        self.name = name
        self.attributes = list(attributes) if attributes else None
        self.extractor = extractor
        self.default_confidence = float(default_confidence)
        self.min_lower_length = int(min_lower_length)
        self.plural_variants = bool(plural_variants)
        self.split_ambiguous = bool(split_ambiguous)
        # attribute -> canonical value -> {"aliases": [...], "confidence": {surface_key: conf}}
        self.entries: dict[str, dict[str, dict]] = {}
        self._reset_matchers()
        if vocab:
            self.add_vocab(vocab)

    # ----------------------------------------------------------------- building
    def _reset_matchers(self) -> None:
        self._lower = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        self._orth = PhraseMatcher(self.nlp.vocab, attr="ORTH")
        # (attribute, key) -> (canonical, confidence, priority); key = lower-cased token texts joined by " "
        self._lookup: dict[tuple[str, str], tuple[str, float, int]] = {}
        self._n_attrs: dict[str, set[str]] = defaultdict(set)

    def add_vocab(self, vocab: VocabLike, confidence: Mapping[str, Mapping[str, float]] | None = None) -> None:
        """Add every attribute of ``vocab`` (see :meth:`add_values`)."""
        for attribute, values in vocab.items():
            self.add_values(attribute, values, confidence=(confidence or {}).get(attribute))

    def add_values(self, attribute: str, values: Iterable[str] | Mapping[str, Iterable[str]],
                   confidence: float | Mapping[str, float] | None = None) -> None:
        """Add catalog values of ``attribute``.

        ``values`` is a list of canonical values, or a mapping ``canonical -> [aliases]`` (an alias
        table: ``{"grey": ["gray", "charcoal grey"]}``). ``confidence`` is one number for all of them,
        or a mapping from a surface (canonical or alias, any case) to its confidence.
        """
        if not isinstance(attribute, str) or not attribute:
            raise ValueError(f"attribute must be a non-empty string, got {attribute!r}")
        if self.attributes is not None and attribute not in self.attributes:
            return
        mapping = values if isinstance(values, Mapping) else {v: [] for v in values}
        table = self.entries.setdefault(attribute, {})
        canon_keys = {normalize_key(c): c for c in table}
        for canonical, aliases in mapping.items():
            if not isinstance(canonical, str) or not canonical.strip():
                continue
            if isinstance(aliases, str):
                aliases = [aliases]
            same = canon_keys.get(normalize_key(canonical))
            if same is not None and same != canonical:  # "gray" next to "grey": one value, one alias
                aliases, canonical = [canonical, *aliases], same
            canon_keys.setdefault(normalize_key(canonical), canonical)
            entry = table.setdefault(canonical, {"aliases": [], "confidence": {}})
            for alias in aliases:
                if alias not in entry["aliases"]:
                    entry["aliases"].append(alias)
            if isinstance(confidence, Mapping):
                for surface, conf in confidence.items():
                    if surface == canonical or surface in entry["aliases"]:
                        entry["confidence"][surface.lower()] = float(conf)
            elif confidence is not None:
                entry["confidence"]["*"] = float(confidence)
            self._index(attribute, canonical, entry)

    def _index(self, attribute: str, canonical: str, entry: dict) -> None:
        # rank of a surface form: listed alias 3, its generated variants 2, canonical value 1, its
        # variants 0; a form already indexed with a higher rank is kept (explicit alias tables win).
        for prio, surface in [(1, canonical), *((3, a) for a in entry["aliases"])]:
            conf = entry["confidence"].get(surface.lower(), entry["confidence"].get("*", self.default_confidence))
            forms = surface_variants(surface, plural=self.plural_variants)
            for k, form in enumerate(forms):
                pattern = self.nlp.make_doc(form)
                if len(pattern) == 0:
                    continue
                short = len(form.replace(" ", "")) < self.min_lower_length
                key = _key(pattern, cased=short)
                rank = prio if k == 0 else prio - 1
                old = self._lookup.get((attribute, key))
                if old is not None and old[2] > rank:
                    continue
                if old is None:
                    (self._orth if short else self._lower).add(attribute, [pattern])
                self._lookup[(attribute, key)] = (canonical, conf, rank)
                self._n_attrs[key].add(attribute)

    # ----------------------------------------------------------------- running
    def __call__(self, doc: Doc) -> Doc:
        """Append one candidate per (span, attribute) hit to ``doc._.kgmine_candidates``."""
        records = []
        strings = self.nlp.vocab.strings
        for matcher, cased in ((self._lower, False), (self._orth, True)):
            if len(matcher) == 0:
                continue
            for match_id, start, end in matcher(doc):
                attribute = strings[match_id]
                span = doc[start:end]
                key = _key(span, cased=cased)
                hit = self._lookup.get((attribute, key))
                if hit is None:
                    continue
                canonical, conf, _ = hit
                if self.split_ambiguous:
                    conf = conf / max(1, len(self._n_attrs[key]))
                records.append(make_record(attribute, canonical, span.text, span.start_char, span.end_char,
                                           self.extractor, conf))
        if records or doc._.kgmine_candidates is None:
            add_candidates(doc, records)
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterable[Doc]:
        """Process a stream of docs."""
        for doc in docs:
            yield self(doc)

    @property
    def vocab_size(self) -> int:
        """Number of canonical values over all attributes."""
        return sum(len(t) for t in self.entries.values())

    # ----------------------------------------------------------------- serialisation
    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        """Save the vocabulary (``entries.json``) and settings (``cfg.json``) into directory ``path``."""
        path = ensure_path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_json(path / "entries.json", self.entries)
        srsly.write_json(path / "cfg.json", {"n_values": self.vocab_size})

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> Gazetteer:
        """Load the vocabulary saved by :meth:`to_disk` and rebuild the matchers."""
        path = ensure_path(path)
        return self._load_entries(srsly.read_json(path / "entries.json"))

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        """Serialise the vocabulary."""
        return json.dumps(self.entries).encode("utf8")

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> Gazetteer:
        """Restore the vocabulary from :meth:`to_bytes` output."""
        return self._load_entries(json.loads(data.decode("utf8")))

    def _load_entries(self, entries: dict) -> Gazetteer:
        """Replace the vocabulary with serialised ``entries`` and rebuild the matchers."""
        self.entries = {}
        self._reset_matchers()
        for attribute, table in entries.items():
            self.entries[attribute] = table
            for canonical, entry in table.items():
                self._index(attribute, canonical, entry)
        return self


def _key(tokens, cased: bool) -> str:
    return " ".join(t.text if cased else t.lower_ for t in tokens if not t.is_space)


@Language.factory(
    "kgmine_gazetteer",
    default_config={"vocab": None, "attributes": None, "extractor": "gazetteer", "default_confidence": 0.9,
                    "min_lower_length": 3, "plural_variants": True, "split_ambiguous": True},
)
def make_gazetteer(nlp: Language, name: str, vocab: dict | None, attributes: list[str] | None, extractor: str,
                   default_confidence: float, min_lower_length: int, plural_variants: bool,
                   split_ambiguous: bool) -> Gazetteer:
    """Factory of :class:`Gazetteer` (``nlp.add_pipe("kgmine_gazetteer", config={...})``)."""
    return Gazetteer(nlp, name, vocab=vocab, attributes=attributes, extractor=extractor,
                     default_confidence=default_confidence, min_lower_length=min_lower_length,
                     plural_variants=plural_variants, split_ambiguous=split_ambiguous)
