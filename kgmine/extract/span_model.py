"""``kgmine_span_model``: a trainable attribute-value tagger as a spaCy component.

The model is spaCy's transition-based named-entity recogniser (Honnibal & Johnson 2015; the
``spacy.TransitionBasedParser.v2`` architecture with its own ``HashEmbedCNN`` token encoder, so it
does not depend on any other component), with one entity label per attribute. It is trained with
spaCy's standard loss (the oracle-based transition cross-entropy) on character spans, with early
stopping on span F1 of a held-out development set.

Unlike a plain ``ner`` pipe it never touches ``doc.ents`` — so it can sit behind a pretrained ``ner``
(whose entities would otherwise constrain it) — and it emits candidate records
(:mod:`kgmine.extract.doc`) with

* the normalised value: a learned alias table (surface -> value seen in training) first, else the
  label's value normaliser (:mod:`kgmine.extract.values`);
* a confidence: with ``beam_width > 1`` the beam's marginal probability of the span; with greedy
  decoding the label's precision measured on development data by :meth:`SpanModel.calibrate`
  (``default_confidence`` until then).

Train with :func:`train_span_model`, save with ``to_disk`` (one directory: ``cfg.json`` + ``ner/``),
add to any pipeline with ``nlp.add_pipe("kgmine_span_model", config={"model": "<dir>"})``.
"""
from __future__ import annotations

import copy
import random
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import srsly
from spacy.language import Language
from spacy.tokens import Doc
from spacy.training import Example
from spacy.util import ensure_path, minibatch

from kgmine.extract.doc import add_candidates, make_record
from kgmine.extract.textnorm import normalize_key
from kgmine.extract.tokenizer import customize_tokenizer
from kgmine.extract.values import get_normaliser
from kgmine.progress import track

# A labelled example: text and character spans (start, end, label).
SpanExample = tuple[str, Sequence[tuple[int, int, str]]]

DEFAULT_NER_CONFIG: dict = {
    "model": {
        "@architectures": "spacy.TransitionBasedParser.v2", "state_type": "ner", "extra_state_tokens": False,
        "hidden_width": 64, "maxout_pieces": 2, "use_upper": True, "nO": None,
        "tok2vec": {"@architectures": "spacy.HashEmbedCNN.v2", "pretrained_vectors": None, "width": 96,
                    "depth": 4, "embed_size": 2000, "window_size": 1, "maxout_pieces": 3,
                    "subword_features": True},
    },
}


class SpanModel:
    """Attribute-value tagger component (see module docstring). Parameters are the factory config."""

    def __init__(self, nlp: Language, name: str = "kgmine_span_model", *, model: str | None = None,
                 extractor: str = "span_model", beam_width: int = 1, default_confidence: float = 0.7,
                 normalisers: dict[str, str] | None = None, ner_config: dict | None = None,
                 batch_size: int = 64) -> None:
        if beam_width < 1:
            raise ValueError(f"beam_width must be >= 1, got {beam_width}")
        self.nlp = nlp
        self.name = name
        self.extractor = extractor
        self.beam_width = int(beam_width)
        self.default_confidence = float(default_confidence)
        self.normalisers: dict[str, str] = dict(normalisers or {})
        self.aliases: dict[str, dict[str, str]] = {}
        self.label_confidence: dict[str, float] = {}
        self.batch_size = int(batch_size)
        self.ner_config = copy.deepcopy(ner_config or DEFAULT_NER_CONFIG)
        self.ner = self._make_ner()
        if model:
            self.from_disk(model)

    def _make_ner(self):
        cfg = dict(self.ner_config)
        if self.beam_width > 1:
            cfg.update({"beam_width": self.beam_width, "beam_density": 0.0001})
            return self.nlp.create_pipe("beam_ner", name=f"{self.name}.ner", config=cfg)
        return self.nlp.create_pipe("ner", name=f"{self.name}.ner", config=cfg)

    @property
    def labels(self) -> tuple[str, ...]:
        """The attribute labels the model predicts."""
        return tuple(self.ner.labels)

    # ----------------------------------------------------------------- values
    def normalise(self, label: str, surface: str) -> str | None:
        """The value of ``surface`` tagged as ``label``: learned alias first, else the label's normaliser."""
        alias = self.aliases.get(label, {}).get(normalize_key(surface))
        if alias is not None:
            return alias
        return get_normaliser(self.normalisers.get(label, "identity"))(surface)

    # ----------------------------------------------------------------- prediction
    def predict_spans(self, docs: Sequence[Doc]) -> list[list[tuple[int, int, str, float]]]:
        """Token spans ``(start, end, label, confidence)`` per doc, without changing the docs."""
        scratch = [Doc(d.vocab, words=[t.text for t in d], spaces=[bool(t.whitespace_) for t in d]) for d in docs]
        out: list[list[tuple[int, int, str, float]]] = []
        if not scratch:
            return out
        states_or_beams = self.ner.predict(scratch)
        scores: list[dict] | None = None
        if self.beam_width > 1:
            scores = self.ner.scored_ents(states_or_beams)
        self.ner.set_annotations(scratch, states_or_beams)
        for i, sdoc in enumerate(scratch):
            spans = []
            for ent in sdoc.ents:
                if scores is not None:
                    conf = float(scores[i].get((ent.start, ent.end, ent.label_), 0.0))
                else:
                    conf = self.label_confidence.get(ent.label_, self.default_confidence)
                spans.append((ent.start, ent.end, ent.label_, conf))
            out.append(spans)
        return out

    def __call__(self, doc: Doc) -> Doc:
        """Tag one doc (appends candidates)."""
        return next(iter(self.pipe([doc])))

    def pipe(self, docs: Iterable[Doc], batch_size: int | None = None) -> Iterable[Doc]:
        """Tag a stream of docs in batches (appends candidate records)."""
        for batch in minibatch(docs, size=batch_size or self.batch_size):
            for doc, spans in zip(batch, self.predict_spans(batch)):
                records = []
                for start, end, label, conf in spans:
                    span = doc[start:end]
                    value = self.normalise(label, span.text)
                    if value:
                        records.append(make_record(label, value, span.text, span.start_char, span.end_char,
                                                   self.extractor, conf))
                add_candidates(doc, records)
                yield doc

    # ----------------------------------------------------------------- calibration
    def calibrate(self, examples: Iterable[SpanExample], prior: tuple[float, float] = (1.0, 1.0)) -> dict[str, float]:
        """Set each label's greedy confidence to its span precision on ``examples`` (held-out data).

        Precision is smoothed with a Beta ``prior`` (successes, failures): (tp + a) / (predicted + a + b).
        Returns the new ``label_confidence``.
        """
        examples = list(examples)
        docs = [self.nlp.make_doc(text) for text, _ in examples]
        tp: dict[str, int] = defaultdict(int)
        n: dict[str, int] = defaultdict(int)
        for doc, (text, gold), spans in zip(docs, examples, _batched(self.predict_spans, docs, self.batch_size)):
            gold_set = {(s, e, lab) for s, e, lab in gold}
            for start, end, label, _ in spans:
                span = doc[start:end]
                n[label] += 1
                tp[label] += int((span.start_char, span.end_char, label) in gold_set)
        a, b = prior
        self.label_confidence = {lab: (tp[lab] + a) / (n[lab] + a + b) for lab in n}
        return dict(self.label_confidence)

    # ----------------------------------------------------------------- serialisation
    def _cfg(self) -> dict:
        return {"extractor": self.extractor, "beam_width": self.beam_width,
                "default_confidence": self.default_confidence, "normalisers": self.normalisers,
                "aliases": self.aliases, "label_confidence": self.label_confidence, "ner_config": self.ner_config,
                "labels": list(self.labels)}

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        """Save into directory ``path``: ``cfg.json`` (settings, aliases, calibration) and ``ner/`` (weights)."""
        path = ensure_path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_json(path / "cfg.json", self._cfg())
        self.ner.to_disk(path / "ner")

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> SpanModel:
        """Load a directory written by :meth:`to_disk`."""
        path = ensure_path(path)
        if not (path / "cfg.json").exists():
            raise FileNotFoundError(f"{path}: not a kgmine span model directory (no cfg.json)")
        cfg = srsly.read_json(path / "cfg.json")
        self.extractor = cfg.get("extractor", self.extractor)
        self.default_confidence = float(cfg.get("default_confidence", self.default_confidence))
        self.normalisers = dict(cfg.get("normalisers", {}))
        self.aliases = {k: dict(v) for k, v in cfg.get("aliases", {}).items()}
        self.label_confidence = {k: float(v) for k, v in cfg.get("label_confidence", {}).items()}
        self.ner_config = cfg.get("ner_config", self.ner_config)
        self.ner = self._make_ner()  # decoding (greedy or beam) is this component's own beam_width
        self.ner.from_disk(path / "ner")
        self.ner.cfg["beam_width"] = self.beam_width  # the saved cfg holds the training-time width
        if self.beam_width > 1:
            self.ner.cfg["beam_density"] = 0.0001
        return self


def _batched(fn, docs: Sequence[Doc], size: int):
    for i in range(0, len(docs), size):
        yield from fn(docs[i:i + size])


@Language.factory(
    "kgmine_span_model",
    default_config={"model": None, "extractor": "span_model", "beam_width": 1, "default_confidence": 0.7,
                    "normalisers": None, "ner_config": None, "batch_size": 64},
)
def make_span_model(nlp: Language, name: str, model: str | None, extractor: str, beam_width: int,
                    default_confidence: float, normalisers: dict | None, ner_config: dict | None,
                    batch_size: int) -> SpanModel:
    """Factory of :class:`SpanModel`; ``model`` is a directory saved by :meth:`SpanModel.to_disk`."""
    return SpanModel(nlp, name, model=model, extractor=extractor, beam_width=beam_width,
                     default_confidence=default_confidence, normalisers=normalisers, ner_config=ner_config,
                     batch_size=batch_size)


# --------------------------------------------------------------------------- training
def span_f1(model: SpanModel, examples: Sequence[SpanExample]) -> float:
    """Micro span F1 (exact character offsets and label) of ``model`` on ``examples``."""
    docs = [model.nlp.make_doc(t) for t, _ in examples]
    tp = n_pred = n_gold = 0
    for doc, (_, gold), spans in zip(docs, examples, _batched(model.predict_spans, docs, model.batch_size)):
        gold_set = {(s, e, lab) for s, e, lab in gold}
        pred = {(doc[s:e].start_char, doc[s:e].end_char, lab) for s, e, lab, _ in spans}
        tp += len(gold_set & pred)
        n_pred += len(pred)
        n_gold += len(gold_set)
    return 2 * tp / (n_pred + n_gold) if n_pred + n_gold else 0.0


def _to_example(nlp: Language, text: str, spans: Sequence[tuple[int, int, str]]) -> Example:
    """A spaCy Example; spans are snapped to token boundaries and overlaps dropped (longest first)."""
    pred = nlp.make_doc(text)
    ref = nlp.make_doc(text)
    taken: set[int] = set()
    ents = []
    for s, e, label in sorted(spans, key=lambda x: (-(x[1] - x[0]), x[0])):
        span = ref.char_span(s, e, label=label, alignment_mode="expand")
        if span is None or any(i in taken for i in range(span.start, span.end)):
            continue
        taken.update(range(span.start, span.end))
        ents.append(span)
    ref.set_ents(sorted(ents, key=lambda sp: sp.start), default="outside")
    return Example(pred, ref)


def train_span_model(train: Sequence[SpanExample], *, nlp: Language | None = None,
                     dev: Sequence[SpanExample] | None = None, labels: Iterable[str] | None = None,
                     normalisers: Mapping[str, str] | None = None, n_epochs: int = 12, patience: int = 3,
                     batch_size: int = 16, dropout: float = 0.2, learn_rate: float = 0.001,
                     beam_width: int = 1, ner_config: dict | None = None, random_state: int = 0,
                     progress: bool = True) -> tuple[SpanModel, list[dict]]:
    """Train a :class:`SpanModel` on labelled character spans.

    ``nlp`` supplies the vocabulary and tokenizer (default: blank English with
    :func:`~kgmine.extract.tokenizer.customize_tokenizer`); the returned component is bound to it.
    Each epoch shuffles ``train`` (seeded by ``random_state``), updates with Adam (``learn_rate``,
    ``dropout``) in minibatches, and — when ``dev`` is given — scores span F1 on it; training stops
    after ``patience`` epochs without improvement and keeps the best epoch's weights; the label
    confidences are then calibrated on ``dev``. Returns the component and the per-epoch history
    (``epoch``, ``loss``, ``dev_f1``).
    """
    import spacy
    from thinc.api import Adam, fix_random_seed

    if not train:
        raise ValueError("train_span_model: no training examples")
    fix_random_seed(random_state)
    rng = random.Random(random_state)
    if nlp is None:
        nlp = customize_tokenizer(spacy.blank("en"))
    model = SpanModel(nlp, beam_width=beam_width, normalisers=dict(normalisers or {}), ner_config=ner_config)
    examples = [_to_example(nlp, t, s) for t, s in train]
    all_labels = set(labels or ()) | {lab for _, spans in train for _, _, lab in spans}
    for label in sorted(all_labels):
        model.ner.add_label(label)
    model.ner.initialize(lambda: examples, nlp=nlp)
    optimizer = Adam(learn_rate)
    history: list[dict] = []
    best_f1, best_bytes, bad_epochs = -1.0, None, 0
    for epoch in track(range(n_epochs), "train span model", disable=not progress):
        rng.shuffle(examples)
        losses: dict[str, float] = {}
        for batch in minibatch(examples, size=batch_size):
            model.ner.update(batch, drop=dropout, sgd=optimizer, losses=losses)
        row = {"epoch": epoch + 1, "loss": float(sum(losses.values()))}
        if dev:
            f1 = span_f1(model, dev)
            row["dev_f1"] = f1
            if f1 > best_f1:
                best_f1, best_bytes, bad_epochs = f1, model.ner.to_bytes(), 0
            else:
                bad_epochs += 1
        history.append(row)
        if dev and bad_epochs >= patience:
            break
    if best_bytes is not None:
        model.ner.from_bytes(best_bytes)
    if dev:
        model.calibrate(dev)
    return model, history
