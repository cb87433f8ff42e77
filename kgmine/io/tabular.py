"""Generic catalog and interaction files (CSV, TSV or Parquet) as a :class:`ShopData`.

A ``mapping`` says which column of your files holds which kgmine field, e.g.
``{"product_id": "asin", "user_id": "customer", "timestamp": "ts"}``; unmapped fields are looked
up under their own name. ``category_path`` may map to a list of columns (one per level, root first),
which are joined with ``" > "``. The format follows the suffix: ``.csv`` / ``.csv.gz`` (comma),
``.tsv`` / ``.tsv.gz`` / ``.tab`` (tab), ``.parquet`` / ``.pq``.

Every cell is checked before anything is returned: a missing required column, a missing id, a
rating, price or timestamp that does not parse, an unknown event, a duplicate catalog id or an
interaction with a product the catalog does not have raises :class:`~kgmine.io.errors.InputError`
naming the file, the line (CSV; the header is line 1) or row (Parquet) and the column.
"""
from __future__ import annotations

import csv
import math
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from kgmine.io.errors import InputError
from kgmine.io.parsing import (Locator, csv_locator, existing_file, parse_float, parse_ids, parse_price,
                               parse_timestamp, read_delimited, require_columns, row_locator)
from kgmine.io.tables import CATEGORY_SEP, EVENTS, ShopData
from kgmine.io.validate import SPLITS, validate_shop

CATALOG_FIELDS = ("product_id", "title", "description", "brand", "category_path", "price")
INTERACTION_FIELDS = ("user_id", "product_id", "event", "rating", "timestamp", "basket_id", "split")
UNKNOWN_PRODUCTS = ("error", "add", "drop")


def read_table(path: str | os.PathLike, sep: str | None = None,
               encoding: str = "utf-8") -> tuple[pd.DataFrame, Locator]:
    """Read one CSV/TSV/Parquet file (CSV cells as strings) and a locator for its rows."""
    p = existing_file(path)
    if _is_parquet(p):
        try:
            frame = pd.read_parquet(p)
        except Exception as err:  # pyarrow raises several types for a broken file
            raise InputError(path, f"not a readable Parquet file ({type(err).__name__}: {err})") from None
        return frame.reset_index(drop=True), row_locator()
    return read_delimited(p, _separator(p, sep), encoding=encoding, quoting=csv.QUOTE_MINIMAL)


def _columns(mapping: Mapping[str, object], field: str) -> object:
    return mapping.get(field, field)


def _present(frame: pd.DataFrame, mapping: Mapping[str, object], field: str) -> bool:
    col = _columns(mapping, field)
    if isinstance(col, (list, tuple)):
        return all(c in frame.columns for c in col)
    return col in frame.columns


def _text(frame: pd.DataFrame, col: str) -> pd.Series:
    values = frame[col].astype("string").str.strip()
    return values.mask(values == "").reset_index(drop=True)


def read_catalog(path: str | os.PathLike, mapping: Mapping[str, object] | None = None, *,
                 sep: str | None = None, encoding: str = "utf-8") -> pd.DataFrame:
    """A catalog file as a products frame (product_id, title, description, brand, category_path, price).

    Prices may be plain numbers or strings like ``"$1,299.00"`` (a range keeps its lower bound);
    anything else is an error. Duplicate product ids are an error.
    """
    mapping = dict(mapping or {})
    frame, locate = read_table(path, sep, encoding)
    id_col = str(_columns(mapping, "product_id"))
    require_columns(frame.columns, {"product_id": id_col}, path)
    out = pd.DataFrame({"product_id": parse_ids(frame[id_col], file=path, column=id_col, locate=locate)})
    dup = out["product_id"].duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        first = int(np.flatnonzero((out["product_id"] == out["product_id"].iloc[i]).to_numpy())[0])
        where = locate(first)
        raise InputError(path, f"duplicate product id {out['product_id'].iloc[i]!r} (first at "
                               f"{'line' if 'line' in where else 'row'} {next(iter(where.values()))})",
                         column=id_col, **locate(i))
    for field in ("title", "description", "brand"):
        if _present(frame, mapping, field):
            out[field] = _text(frame, str(_columns(mapping, field)))
    if _present(frame, mapping, "category_path"):
        cols = _columns(mapping, "category_path")
        levels = [_text(frame, c) for c in (cols if isinstance(cols, (list, tuple)) else [cols])]
        joined = [CATEGORY_SEP.join(v for v in parts if isinstance(v, str)) or None
                  for parts in zip(*(lv.tolist() for lv in levels))]
        out["category_path"] = pd.array(joined, dtype="string")
    if _present(frame, mapping, "price"):
        col = str(_columns(mapping, "price"))
        out["price"] = _prices(frame[col], path, col, locate)
    return out


def _prices(values: pd.Series, path, col: str, locate: Locator) -> pd.Series:
    if pd.api.types.is_numeric_dtype(values.dtype):
        return parse_float(values, file=path, column=col, locate=locate)
    raw = values.astype("string").str.strip()
    prices = np.array([parse_price(v) if isinstance(v, str) and v else math.nan for v in raw.tolist()])
    bad = np.flatnonzero(np.isnan(prices) & raw.notna().to_numpy(dtype=bool) & (raw != "").fillna(False).to_numpy())
    if len(bad):
        i = int(bad[0])
        raise InputError(path, f"{values.iloc[i]!r} is not a price", column=col, **locate(i))
    return pd.Series(prices, dtype="float64")


def read_interactions(path: str | os.PathLike, mapping: Mapping[str, object] | None = None, *,
                      event: str = "bought", sep: str | None = None, encoding: str = "utf-8") -> pd.DataFrame:
    """An interaction file as an interactions frame (user_id, product_id, event, rating, timestamp,
    basket_id, split). ``event`` is used for every row unless an ``event`` column is mapped/present."""
    mapping = dict(mapping or {})
    if event not in EVENTS:
        raise ValueError(f"event must be one of {EVENTS}, got {event!r}")
    frame, locate = read_table(path, sep, encoding)
    needed = {f: str(_columns(mapping, f)) for f in ("user_id", "product_id")}
    require_columns(frame.columns, needed, path)
    out = pd.DataFrame({f: parse_ids(frame[c], file=path, column=c, locate=locate) for f, c in needed.items()})
    if _present(frame, mapping, "event"):
        col = str(_columns(mapping, "event"))
        out["event"] = _choice(frame[col], EVENTS, path, col, locate, default=event)
    else:
        out["event"] = event
    if _present(frame, mapping, "rating"):
        col = str(_columns(mapping, "rating"))
        out["rating"] = parse_float(frame[col], file=path, column=col, locate=locate)
    if _present(frame, mapping, "timestamp"):
        col = str(_columns(mapping, "timestamp"))
        out["timestamp"] = parse_timestamp(frame[col], file=path, column=col, locate=locate)
    if _present(frame, mapping, "basket_id"):
        out["basket_id"] = _text(frame, str(_columns(mapping, "basket_id")))
    if _present(frame, mapping, "split"):
        col = str(_columns(mapping, "split"))
        out["split"] = _choice(frame[col], SPLITS, path, col, locate, default=None)
    return out


def _choice(values: pd.Series, allowed: Sequence[str], path, col: str, locate: Locator, default) -> pd.Series:
    raw = values.astype("string").str.strip().str.lower().reset_index(drop=True)
    raw = raw.mask(raw == "")
    bad = np.flatnonzero((raw.notna() & ~raw.isin(allowed)).fillna(False).to_numpy(dtype=bool))
    if len(bad):
        i = int(bad[0])
        raise InputError(path, f"{values.iloc[i]!r} is not one of {list(allowed)}", column=col, **locate(i))
    return raw.fillna(default) if default is not None else raw


def read_tabular(catalog: str | os.PathLike | None = None, interactions: str | os.PathLike | None = None, *,
                 mapping: Mapping[str, object] | None = None, event: str = "bought",
                 unknown_products: str = "error", sep: str | None = None, encoding: str = "utf-8",
                 name: str | None = None) -> ShopData:
    """Read a catalog and/or an interaction file into a validated :class:`ShopData`.

    Parameters
    ----------
    catalog, interactions : path, optional
        CSV/TSV/Parquet files (at least one). The catalog needs ``product_id``; interactions need
        ``user_id`` and ``product_id``; every other field is optional.
    mapping : dict, optional
        kgmine field -> column name in your files (both files share it).
    event : str
        Event of every interaction when the file has no ``event`` column (one of ``EVENTS``).
    unknown_products : {"error", "add", "drop"}
        What to do with interactions whose product is not in the catalog: raise InputError naming
        the line, add a bare product row, or drop the interaction. Without a catalog products are
        always added.
    sep, encoding : CSV options (``sep`` defaults by suffix).
    name : str, optional
        ``ShopData.name``; default: the catalog (or interaction) file stem.
    """
    if catalog is None and interactions is None:
        raise ValueError("read_tabular needs a catalog file, an interaction file or both")
    if unknown_products not in UNKNOWN_PRODUCTS:
        raise ValueError(f"unknown_products must be one of {UNKNOWN_PRODUCTS}, got {unknown_products!r}")
    mapping = dict(mapping or {})
    unknown = set(mapping) - set(CATALOG_FIELDS) - set(INTERACTION_FIELDS)
    if unknown:
        raise ValueError(f"mapping has unknown kgmine field(s) {sorted(unknown)}; "
                         f"known: {sorted(set(CATALOG_FIELDS) | set(INTERACTION_FIELDS))}")
    products = read_catalog(catalog, mapping, sep=sep, encoding=encoding) if catalog is not None else None
    inter = read_interactions(interactions, mapping, event=event, sep=sep, encoding=encoding) \
        if interactions is not None else None

    if inter is not None:
        if products is None:
            products = pd.DataFrame({"product_id": pd.unique(inter["product_id"])})
        else:
            known = inter["product_id"].isin(products["product_id"]).to_numpy(dtype=bool)
            if not known.all():
                if unknown_products == "error":
                    i = int(np.flatnonzero(~known)[0])
                    col = str(_columns(mapping, "product_id"))
                    locate = _locator_for(interactions, sep, encoding)
                    raise InputError(interactions, f"product {inter['product_id'].iloc[i]!r} is not in the "
                                                   f"catalog {Path(catalog).name} ({int((~known).sum())} such rows; "
                                                   f"pass unknown_products='add' or 'drop')",
                                     column=col, **locate(i))
                if unknown_products == "drop":
                    inter = inter[known].reset_index(drop=True)
                else:
                    extra = pd.unique(inter["product_id"][~known])
                    products = pd.concat([products, pd.DataFrame({"product_id": extra})], ignore_index=True)
    label = name or re.sub(r"\.(csv|tsv|tab|parquet|pq)(\.gz)?$", "", Path(catalog or interactions).name, flags=re.I)
    shop = ShopData(name=label, products=products, interactions=inter)
    return validate_shop(shop, catalog or interactions)


def _is_parquet(path) -> bool:
    return re.search(r"\.(parquet|pq)$", Path(path).name.lower()) is not None


def _separator(path, sep: str | None) -> str:
    if sep is not None:
        return sep
    return "\t" if re.search(r"\.(tsv|tab)(\.gz)?$", Path(path).name.lower()) else ","


def _locator_for(path, sep: str | None, encoding: str) -> Locator:
    if _is_parquet(path):
        return row_locator()
    return csv_locator(path, sep=_separator(path, sep), encoding=encoding)
