"""Helpers the readers share: open plain or gzip text, locate a row in its file, parse typed columns.

Every parse function takes the file name, the column name as written in the file and a *locator*
(position in the parsed frame -> ``{"line": n}`` or ``{"row": n}``), so the first bad value raises
an :class:`~kgmine.io.errors.InputError` that names file, line and column. Locators are only called
on the error path, so they may be slow (the CSV locator re-scans the file to count physical lines
correctly even when quoted fields span lines). The guards against damaged or hostile input
(decompression, the timestamp window, control characters in ids) live in :mod:`kgmine.io._safe`.
"""
from __future__ import annotations

import csv
import gzip
import io
import math
import os
import re
import warnings
import zipfile
import zlib
from collections.abc import Callable, Mapping
from pathlib import Path
from datetime import datetime, timezone
from typing import TextIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kgmine.io._safe import CONTROL_PATTERN, UNIX_WINDOW, TimeWindow, compression_of, control_char, decompress, show
from kgmine.io._safe import GZIP_MAGIC as _GZIP_MAGIC
from kgmine.io._safe import read_bytes as _read_raw
from kgmine.io.errors import InputError

Locator = Callable[[int], dict]
"""Maps a 0-based position in a parsed frame to ``{"line": n}`` or ``{"row": n}`` (1-based)."""

MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none"})
"""Cell values (case-insensitive, stripped) read as missing in numeric and timestamp columns."""


def existing_file(path: str | os.PathLike, what: str = "file") -> Path:
    """``Path(path)`` if it is a file, else :class:`InputError` (``... : file not found``)."""
    p = Path(path)
    if not p.is_file():
        raise InputError(path, f"{what} not found" if not p.exists() else f"{what} is not a regular file")
    return p


def open_text(path: str | os.PathLike, encoding: str = "utf-8") -> TextIO:
    """Open ``path`` for reading text; gzip is detected from the file's first bytes, not its name."""
    p = existing_file(path)
    with open(p, "rb") as fh:
        magic = fh.read(2)
    if magic == _GZIP_MAGIC:
        return io.TextIOWrapper(gzip.open(p, "rb"), encoding=encoding, newline="")
    return open(p, encoding=encoding, newline="")


def read_bytes(path: str | os.PathLike) -> bytes:
    """The whole (decompressed) content of ``path``; a damaged gzip / bz2 / xz stream raises InputError
    naming the line where the damage starts (see :func:`kgmine.io._safe.decompress`)."""
    return _read_raw(existing_file(path))


# --------------------------------------------------------------------------------------- locators


def line_locator(first_line: int = 1, line_numbers: np.ndarray | None = None) -> Locator:
    """Position ``i`` -> line ``first_line + i``, or ``line_numbers[i]`` when given."""
    if line_numbers is not None:
        return lambda i: {"line": int(line_numbers[i])}
    return lambda i: {"line": first_line + int(i)}


def row_locator() -> Locator:
    """Position ``i`` -> data row ``i + 1`` (files without lines, e.g. Parquet)."""
    return lambda i: {"row": int(i) + 1}


def csv_locator(path: str | os.PathLike, sep: str = ",", encoding: str = "utf-8", header: bool = True,
                quoting: int = csv.QUOTE_MINIMAL) -> Locator:
    """Position ``i`` -> the physical line where record ``i`` starts (quoted newlines and blank lines,
    which pandas skips, are counted). Use ``quoting=csv.QUOTE_NONE`` for files read without quoting."""

    def locate(i: int) -> dict:
        try:
            with io.StringIO(read_bytes(path).decode(encoding, errors="replace"), newline="") as fh:
                reader = csv.reader(fh, delimiter=sep, quoting=quoting)
                start, k = 1, 0
                for record in reader:
                    if record:  # pandas skips blank lines; so does the count of records
                        if k == i + int(header):
                            return {"line": start}
                        k += 1
                    start = reader.line_num + 1
        except csv.Error:  # a record the csv module cannot split (e.g. a field over its size limit)
            return {"line": None}
        return {"line": start}

    return locate


# ------------------------------------------------------------------------------- column checks


def require_columns(columns, needed: Mapping[str, str], file: str | os.PathLike) -> None:
    """Raise :class:`InputError` for the first ``needed`` column (kgmine field -> column in the file)
    that ``columns`` lacks."""
    present = set(columns)
    for field, col in needed.items():
        if col not in present:
            hint = f" (kgmine field {field!r})" if field != col else ""
            raise InputError(file, f"missing required column {col!r}{hint}", column=col)


def _raw_strings(values: pd.Series) -> pd.Series:
    return values.astype("string").str.strip()


def _is_missing(raw: pd.Series) -> np.ndarray:
    return (raw.isna() | raw.str.lower().isin(MISSING_TOKENS)).to_numpy(dtype=bool)


def _arrow_float(raw: pd.Series) -> pd.Series | None:
    """Fast path: every present cell is a plain number -> float64 Series (missing -> NaN), else None."""
    try:
        arr = pc.cast(pa.array(raw, type=pa.string(), from_pandas=True), pa.float64())
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None
    return pd.Series(arr.to_numpy(zero_copy_only=False), dtype="float64")


def parse_float(values: pd.Series, *, file, column: str, locate: Locator, required: bool = False,
                scale: tuple[float, float] | None = None, scale_name: str = "") -> pd.Series:
    """``values`` as float64 (missing -> NaN); the first non-number or infinity raises InputError, and
    with ``scale=(low, high)`` so does the first value outside it (``scale_name`` names the scale)."""
    if pd.api.types.is_bool_dtype(values.dtype):
        _fail(file, column, locate, 0, f"{show(values.iloc[0])} is not a number")
    if pd.api.types.is_numeric_dtype(values.dtype):
        out = values.astype("float64")
        missing = out.isna().to_numpy()
    else:
        raw = _raw_strings(values)
        fast = _arrow_float(raw)
        if fast is not None:
            out, missing = fast, raw.isna().to_numpy(dtype=bool)
        else:
            missing = _is_missing(raw)
            out = pd.to_numeric(raw.where(~missing), errors="coerce").astype("float64")
        bad = np.flatnonzero(out.isna().to_numpy() & ~missing)
        if len(bad):
            i = int(bad[0])
            _fail(file, column, locate, i, f"{show(values.iloc[i])} is not a number")
    arr = out.to_numpy(dtype="float64", na_value=np.nan)
    inf = np.flatnonzero(np.isinf(arr))
    if len(inf):
        i = int(inf[0])
        _fail(file, column, locate, i, f"{show(values.iloc[i])} is not a finite number")
    if scale is not None:
        low, high = scale
        outside = np.flatnonzero((arr < low) | (arr > high))
        if len(outside):
            i = int(outside[0])
            name = f"{scale_name} " if scale_name else ""
            _fail(file, column, locate, i, f"{show(values.iloc[i])} is outside the {name}scale {low:g}..{high:g}")
    if required and missing.any():
        _fail(file, column, locate, int(np.flatnonzero(missing)[0]), "missing value")
    return out.reset_index(drop=True)


def _iso_seconds(text: str) -> float:
    """One ISO 8601 string as unix seconds (naive = UTC), NaN when it is not one; any year 1..9999."""
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except (ValueError, OverflowError):
        return math.nan
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return (when - _EPOCH).total_seconds()


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _iso_to_seconds(raw: pd.Series) -> np.ndarray:
    """ISO 8601 strings as float unix seconds (NaN where not a timestamp), also for years pandas'
    nanosecond timestamps cannot hold (``9999-12-31`` parses; the window check rejects it)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parsed = pd.to_datetime(raw, utc=True, errors="coerce", format="ISO8601")
        secs = ((parsed - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(seconds=1)).to_numpy(dtype="float64",
                                                                                         na_value=np.nan)
    except (ValueError, OverflowError, TypeError, pd.errors.OutOfBoundsDatetime):
        return np.array([_iso_seconds(str(v)) for v in raw.tolist()], dtype="float64")
    return secs


def parse_timestamp(values: pd.Series, *, file, column: str, locate: Locator,
                    window: TimeWindow = UNIX_WINDOW, required: bool = False) -> pd.Series:
    """``values`` as Int64 unix seconds: numbers (floats are floored), ISO 8601 strings or datetimes.

    Missing -> NA (an error when ``required``); anything else, and any time outside ``window``
    (default 1970-01-01 .. now + 1 day, see :mod:`kgmine.io._safe`), raises InputError naming file,
    line and column.
    """
    values = values.reset_index(drop=True)
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        ts = pd.to_datetime(values, utc=True)
        num = ((ts - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(seconds=1)).astype("float64")
        missing = num.isna().to_numpy()
    elif pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        num = values.astype("float64")
        missing = num.isna().to_numpy()
    else:
        raw = _raw_strings(values)
        fast = _arrow_float(raw)
        if fast is not None:
            num, missing = fast, raw.isna().to_numpy(dtype=bool)
        else:
            missing = _is_missing(raw)
            num = pd.to_numeric(raw.where(~missing), errors="coerce").astype("float64")
        todo = np.flatnonzero(num.isna().to_numpy() & ~missing)
        if len(todo):
            secs = _iso_to_seconds(raw.iloc[todo])
            bad = todo[np.isnan(secs)]
            if len(bad):
                i = int(bad[0])
                _fail(file, column, locate, i, f"{show(values.iloc[i])} is not a timestamp (unix seconds or ISO 8601)")
            num.iloc[todo] = secs
    arr = num.to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(invalid="ignore"):
        outside = np.flatnonzero(np.isinf(arr) | (arr < window.low) | (arr > window.high))
    if len(outside):
        i = int(outside[0])
        _fail(file, column, locate, i, f"{show(values.iloc[i])} is outside the timestamp window "
                                       f"{window.label} .. now + 1 day")
    if required and missing.any():
        _fail(file, column, locate, int(np.flatnonzero(missing)[0]), "missing timestamp")
    return pd.Series(np.floor(arr), dtype="float64").astype("Int64")


def parse_ids(values: pd.Series, *, file, column: str, locate: Locator) -> pd.Series:
    """``values`` as stripped strings; a missing or empty id, or one with a control character (NUL,
    ESC, tab, newline ...), raises InputError."""
    values = values.reset_index(drop=True)
    if pd.api.types.is_float_dtype(values.dtype):
        # integer ids that went through a float column (e.g. Parquet with NaN): 12.0 -> "12"
        values = pd.Series([pd.NA if v != v else (str(int(v)) if float(v).is_integer() else str(v))
                            for v in values.tolist()], dtype="string")
    elif not (pd.api.types.is_string_dtype(values.dtype) or values.dtype == object):
        values = values.astype("string")
    try:
        arr = pa.array(values, type=pa.large_string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # an object column of mixed types
        arr = pa.array(values.astype("string"), type=pa.large_string(), from_pandas=True)
    ids = pc.utf8_trim_whitespace(arr)
    empty = pc.fill_null(pc.equal(ids, ""), True).to_numpy(zero_copy_only=False)
    if empty.any():
        _fail(file, column, locate, int(np.flatnonzero(empty)[0]), "missing id")
    control = pc.fill_null(pc.match_substring_regex(ids, CONTROL_PATTERN), False).to_numpy(zero_copy_only=False)
    if control.any():
        i = int(np.flatnonzero(control)[0])
        text = ids[i].as_py()
        _fail(file, column, locate, i, f"id {show(text)} contains the control character {control_char(text)}")
    return pd.Series(pd.array(ids, dtype="string"))


def _fail(file, column: str, locate: Locator, i: int, message: str):
    raise InputError(file, message, column=column, **locate(i))


# ---------------------------------------------------------------------------------------- prices

_NUMBER = r"(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_PRICE = re.compile(
    rf"^\s*(?:[A-Z]{{3}}\s*)?[$€£¥]?\s*{_NUMBER}\s*(?:(?:-|–|to)\s*(?:[A-Z]{{3}}\s*)?[$€£¥]?\s*{_NUMBER})?\s*$"
)


def parse_price(text: object) -> float:
    """A price string as a float: ``"$12.99"`` -> 12.99, ``"$1,250.00"`` -> 1250.0, a range
    ``"$10.00 - $20.00"`` -> 10.0 (its lower bound, the "from" price). Numbers pass through.

    Anything else (empty, scraped HTML/CSS) -> NaN; callers decide whether that is an error.
    """
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return math.nan
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        try:
            return float(text)
        except OverflowError:  # an integer too large for a float
            return math.nan
    m = _PRICE.match(str(text))
    if not m:
        return math.nan
    return float(m.group(1).replace(",", ""))


# ------------------------------------------------------------------------------ delimited text


def read_delimited(path: str | os.PathLike, sep: str, *, names: list[str] | None = None,
                   encoding: str = "utf-8", quoting: int = csv.QUOTE_NONE) -> tuple[pd.DataFrame, Locator]:
    """A delimited text file (plain or compressed) as a frame of strings plus a locator for its rows.

    With ``names`` the file has no header line and gets these column names; without, its first line
    is the header. gzip / bz2 / xz are recognised by their magic bytes (a damaged stream raises
    InputError naming the line where the damage starts), zip / zstd by the file name. A line with
    more fields than ``names`` or than the header -- on any line, the first data line included (pandas
    would silently take an extra field there for an index) --, a repeated header name, undecodable
    bytes or an empty file raise InputError naming the file (and line).
    """
    p = existing_file(path)
    kind = compression_of(read_head(p, 6))
    source = io.BytesIO(decompress(p.read_bytes(), kind, path)) if kind else p
    plain_name = re.search(r"\.(gz|bz2|xz)$", p.name.lower()) is not None  # compressed name, plain content
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", pd.errors.ParserWarning)
            frame = pd.read_csv(source, sep=sep, header=None, dtype=str, keep_default_na=False, na_values=[""],
                                encoding=encoding, quoting=quoting, index_col=False,
                                compression=None if kind or plain_name else "infer")
    except pd.errors.ParserError as err:
        m = re.search(r"line (\d+)", str(err))
        raise InputError(path, f"wrong number of fields ({err})", line=int(m.group(1)) if m else None) from None
    except UnicodeDecodeError as err:
        raise InputError(path, f"not {encoding} text ({err.reason}); pass encoding=") from None
    except pd.errors.EmptyDataError:
        raise InputError(path, "empty file" if names is not None else "empty file (no header line)") from None
    except (EOFError, OSError, zlib.error, zipfile.BadZipFile, ValueError) as err:  # zip / zstd by name
        raise InputError(path, f"cannot read the file ({type(err).__name__}: {err})") from None
    locate = csv_locator(p, sep=sep, encoding=encoding, header=names is None, quoting=quoting)
    if names is None:
        header = [f"Unnamed: {k}" if v is None or v != v else str(v) for k, v in enumerate(frame.iloc[0].tolist())]
        seen: set[str] = set()
        for name in header:
            if name in seen:
                raise InputError(path, f"column {show(name)} appears twice in the header", line=1, column=name)
            seen.add(name)
        frame = frame.iloc[1:].reset_index(drop=True)
        frame.columns = header
        return frame, locate
    width = frame.shape[1]
    if width > len(names):
        raise InputError(path, f"{width} fields, expected {len(names)} ({', '.join(names[:6])}"
                               f"{' ...' if len(names) > 6 else ''})", **locate(0))
    frame.columns = list(names[:width])
    for name in names[width:]:  # short lines: the missing trailing fields are empty
        frame[name] = pd.Series(pd.NA, index=frame.index, dtype="object")
    return frame, locate


def read_head(path: str | os.PathLike, n: int) -> bytes:
    """The first ``n`` raw bytes of ``path``."""
    with open(path, "rb") as fh:
        return fh.read(n)


def check_known(values: pd.Series, known, *, file, column: str, locate: Locator, what: str) -> None:
    """InputError at the first of ``values`` not in ``known`` (e.g. a rating of an unknown item)."""
    ok = values.isin(known).to_numpy(dtype=bool)
    if not ok.all():
        i = int(np.flatnonzero(~ok)[0])
        raise InputError(file, f"{values.iloc[i]!r} is not a known {what} ({int((~ok).sum())} such rows)",
                         column=column, **locate(i))
