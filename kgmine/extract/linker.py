"""``kgmine_linker``: attaches each extracted value to the product mention it describes (dependency rules).

Product text also talks about other things ("pairs well with our black leather belt"). For every
accepted value the linker walks up the dependency tree from the value's syntactic head:

* reaching a *product mention* links the value to the product (``linked="product"``, ``head`` = the
  mention). Product mentions are the nouns whose lemma is the root of the doc's first sentence (a
  product title is a noun phrase headed by the product), the subject or object of that sentence
  ("*This backpack* from Nord is ..."), or listed in ``product_nouns``; nouns covered by a value of a
  ``product_attributes`` attribute (``category`` ...); and the pronouns / nouns of
  :data:`PRODUCT_WORDS` (``it``, ``this``, ``item`` ...);
* passing only through verbs, prepositions and *aspect nouns* (:data:`ASPECT_NOUNS`: ``colour``,
  ``finish``, ``size`` ...) up to the sentence root also links to the product — a description's
  sentences are about the product unless they say otherwise (``head`` = the root);
* meeting any other noun first links the value to that noun (``linked="other"``) and multiplies its
  confidence by ``other_penalty``;
* a brand that opens the text (a title's first words: "Cascade Walnut Side Table") is the product's.

Without a dependency parse (e.g. a blank pipeline) records are left with ``linked=None``.
"""
from __future__ import annotations

from collections.abc import Iterable

from spacy.attrs import LEMMA, LOWER, POS
from spacy.language import Language
from spacy.parts_of_speech import NOUN, PROPN
from spacy.tokens import Doc, Token

from kgmine.extract.doc import attributes

PRODUCT_WORDS = frozenset({"it", "this", "these", "they", "item", "product", "listing", "one", "model", "piece",
                           "set", "pair", "unit", "kit", "pack", "offer", "design"})
ASPECT_NOUNS = frozenset({"colour", "color", "colourway", "colorway", "finish", "shade", "tone", "hue", "material",
                          "construction", "fabric", "size", "version", "fit", "style", "collection", "range",
                          "department", "line", "edition", "variant", "option", "brand", "category", "type",
                          "capacity", "weight", "dimension", "measurement", "feel", "quality", "build", "look"})
NOUN_POS = ("NOUN", "PROPN")
FIRST_SENTENCE_DEPS = frozenset({"nsubj", "nsubjpass", "dobj", "attr", "ROOT", "appos"})


class Linker:
    """Dependency-based value-to-product linker (see module docstring). Parameters are the factory config."""

    def __init__(self, nlp: Language, name: str = "kgmine_linker", *, product_nouns: list[str] | None = None,
                 product_attributes: list[str] | None = None, other_penalty: float = 0.5,
                 max_hops: int = 8) -> None:
        if not 0.0 <= other_penalty <= 1.0:
            raise ValueError(f"other_penalty must be in [0, 1], got {other_penalty}")
        self.name = name
        self.product_nouns = {w.lower() for w in (product_nouns or [])}
        self.product_attributes = set(product_attributes or ["category", "subcategory", "product_type"])
        self.other_penalty = float(other_penalty)
        self.max_hops = int(max_hops)
        # string hashes of the fixed words, once (they are the same in every doc's vocab)
        self._word_ids = frozenset(nlp.vocab.strings.add(w) for w in PRODUCT_WORDS)
        self._noun_ids = frozenset(self._lemma_ids(nlp.vocab.strings, self.product_nouns))

    @staticmethod
    def _lemma_ids(strings, lemmas: Iterable[str]) -> set[int]:
        return {h for w in lemmas for h in (strings.add(w), strings.add(w.capitalize()))}

    def _mentions(self, doc: Doc, records: list[dict]) -> set[int]:
        marks: set[int] = set()
        first = next(iter(doc.sents), None) if len(doc) else None
        lemmas: set[str] = set()
        if first is not None:
            if first.root.pos_ in NOUN_POS:
                lemmas.add(first.root.lemma_.lower())
            for tok in first:  # what the first sentence is about: its subject / object nouns
                if tok.dep_ in FIRST_SENTENCE_DEPS and tok.pos_ in NOUN_POS and tok.lower_ not in ASPECT_NOUNS:
                    lemmas.add(tok.lemma_.lower())
        word_ids = self._word_ids
        lemma_ids = self._noun_ids | self._lemma_ids(doc.vocab.strings, lemmas)
        noun_ids = {NOUN, PROPN}  # POS values are enum ids, not string hashes
        arr = doc.to_array([LOWER, POS, LEMMA])
        for i, (low, pos, lemma) in enumerate(arr.tolist()):
            if low in word_ids or (pos in noun_ids and (low in lemma_ids or lemma in lemma_ids)):
                marks.add(i)
        for r in records:
            if r["attribute"] in self.product_attributes:
                span = doc.char_span(r["start"], r["end"], alignment_mode="expand")
                if span is not None:
                    marks.update(range(span.start, span.end))
        return marks

    def link(self, doc: Doc, record: dict, mentions: set[int], inside: set[int]) -> tuple[str, Token | None]:
        """``("product" | "other", head token)`` for one record of a parsed doc."""
        span = doc.char_span(record["start"], record["end"], alignment_mode="expand")
        if span is None:
            return "product", None
        if record["start"] == 0 and record["attribute"] == "brand":
            return "product", span.root
        own = set(range(span.start, span.end))
        tok = span.root
        if tok.i in mentions:
            return "product", tok
        for _ in range(self.max_hops):
            head = tok.head
            if head.i == tok.i:  # sentence root reached
                return "product", tok
            tok = head
            if tok.i in own:
                continue
            if tok.i in mentions:
                return "product", tok
            if tok.pos_ in NOUN_POS and tok.lower_ not in ASPECT_NOUNS and tok.lemma_.lower() not in ASPECT_NOUNS \
                    and tok.i not in inside:
                return "other", tok
        return "product", tok

    def __call__(self, doc: Doc) -> Doc:
        """Fill ``head``/``linked`` of the doc's accepted records (penalising ``other`` links)."""
        records = attributes(doc)
        if not records or not doc.has_annotation("DEP"):
            return doc
        mentions = self._mentions(doc, records)
        inside: set[int] = set()  # tokens of other extracted values (a colour inside "leather strap")
        for r in records:
            span = doc.char_span(r["start"], r["end"], alignment_mode="expand")
            if span is not None:
                inside.update(range(span.start, span.end))
        for r in records:  # updated in place: doc.spans["kgmine"] (attribute, value) is unchanged
            linked, head = self.link(doc, r, mentions, inside)
            r["linked"] = linked
            r["head"] = head.text if head is not None else None
            if linked == "other":
                r["confidence"] = r["confidence"] * self.other_penalty
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterable[Doc]:
        """Process a stream of docs."""
        for doc in docs:
            yield self(doc)


@Language.factory(
    "kgmine_linker",
    default_config={"product_nouns": None, "product_attributes": None, "other_penalty": 0.5, "max_hops": 8},
)
def make_linker(nlp: Language, name: str, product_nouns: list[str] | None, product_attributes: list[str] | None,
                other_penalty: float, max_hops: int) -> Linker:
    """Factory of :class:`Linker` (``nlp.add_pipe("kgmine_linker")`` after ``kgmine_combiner``)."""
    return Linker(nlp, name, product_nouns=product_nouns, product_attributes=product_attributes,
                  other_penalty=other_penalty, max_hops=max_hops)
