"""Reader of labelled record pairs in the Ditto / DeepMatcher format.

One pair a line: ``COL attr VAL value COL attr VAL value ... <TAB> (the same for the right record) <TAB> label``
with label 0 or 1 (1 = the same product). :func:`read_pairs` returns a DataFrame with one row per pair:
``left`` and ``right`` (dicts attribute -> value) and ``label`` (int). Bad lines raise :class:`InputError`
naming the file and line.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd

from kgmine.io.errors import InputError

_COL = re.compile(r"COL\s+(\S+)\s+VAL\s?")


def parse_record(text: str) -> dict[str, str]:
    """``COL name VAL a b COL price VAL 3`` -> ``{"name": "a b", "price": "3"}`` (a text without COL -> ``title``)."""
    marks = list(_COL.finditer(text))
    if not marks:
        return {"title": text.strip()}
    out = {}
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        out[m.group(1)] = text[m.end():end].strip()
    return out


def read_pairs(path: str | os.PathLike) -> pd.DataFrame:
    """Labelled pairs of ``path`` as a DataFrame (``left``, ``right``, ``label``)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "file not found")
    rows = []
    with open(path, encoding="utf-8") as handle:
        for number, raw in enumerate(handle, 1):
            line = raw.rstrip("\n").rstrip("\r")
            if not line.strip():
                continue
            fields = line.split("\t")
            if len(fields) == 2:
                raise InputError(path, "missing label column (2 tab fields: left, right; expected left, right, "
                                 "label)", line=number)
            if len(fields) < 3:
                raise InputError(path, f"{len(fields)} tab field(s), expected at least three (left, right, label)",
                                 line=number)
            label = fields[-1].strip()
            if label not in ("0", "1"):
                raise InputError(path, f"label {label!r} is not 0 or 1", line=number)
            left, right = fields[0], "\t".join(fields[1:-1])
            rows.append({"left": parse_record(left), "right": parse_record(right), "label": int(label)})
    if not rows:
        raise InputError(path, "no pairs")
    return pd.DataFrame(rows)
