"""Running texts through a spaCy extraction pipeline in batches, shared by the product and review drivers
(:mod:`kgmine.extract.pipeline`, :mod:`kgmine.extract.catalog`): text cleaning, batched / forked
``nlp.pipe`` with a progress bar, and keeping the best mention per value."""
from __future__ import annotations

import html
import math
import multiprocessing as mp
from collections.abc import Iterator

import pandas as pd
from spacy.language import Language

from kgmine.extract.doc import attributes
from kgmine.progress import make_progress

PRODUCT_COLUMNS = ["product_id", "attribute", "value", "text", "start", "end", "field", "extractor", "confidence",
                   "source_doc", "linked"]
TEXT_COLUMNS = ["doc_id", "attribute", "value", "text", "start", "end", "extractor", "confidence", "source_doc",
                "linked"]

def clean_text(text) -> str:
    """A text field as a plain string: missing (None/NA/NaN) -> ``""``, HTML entities unescaped, stripped."""
    if text is None or text is pd.NA or (isinstance(text, float) and math.isnan(text)):
        return ""
    return html.unescape(str(text)).strip()


_WORKER: dict = {}  # the pipeline a forked worker process uses (set before the fork)


def _work(chunk: list[tuple[str, tuple]]) -> list[tuple[list[dict], tuple]]:
    nlp, batch_size, payload = _WORKER["nlp"], _WORKER["batch_size"], _WORKER["payload"]
    return [(payload(doc), ctx) for doc, ctx in nlp.pipe(chunk, as_tuples=True, batch_size=batch_size)]


def _chunks(items: Iterator, size: int) -> Iterator[list]:
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def run_docs(nlp: Language, items: Iterator[tuple[str, tuple]], total: int, batch_size: int, n_process: int,
         progress: bool, description: str, payload=attributes) -> Iterator[tuple[list[dict], tuple]]:
    """(``payload(doc)``, context) per text, in input order (``payload`` defaults to the attribute records).

    With ``n_process > 1`` on platforms that fork, texts go in chunks to a pool of forked workers that
    each run ``nlp.pipe`` and send back only the records (plain dicts) — not the Docs, whose
    serialisation would dominate; elsewhere spaCy's own ``nlp.pipe(n_process=...)`` is used.
    """
    if n_process < 0:
        n_process = mp.cpu_count()
    with make_progress(disable=not progress) as bar:
        task = bar.add_task(description, total=total)
        if n_process > 1 and "fork" in mp.get_all_start_methods():
            _WORKER.update(nlp=nlp, batch_size=batch_size, payload=payload)
            try:
                with mp.get_context("fork").Pool(n_process) as pool:
                    for out in pool.imap(_work, _chunks(items, 4 * batch_size)):
                        yield from out
                        bar.advance(task, len(out))
            finally:
                _WORKER.clear()
            return
        for doc, ctx in nlp.pipe(items, as_tuples=True, batch_size=batch_size, n_process=n_process):
            yield payload(doc), ctx
            bar.advance(task)


def best_per_value(rows: list[dict], key: list[str], columns: list[str]) -> pd.DataFrame:
    """``rows`` as a frame of ``columns`` keeping, per ``key``, the most confident (then earliest) mention."""
    frame = pd.DataFrame(rows, columns=columns)
    if frame.empty:
        return frame
    frame = frame.sort_values([*key, "confidence", "start"], ascending=[True] * len(key) + [False, True],
                              kind="stable")
    frame = frame.drop_duplicates(subset=key, keep="first").reset_index(drop=True)
    frame["start"] = frame["start"].astype("int64")
    frame["end"] = frame["end"].astype("int64")
    frame["confidence"] = frame["confidence"].astype("float64")
    return frame
