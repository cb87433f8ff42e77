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
(:func:`decode_item`).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

GROUP_BY = ("basket", "user", "window")


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
        ``bytes`` (see :func:`decode_item`). Raises ``ValueError`` naming the file when it is missing
        or empty.
        """
        path = Path(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ValueError(f"{path}: cannot read baskets file ({exc.strerror or exc})") from None
        lines = data.splitlines()
        if sep is None:
            first = next((line for line in lines if line.strip()), b"")
            sep = "," if b"," in first else None
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


__all__ = ["Baskets", "GROUP_BY", "as_baskets", "baskets_from_interactions", "baskets_from_store",
           "decode_item", "frame_of"]
