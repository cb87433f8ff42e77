"""``AttributeExtractor``: learns attribute-value extraction from labelled offers (WDC-PAVE, AE-110K ...).

It assembles kgmine's spaCy components into a slot filler, scikit-learn style
(``fit`` / ``predict`` / ``to_disk`` / ``from_disk``, learned state with a trailing underscore):

* a :class:`~kgmine.extract.gazetteer.Gazetteer` of every value seen in training, each with a
  learned confidence: how often, in training offers of its attribute's categories, the surface
  occurring in the text meant that the attribute had this value (Beta(1, 1)-smoothed precision);
* a :class:`~kgmine.extract.span_model.SpanModel` (spaCy NER, one label per attribute) trained on the
  gold values located in the text (:func:`~kgmine.extract.attribute_data.align_gold`), early-stopped and
  calibrated on a held-out ``dev_fraction`` of the training offers;
* the rule-based :class:`~kgmine.extract.dimensions.Dimensions` extractor for attributes named
  width / height / depth / length / diameter, its confidence per attribute learned as its precision on
  the training offers;
* for ``classify`` attributes (closed value sets that the text does not spell out: product types,
  expanded manufacturer names) one TF-IDF + logistic-regression text classifier per
  category-attribute pair, with ``n/a`` as a class; for ``colour_class`` attributes (a shop's own
  colour classes) a logistic regression over the colour families mentioned
  (:mod:`kgmine.extract.colours`: first, second, number of families, which ones, which in the title).

Decoding, per offer and attribute of its category: every candidate's surface becomes a value (learned
alias table first, then the category-attribute's value normaliser); candidates of the same value are
merged by noisy-or over extractors; the best value is predicted when its score reaches ``threshold_``
(tuned for micro-F1 on the dev offers), otherwise the attribute is left empty (``n/a``).
"""
from __future__ import annotations

import hashlib
import json
import pickle
import random
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import spacy
import srsly

from kgmine.extract.attribute_data import (
    CLASSIFIER_MODES,
    CLASSIFY,
    COLOUR_CLASS,
    AttributeDocument,
    align_gold,
    slot_class,
    value_key,
)
from kgmine.extract.colours import colour_vocab
from kgmine.extract.dimensions import Dimensions
from kgmine.extract.doc import candidates
from kgmine.extract.gazetteer import Gazetteer
from kgmine.extract.span_model import SpanModel, train_span_model
from kgmine.extract.textnorm import normalize_key
from kgmine.extract.tokenizer import customize_tokenizer
from kgmine.extract.values import get_normaliser
from kgmine.progress import track

MODEL_VERSION = 2
DIMENSION_NAMES = ("width", "height", "depth", "length", "diameter")
NA = "n/a"
_NUMERIC = re.compile(r"[\d\s.,/\-]+")


class AttributeExtractor:
    """Slot-filling attribute-value extractor trained from labelled offers (see module docstring).

    Parameters
    ----------
    n_epochs, patience, batch_size, dropout : span-model training (see ``train_span_model``).
    dev_fraction : share of training offers held out for early stopping, calibration and ``threshold_``.
    min_align : an ``identity`` attribute whose gold values are found in the text less often than this
        is treated as ``classify`` (when it has at most ``max_classes`` distinct values).
    classifier_c : inverse regularisation strength of the logistic-regression classifiers.
    use_gazetteer, use_span_model : switch the extractors (for ablations).
    random_state : seeds the dev split, spaCy/thinc and scikit-learn.
    """

    def __init__(self, n_epochs: int = 12, patience: int = 3, batch_size: int = 16, dropout: float = 0.2,
                 dev_fraction: float = 0.15, min_align: float = 0.5, max_classes: int = 60,
                 classifier_c: float = 10.0, use_gazetteer: bool = True, use_span_model: bool = True,
                 random_state: int = 0, progress: bool = True) -> None:
        if not 0.0 < dev_fraction < 0.5:
            raise ValueError(f"dev_fraction must be in (0, 0.5), got {dev_fraction}")
        self.n_epochs = n_epochs
        self.patience = patience
        self.batch_size = batch_size
        self.dropout = dropout
        self.dev_fraction = dev_fraction
        self.min_align = min_align
        self.max_classes = max_classes
        self.classifier_c = classifier_c
        self.use_gazetteer = use_gazetteer
        self.use_span_model = use_span_model
        self.random_state = random_state
        self.progress = progress

    def get_params(self) -> dict:
        """Constructor parameters (what the model cache key is made of)."""
        return {k: getattr(self, k) for k in ("n_epochs", "patience", "batch_size", "dropout", "dev_fraction",
                                              "min_align", "max_classes", "classifier_c", "use_gazetteer",
                                              "use_span_model", "random_state")}

    # ------------------------------------------------------------------ fitting
    def fit(self, docs: Sequence[AttributeDocument], schema: dict[str, dict[str, str]]) -> AttributeExtractor:
        """Learn from labelled offers ``docs``; ``schema[category][attribute]`` names the value normaliser."""
        if not docs:
            raise ValueError("AttributeExtractor.fit: no training documents")
        self.nlp_ = customize_tokenizer(spacy.blank("en"))
        rng = random.Random(self.random_state)
        order = list(range(len(docs)))
        rng.shuffle(order)
        n_dev = max(1, round(self.dev_fraction * len(docs)))
        dev_docs = [docs[i] for i in sorted(order[:n_dev])]
        fit_docs = [docs[i] for i in sorted(order[n_dev:])]

        self.schema_ = {c: dict(a) for c, a in schema.items()}
        spacy_docs = {id(d): self.nlp_.make_doc(d.text) for d in docs}
        spans, align_rate = self._align(docs, spacy_docs)
        self.modes_ = self._choose_modes(docs, align_rate)
        self.aliases_ = self._learn_aliases(fit_docs, spans, spacy_docs)
        names = sorted({a for attrs in self.schema_.values() for a in attrs})
        self.dims_labels_ = {n.lower(): n for n in reversed(names) if n.lower() in DIMENSION_NAMES}
        self.rule_confidence_ = {}

        # span model: trained on fit offers, early-stopped and calibrated on dev offers
        self.span_model_ = None
        self.history_: list[dict] = []
        labels = sorted({lab for d in docs for _, _, lab in spans[id(d)]})
        if self.use_span_model and labels:
            train_ex = [(d.text, spans[id(d)]) for d in fit_docs]
            dev_ex = [(d.text, spans[id(d)]) for d in dev_docs]
            self.span_model_, self.history_ = train_span_model(
                train_ex, nlp=self.nlp_, dev=dev_ex, labels=labels, n_epochs=self.n_epochs, patience=self.patience,
                batch_size=self.batch_size, dropout=self.dropout, random_state=self.random_state,
                progress=self.progress)

        # gazetteer + classifiers on the fit offers; threshold tuned on dev; then refit on everything
        self._fit_gazetteer(fit_docs, spans, spacy_docs)
        self._fit_classifiers(fit_docs)
        self.rule_confidence_ = self._calibrate_rules(fit_docs)
        self.threshold_ = 0.0
        self.threshold_ = self._tune_threshold(dev_docs)
        self.aliases_ = self._learn_aliases(docs, spans, spacy_docs)
        self._fit_gazetteer(docs, spans, spacy_docs)
        self._fit_classifiers(docs)
        return self

    def _align(self, docs, spacy_docs) -> tuple[dict[int, list[tuple[int, int, str]]], dict[tuple[str, str], float]]:
        spans: dict[int, list[tuple[int, int, str]]] = {}
        hits: Counter = Counter()
        total: Counter = Counter()
        for d in track(docs, "locate gold values", disable=not self.progress):
            sdoc = spacy_docs[id(d)]
            out = []
            for attribute, values in d.gold.items():
                norm = self.schema_.get(d.category, {}).get(attribute, "identity")
                if not values or norm in CLASSIFIER_MODES:
                    continue
                found = align_gold(sdoc, values, norm)
                total[(d.category, attribute)] += 1
                hits[(d.category, attribute)] += bool(found)
                out.extend((s, e, attribute) for s, e in found)
            spans[id(d)] = out
        rate = {k: hits[k] / total[k] for k in total}
        return spans, rate

    def _choose_modes(self, docs, align_rate) -> dict[tuple[str, str], str]:
        values: dict[tuple[str, str], set] = defaultdict(set)
        for d in docs:
            for attribute, vals in d.gold.items():
                values[(d.category, attribute)].update(vals or [])
        modes = {}
        for cat, attrs in self.schema_.items():
            for attribute, norm in attrs.items():
                key = (cat, attribute)
                if norm not in CLASSIFIER_MODES and align_rate.get(key, 1.0) < self.min_align \
                        and 0 < len(values[key]) <= self.max_classes:
                    norm = CLASSIFY
                modes[key] = norm
        return modes

    def _learn_aliases(self, docs, spans, spacy_docs) -> dict[tuple[str, str], dict[str, str]]:
        """surface key -> value, where the normaliser alone does not give the gold value (majority vote)."""
        votes: dict[tuple[str, str], dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
        for d in docs:
            text = d.text
            for s, e, attribute in spans[id(d)]:
                values = d.gold.get(attribute) or []
                surface = text[s:e]
                norm = get_normaliser(self._normaliser(d.category, attribute))(surface)
                keys = {value_key(v): v for v in values}
                if norm is not None and value_key(norm) in keys:
                    continue
                target = _closest(surface, values)
                votes[(d.category, attribute)][normalize_key(surface)][target] += 1
        return {k: {surf: c.most_common(1)[0][0] for surf, c in table.items()} for k, table in votes.items()}

    def _normaliser(self, category: str, attribute: str) -> str:
        mode = self.modes_.get((category, attribute), "identity")
        return "identity" if mode in CLASSIFIER_MODES else mode

    def _fit_gazetteer(self, docs, spans, spacy_docs) -> None:
        self.gazetteer_ = None
        if not self.use_gazetteer:
            return
        # surfaces seen for each (attribute, value)
        table: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
        for d in docs:
            for s, e, attribute in spans[id(d)]:
                surface = d.text[s:e]
                if _NUMERIC.fullmatch(surface):  # bare numbers mean too many things: left to the models
                    continue
                value = self.value_of(d.category, attribute, surface)
                if value:
                    table[attribute][value].add(surface)
        gaz = Gazetteer(self.nlp_, default_confidence=0.5, split_ambiguous=False)
        for attribute, vals in table.items():
            gaz.add_values(attribute, {v: sorted(s) for v, s in vals.items()})
        # learned confidence: P(attribute == value | value's surface in text), over offers whose
        # gold lists the attribute
        n: Counter = Counter()
        h: Counter = Counter()
        for d in docs:
            doc = gaz(self.nlp_.make_doc(d.text))
            seen = {(r["attribute"], r["value"]) for r in candidates(doc)}
            for attribute, value in seen:
                if attribute not in d.gold:
                    continue
                n[(attribute, value)] += 1
                gold = {value_key(v) for v in d.gold.get(attribute) or []}
                h[(attribute, value)] += value_key(value) in gold
        conf = {(a, v): (h[(a, v)] + 1.0) / (n[(a, v)] + 2.0) for a, v in n}
        for attribute, entries in gaz.entries.items():  # same canonical values as the counting pass
            for v, entry in entries.items():
                entry["confidence"]["*"] = conf.get((attribute, v), 0.5)
        gaz.from_bytes(gaz.to_bytes())  # re-index with the learned confidences
        self.gazetteer_ = gaz

    def _calibrate_rules(self, docs) -> dict[str, float]:
        """Per-attribute precision (Beta(1, 1)-smoothed) of the rule-based dimension extractor on ``docs``."""
        if not self.dims_labels_:
            return {}
        dims = Dimensions(self.nlp_, labels=self.dims_labels_)
        n: Counter = Counter()
        h: Counter = Counter()
        for d in docs:
            seen = set()
            for start, end, attribute, _ in dims.find(d.text):
                if attribute not in d.gold:
                    continue
                value = self.value_of(d.category, attribute, d.text[start:end])
                if value is None or (attribute, value) in seen:
                    continue
                seen.add((attribute, value))
                n[attribute] += 1
                h[attribute] += value_key(value) in {value_key(v) for v in d.gold[attribute] or []}
        return {a: (h[a] + 1.0) / (n[a] + 2.0) for a in n}

    def _fit_classifiers(self, docs) -> None:
        from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline, make_union

        self.classifiers_: dict[tuple[str, str], object] = {}
        by_key: dict[tuple[str, str], tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
        for d in docs:
            for attribute, values in d.gold.items():
                mode = self.modes_.get((d.category, attribute))
                if mode not in CLASSIFIER_MODES:
                    continue
                xs, ys = by_key[(d.category, attribute)]
                xs.append(self._classifier_text(d, mode))
                ys.append(values[0] if values else NA)
        for key, (xs, ys) in by_key.items():
            if len(set(ys)) == 1:
                self.classifiers_[key] = ys[0]
                continue
            if self.modes_[key] == COLOUR_CLASS:
                clf = make_pipeline(CountVectorizer(token_pattern=r"\S+", lowercase=False, binary=True),
                                    LogisticRegression(C=1.0, max_iter=2000, random_state=self.random_state))
                clf.fit(xs, ys)
                self.classifiers_[key] = clf
                continue
            clf = make_pipeline(
                make_union(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1),
                           TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)),
                LogisticRegression(C=self.classifier_c, max_iter=2000, random_state=self.random_state))
            clf.fit(xs, ys)
            self.classifiers_[key] = clf

    # ------------------------------------------------------------------ prediction
    def value_of(self, category: str, attribute: str, surface: str) -> str | None:
        """The value a surface expresses for a category's attribute (alias table, else normaliser)."""
        alias = self.aliases_.get((category, attribute), {}).get(normalize_key(surface))
        if alias is not None:
            return alias
        return get_normaliser(self._normaliser(category, attribute))(surface)

    def _candidates(self, docs: Sequence[AttributeDocument]) -> list[list[dict]]:
        sdocs = [self.nlp_.make_doc(d.text) for d in docs]
        if self.gazetteer_ is not None:
            sdocs = [self.gazetteer_(doc) for doc in sdocs]
        if self.span_model_ is not None:
            sdocs = list(self.span_model_.pipe(sdocs))
        if self.dims_labels_:
            dims = Dimensions(self.nlp_, labels=self.dims_labels_)
            sdocs = [dims(doc) for doc in sdocs]
        out = []
        for doc in sdocs:
            recs = candidates(doc)
            for r in recs:
                if r["extractor"] == "dimensions":
                    r["confidence"] = self.rule_confidence_.get(r["attribute"], r["confidence"])
            out.append(recs)
        return out

    def score_slots(self, docs: Sequence[AttributeDocument]) -> pd.DataFrame:
        """Best value and its score for every (offer, attribute of its category), before thresholding.

        Columns: doc_id, category, attribute, value, score, extractor, text, start, end, field.
        """
        rows = []
        cands = self._candidates(docs)
        for d, recs in zip(docs, cands):
            attrs = self.schema_.get(d.category, {})
            per_attr: dict[str, dict[str, dict]] = defaultdict(dict)
            for r in recs:
                if r["attribute"] not in attrs or self.modes_.get((d.category, r["attribute"])) in CLASSIFIER_MODES:
                    continue
                # the value as this text writes it (keeps its case), else the gazetteer's canonical form
                value = self.value_of(d.category, r["attribute"], r["text"]) or r["value"]
                if not value:
                    continue
                slot = per_attr[r["attribute"]].setdefault(value_key(value), {"value": value, "best": {}, "rec": r})
                prev = slot["best"].get(r["extractor"], 0.0)
                slot["best"][r["extractor"]] = max(prev, r["confidence"])
                if r["confidence"] >= slot["rec"]["confidence"] and r["start"] < slot["rec"]["start"] + 1:
                    slot["rec"] = r
            for attribute, slots in per_attr.items():
                best = None
                for slot in slots.values():
                    score = 1.0 - float(np.prod([1.0 - c for c in slot["best"].values()]))
                    if best is None or score > best[0]:
                        best = (score, slot)
                score, slot = best
                r = slot["rec"]
                rows.append({"doc_id": d.doc_id, "category": d.category, "attribute": attribute,
                             "value": slot["value"], "score": score, "extractor": "+".join(sorted(slot["best"])),
                             "text": r["text"], "start": r["start"], "end": r["end"], "field": d.field_of(r["start"])})
        rows.extend(self._classify(docs))
        return pd.DataFrame(rows, columns=["doc_id", "category", "attribute", "value", "score", "extractor",
                                           "text", "start", "end", "field"])

    def _classifier_text(self, d: AttributeDocument, mode: str) -> str:
        """Classifier input: the offer text, or for ``colour_class`` tokens describing its colour mentions."""
        if mode != COLOUR_CLASS:
            return d.text
        if getattr(self, "_colour_gaz", None) is None:
            self._colour_gaz = Gazetteer(self.nlp_, vocab={"colour": colour_vocab()}, default_confidence=1.0)
        recs = sorted(candidates(self._colour_gaz(self.nlp_.make_doc(d.text))), key=lambda r: r["start"])
        families = list(dict.fromkeys(r["value"] for r in recs))
        title = {r["value"] for r in recs if r["start"] < len(d.title)}
        if not families:
            return "none"
        feats = [f"first_{families[0]}", f"n_{min(len(families), 3)}", *(f"has_{f}" for f in families),
                 *(f"title_{f}" for f in title)]
        if len(families) > 1:
            feats.append(f"second_{families[1]}")
        return " ".join(feats)

    def _classify(self, docs: Sequence[AttributeDocument]) -> list[dict]:
        """Rows of the ``classify`` attributes (one classifier call per category-attribute pair)."""
        by_cat: dict[str, list[AttributeDocument]] = defaultdict(list)
        for d in docs:
            by_cat[d.category].append(d)
        rows = []
        for (category, attribute), clf in self.classifiers_.items():
            group = by_cat.get(category, [])
            if not group:
                continue
            if isinstance(clf, str):
                labels, scores = [clf] * len(group), [1.0] * len(group)
            else:
                mode = self.modes_.get((category, attribute), CLASSIFY)
                proba = clf.predict_proba([self._classifier_text(d, mode) for d in group])
                best = proba.argmax(axis=1)
                labels = [clf.classes_[k] for k in best]
                scores = proba[np.arange(len(group)), best].tolist()
            for d, label, score in zip(group, labels, scores):
                if label == NA:
                    continue
                rows.append({"doc_id": d.doc_id, "category": category, "attribute": attribute, "value": label,
                             "score": max(float(score), self.threshold_), "extractor": "classifier", "text": None,
                             "start": -1, "end": -1, "field": None})
        return rows

    def predict(self, docs: Sequence[AttributeDocument]) -> pd.DataFrame:
        """Predicted values (at most one per offer and attribute): :meth:`score_slots` above ``threshold_``."""
        slots = self.score_slots(docs)
        return slots[slots["score"] >= self.threshold_].reset_index(drop=True)

    def _tune_threshold(self, dev_docs) -> float:
        """The score threshold with the best micro-F1 (paper metric) on ``dev_docs``."""
        slots = self.score_slots(dev_docs)
        best = {(r.doc_id, r.attribute): (r.value, r.score) for r in slots.itertuples(index=False)}
        scores, correct, gold_n = [], [], 0  # one entry per predicted slot listed in the gold
        for d in dev_docs:
            for attribute, gold in d.gold.items():
                gold_n += bool(gold)
                hit = best.get((d.doc_id, attribute))
                if hit is not None:
                    scores.append(hit[1])
                    correct.append(slot_class(gold, hit[0]) == "VC")
        if not scores:
            return 0.0
        scores_a, correct_a = np.asarray(scores, dtype=float), np.asarray(correct, dtype=bool)
        best_t, best_f1 = 0.0, -1.0
        for t in np.unique(np.concatenate([[0.0], scores_a])):
            keep = scores_a >= t
            vc = int((keep & correct_a).sum())
            n_pred = int(keep.sum())  # NV + VC + VW
            # recall's denominator VN + VC + VW is the number of gold slots with a value
            p = vc / n_pred if n_pred else 0.0
            r = vc / gold_n if gold_n else 0.0
            f1 = 2 * p * r / (p + r) if p + r else 0.0
            if f1 > best_f1 + 1e-9:
                best_t, best_f1 = float(t), f1
        return best_t

    # ------------------------------------------------------------------ persistence
    def to_disk(self, path: str | Path) -> None:
        """Save the fitted extractor into directory ``path``."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        meta = {"version": MODEL_VERSION, "params": self.get_params(), "threshold": self.threshold_,
                "schema": self.schema_, "modes": [[c, a, m] for (c, a), m in self.modes_.items()],
                "aliases": [[c, a, t] for (c, a), t in self.aliases_.items()], "history": self.history_,
                "dims_labels": self.dims_labels_, "rule_confidence": self.rule_confidence_}
        srsly.write_json(path / "meta.json", meta)
        if self.gazetteer_ is not None:
            self.gazetteer_.to_disk(path / "gazetteer")
        if self.span_model_ is not None:
            self.span_model_.to_disk(path / "span_model")
        with open(path / "classifiers.pkl", "wb") as fh:
            pickle.dump(self.classifiers_, fh)

    @classmethod
    def from_disk(cls, path: str | Path) -> AttributeExtractor:
        """Load an extractor saved by :meth:`to_disk`."""
        path = Path(path)
        meta = srsly.read_json(path / "meta.json")
        if meta.get("version") != MODEL_VERSION:
            raise ValueError(f"{path}: model version {meta.get('version')} != {MODEL_VERSION}; retrain")
        self = cls(**meta["params"], progress=False)
        self.nlp_ = customize_tokenizer(spacy.blank("en"))
        self.threshold_ = float(meta["threshold"])
        self.schema_ = meta["schema"]
        self.modes_ = {(c, a): m for c, a, m in meta["modes"]}
        self.aliases_ = {(c, a): t for c, a, t in meta["aliases"]}
        self.history_ = meta.get("history", [])
        self.dims_labels_ = meta.get("dims_labels", {})
        self.rule_confidence_ = meta.get("rule_confidence", {})
        self.gazetteer_ = Gazetteer(self.nlp_, split_ambiguous=False).from_disk(path / "gazetteer") \
            if (path / "gazetteer").exists() else None
        self.span_model_ = SpanModel(self.nlp_, model=str(path / "span_model")) \
            if (path / "span_model").exists() else None
        with open(path / "classifiers.pkl", "rb") as fh:
            self.classifiers_ = pickle.load(fh)
        return self


def _closest(surface: str, values: list[str]) -> str:
    """The gold value most similar to ``surface`` (for alias learning with several gold values)."""
    if len(values) == 1:
        return values[0]
    from rapidfuzz import fuzz

    return max(values, key=lambda v: fuzz.ratio(surface.lower(), v.lower()))


def cache_key(name: str, files: Sequence[Path], params: dict) -> str:
    """A short hash of the data files' bytes, the estimator parameters and :data:`MODEL_VERSION`."""
    h = hashlib.sha256()
    h.update(f"{name}|{MODEL_VERSION}|{json.dumps(params, sort_keys=True)}|{spacy.__version__}".encode())
    for f in files:
        h.update(Path(f).read_bytes())
    return h.hexdigest()[:16]
