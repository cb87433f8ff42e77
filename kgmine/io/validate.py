"""Whole-data-set checks every reader runs on its :class:`ShopData` before returning it.

Readers check each cell as they parse (naming file, line and column); :func:`validate_shop` then
checks what only the assembled tables can show: unique ids, and that every id an interaction,
review or edge refers to exists in the products / users tables. Because readers return only
validated data, a pipeline that writes to a store after reading never writes a partial data set.
"""
from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kgmine.io.errors import InputError
from kgmine.io.tables import EVENTS, ShopData

SPLITS = ("train", "valid", "test")


def validate_shop(shop: ShopData, source: str | os.PathLike | None = None) -> ShopData:
    """Return ``shop`` unchanged if its tables are consistent, else raise :class:`InputError`.

    ``source`` (default ``shop.name``) is the file or data set named in the error. Checked: no
    missing or duplicate product / user / review ids; interaction events in :data:`EVENTS`; splits
    in ``train``/``valid``/``test``; finite ratings; every referenced product and user exists.
    """
    src = os.fspath(source) if source is not None else shop.name
    _unique(shop.products, "products", "product_id", src)
    _unique(shop.users, "users", "user_id", src)
    _unique(shop.reviews, "reviews", "review_id", src)
    for table, cols in (("interactions", ("user_id", "product_id", "event")),
                        ("reviews", ("user_id", "product_id")),
                        ("item_edges", ("src", "dst", "relation")),
                        ("entity_edges", ("product_id", "relation", "entity"))):
        frame = getattr(shop, table)
        for col in cols:
            _no_missing(frame, table, col, src)
    _allowed(shop.interactions, "interactions", "event", EVENTS, src)
    _allowed(shop.interactions, "interactions", "split", SPLITS, src, allow_missing=True)
    for table in ("interactions", "reviews"):
        rating = getattr(shop, table)["rating"].to_numpy(dtype="float64", na_value=np.nan)
        if np.isinf(rating).any():
            raise InputError(src, f"table {table!r}: infinite rating")
    products = shop.products["product_id"]
    users = shop.users["user_id"]
    _refers(shop.interactions, "interactions", "product_id", products, "products", src)
    _refers(shop.interactions, "interactions", "user_id", users, "users", src)
    _refers(shop.reviews, "reviews", "product_id", products, "products", src)
    _refers(shop.reviews, "reviews", "user_id", users, "users", src)
    _refers(shop.item_edges, "item_edges", "src", products, "products", src)
    _refers(shop.item_edges, "item_edges", "dst", products, "products", src)
    _refers(shop.entity_edges, "entity_edges", "product_id", products, "products", src)
    return shop


def _unique(frame: pd.DataFrame, table: str, col: str, src: str) -> None:
    _no_missing(frame, table, col, src)
    dup = frame[col].duplicated()
    if dup.any():
        raise InputError(src, f"table {table!r}: duplicate {col} {frame[col][dup].iloc[0]!r} "
                              f"({int(dup.sum())} duplicates)")


def _arrow(values: pd.Series) -> pa.Array:
    return pa.array(values, type=pa.large_string(), from_pandas=True)


def _isin(values: pd.Series, keys: pd.Series) -> np.ndarray:
    """``values.isin(keys)`` through arrow (pandas' isin on arrow strings loops in Python)."""
    mask = pc.is_in(_arrow(values), value_set=_arrow(keys.dropna()))
    return mask.to_numpy(zero_copy_only=False).astype(bool)


def _no_missing(frame: pd.DataFrame, table: str, col: str, src: str) -> None:
    values = _arrow(frame[col])
    blank = pc.or_kleene(pc.or_kleene(pc.is_null(values), pc.equal(pc.utf8_length(values), 0)),
                         pc.utf8_is_space(values))
    n = pc.sum(pc.cast(blank, pa.int64())).as_py() or 0
    if n:
        raise InputError(src, f"table {table!r}: {n} row(s) with missing {col}")


def _allowed(frame: pd.DataFrame, table: str, col: str, allowed, src: str, allow_missing: bool = False) -> None:
    values = frame[col]
    ok = _isin(values, pd.Series(list(allowed), dtype="string"))
    if allow_missing:
        ok |= values.isna().to_numpy(dtype=bool)
    if not ok.all():
        bad = values[~ok].iloc[0]
        raise InputError(src, f"table {table!r}: {col} {bad!r} is not one of {list(allowed)}")


def _refers(frame: pd.DataFrame, table: str, col: str, keys: pd.Series, target: str, src: str) -> None:
    if len(frame) == 0:
        return
    known = _isin(frame[col], keys)
    if not known.all():
        missing = frame[col][~known]
        raise InputError(src, f"table {table!r}: {int(missing.nunique())} {col} value(s) not in {target}, "
                              f"e.g. {missing.iloc[0]!r}")
