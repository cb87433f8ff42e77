"""RecBole atomic files (Zhao et al., CIKM 2021; https://recbole.io/atomic_files.html) as a ShopData.

A data set ``NAME`` is a set of tab-separated files ``NAME.<suffix>`` whose header names every
field with its type, ``name:type`` (``token``, ``token_seq``, ``float``, ``float_seq``):

* ``NAME.inter`` — interactions (``user_id:token item_id:token rating:float timestamp:float``), or
  the pre-split ``NAME.train.inter`` / ``NAME.valid.inter`` / ``NAME.test.inter`` (they win when
  present and give the ``split`` column ``train`` / ``valid`` / ``test``);
* ``NAME.kg`` — knowledge-graph triples ``head_id:token relation_id:token tail_id:token`` between
  entities;
* ``NAME.link`` — ``item_id:token entity_id:token``: which entity is which item;
* ``NAME.item`` / ``NAME.user`` — optional item / user features.

Mapping: interactions get event ``rated`` when the file has a rating field, else ``bought``
(override with ``event=``). Products are every item of ``.inter``, ``.link`` and ``.item``. A KG
triple whose head is an item becomes an ``item_edges`` row (relation kept, e.g. ``also_bought``)
when its tail is an item too, else an ``entity_edges`` row. Entities map to items through
``.link``; without a ``.link`` file an entity id equal to an item id is that item. Triples whose
head is not an item (entity-entity) have no table in :class:`ShopData`; they are counted and
dropped with a log message. From ``.item`` the fields ``title`` (or ``movie_title``),
``description``, ``brand`` and ``price`` fill the product columns (``token_seq`` values are joined
with spaces).
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import pandas as pd

from kgmine.io.errors import InputError
from kgmine.io.parsing import Locator, parse_float, parse_ids, parse_timestamp, read_delimited
from kgmine.io.tables import EVENTS, ShopData
from kgmine.io.validate import validate_shop

log = logging.getLogger(__name__)

FIELD_TYPES = ("token", "token_seq", "float", "float_seq")
SPLIT_SUFFIXES = {"train": ".train.inter", "valid": ".valid.inter", "test": ".test.inter"}
SUFFIXES = (".train.inter", ".valid.inter", ".test.inter", ".inter", ".kg", ".link", ".item", ".user")
ITEM_FEATURES = {"title": ("title", "movie_title"), "description": ("description",), "brand": ("brand",),
                 "price": ("price",)}


def read_atomic(path: str | os.PathLike) -> tuple[pd.DataFrame, dict[str, str], Locator]:
    """One atomic file: (frame of strings with the typed header's field names, field -> type, locator).

    A header field without a known ``:type`` raises InputError (line 1).
    """
    frame, locate = read_delimited(path, "\t")
    types: dict[str, str] = {}
    renames: dict[str, str] = {}
    for col in frame.columns:
        field, sep, ftype = str(col).rpartition(":")
        if not sep or ftype not in FIELD_TYPES or not field:
            raise InputError(path, f"header field {col!r} is not 'name:type' with type in {list(FIELD_TYPES)}",
                             line=1, column=str(col))
        if field in types:
            raise InputError(path, f"field {field!r} appears twice in the header", line=1, column=str(col))
        types[field] = ftype
        renames[col] = field
    return frame.rename(columns=renames), types, locate


def _need(types: dict[str, str], field: str, path, kind: str = "token") -> None:
    if field not in types:
        raise InputError(path, f"missing required field '{field}:{kind}' (fields: "
                               f"{', '.join(f'{k}:{v}' for k, v in types.items())})", column=field)


def read_inter(path: str | os.PathLike, *, user_field: str = "user_id", item_field: str = "item_id",
               rating_field: str = "rating", time_field: str = "timestamp") -> tuple[pd.DataFrame, Locator, bool]:
    """An ``.inter`` file as (interactions frame without event, locator, has a rating field)."""
    frame, types, locate = read_atomic(path)
    _need(types, user_field, path)
    _need(types, item_field, path)
    out = pd.DataFrame({
        "user_id": parse_ids(frame[user_field], file=path, column=user_field, locate=locate),
        "product_id": parse_ids(frame[item_field], file=path, column=item_field, locate=locate),
    })
    has_rating = rating_field in types
    if has_rating:
        out["rating"] = parse_float(frame[rating_field], file=path, column=rating_field, locate=locate)
    if time_field in types:
        out["timestamp"] = parse_timestamp(frame[time_field], file=path, column=time_field, locate=locate)
    return out, locate, has_rating


def find_recbole_files(path: str | os.PathLike, dataset: str | None = None) -> tuple[str, dict[str, Path]]:
    """(``NAME``, suffix -> file) of one data set: ``path`` is its folder or its prefix (``folder/NAME``)."""
    p = Path(path)
    if p.is_dir():
        folder, names = p, {}
        for f in sorted(folder.iterdir()):
            for suffix in SUFFIXES:
                if f.is_file() and f.name.endswith(suffix) and len(f.name) > len(suffix):
                    names.setdefault(f.name[: -len(suffix)], {})[suffix] = f
                    break
        if dataset is None:
            if len(names) != 1:
                found = ", ".join(sorted(names)) or "none"
                raise InputError(path, f"expected one RecBole data set, found: {found}; pass dataset=")
            dataset = next(iter(names))
        files = names.get(dataset, {})
    else:
        folder, dataset = p.parent, dataset or p.name
        files = {s: folder / f"{dataset}{s}" for s in SUFFIXES if (folder / f"{dataset}{s}").is_file()}
    if not any(s.endswith(".inter") for s in files):
        raise InputError(path, f"no {dataset}.inter or {dataset}.train.inter file")
    return dataset, files


def read_recbole(path: str | os.PathLike, *, dataset: str | None = None, event: str | None = None,
                 user_field: str = "user_id", item_field: str = "item_id", rating_field: str = "rating",
                 time_field: str = "timestamp", name: str | None = None) -> ShopData:
    """Read a RecBole data set (atomic files) into a validated :class:`ShopData`.

    Parameters
    ----------
    path : path
        The data set folder, or its prefix ``folder/NAME``.
    dataset : str, optional
        ``NAME`` when the folder holds several data sets.
    event : str, optional
        Event of every interaction; default ``rated`` when there is a rating field, else ``bought``.
    user_field, item_field, rating_field, time_field : str
        Field names (RecBole's ``USER_ID_FIELD`` ... settings).
    name : str, optional
        ``ShopData.name`` (default: ``NAME``).
    """
    if event is not None and event not in EVENTS:
        raise ValueError(f"event must be one of {EVENTS}, got {event!r}")
    dataset, files = find_recbole_files(path, dataset)
    split_files = [(split, files[s]) for split, s in SPLIT_SUFFIXES.items() if s in files]
    if split_files and ".inter" in files:
        log.info("%s: using the split files; %s is not read", path, files[".inter"].name)
    parts = split_files or [(None, files[".inter"])]
    frames, rated = [], []
    for split, file in parts:
        inter, locate, has_rating = read_inter(file, user_field=user_field, item_field=item_field,
                                               rating_field=rating_field, time_field=time_field)
        frames.append(inter.assign(split=split) if split else inter)
        rated.append(has_rating)
    interactions = pd.concat(frames, ignore_index=True)
    interactions["event"] = event or ("rated" if all(rated) else "bought")

    products = _items(files, item_field)
    known = pd.Index(products["product_id"]) if products is not None else pd.Index([], dtype="string")
    extra = pd.Index(pd.unique(interactions["product_id"])).difference(known, sort=False)
    if len(extra) or products is None:  # items of .inter without an .item row become bare products
        add = pd.DataFrame({"product_id": pd.array(list(extra), dtype="string")})
        products = add if products is None else pd.concat([products, add], ignore_index=True)

    entity_to_item = _links(files, item_field)
    if entity_to_item is not None:
        unknown = set(entity_to_item.values()) - set(products["product_id"])
        if unknown:
            add = pd.DataFrame({"product_id": pd.array(sorted(unknown), dtype="string")})
            products = pd.concat([products, add], ignore_index=True)
    item_edges, entity_edges = _kg(files, entity_to_item, set(products["product_id"]))

    users = _users(files, user_field)
    if users is not None:  # users of .inter without a .user row are kept, as RecBole does
        extra = pd.Index(pd.unique(interactions["user_id"])).difference(pd.Index(users["user_id"]))
        users = pd.concat([users, pd.DataFrame({"user_id": pd.array(list(extra), dtype="string")})],
                          ignore_index=True)
    label = name or dataset
    shop = ShopData(name=label, products=products, users=users, interactions=interactions,
                    item_edges=item_edges, entity_edges=entity_edges)
    return validate_shop(shop, path)


def _read_keyed(files: dict[str, Path], suffix: str, key: str, what: str):
    """``(frame, types, locate, path, ids)`` of the ``suffix`` file keyed by ``key`` (unique ids, else
    InputError naming the first repeat), or None when the data set has no such file."""
    if suffix not in files:
        return None
    path = files[suffix]
    frame, types, locate = read_atomic(path)
    _need(types, key, path)
    ids = parse_ids(frame[key], file=path, column=key, locate=locate)
    dup = ids.duplicated().to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        raise InputError(path, f"duplicate {what} {ids.iloc[i]!r}", column=key, **locate(i))
    return frame, types, locate, path, ids


def _items(files: dict[str, Path], item_field: str) -> pd.DataFrame | None:
    keyed = _read_keyed(files, ".item", item_field, "item")
    if keyed is None:
        return None
    frame, types, locate, path, ids = keyed
    out = pd.DataFrame({"product_id": ids})
    for target, candidates in ITEM_FEATURES.items():
        field = next((c for c in candidates if c in types), None)
        if field is None:
            continue
        if target == "price":
            out[target] = parse_float(frame[field], file=path, column=field, locate=locate)
        else:
            text = frame[field].astype("string").str.strip().reset_index(drop=True)
            out[target] = text.mask(text == "")
    return out


def _links(files: dict[str, Path], item_field: str) -> dict[str, str] | None:
    """entity id -> item id from ``.link`` (None without the file)."""
    if ".link" not in files:
        return None
    path = files[".link"]
    frame, types, locate = read_atomic(path)
    _need(types, item_field, path)
    entity_field = next((f for f in types if f != item_field and f.startswith("entity")), None)
    if entity_field is None:
        raise InputError(path, "missing the entity field ('entity_id:token')", column="entity_id")
    items = parse_ids(frame[item_field], file=path, column=item_field, locate=locate)
    entities = parse_ids(frame[entity_field], file=path, column=entity_field, locate=locate)
    dup = entities.duplicated().to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        raise InputError(path, f"entity {entities.iloc[i]!r} is linked to more than one item",
                         column=entity_field, **locate(i))
    return dict(zip(entities.tolist(), items.tolist()))


def _kg(files: dict[str, Path], entity_to_item: dict[str, str] | None, items: set[str]):
    if ".kg" not in files:
        return None, None
    path = files[".kg"]
    frame, types, locate = read_atomic(path)
    fields = list(types)
    head_f = next((f for f in fields if f.startswith("head")), None)
    rel_f = next((f for f in fields if f.startswith("relation")), None)
    tail_f = next((f for f in fields if f.startswith("tail")), None)
    for field, kind in ((head_f, "head_id"), (rel_f, "relation_id"), (tail_f, "tail_id")):
        if field is None:
            raise InputError(path, f"missing required field '{kind}:token'", column=kind)
    head = parse_ids(frame[head_f], file=path, column=head_f, locate=locate)
    rel = parse_ids(frame[rel_f], file=path, column=rel_f, locate=locate)
    tail = parse_ids(frame[tail_f], file=path, column=tail_f, locate=locate)
    if entity_to_item is not None:
        head_item = head.map(entity_to_item)
        tail_item = tail.map(entity_to_item)
    else:
        head_item = head.where(head.isin(items))
        tail_item = tail.where(tail.isin(items))
    has_head = head_item.notna().to_numpy(dtype=bool)
    item_tail = tail_item.notna().to_numpy(dtype=bool)
    dropped = int((~has_head).sum())
    if dropped:
        log.info("%s: %d entity-entity triples dropped (ShopData has no table for them)", path, dropped)
    both = has_head & item_tail
    item_edges = pd.DataFrame({"src": head_item[both], "dst": tail_item[both], "relation": rel[both]})
    only_head = has_head & ~item_tail
    entity_edges = pd.DataFrame({"product_id": head_item[only_head], "relation": rel[only_head],
                                 "entity": tail[only_head]})
    return item_edges.reset_index(drop=True), entity_edges.reset_index(drop=True)


def _users(files: dict[str, Path], user_field: str) -> pd.DataFrame | None:
    keyed = _read_keyed(files, ".user", user_field, "user")
    return None if keyed is None else pd.DataFrame({"user_id": keyed[-1]})
