"""LightGCN split files (He et al., SIGIR 2020; the ``train.txt`` / ``test.txt`` of its official code).

One line per user: ``user item item ...`` (whitespace-separated integer ids, 0-based in the
published data sets: Gowalla, Yelp2018, Amazon-Book). A user may have a line with no items.

Every (user, item) pair becomes one ``bought`` interaction (the event can be changed with
``event=``) with ``split`` ``train`` or ``test``; products and users are every id that appears
(items sorted by id). Ids stay as given, as strings (``"0"``, ``"1"`` ...). Pairs are kept as
written: a repeated pair stays repeated.

The file is parsed in bulk: the token count of each line, then all tokens at once with the
pyarrow CSV parser; only when that fails is the file scanned line by line to name the bad line
(``train.txt line 17: 'x12' is not an integer id``). Reading Gowalla (810,128 + 217,242 pairs)
takes about a second; see ``benchmarks/io_lightgcn.py``.
"""
from __future__ import annotations

import io
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pcsv

from kgmine.io._safe import show
from kgmine.io.errors import InputError
from kgmine.io.parsing import read_bytes
from kgmine.io.tables import EVENTS, ShopData
from kgmine.io.validate import validate_shop

_DIGITS = re.compile(rb"[+-]?[0-9]+")
_WHITESPACE_TO_NEWLINE = bytes.maketrans(b" \t\r\v\f", b"\n\n\n\n\n")


def read_adjacency(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parse one ``user item item ...`` file into (user per pair, item per pair, every user id).

    All arrays are int64; the third holds each line's user (also users without items).
    """
    data = read_bytes(path)
    lines = data.split(b"\n")
    counts = np.fromiter((len(line.split()) for line in lines), dtype=np.int64, count=len(lines))
    tokens = _tokens(data, int(counts.sum()))
    if tokens is None:
        _raise_bad_token(path, lines)
    counts = counts[counts > 0]
    starts = np.zeros(len(counts), dtype=np.int64)
    np.cumsum(counts[:-1], out=starts[1:])
    line_users = tokens[starts]
    is_item = np.ones(len(tokens), dtype=bool)
    is_item[starts] = False
    return np.repeat(line_users, counts - 1), tokens[is_item], line_users


def _tokens(data: bytes, expected: int) -> np.ndarray | None:
    """All whitespace-separated tokens as int64, or None when one is not an integer."""
    if expected == 0:
        return np.zeros(0, dtype=np.int64)
    column = data.translate(_WHITESPACE_TO_NEWLINE)
    try:
        table = pcsv.read_csv(
            io.BytesIO(column),
            read_options=pcsv.ReadOptions(column_names=["v"]),
            parse_options=pcsv.ParseOptions(ignore_empty_lines=True),
            convert_options=pcsv.ConvertOptions(column_types={"v": pa.int64()}, strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    values = table.column("v")
    if values.null_count or len(values) != expected:
        return None
    return values.to_numpy()


_INT64_MAX = 2**63 - 1


def _raise_bad_token(path, lines: list[bytes]) -> None:
    for lineno, line in enumerate(lines, 1):
        for token in line.split():
            text = token.decode("utf-8", "replace")
            if not _DIGITS.fullmatch(token):
                raise InputError(path, f"{show(text)} is not an integer id", line=lineno) from None
            if len(token.lstrip(b"+-")) > 19 or abs(int(token)) > _INT64_MAX:
                raise InputError(path, f"{show(text)} is too large for an id (more than 64 bits)", line=lineno)
    raise InputError(path, "could not parse the file as integer ids")


def _as_strings(values: np.ndarray) -> pd.arrays.ArrowStringArray:
    return pd.array(pa.array(values, type=pa.int64()).cast(pa.large_string()), dtype="string")


def read_lightgcn(path: str | os.PathLike, *, train: str = "train.txt", test: str | None = "test.txt",
                  event: str = "bought", name: str | None = None) -> ShopData:
    """Read a LightGCN data folder (``train.txt`` and, when present, ``test.txt``) into a ShopData.

    Parameters
    ----------
    path : path
        The folder, or a single ``user item item ...`` file (then read as the train split only).
    train, test : str
        File names inside the folder; ``test=None`` skips the test file.
    event : str
        Event of every pair (default ``bought``).
    name : str, optional
        ``ShopData.name`` (default: the folder name).
    """
    if event not in EVENTS:
        raise ValueError(f"event must be one of {EVENTS}, got {event!r}")
    folder = Path(path)
    if folder.is_file():
        parts = [(folder, "train")]
        label = name or folder.stem
    else:
        if not folder.is_dir():
            raise InputError(path, "not found (expected a folder with train.txt and test.txt)")
        parts = [(folder / train, "train")]
        if test is not None and (folder / test).is_file():
            parts.append((folder / test, "test"))
        label = name or folder.name
    users, items, splits, all_users = [], [], [], []
    for file, split in parts:
        u, i, line_users = read_adjacency(file)
        users.append(u)
        items.append(i)
        splits.append(np.full(len(u), split == "test", dtype=bool))
        all_users.append(line_users)
    u = np.concatenate(users)
    i = np.concatenate(items)
    is_test = np.concatenate(splits)
    user_ids = np.sort(pd.unique(np.concatenate(all_users)))  # pd.unique: ~10x faster than np.unique here
    item_ids = np.sort(pd.unique(i))
    interactions = pd.DataFrame({
        "user_id": _as_strings(u),
        "product_id": _as_strings(i),
        "event": pd.array(pa.repeat(event, len(u)).cast(pa.large_string()), dtype="string"),
        "split": pd.array(pa.array(["train", "test"], type=pa.large_string()).take(is_test.astype(np.int8)),
                          dtype="string"),
    })
    shop = ShopData(name=label, products=pd.DataFrame({"product_id": _as_strings(item_ids)}),
                    users=pd.DataFrame({"user_id": _as_strings(user_ids)}), interactions=interactions)
    return validate_shop(shop, path)
