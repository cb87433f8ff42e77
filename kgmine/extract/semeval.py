"""SemEval-2010 Task 8 (Hendrickx et al., 2010): reader, seeded split and the official scorer.

The data set classifies the semantic relation between two marked nominals of a sentence into one of
9 directed relations (``Cause-Effect(e1,e2)`` ... ``Product-Producer(e2,e1)``, 18 labels) or ``Other``:
19 labels in all. The training file has 8,000 examples of 4 lines each::

    1\\t"The system ... arrayed <e1>configuration</e1> of antenna <e2>elements</e2>."
    Component-Whole(e2,e1)
    Comment: Not a collection: there is structure here, organisation.
    <blank>

Official metric (``semeval2010_task8_scorer-v1.2.pl``, Nakov 2010), re-implemented in :func:`score_semeval`:
the *(9+1)-way evaluation with directionality taken into account*, macro-averaged F1 excluding ``Other``.
For each relation type ``R`` present in the answer key (directions pooled)::

    correct(R)   = #examples whose proposed label equals the gold label exactly (type R, same direction)
    proposed(R)  = #examples proposed with type R in either direction
                   (exact hits + wrong relation + right relation with the wrong direction, "xDIRx")
    answer(R)    = #gold examples of type R (both directions)
    P(R) = correct / proposed  (0 when nothing was proposed as R) ; R(R) = correct / answer
    F1(R) = 2 P R / (P + R)  (0 when P + R = 0)
    macro-F1 = sum_{R != Other} F1(R) / (#distinct gold types - 1 if Other is among them)

so a right relation with the wrong direction is a false positive *and* a false negative of that type;
the macro average is the mean of the per-type F1 values (not the F1 of the mean P and R); examples of the
key without a proposal ("skipped") count as misses; proposed types absent from the key are not averaged.
The scorer also reports the (2*9+1)-way and the direction-ignoring (9+1)-way scores, as the Perl script does.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

RELATION_TYPES: tuple[str, ...] = (
    "Cause-Effect", "Component-Whole", "Content-Container", "Entity-Destination", "Entity-Origin",
    "Instrument-Agency", "Member-Collection", "Message-Topic", "Product-Producer",
)
OTHER = "Other"
LABELS: tuple[str, ...] = tuple(
    f"{rel}({a},{b})" for rel in RELATION_TYPES for a, b in (("e1", "e2"), ("e2", "e1"))
) + (OTHER,)
"""The 19 labels: 9 relation types x 2 directions, plus ``Other``."""

TRAIN_FILE = Path("text") / "semeval2010-task8" / "TRAIN_FILE.TXT"
"""Where the training file lives under a ``--data-root`` (e.g. ``../shared/data``)."""

_SENTENCE = re.compile(r'^(\d+)\t"(.*)"\s*$')
_E1 = re.compile(r"<e1>(.*?)</e1>")
_E2 = re.compile(r"<e2>(.*?)</e2>")
_DIRECTION = re.compile(r"\((e[12]),(e[12])\)$")


class SemEvalFormatError(ValueError):
    """A SemEval file does not follow the 4-line format; the message names the file and line."""


def relation_type(label: str) -> str:
    """The direction-free type of a label: ``'Component-Whole(e2,e1)'`` -> ``'Component-Whole'``."""
    return _DIRECTION.sub("", label)


def resolve_train_file(data_root: str | Path) -> Path:
    """The SemEval training file from a data root, the data-set folder, or the file itself."""
    path = Path(data_root).expanduser()
    for candidate in (path, path / "TRAIN_FILE.TXT", path / TRAIN_FILE):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"SemEval-2010 Task 8 training file not found under {path} "
                            f"(looked for {path / TRAIN_FILE})")


def parse_marked_sentence(sentence: str) -> dict:
    """Strip ``<e1>``/``<e2>`` tags; return the clean text and each entity's character span in it.

    Returns a dict with ``text``, ``e1``, ``e2``, ``e1_start``, ``e1_end``, ``e2_start``, ``e2_end``
    (end exclusive, offsets into ``text``). Raises ``ValueError`` when a tag pair is missing or repeated.
    """
    m1, m2 = list(_E1.finditer(sentence)), list(_E2.finditer(sentence))
    if len(m1) != 1 or len(m2) != 1:
        raise ValueError("expected exactly one <e1>..</e1> and one <e2>..</e2>")
    pieces, spans, pos, out_len = [], {}, 0, 0
    for name, m in sorted((("e1", m1[0]), ("e2", m2[0])), key=lambda x: x[1].start()):
        if m.start() < pos:
            raise ValueError("overlapping entity tags")
        pieces.append(sentence[pos:m.start()])
        out_len += m.start() - pos
        spans[name] = (out_len, out_len + len(m.group(1)))
        pieces.append(m.group(1))
        out_len += len(m.group(1))
        pos = m.end()
    pieces.append(sentence[pos:])
    text = "".join(pieces)
    return {"text": text, "e1": text[spans["e1"][0]:spans["e1"][1]], "e2": text[spans["e2"][0]:spans["e2"][1]],
            "e1_start": spans["e1"][0], "e1_end": spans["e1"][1],
            "e2_start": spans["e2"][0], "e2_end": spans["e2"][1]}


def read_semeval(path: str | Path) -> pd.DataFrame:
    """Read a SemEval-2010 Task 8 file (4 lines per example) into a DataFrame.

    Columns: ``id`` (int), ``sentence`` (with tags), ``text`` (tags removed), ``e1``, ``e2``,
    ``e1_start``/``e1_end``/``e2_start``/``e2_end`` (character offsets into ``text``, end exclusive),
    ``label`` (one of :data:`LABELS`), ``relation`` (direction-free type) and ``comment``.
    Raises :class:`SemEvalFormatError` naming the file and line on any malformed record.
    """
    path = Path(path)
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    rows, seen, i = [], set(), 0
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        lineno = i + 1
        m = _SENTENCE.match(lines[i])
        if not m:
            raise SemEvalFormatError(f"{path}:{lineno}: expected 'ID<TAB>\"sentence\"', got {lines[i][:80]!r}")
        ex_id = int(m.group(1))
        if ex_id in seen:
            raise SemEvalFormatError(f"{path}:{lineno}: duplicate example id {ex_id}")
        seen.add(ex_id)
        try:
            parsed = parse_marked_sentence(m.group(2))
        except ValueError as err:
            raise SemEvalFormatError(f"{path}:{lineno}: example {ex_id}: {err}") from None
        label = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if label not in LABELS:
            raise SemEvalFormatError(f"{path}:{lineno + 1}: example {ex_id}: unknown relation label {label!r}")
        comment = lines[i + 2].strip() if i + 2 < len(lines) else ""
        if not comment.startswith("Comment:"):
            raise SemEvalFormatError(f"{path}:{lineno + 2}: example {ex_id}: expected 'Comment:' line, "
                                     f"got {comment[:80]!r}")
        rows.append({"id": ex_id, "sentence": m.group(2), **parsed, "label": label,
                     "relation": relation_type(label), "comment": comment[len("Comment:"):].strip()})
        i += 3
    return pd.DataFrame(rows, columns=["id", "sentence", "text", "e1", "e2", "e1_start", "e1_end",
                                       "e2_start", "e2_end", "label", "relation", "comment"])


def split_semeval(frame: pd.DataFrame, test_size: float = 0.1, seed: int = 13,
                  stratify: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A fixed, seeded train/test split of a SemEval frame (stratified by the 19-way label by default).

    Uses ``sklearn.model_selection.train_test_split(test_size, random_state=seed, stratify=key)`` where
    ``key`` is the 19-way label, except that a relation type with a label of fewer than 2 examples is
    stratified by its direction-free type (the training file has a single ``Entity-Destination(e2,e1)``,
    so both Entity-Destination directions share one stratum). The same seed
    always gives the same split. Returns (train, test), both with reset indices.
    """
    from sklearn.model_selection import train_test_split

    if not 0 < test_size < 1:
        raise ValueError(f"test_size must be in (0, 1), got {test_size}")
    key = None
    if stratify:
        counts = frame["label"].value_counts()
        rare = {relation_type(lab) for lab, n in counts.items() if n < 2}
        types = frame["label"].map(relation_type)
        key = frame["label"].where(~types.isin(rare), types)
    train, test = train_test_split(frame, test_size=test_size, random_state=seed, stratify=key)
    return train.reset_index(drop=True), test.reset_index(drop=True)


@dataclass
class SemEvalScore:
    """Result of :func:`score_semeval` for one evaluation mode.

    ``per_relation`` has one row per label of the answer key (``Other`` included, flagged by ``is_other``):
    ``relation, correct, proposed, wrong_direction, answer, precision, recall, f1`` (fractions in [0, 1]).
    ``macro_*`` and ``micro_*`` exclude ``Other``; ``macro_f1`` of the ``"official"`` mode is the
    official score (the Perl scorer prints it as a percentage).
    """

    mode: str
    per_relation: pd.DataFrame
    macro_precision: float
    macro_recall: float
    macro_f1: float
    micro_precision: float
    micro_recall: float
    micro_f1: float
    accuracy: float
    coverage: float

    def to_dict(self) -> dict:
        """A JSON-ready dict of the scalar scores."""
        return {k: getattr(self, k) for k in ("mode", "macro_precision", "macro_recall", "macro_f1",
                                               "micro_precision", "micro_recall", "micro_f1",
                                               "accuracy", "coverage")}


def _check_labels(labels: Mapping, what: str) -> None:
    bad = sorted({str(v) for v in labels.values() if v not in LABELS})
    if bad:
        raise ValueError(f"{what} contains labels that are not SemEval-2010 Task 8 labels: {bad[:5]}")


def score_semeval(gold: Mapping | pd.Series, pred: Mapping | pd.Series,
                  mode: str = "official") -> SemEvalScore:
    """Score proposed labels against the answer key exactly as ``semeval2010_task8_scorer-v1.2.pl``.

    ``gold`` and ``pred`` map example id -> label (dicts or Series indexed by id); ``pred`` may cover a
    subset of the ids (the rest count as skipped) but may not contain ids absent from ``gold``.
    ``mode``: ``"official"`` = (9+1)-way with directionality taken into account (the official score),
    ``"undirected"`` = (9+1)-way ignoring direction, ``"19way"`` = (2*9+1)-way.
    """
    gold, pred = dict(gold), dict(pred)
    _check_labels(gold, "gold")
    _check_labels(pred, "pred")
    extra = [k for k in pred if k not in gold]
    if extra:
        raise ValueError(f"pred contains {len(extra)} ids absent from gold, e.g. {extra[:3]}")
    if mode not in ("official", "undirected", "19way"):
        raise ValueError(f"mode must be 'official', 'undirected' or '19way', got {mode!r}")

    key = (lambda lab: lab) if mode == "19way" else relation_type
    conf: Counter = Counter()           # (proposed, answer) -> count; 'WRONG_DIR' rows in official mode
    proposed: Counter = Counter()
    for ex_id, p in pred.items():
        g = gold[ex_id]
        pk, gk = key(p), key(g)
        if mode == "official" and p != g and pk == gk:
            conf["WRONG_DIR", gk] += 1
            proposed["WRONG_DIR"] += 1
        else:
            conf[pk, gk] += 1
            proposed[pk] += 1
    answer = Counter(key(g) for g in gold.values())

    rows = []
    for lab in sorted(answer):
        correct = conf[lab, lab]
        wrong_dir = conf["WRONG_DIR", lab] if mode == "official" else 0
        n_prop = proposed[lab] + wrong_dir
        p = 0.0 if proposed[lab] == 0 else correct / n_prop
        r = 0.0 if answer[lab] == 0 else correct / answer[lab]
        f = 0.0 if p + r == 0 else 2 * p * r / (p + r)
        rows.append({"relation": lab, "correct": correct, "proposed": n_prop, "wrong_direction": wrong_dir,
                     "answer": answer[lab], "precision": p, "recall": r, "f1": f,
                     "is_other": key(lab) == OTHER})
    per = pd.DataFrame(rows, columns=["relation", "correct", "proposed", "wrong_direction", "answer",
                                      "precision", "recall", "f1", "is_other"])
    rel = per[~per["is_other"]]
    n = len(rel)
    micro_c, micro_p, micro_a = rel["correct"].sum(), rel["proposed"].sum(), rel["answer"].sum()
    mp = micro_c / micro_p if micro_p else 0.0
    mr = micro_c / micro_a if micro_a else 0.0
    correct_all = sum(conf[lab, lab] for lab in answer)
    return SemEvalScore(
        mode=mode, per_relation=per,
        macro_precision=float(rel["precision"].sum() / n) if n else 0.0,
        macro_recall=float(rel["recall"].sum() / n) if n else 0.0,
        macro_f1=float(rel["f1"].sum() / n) if n else 0.0,
        micro_precision=float(mp), micro_recall=float(mr),
        micro_f1=float(0.0 if mp + mr == 0 else 2 * mp * mr / (mp + mr)),
        accuracy=float(correct_all / len(pred)) if pred else 0.0,
        coverage=float(len(pred) / len(gold)) if gold else 0.0,
    )


def write_answer_file(labels: Mapping | pd.Series | Iterable[tuple[int, str]], path: str | Path) -> Path:
    """Write ``id<TAB>label`` lines, the input format of the official Perl scorer (for cross-checking)."""
    items = labels.items() if isinstance(labels, (Mapping, pd.Series)) else labels
    path = Path(path)
    path.write_text("".join(f"{i}\t{lab}\n" for i, lab in items), encoding="utf-8")
    return path
