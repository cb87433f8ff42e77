"""Guards every reader shares against hostile or damaged input: safe decompression, the timestamp
window, the id check and short displays of bad values.

Each guard turns what would be a crash deep inside gzip, pandas or numpy (``EOFError``,
``zlib.error``, ``OutOfBoundsDatetime``, ``OverflowError`` ...) into one
:class:`~kgmine.io.errors.InputError` naming file, line and field.

Ranges (documented in the README's Reliability section):

* timestamps are unix seconds in :data:`UNIX_WINDOW` (1970-01-01 .. now + 1 day) for generic
  formats (tabular, RecBole: small positive values are ordinal times there), and in
  :data:`REAL_TIME_WINDOW` (1990-01-01 .. now + 1 day) for data sets whose times are real review or
  rating times (MovieLens, Amazon);
* ids contain no control characters (U+0000..U+001F, U+007F..U+009F): NUL, ESC, tab, newline ...
"""
from __future__ import annotations

import bz2
import lzma
import os
import re
import time
import zlib
from pathlib import Path

from kgmine.io.errors import InputError

GZIP_MAGIC = b"\x1f\x8b"
_MAGIC = {GZIP_MAGIC: "gzip", b"BZh": "bz2", b"\xfd7zXZ\x00": "xz"}

EPOCH_1990 = 631152000
"""1990-01-01T00:00:00Z in unix seconds."""

DAY = 86400


def _now_plus_day() -> int:
    return int(time.time()) + DAY


class TimeWindow:
    """An inclusive range of unix seconds whose upper end follows the clock (now + 1 day)."""

    def __init__(self, low: int, label: str) -> None:
        self.low = int(low)
        self.label = label

    @property
    def high(self) -> int:
        """Now + 1 day (a clock a little ahead of the data's is not an error)."""
        return _now_plus_day()

    def __repr__(self) -> str:
        return f"TimeWindow({self.label} .. now + 1 day)"


UNIX_WINDOW = TimeWindow(0, "1970-01-01")
"""Generic formats: any unix time from the epoch to now + 1 day (ordinal times 1, 2, 3 ... pass)."""

REAL_TIME_WINDOW = TimeWindow(EPOCH_1990, "1990-01-01")
"""Data sets of real rating / review times (MovieLens, Amazon): 1990-01-01 to now + 1 day."""

CONTROL_PATTERN = r"[\x00-\x1f\x7f-\x9f]"
_CONTROL = re.compile(CONTROL_PATTERN)
MAX_SHOWN = 40


def show(value: object) -> str:
    """``repr(value)``, cut to about :data:`MAX_SHOWN` characters (a 5,000-digit number stays one short line)."""
    try:
        text = repr(value)
    except ValueError:  # int too long for repr (> 4300 digits)
        return "<an integer of more than 4300 digits>"
    if len(text) > MAX_SHOWN:
        text = f"{text[:MAX_SHOWN - 8]}...({len(text)} chars)"
    return text


def control_char(text: str) -> str | None:
    """The first control character of ``text`` as ``U+001B``, or None."""
    m = _CONTROL.search(text)
    return None if m is None else f"U+{ord(m.group()):04X}"


def check_id(value: str, *, file, column: str, line: int | None = None, row: int | None = None) -> None:
    """InputError when the id ``value`` has a control character (NUL, ESC, tab, newline ...)."""
    bad = control_char(value)
    if bad is not None:
        raise InputError(file, f"id {show(value)} contains the control character {bad}",
                         column=column, line=line, row=row)


def time_problem(seconds: float, window: TimeWindow) -> str | None:
    """Why ``seconds`` is not a timestamp in ``window`` (None when it is)."""
    if seconds != seconds:
        return None
    if seconds < window.low or seconds > window.high:
        return f"is outside the timestamp window {window.label} .. now + 1 day"
    return None


def compression_of(head: bytes) -> str | None:
    """``gzip`` / ``bz2`` / ``xz`` from a file's first bytes, else None (plain)."""
    for magic, kind in _MAGIC.items():
        if head.startswith(magic):
            return kind
    return None


def _decompressor(kind: str):
    if kind == "gzip":
        return zlib.decompressobj(wbits=31)  # 16 + MAX_WBITS: a gzip header and trailer
    if kind == "bz2":
        return bz2.BZ2Decompressor()
    return lzma.LZMADecompressor()


def decompress(data: bytes, kind: str, file) -> bytes:
    """All members of a ``kind`` stream ``data``; damage (truncation, a bad byte, a bad CRC) raises
    InputError naming the line of the decompressed text where the damage starts."""
    out: list[bytes] = []
    rest = data
    try:
        while rest:
            d = _decompressor(kind)
            out.append(d.decompress(rest))
            if not d.eof:
                raise EOFError("compressed file ended before the end-of-stream marker was reached")
            rest = d.unused_data
            if kind == "gzip":
                rest = rest.lstrip(b"\x00")  # zero padding after the last member is allowed (as gzip does)
            if rest and compression_of(rest) != kind:
                raise ValueError(f"{len(rest)} bytes of garbage after the compressed data")
    except (EOFError, zlib.error, OSError, lzma.LZMAError, ValueError) as err:
        done = b"".join(out)
        line = done.count(b"\n") + 1
        raise InputError(file, f"broken {kind} stream after {len(done)} decompressed bytes "
                               f"({type(err).__name__}: {err})", line=line) from None
    return b"".join(out)


def read_bytes(path: str | os.PathLike) -> bytes:
    """The whole content of ``path``, decompressed when its first bytes say gzip, bz2 or xz."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as err:
        raise InputError(path, f"cannot read the file ({err.strerror or err})") from None
    kind = compression_of(data[:6])
    return data if kind is None else decompress(data, kind, path)
