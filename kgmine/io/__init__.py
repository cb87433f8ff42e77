"""kgmine.io — readers that turn data files into one typed :class:`~kgmine.io.tables.ShopData`.

=============  ==========================================  =================================
kind           reader                                      input
=============  ==========================================  =================================
``amazon``     :func:`~kgmine.io.amazon.read_amazon`       Amazon 2018 review + meta JSON lines
``tabular``    :func:`~kgmine.io.tabular.read_tabular`     CSV / TSV / Parquet + column mapping
``movielens``  :func:`~kgmine.io.movielens.read_movielens` MovieLens-100K folder
``lightgcn``   :func:`~kgmine.io.lightgcn.read_lightgcn`   LightGCN ``train.txt`` / ``test.txt``
``recbole``    :func:`~kgmine.io.recbole.read_recbole`     RecBole ``.inter`` / ``.kg`` / ``.link``
``demo``       :func:`~kgmine.io.demo.generate_world`      the synthetic demo shop (also ``kgmine.demo.world``)
=============  ==========================================  =================================

Every reader validates all of its input before it returns and raises
:class:`~kgmine.io.errors.InputError` (a ``ValueError``) naming file, line or row, and column.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pandas as pd

from kgmine.io.amazon import read_amazon
from kgmine.io.demo import generate_world
from kgmine.io.errors import InputError
from kgmine.io.lightgcn import read_lightgcn
from kgmine.io.movielens import read_movielens
from kgmine.io.recbole import read_recbole
from kgmine.io.tables import CATEGORY_SEP, EVENTS, ShopData
from kgmine.io.tabular import read_tabular
from kgmine.io.validate import validate_shop


def _read_demo(path: None = None, **opts: Any) -> ShopData:
    if path is not None:
        raise ValueError("kind 'demo' takes no path")
    return generate_world(**opts)


READERS: dict[str, Callable[..., ShopData]] = {
    "amazon": read_amazon,
    "tabular": read_tabular,
    "movielens": read_movielens,
    "lightgcn": read_lightgcn,
    "recbole": read_recbole,
    "demo": _read_demo,
}
"""kind -> reader; ``read_dataset(kind, path, **opts)`` calls ``READERS[kind](path, **opts)``."""


def read_dataset(kind: str, path: str | os.PathLike | None = None, **opts: Any) -> ShopData:
    """Read a data set of ``kind`` (see :data:`READERS`) into a validated :class:`ShopData`.

    ``path`` is the reader's first argument: the Amazon review file or folder, the tabular
    catalog file, the MovieLens / LightGCN / RecBole folder. ``opts`` are the reader's keyword
    options (e.g. ``meta_path=``, ``interactions=``, ``mapping=``, ``keep_meta=``), so a pipeline
    YAML ``data: {kind: amazon, options: {reviews_path: ..., meta_path: ...}}`` works unchanged.
    """
    try:
        reader = READERS[kind]
    except KeyError:
        raise ValueError(f"unknown data kind {kind!r}; known: {sorted(READERS)}") from None
    return reader(**opts) if path is None else reader(path, **opts)


def describe(shop: ShopData) -> pd.DataFrame:
    """Row counts of ``shop`` as a two-column frame (``table``, ``rows``), for printing."""
    counts = shop.summary()
    if len(shop.interactions):
        for event, n in shop.interactions["event"].value_counts().sort_index().items():
            counts[f"interactions[{event}]"] = int(n)
        for split, n in shop.interactions["split"].value_counts().sort_index().items():
            counts[f"interactions[split={split}]"] = int(n)
    for relation, n in shop.item_edges["relation"].value_counts().sort_index().items():
        counts[f"item_edges[{relation}]"] = int(n)
    return pd.DataFrame({"table": list(counts), "rows": list(counts.values())})


__all__ = [
    "CATEGORY_SEP", "EVENTS", "READERS", "InputError", "ShopData", "describe", "read_amazon", "read_dataset",
    "read_lightgcn", "read_movielens", "read_recbole", "read_tabular", "validate_shop",
]
