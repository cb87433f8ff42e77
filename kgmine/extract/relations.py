"""Relation extraction: dependency-pattern rules as a spaCy component, and a trained classifier applied to product text.

Rules
-----
:data:`RULES` are spaCy ``DependencyMatcher`` patterns over the parse of product text. Each pattern matches a
*trigger* (``made``, ``compatible``, ``part``, ``features`` ...) and the *value* token it governs
(``leather``, ``iPhone``, ``collection``, ``hood`` ...); the *product* argument is then resolved from the
parse: the noun the pattern is anchored on (``earbuds`` in "earbuds by Sony"), else the subject of the
trigger's clause, else the noun a participle/adjective modifies ("a handbag made from ..."), else the
product the text is about (*implicit*: "Made of leather." in a product description; the span is ``None``).
Tokens are expanded to phrases through their compound/amod/nummod modifiers ("genuine leather",
"Samsung Galaxy S23", "iPhone 15 Pro"), and coordinated values yield one relation each ("cotton and
polyester"). Negated triggers ("is not compatible with") and values determined by "no" are dropped.

Relations are read ``head relation tail``:

==================  ===================  ==================================================
relation            head -> tail         example
==================  ===================  ==================================================
``made_of``         product -> material  "This wallet is made of genuine leather."
``compatible_with`` product -> device    "The case is compatible with iPhone 15."
``part_of``         product -> set       "This mug is part of the Nordic Living collection."
``has_feature``     product -> feature   "The jacket features a detachable hood."
``brand_of``        brand -> product     "Wireless earbuds by Sony"
==================  ===================  ==================================================

The confidence of a rule is a fixed prior set by hand from how specific the trigger is (e.g. 0.9 for
"made of", 0.5 for a bare "with"); it is not calibrated. Measured precision on real shop text (WDC-PAVE
offers, 20 hand-judged triples per relation, ``benchmarks/relation_precision.py``): part_of 0.95, made_of
0.65, brand_of 0.60, compatible_with 0.50, has_feature 0.40.

Component
---------
``nlp.add_pipe("kgmine_relations")`` (needs a parser, lemmatizer and tagger) stores msgpack-safe records on
``doc._.kgmine_relation_records`` (so docs survive ``nlp.pipe(n_process=2)``) and exposes them as
:class:`Relation` tuples with spaCy spans through ``doc._.kgmine_relations``. :func:`relations_to_rows`
turns docs into a DataFrame with provenance (doc id, character offsets, extractor, rule, confidence).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import pandas as pd
from spacy.language import Language
from spacy.matcher import DependencyMatcher
from spacy.tokens import Doc, Span, Token

from kgmine.extract.spacy_models import SPACY_MODELS, pick_model  # noqa: F401 (SPACY_MODELS re-exported)

RELATIONS: tuple[str, ...] = ("made_of", "compatible_with", "part_of", "has_feature", "brand_of")
EXTRACTOR = "kgmine_relations"
ROW_COLUMNS: tuple[str, ...] = ("doc_id", "head", "relation", "tail", "head_start", "head_end", "tail_start",
                                "tail_end", "extractor", "rule", "confidence", "implicit_product")
"""Columns of :func:`relations_to_rows`. Offsets are characters into the doc text (end exclusive); the
implicit product side has missing text and ``<NA>`` offsets (``implicit_product`` is then True)."""


class Relation(NamedTuple):
    """One extracted relation on a Doc: ``head`` and ``tail`` are spans (``None`` = the implicit product)."""

    head: Span | None
    relation: str
    tail: Span | None
    confidence: float
    rule: str


# ------------------------------------------------------------------------------------------------ rule set

MADE_LEMMAS = ["make", "craft", "construct", "manufacture", "weave", "knit", "build", "fashion", "form",
               "mold", "mould", "cast", "forge", "sew", "cut", "carve", "produce", "handcraft", "stitch"]
BRAND_VERB_LEMMAS = ["make", "manufacture", "produce", "design", "craft", "build", "create", "develop",
                     "distribute", "engineer"]
FEATURE_VERB_LEMMAS = ["feature", "boast", "include", "incorporate", "sport", "offer", "integrate", "showcase"]
WITH_VERB_LEMMAS = ["come", "equip", "fit", "ship", "supply", "arrive", "outfit", "pair", "bundle"]
COLLECTION_LEMMAS = ["collection", "series", "line", "range", "set", "family", "edition", "lineup", "kit"]
NOT_A_DEVICE = {"men", "women", "man", "woman", "kid", "kids", "boy", "boys", "girl", "girls", "baby",
                "babies", "adult", "adults", "mom", "dad", "him", "her", "them", "everyone", "christmas",
                "halloween", "easter", "home", "office", "travel", "outdoor", "indoor"}
NOT_A_BRAND_ENTS = {"GPE", "LOC", "NORP", "FAC", "DATE", "TIME", "MONEY", "PERCENT", "QUANTITY", "CARDINAL",
                    "ORDINAL", "EVENT", "LANGUAGE", "LAW"}
_NOUN = {"NOUN", "PROPN"}
_IMPLICIT_SUBJECTS = {"it", "this", "they", "these", "that", "those", "which"}


def _node(node_id: str, attrs: dict, parent: str | None = None, rel: str = ">") -> dict:
    if parent is None:
        return {"RIGHT_ID": node_id, "RIGHT_ATTRS": attrs}
    return {"LEFT_ID": parent, "REL_OP": rel, "RIGHT_ID": node_id, "RIGHT_ATTRS": attrs}


def _verb_prep(lemmas: list[str], preps: list[str], pos: tuple[str, ...] = ("VERB",), dep: str = "prep") -> list[dict]:
    """trigger(lemma in lemmas) > prep(lower in preps) > pobj value."""
    return [_node("trigger", {"LEMMA": {"IN": lemmas}, "POS": {"IN": list(pos)}}),
            _node("prep", {"DEP": dep, "LOWER": {"IN": preps}}, "trigger"),
            _node("value", {"DEP": "pobj"}, "prep")]


def _noun_prep(preps: list[str], value_attrs: dict | None = None) -> list[dict]:
    """anchor noun (the product) > prep(lower in preps) > pobj value."""
    return [_node("anchor", {"POS": {"IN": sorted(_NOUN)}}),
            _node("prep", {"DEP": "prep", "LOWER": {"IN": preps}}, "anchor"),
            _node("value", {"DEP": "pobj", **(value_attrs or {})}, "prep")]


@dataclass(frozen=True)
class DepRule:
    """One dependency-pattern rule.

    ``pattern`` is a ``DependencyMatcher`` pattern naming a ``value`` node and either a ``trigger`` node
    (the product is resolved from the trigger's clause) or an ``anchor`` node (the product is that noun).
    ``value_is_head``: the value is the relation's head (``brand_of``: brand -> product).
    ``value_filter``: ``"device"`` (the value phrase names a model: a proper noun or a token with a digit,
    not a person/audience word), ``"brand"`` (a proper noun that is not a place/date/number entity),
    ``"org"`` (a proper noun the NER tags ORG/PRODUCT), ``"named"`` (one collection with a name: a
    singular noun with a capitalised modifier, "the Heritage series", "the Nordic Living collection"; not "a
    series of tests", "Kohl's exclusive collections", "future editions", "our fabulous culinary collection")
    or ``None``.
    ``explicit_product``: drop the match when the product is implicit (for generic triggers such as *have*).
    ``prep_adjacent``: the preposition must follow the trigger directly (adverbs may stand between), as in
    the phrasal verb "belongs to"; "tools that belong in every kitchen to a rundown" is not "belong to".
    A ``LEMMA`` constraint on the ``value`` node holds for its coordinated conjuncts too ("a range of
    entrees, small plates" names no collection "small plates").
    """

    name: str
    relation: str
    pattern: list[dict] = field(hash=False)
    confidence: float
    value_is_head: bool = False
    value_filter: str | None = None
    explicit_product: bool = False
    prep_adjacent: bool = False
    example: str = ""


RULES: tuple[DepRule, ...] = (
    DepRule("made_of.verb_of", "made_of", _verb_prep(MADE_LEMMAS, ["of", "from"]), 0.9,
            example="This wallet is made of genuine leather."),
    DepRule("made_of.consists_of", "made_of", _verb_prep(["consist", "compose"], ["of"]), 0.8,
            example="The set consists of stainless steel."),
    DepRule("compatible_with.adj", "compatible_with",
            _verb_prep(["compatible"], ["with", "for"], pos=("ADJ",)), 0.9,
            example="The case is compatible with iPhone 15."),
    DepRule("compatible_with.works_with", "compatible_with", _verb_prep(["work"], ["with"]), 0.8,
            value_filter="device", example="Works with Alexa."),
    DepRule("compatible_with.fits", "compatible_with",
            [_node("trigger", {"LEMMA": "fit", "POS": {"IN": ["VERB", "NOUN"]}}),
             _node("value", {"DEP": {"IN": ["dobj", "appos"]}}, "trigger")],
            0.8, value_filter="device", example="This case fits iPhone 14 Pro Max."),
    DepRule("compatible_with.designed_for", "compatible_with",
            _verb_prep(["design", "make", "build", "intend", "tailor", "engineer"], ["for"]), 0.75,
            value_filter="device", example="A screen protector designed for iPad Air 5."),
    DepRule("compatible_with.noun_for", "compatible_with", _noun_prep(["for"]), 0.6,
            value_filter="device", example="Leather case for Samsung Galaxy S23"),
    DepRule("part_of.part_of", "part_of",
            [_node("trigger", {"LEMMA": {"IN": ["part", "component"]}, "POS": "NOUN"}),
             _node("prep", {"DEP": "prep", "LOWER": "of"}, "trigger"),
             _node("value", {"DEP": "pobj"}, "prep")], 0.85,
            example="This mug is part of the Nordic Living collection."),
    DepRule("part_of.belongs_to", "part_of", _verb_prep(["belong"], ["to"]), 0.8, prep_adjacent=True,
            example="The vase belongs to our Heritage series."),
    DepRule("part_of.from_collection", "part_of",
            [_node("trigger", {"POS": {"IN": ["NOUN", "PROPN", "VERB", "AUX"]}}),
             _node("prep", {"DEP": "prep", "LOWER": "from"}, "trigger"),
             _node("value", {"DEP": "pobj", "LEMMA": {"IN": COLLECTION_LEMMAS}}, "prep")], 0.75,
            value_filter="named", example="A scarf from the Autumn Classics collection."),
    # "in" only after a verb: after a noun it is mostly a place in a sentence ("his power ring ... in this
    # DC Comic series")
    DepRule("part_of.in_collection", "part_of",
            [_node("trigger", {"POS": {"IN": ["VERB", "AUX"]}}),
             _node("prep", {"DEP": "prep", "LOWER": "in"}, "trigger"),
             _node("value", {"DEP": "pobj", "LEMMA": {"IN": COLLECTION_LEMMAS}}, "prep")], 0.75,
            value_filter="named", example="The vase is offered in the Heritage series."),
    DepRule("has_feature.verb", "has_feature",
            [_node("trigger", {"LEMMA": {"IN": FEATURE_VERB_LEMMAS}, "POS": "VERB"}),
             _node("value", {"DEP": "dobj"}, "trigger")], 0.8,
            example="The jacket features a detachable hood."),
    DepRule("has_feature.comes_with", "has_feature", _verb_prep(WITH_VERB_LEMMAS, ["with"]), 0.8,
            example="The lamp comes with a USB cable."),
    DepRule("has_feature.have", "has_feature",
            [_node("trigger", {"LEMMA": "have", "POS": {"IN": ["VERB", "AUX"]}, "DEP": {"NOT_IN": ["aux", "auxpass"]}}),
             _node("value", {"DEP": "dobj"}, "trigger")], 0.6, explicit_product=True,
            example="The AirPods Pro have active noise cancellation."),
    DepRule("has_feature.noun_with", "has_feature", _noun_prep(["with"]), 0.5,
            example="Wireless earbuds with noise cancelling"),
    DepRule("brand_of.noun_by", "brand_of", _noun_prep(["by"]), 0.8, value_is_head=True,
            value_filter="brand", example="Wireless earbuds by Sony"),
    DepRule("brand_of.made_by", "brand_of", _verb_prep(BRAND_VERB_LEMMAS, ["by"], dep="agent"), 0.85,
            value_is_head=True, value_filter="brand", example="Made by Apple, the AirPods Pro ..."),
    DepRule("brand_of.noun_from", "brand_of", _noun_prep(["from"]), 0.6, value_is_head=True,
            value_filter="org", example="Running shoes from Nike"),
)
"""The rule set (one :class:`DepRule` per pattern); ``example`` is a sentence each rule fires on."""

# ------------------------------------------------------------------------------------------------ matching

_MOD_DEPS = {"compound", "amod", "nummod", "nmod", "quantmod", "flat", "npadvmod", "hmod", "nn"}


def phrase(token: Token) -> Span:
    """The contiguous phrase headed by ``token``: the token plus its compound/amod/nummod/... modifiers
    (recursively), without determiners, possessives, prepositions, clauses or coordinated conjuncts."""
    keep, stack = {token.i}, [token]
    while stack:
        t = stack.pop()
        for child in t.children:
            if child.dep_ in _MOD_DEPS or (child.dep_ == "punct" and child.text in {"-", "%", "+", "/"}
                                           and child.i not in (t.sent.start, t.sent.end - 1)):
                keep.add(child.i)
                stack.append(child)
    start = end = token.i
    while start - 1 in keep:
        start -= 1
    while end + 1 in keep:
        end += 1
    doc = token.doc
    while start < token.i and (doc[start].is_punct or doc[start].dep_ == "punct"):
        start += 1
    while end > token.i and (doc[end].is_punct or doc[end].dep_ == "punct") and doc[end].text != "+":
        end -= 1
    return doc[start:end + 1]


def coordinated(token: Token) -> list[Span]:
    """The phrases of ``token`` and its conjuncts; a conjunct glued to the previous phrase (no comma or
    conjunction between, as in a mis-parsed "iPhone 15 Pro") extends that phrase instead."""
    tokens = sorted([token, *token.conjuncts], key=lambda t: t.i)
    spans: list[Span] = []
    for t in tokens:
        p = phrase(t)
        if spans and p.start <= spans[-1].end and p.end > spans[-1].end:
            spans[-1] = token.doc[spans[-1].start:p.end]
        elif not spans or p.start >= spans[-1].end:
            spans.append(p)
    return spans


def _negated(token: Token) -> bool:
    scope = [token]
    if token.dep_ in {"acomp", "attr", "xcomp", "oprd", "dobj"}:
        scope.append(token.head)
    return any(c.dep_ == "neg" or c.lower_ in {"never", "not", "n't"} for t in scope for c in t.children)


def _resolve_product(trigger: Token) -> Token | None | bool:
    """The product token of a trigger's clause; ``None`` = implicit product; ``False`` = not a product
    statement (e.g. a first/second-person subject: "we offer free shipping")."""
    cur = trigger
    for _ in range(4):
        subj = [c for c in cur.children if c.dep_ in {"nsubj", "nsubjpass"}]
        if subj:
            s = subj[0]
            if s.pos_ in _NOUN:
                return s
            if s.lower_ in _IMPLICIT_SUBJECTS:
                if cur.dep_ == "relcl" and cur.head.pos_ in _NOUN:
                    return cur.head
                return None
            return False
        if cur.dep_ in {"acl", "amod", "appos", "relcl"} and cur.head.pos_ in _NOUN:
            return cur.head
        if cur.dep_ in {"acomp", "attr", "xcomp", "conj", "advcl", "oprd", "ccomp"} and cur.head is not cur:
            cur = cur.head
            continue
        break
    return None


def _value_ok(span: Span, kind: str | None) -> bool:
    tokens = [t for t in span if not t.is_punct]
    if not any(ch.isalnum() for t in tokens for ch in t.text) or span.root.pos_ == "PRON":
        return False
    if kind is None:
        return True
    if kind == "device":
        # (PERSON is not excluded: small English models often tag product names as PERSON)
        if span.root.lower_ in NOT_A_DEVICE or span.root.ent_type_ in {"GPE", "NORP", "DATE", "TIME"}:
            return False
        return any(t.pos_ == "PROPN" or any(ch.isdigit() for ch in t.text) for t in tokens)
    if kind == "brand":
        return (any(t.pos_ == "PROPN" for t in tokens)
                and not any(t.ent_type_ in NOT_A_BRAND_ENTS for t in tokens))
    if kind == "named":
        return _named_collection(span)
    if kind == "org":
        return any(t.pos_ == "PROPN" for t in tokens) and any(t.ent_type_ in {"ORG", "PRODUCT"} for t in tokens)
    raise ValueError(f"unknown value_filter {kind!r}")


def _named_collection(span: Span) -> bool:
    """``span`` names one collection: a singular root noun ("series", not "editions": a plural is a kind of
    thing) with a compound / adjective modifier, one of whose words is capitalised and not the sentence's first
    word ("the Design collection", "the Island Rains collection"), and no "of" complement ("a range of ...")."""
    root = span.root
    if root.tag_ in {"NNS", "NNPS"} or any(c.dep_ == "prep" and c.lower_ == "of" for c in root.children):
        return False
    modifiers = [c for c in root.children if c.dep_ in {"compound", "amod", "nmod", "npadvmod"}]
    words = [t for m in modifiers for t in m.subtree if t.i != t.sent.start and not t.is_punct]
    return any(t.text[:1].isupper() for t in words)


class RelationExtractor:
    """spaCy component applying :data:`RULES` (or a subset) with one ``DependencyMatcher``.

    Args:
        nlp: the pipeline (for its vocab).
        name: component name.
        relations: the relation names to extract (default all of :data:`RELATIONS`).
        rules: rule names to use (default all rules of the selected relations).
        min_confidence: drop relations with a lower rule confidence (default 0).
    """

    def __init__(self, nlp: Language, name: str = EXTRACTOR, relations: Sequence[str] | None = None,
                 rules: Sequence[str] | None = None, min_confidence: float = 0.0):
        relations = list(relations) if relations else list(RELATIONS)
        unknown = [r for r in relations if r not in RELATIONS]
        if unknown:
            raise ValueError(f"unknown relation(s) {unknown}; known: {list(RELATIONS)}")
        known = {r.name: r for r in RULES}
        if rules:
            bad = [r for r in rules if r not in known]
            if bad:
                raise ValueError(f"unknown rule(s) {bad}; known: {sorted(known)}")
        self.name = name
        self.rules = {r.name: r for r in RULES if r.relation in relations and (not rules or r.name in rules)}
        self.min_confidence = float(min_confidence)
        # one small matcher per rule, run only on docs holding the rule's trigger words: the
        # DependencyMatcher's cost grows with (tokens x token patterns), and most rules are absent from a doc
        self.matchers: dict[str, DependencyMatcher] = {}
        self.required = {key: _required_words(rule.pattern) for key, rule in self.rules.items()}
        for key, rule in self.rules.items():
            self.matchers[key] = DependencyMatcher(nlp.vocab)
            self.matchers[key].add(key, [rule.pattern])

    def __call__(self, doc: Doc) -> Doc:
        """Match the rules on ``doc`` and store the records on ``doc._.kgmine_relation_records``."""
        if not doc.has_annotation("DEP"):
            raise ValueError(f"{self.name} needs a dependency parse: add it after a 'parser' component")
        found: dict[tuple, dict] = {}
        for name, token_ids in self.matches(doc):
            rule = self.rules[name]
            nodes = {n["RIGHT_ID"]: doc[i] for n, i in zip(rule.pattern, token_ids)}
            for rec in self._records(rule, nodes):
                key = (rec["relation"], rec["head_start"], rec["head_end"], rec["tail_start"], rec["tail_end"])
                if key not in found or rec["confidence"] > found[key]["confidence"]:
                    found[key] = rec
        doc._.kgmine_relation_records = sorted(
            found.values(), key=lambda r: (r["tail_start"] if r["tail_start"] is not None else -1, r["relation"]))
        return doc

    def matches(self, doc: Doc) -> list[tuple[str, list[int]]]:
        """(rule name, matched token ids in pattern order) of every rule match in ``doc``."""
        present = {"LEMMA": {t.lemma_ for t in doc}, "LOWER": {t.lower_ for t in doc}}
        return [(name, ids) for name, matcher in self.matchers.items()
                if all(present[attr] & words for attr, words in self.required[name])
                for _, ids in matcher(doc)]

    def _records(self, rule: DepRule, nodes: dict[str, Token]) -> list[dict]:
        value = nodes["value"]
        trigger = nodes.get("trigger", nodes.get("anchor"))
        if rule.confidence < self.min_confidence or _negated(trigger) or _negated(value):
            return []
        if rule.relation == "part_of" and trigger.lemma_ in {"part", "component"} and any(
                c.dep_ in {"amod", "compound"} or c.lower_ == "the" for c in trigger.children):
            return []  # "the back part of the nose", "the left part of the page": a region, not membership
        if "anchor" in nodes:
            product: Token | None | bool = nodes["anchor"]
        elif trigger.pos_ in _NOUN and rule.relation == "part_of" and trigger.lemma_ not in {"part", "component"}:
            product = trigger
        else:
            product = _resolve_product(trigger)
        if product is False or (product is None and rule.explicit_product):
            return []
        if rule.prep_adjacent and any(t.pos_ != "ADV" for t in trigger.doc[trigger.i + 1:nodes["prep"].i]):
            return []
        lemmas = _value_lemmas(rule)
        values = [v for v in coordinated(value) if _value_ok(v, rule.value_filter)
                  and (lemmas is None or v.root.lemma_ in lemmas)
                  and not any(c.dep_ == "det" and c.lower_ == "no" for c in v.root.children)]
        products = [None] if product is None else coordinated(product)
        out = []
        for p in products:
            for v in values:
                if p is not None and (p.start < v.end and v.start < p.end):
                    continue
                head, tail = (v, p) if rule.value_is_head else (p, v)
                out.append({"relation": rule.relation, "rule": rule.name, "confidence": rule.confidence,
                            "head_start": None if head is None else head.start,
                            "head_end": None if head is None else head.end,
                            "tail_start": None if tail is None else tail.start,
                            "tail_end": None if tail is None else tail.end})
        return out


def _value_lemmas(rule: DepRule) -> set[str] | None:
    """The lemmas the pattern's ``value`` node is constrained to (``None`` = any)."""
    for node in rule.pattern:
        if node["RIGHT_ID"] == "value":
            lemma = node.get("RIGHT_ATTRS", {}).get("LEMMA")
            if isinstance(lemma, str):
                return {lemma}
            if isinstance(lemma, dict) and "IN" in lemma:
                return set(lemma["IN"])
    return None


def _required_words(pattern: list[dict]) -> list[tuple[str, set[str]]]:
    """(attribute, words) pairs a doc must contain for ``pattern`` to possibly match: one per node
    constrained by a LEMMA or LOWER value or ``IN`` list."""
    out = []
    for node in pattern:
        for attr in ("LEMMA", "LOWER"):
            value = node.get("RIGHT_ATTRS", {}).get(attr)
            if isinstance(value, str):
                out.append((attr, {value}))
            elif isinstance(value, dict) and "IN" in value:
                out.append((attr, set(value["IN"])))
    return out


def _relations_getter(doc: Doc) -> list[Relation]:
    out = []
    for r in doc._.kgmine_relation_records or []:
        head = None if r["head_start"] is None else doc[r["head_start"]:r["head_end"]]
        tail = None if r["tail_start"] is None else doc[r["tail_start"]:r["tail_end"]]
        out.append(Relation(head, r["relation"], tail, float(r["confidence"]), r["rule"]))
    return out


def register_extensions() -> None:
    """Register ``Doc._.kgmine_relation_records`` (list of dicts) and ``Doc._.kgmine_relations`` (getter)."""
    if not Doc.has_extension("kgmine_relation_records"):
        Doc.set_extension("kgmine_relation_records", default=None)
    if not Doc.has_extension("kgmine_relations"):
        Doc.set_extension("kgmine_relations", getter=_relations_getter)


register_extensions()


@Language.factory(EXTRACTOR, default_config={"relations": None, "rules": None, "min_confidence": 0.0},
                  assigns=["doc._.kgmine_relation_records"],
                  requires=["token.dep", "token.pos", "token.lemma"])
def make_relation_extractor(nlp: Language, name: str, relations: list[str] | None, rules: list[str] | None,
                            min_confidence: float) -> RelationExtractor:
    """Factory of the ``kgmine_relations`` component (see :class:`RelationExtractor`)."""
    return RelationExtractor(nlp, name, relations, rules, min_confidence)


def load_relation_pipeline(model: str | None = None, **config) -> Language:
    """A spaCy pipeline with ``kgmine_relations`` added: ``model``, else
    :func:`~kgmine.extract.spacy_models.pick_model` (NER kept: the brand filter uses entity types)."""
    import spacy

    nlp = spacy.load(model or pick_model())
    nlp.add_pipe(EXTRACTOR, config=config)
    return nlp


def relations_to_rows(docs: Iterable[Doc], doc_ids: Iterable | None = None) -> pd.DataFrame:
    """One row per relation of each doc (columns :data:`ROW_COLUMNS`); ``doc_ids`` default 0, 1, 2 ..."""
    rows = []
    ids = iter(doc_ids) if doc_ids is not None else None
    for n, doc in enumerate(docs):
        doc_id = next(ids) if ids is not None else n
        rows.extend({"doc_id": doc_id, **row} for row in relation_records(doc))
    return _typed_rows(rows)


def relation_records(doc: Doc) -> list[dict]:
    """The relations of one doc as plain dicts (the columns of :data:`ROW_COLUMNS` but ``doc_id``)."""
    return [{"head": None if rel.head is None else rel.head.text, "relation": rel.relation,
             "tail": None if rel.tail is None else rel.tail.text,
             "head_start": None if rel.head is None else rel.head.start_char,
             "head_end": None if rel.head is None else rel.head.end_char,
             "tail_start": None if rel.tail is None else rel.tail.start_char,
             "tail_end": None if rel.tail is None else rel.tail.end_char,
             "extractor": EXTRACTOR, "rule": rel.rule, "confidence": rel.confidence,
             "implicit_product": rel.head is None or rel.tail is None}
            for rel in doc._.kgmine_relations]


def _typed_rows(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(ROW_COLUMNS))
    for col in ("head_start", "head_end", "tail_start", "tail_end"):
        frame[col] = frame[col].astype("Int64")
    frame["confidence"] = frame["confidence"].astype(float)
    frame["implicit_product"] = frame["implicit_product"].astype(bool)
    return frame


def extract_relations(texts: Iterable[str], nlp: Language | None = None, doc_ids: Iterable | None = None,
                      batch_size: int = 256, n_process: int = 1) -> pd.DataFrame:
    """Run the rules over ``texts`` with ``nlp`` (default :func:`load_relation_pipeline`) and return rows."""
    if nlp is None:
        nlp = load_relation_pipeline()
    elif EXTRACTOR not in nlp.pipe_names:
        raise ValueError(f"the pipeline has no '{EXTRACTOR}' component: nlp.add_pipe('{EXTRACTOR}')")
    return relations_to_rows(nlp.pipe(texts, batch_size=batch_size, n_process=n_process), doc_ids)


# ---------------------------------------------------------------------------------------------------------
# The trained SemEval classifier applied to candidate pairs of product text
# ---------------------------------------------------------------------------------------------------------

SEMEVAL_TO_PRODUCT: dict[str, tuple[str, bool]] = {
    "Component-Whole(e1,e2)": ("part_of", False), "Component-Whole(e2,e1)": ("part_of", True),
    "Member-Collection(e1,e2)": ("part_of", False), "Member-Collection(e2,e1)": ("part_of", True),
    "Entity-Origin(e1,e2)": ("made_of", False), "Entity-Origin(e2,e1)": ("made_of", True),
    "Product-Producer(e1,e2)": ("brand_of", True), "Product-Producer(e2,e1)": ("brand_of", False),
}
"""SemEval label -> (product relation, swap): with ``swap`` False the head is e1 and the tail e2.
Entity-Origin covers "derived from a material" in the SemEval guidelines, hence ``made_of``; the
producer of Product-Producer is the head of ``brand_of``. Other labels are not mapped."""


def classifier_relations(docs: Sequence[Doc], classifier, doc_ids: Sequence | None = None,
                         max_gap: int = 12, min_confidence: float = 0.5,
                         mapping: dict[str, tuple[str, bool]] | None = None) -> pd.DataFrame:
    """Apply a fitted :class:`~kgmine.extract.relation_classifier.RelationClassifier` to product text.

    Candidates are ordered pairs of noun chunks of one sentence at most ``max_gap`` tokens apart (e1 is
    the earlier chunk); each is classified in its sentence, and labels of ``mapping`` (default
    :data:`SEMEVAL_TO_PRODUCT`) with probability >= ``min_confidence`` become rows with the columns of
    :func:`relations_to_rows` (``extractor`` = ``"semeval_classifier"``, ``rule`` = the SemEval label).
    """
    mapping = SEMEVAL_TO_PRODUCT if mapping is None else mapping
    ids = list(range(len(docs))) if doc_ids is None else list(doc_ids)
    cands = []
    for doc_id, doc in zip(ids, docs):
        for sent in doc.sents:
            chunks = [c for c in doc.noun_chunks if sent.start <= c.start and c.end <= sent.end]
            for i, a in enumerate(chunks):
                for b in chunks[i + 1:]:
                    if b.start - a.end > max_gap:
                        break
                    off = sent.start_char
                    cands.append({"doc_id": doc_id, "a": a, "b": b, "text": sent.text,
                                  "e1_start": a.start_char - off, "e1_end": a.end_char - off,
                                  "e2_start": b.start_char - off, "e2_end": b.end_char - off})
    rows = []
    if cands:
        frame = pd.DataFrame(cands)
        proba = classifier.predict_proba(frame)
        for cand, p in zip(cands, proba):
            k = int(p.argmax())
            label = classifier.labels_[k]
            if label not in mapping or p[k] < min_confidence:
                continue
            relation, swap = mapping[label]
            head, tail = (cand["b"], cand["a"]) if swap else (cand["a"], cand["b"])
            rows.append({"doc_id": cand["doc_id"], "head": head.text, "relation": relation, "tail": tail.text,
                         "head_start": head.start_char, "head_end": head.end_char,
                         "tail_start": tail.start_char, "tail_end": tail.end_char,
                         "extractor": "semeval_classifier", "rule": label, "confidence": float(p[k]),
                         "implicit_product": False})
    return _typed_rows(rows)
