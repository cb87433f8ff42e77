"""Baskets: the transactions that association-rule mining reads.

A :class:`Baskets` is a list of transactions (each a list of distinct items) plus optional basket
ids. It is built from

* Python iterables of items (:meth:`Baskets.from_lists`),
* a baskets table with one row per (basket, item) (:meth:`Baskets.from_frame`, e.g.
  :meth:`kgmine.io.tables.ShopData.baskets`),
* a text file with one basket a line, items separated by commas or whitespace
  (:meth:`Baskets.from_file`; the FIMI ``.dat`` files and the arules ``groceries.csv``),
* purchase events, grouped by order (``basket_id``), by user, or by user and time window
  (:func:`baskets_from_interactions`), or read from a graph store's ``(:User)-[:BOUGHT]->(:Product)``
  edges (:func:`baskets_from_store`).

The file reader is the fast path of ``kgmine mine rules``: it reads bytes and splits each line in C,
keeping items as ``bytes``; miners decode only the (few) distinct items of their results
(:func:`decode_item`). It refuses what is not such a file, with one line: binary input (a NUL byte, or a
start that is not UTF-8), and a *table* (a header naming columns such as ``order_id,product_id`` and the
same number of fields on every line), whose rows must be grouped into baskets by a column instead
(:meth:`Baskets.from_table`; ``kgmine mine rules --baskets FILE --basket-column C --item-column C``).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

GROUP_BY = ("basket", "user", "window")

#: header words that name a table's columns (an order table, an event log), not items of a basket
_COLUMN_WORD = re.compile(r"(?:^|[_ .-])(?:id|ids|order|orders|basket|user|customer|client|item|items|product|"
                          r"products|sku|asin|time|timestamp|date|datetime|ts|qty|quantity|price|amount|invoice|"
                          r"transaction|session|event|rating|count)(?:$|[_ .-])", re.I)
_HEADER_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_ .-]*")
_BASKET_WORDS = re.compile(r"order|basket|transaction|invoice|receipt|cart|session|tid", re.I)
_USER_WORDS = re.compile(r"user|customer|client|member|buyer", re.I)
_ITEM_WORDS = re.compile(r"product|item|sku|asin|article|upc|ean|pid", re.I)
_TEXT_PROBE = 1 << 16  # bytes of a baskets file checked for UTF-8


class TableShaped(ValueError):
    """A baskets file that is a table (header and fixed columns), not one basket a line; ``basket_column``
    and ``item_column`` are the columns proposed for :meth:`Baskets.from_table`."""

    def __init__(self, message: str, columns: list[str], basket_column: str | None, item_column: str | None):
        super().__init__(message)
        self.columns, self.basket_column, self.item_column = columns, basket_column, item_column


def check_text(data: bytes, source: str) -> None:
    """Raise ``ValueError`` naming ``source`` when ``data`` is not text: a NUL byte anywhere, or a start
    (the first 64 KB) that is not UTF-8."""
    nul = data.find(b"\x00")
    if nul >= 0:
        raise ValueError(f"{source}: not a text file (NUL byte at offset {nul:,}); a baskets file has one "
                         "basket a line, items separated by commas or whitespace")
    head = data[:_TEXT_PROBE]
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        cut_at_probe_end = len(data) > len(head) and exc.start >= len(head) - 3 and "end of data" in exc.reason
        if not cut_at_probe_end:
            raise ValueError(f"{source}: not UTF-8 text (byte 0x{head[exc.start]:02x} at offset {exc.start:,}); "
                             "a baskets file has one basket a line, items separated by commas or whitespace") from None


def _split(line: bytes, sep: str | None) -> list[bytes]:
    if sep in (",", "\t"):
        return [t.strip() for t in line.split(sep.encode())]
    return line.split()


def table_shape(lines: list[bytes], sep: str | None, source: str, sample: int = 200) -> TableShaped | None:
    """The :class:`TableShaped` error for a file whose first line is a header naming columns (identifier-like,
    distinct fields, one of them a column word such as ``order_id`` or ``timestamp``, or a text header above
    a column of numbers/dates) and whose next lines have its number of fields; ``None`` for a baskets file."""
    rows = [line for line in lines[:sample + 1] if line.strip()]
    if len(rows) < 2:
        return None
    if sep is None and b"\t" in rows[0]:
        sep = "\t"  # a TSV table: its cells may hold spaces
    try:
        header = [t.decode("utf-8") for t in _split(rows[0], sep)]
    except UnicodeDecodeError:
        return None
    width = len(header)
    if width < 2 or len(set(header)) < width or not all(_HEADER_FIELD.fullmatch(h) for h in header):
        return None
    body = [_split(r, sep) for r in rows[1:]]
    if sum(len(r) == width for r in body) < 0.9 * len(body):
        return None
    named = any(_COLUMN_WORD.search(h) for h in header)
    numeric_under_text = width >= 3 and any(
        not any(c.isdigit() for c in h) and all(len(r) > j and any(48 <= b <= 57 for b in r[j]) for r in body)
        for j, h in enumerate(header))
    if not (named or numeric_under_text):
        return None
    basket = next((h for h in header if _BASKET_WORDS.search(h)), None) \
        or next((h for h in header if _USER_WORDS.search(h)), None)
    item = next((h for h in header if _ITEM_WORDS.search(h) and h != basket), None)
    hint = f"--basket-column {basket or 'COLUMN'} --item-column {item or 'COLUMN'}"
    return TableShaped(f"{source}: looks like a table, not one basket a line (header {','.join(header)}; "
                       f"{width} fields on every line); group its rows into baskets with {hint}",
                       header, basket, item)


@dataclass
class Baskets:
    """Transactions for itemset mining.

    Attributes:
        transactions: one list of items per basket; items are hashable (``str``, ``int`` or, from
            files, ``bytes``). An item repeated inside a basket counts once (the miners treat
            a basket as a set); :meth:`from_lists` and :meth:`from_frame` drop repeats.
        ids: the basket ids (same order), or ``None`` when the source has none (files, lists).
        source: where the baskets came from, for messages.
    """

    transactions: list[list[Any]]
    ids: list[Any] | None = None
    source: str = "baskets"

    def __len__(self) -> int:
        return len(self.transactions)

    @property
    def n_items(self) -> int:
        """Number of distinct items over all baskets."""
        return len({item for basket in self.transactions for item in basket})

    @classmethod
    def from_lists(cls, baskets: Iterable[Iterable[Any]], source: str = "lists") -> "Baskets":
        """Baskets from an iterable of item iterables; duplicates inside a basket are dropped."""
        transactions = []
        for i, basket in enumerate(baskets):
            if isinstance(basket, (str, bytes)):
                raise ValueError(f"{source}: basket {i} is a single string {basket!r}; "
                                 "give each basket as a list of items")
            transactions.append(list(dict.fromkeys(basket)))
        return cls(transactions, None, source)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, basket_col: str = "basket_id", item_col: str = "product_id",
                   source: str = "baskets table") -> "Baskets":
        """Baskets from a table with one row per (basket, item); rows with a missing value are skipped."""
        for col in (basket_col, item_col):
            if col not in frame.columns:
                raise ValueError(f"{source}: missing column {col!r} (columns: {list(frame.columns)})")
        rows = frame[[basket_col, item_col]].dropna().drop_duplicates()
        if rows.empty:
            return cls([], [], source)
        codes, uniques = pd.factorize(rows[basket_col], sort=False)
        order = codes.argsort(kind="stable")
        items = rows[item_col].to_numpy(dtype=object)[order].tolist()
        sorted_codes = codes[order]
        bounds = (sorted_codes[1:] != sorted_codes[:-1]).nonzero()[0] + 1
        starts = [0, *bounds.tolist()]
        ends = [*bounds.tolist(), len(items)]
        transactions = [items[a:b] for a, b in zip(starts, ends)]
        return cls(transactions, list(uniques), source)

    @classmethod
    def from_file(cls, path: str | Path, sep: str | None = None) -> "Baskets":
        """Read one basket a line from ``path``.

        ``sep`` is ``","`` or ``None`` (whitespace). When it is not given, a file whose first
        non-empty line holds a comma is read as comma-separated (items may then contain spaces and
        are stripped), anything else as whitespace-separated. Empty lines are skipped; items stay
        ``bytes`` (see :func:`decode_item`). Raises ``ValueError`` naming the file when it is missing,
        empty or binary (:func:`check_text`), and :class:`TableShaped` when it is a table with a header
        (:func:`table_shape`; read those with :meth:`from_table`).
        """
        path = Path(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ValueError(f"{path}: cannot read baskets file ({exc.strerror or exc})") from None
        check_text(data, str(path))
        lines = data.splitlines()
        if sep is None:
            first = next((line for line in lines if line.strip()), b"")
            sep = "," if b"," in first else None
        shaped = table_shape(lines, sep, str(path))
        if shaped is not None:
            raise shaped
        if sep is None:
            transactions = [line.split() for line in lines]
        elif sep == ",":
            transactions = [[t.strip() for t in line.split(b",")] for line in lines]
            transactions = [[t for t in basket if t] for basket in transactions]
        else:
            raise ValueError(f"sep must be ',' or None (whitespace), not {sep!r}")
        if not all(transactions):  # blank lines: one C pass to check, a copy only when there are some
            transactions = [t for t in transactions if t]
        if not transactions:
            raise ValueError(f"{path}: no baskets (the file is empty)")
        return cls(transactions, None, str(path))

    @classmethod
    def from_table(cls, path: str | Path, basket_column: str, item_column: str) -> "Baskets":
        """Baskets from a table file (CSV / TSV / Parquet with a header, one row per (basket, item)),
        grouped by ``basket_column``; a missing column raises ``ValueError`` naming the file and the columns."""
        from kgmine.io.tabular import read_table

        frame, _ = read_table(path)
        for option, col in (("--basket-column", basket_column), ("--item-column", item_column)):
            if col not in frame.columns:
                raise ValueError(f"{path}: no column {col!r} ({option}); columns: {', '.join(map(str, frame.columns))}")
        for col in (basket_column, item_column):
            frame[col] = frame[col].astype("string").str.strip().replace("", pd.NA)
        return cls.from_frame(frame, basket_column, item_column, source=str(path))


def decode_item(item: Any) -> Any:
    """``bytes`` items (from files) as UTF-8 text; other items unchanged."""
    return item.decode("utf-8", errors="replace") if isinstance(item, bytes) else item


def as_baskets(data: Any) -> Baskets:
    """Coerce the inputs that miners accept into :class:`Baskets`.

    Accepted: a :class:`Baskets`; a path (``str``/``Path``) of a one-basket-a-line file; a DataFrame
    with ``basket_id`` and ``product_id`` columns; an iterable of item iterables.
    """
    if isinstance(data, Baskets):
        return data
    if isinstance(data, (str, Path)):
        return Baskets.from_file(data)
    if isinstance(data, pd.DataFrame):
        return Baskets.from_frame(data)
    if isinstance(data, Iterable):
        return Baskets.from_lists(data)
    raise TypeError(f"baskets must be a Baskets, a file path, a DataFrame or a list of baskets, "
                    f"not {type(data).__name__}")


def baskets_from_interactions(interactions: pd.DataFrame, group_by: str = "basket",
                              window: float = 86_400.0, event: str | None = "bought") -> Baskets:
    """Group purchase events into baskets.

    Args:
        interactions: rows with ``user_id``, ``product_id`` and, as needed, ``event``,
            ``basket_id``, ``timestamp`` (unix seconds), e.g. ``ShopData.interactions``.
        group_by: ``"basket"`` (the order id ``basket_id``; rows without one are dropped),
            ``"user"`` (all purchases of a user), or ``"window"`` (a user's purchases in the same
            tumbling time window of ``window`` seconds, counted from the epoch).
        window: window length in seconds for ``group_by="window"`` (default one day).
        event: keep only rows with this ``event`` value when an ``event`` column exists
            (``None`` keeps all rows).
    """
    if group_by not in GROUP_BY:
        raise ValueError(f"group_by must be one of {GROUP_BY}, not {group_by!r}")
    frame = interactions
    if event is not None and "event" in frame.columns:
        frame = frame[frame["event"] == event]
    needed = {"basket": ["basket_id", "product_id"], "user": ["user_id", "product_id"],
              "window": ["user_id", "product_id", "timestamp"]}[group_by]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise ValueError(f"grouping by {group_by} needs column(s) {missing}")
    frame = frame.dropna(subset=needed)
    if group_by == "basket":
        key = frame["basket_id"].astype("string")
    elif group_by == "user":
        key = frame["user_id"].astype("string")
    else:
        if window <= 0:
            raise ValueError(f"window must be positive seconds, not {window}")
        slot = (pd.to_numeric(frame["timestamp"]).astype("int64") // int(window)).astype("string")
        key = frame["user_id"].astype("string") + "@" + slot
    table = pd.DataFrame({"basket_id": key.to_numpy(), "product_id": frame["product_id"].to_numpy()})
    return Baskets.from_frame(table, source=f"interactions grouped by {group_by}")


def baskets_from_store(store: Any, group_by: str = "basket", window: float = 86_400.0) -> Baskets:
    """Baskets from a graph store's ``(:User)-[:BOUGHT]->(:Product)`` edges (see
    :func:`baskets_from_interactions` for ``group_by`` and ``window``)."""
    frame = store.query(
        "MATCH (u:User)-[b:BOUGHT]->(p:Product) "
        "RETURN u.id AS user_id, p.id AS product_id, b.basket_id AS basket_id, b.timestamp AS timestamp")
    return baskets_from_interactions(frame, group_by=group_by, window=window, event=None)


def frame_of(baskets: Baskets) -> pd.DataFrame:
    """The (basket_id, product_id) table of ``baskets`` (ids are positions when there are none)."""
    ids: Sequence[Any] = baskets.ids if baskets.ids is not None else range(len(baskets))
    rows = [(bid, decode_item(item)) for bid, basket in zip(ids, baskets.transactions) for item in basket]
    return pd.DataFrame(rows, columns=["basket_id", "product_id"])


__all__ = ["Baskets", "GROUP_BY", "TableShaped", "as_baskets", "baskets_from_interactions", "baskets_from_store",
           "check_text", "decode_item", "frame_of", "table_shape"]
