"""MovieLens 100K (GroupLens; Harper & Konstan, ACM TiiS 2015) as a :class:`ShopData`.

Files of the ``ml-100k`` folder:

* ``u.data`` — ``user id \\t item id \\t rating \\t timestamp`` (no header): 100,000 ratings;
* ``u.item`` — Latin-1, ``|``-separated: ``movie id | title | release date | video release date |
  IMDb URL | 19 genre flags`` (the genre order is that of ``u.genre``);
* ``u.user`` — ``user id | age | gender | occupation | zip code``;
* ``u.genre`` — ``genre | index`` (optional; the published list is used when absent);
* ``u1.base`` / ``u1.test`` ... ``ub.test`` — optional fixed train/test splits (``split="u1"``).

Mapping: every rating is one ``rated`` interaction with ``rating`` and ``timestamp``. A movie is a
product with its ``title``; its ``category_path`` is ``Movies > <first genre>`` (the first flagged
genre in ``u.genre`` order, ``unknown`` only when it is the only flag), and *all* its genres are
``entity_edges`` with relation ``has_genre`` (a movie often has several genres, a category path only
one). User attributes (age, gender, occupation, zip) are read and checked but not kept: the users
table holds ids only.

Checked beyond the cell types: ratings lie in 1..5, timestamps are required and lie in
1990-01-01 .. now + 1 day, ids have no control characters, ``u.genre`` has every index 0..n-1 and
every name once, and every ``u.item`` line has exactly 5 + n fields (a missing or repeated genre
line would otherwise shift every movie's genres).
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from kgmine.io._safe import REAL_TIME_WINDOW, show
from kgmine.io.errors import InputError
from kgmine.io.parsing import Locator, check_known, parse_float, parse_ids, parse_timestamp, read_delimited
from kgmine.io.tables import CATEGORY_SEP, ShopData
from kgmine.io.validate import validate_shop

GENRES = ("unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama",
          "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western")
"""The 19 genres of ``u.genre`` in flag order (used when the folder has no ``u.genre``)."""

ROOT_CATEGORY = "Movies"
GENRE_RELATION = "has_genre"
SPLITS = ("u1", "u2", "u3", "u4", "u5", "ua", "ub")
ENCODING = "latin-1"
RATING_SCALE = (1.0, 5.0)
"""MovieLens stars: every rating of u.data lies in 1..5."""


def read_genres(path: str | os.PathLike) -> list[str]:
    """Genre names of ``u.genre`` in index order.

    The indices must be exactly 0, 1, ..., n-1 (each once) and the names distinct: a missing or
    repeated line would shift every later genre flag of ``u.item`` onto the wrong genre.
    """
    frame, locate = read_delimited(path, "|", names=["genre", "index"], encoding=ENCODING)
    names = parse_ids(frame["genre"], file=path, column="genre", locate=locate)
    index = parse_float(frame["index"], file=path, column="index", locate=locate, required=True).to_numpy()
    seen_names: dict[str, int] = {}
    seen_index: dict[float, int] = {}
    for i, (name, k) in enumerate(zip(names.tolist(), index.tolist())):
        if name in seen_names:
            raise InputError(path, f"genre {show(name)} is listed twice (first at line "
                                   f"{locate(seen_names[name]).get('line')})", column="genre", **locate(i))
        if k in seen_index:
            raise InputError(path, f"index {k:g} is listed twice (first at line "
                                   f"{locate(seen_index[k]).get('line')})", column="index", **locate(i))
        if not float(k).is_integer() or k < 0:
            raise InputError(path, f"index {k:g} is not a whole number >= 0", column="index", **locate(i))
        seen_names[name] = i
        seen_index[k] = i
    gaps = sorted(set(range(len(frame))) - set(seen_index))
    if gaps:  # n lines but some index >= n: a line is missing
        i = seen_index[max(seen_index)]
        raise InputError(path, f"genre index {gaps[0]} is missing (indices run to {max(seen_index):g} but the "
                               f"file has {len(frame)} genre lines; every index 0..n-1 once)", column="index",
                         **locate(i))
    order = np.argsort(index, kind="stable")
    return [str(g) for g in names.to_numpy()[order]]


def read_movies(path: str | os.PathLike,
                genres: list[str] | tuple[str, ...] = GENRES) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``u.item`` as (products frame, genre entity-edge frame)."""
    fixed = ["movie id", "movie title", "release date", "video release date", "IMDb URL"]
    try:
        frame, locate = read_delimited(path, "|", names=fixed + list(genres), encoding=ENCODING)
    except InputError as err:
        if "fields, expected" not in err.message:
            raise
        raise InputError(path, f"{err.message}: more genre flags than the {len(genres)} genres of u.genre",
                         line=err.line) from None
    ids = parse_ids(frame["movie id"], file=path, column="movie id", locate=locate)
    dup = ids.duplicated().to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        raise InputError(path, f"duplicate movie id {ids.iloc[i]!r}", column="movie id", **locate(i))
    cells = frame[list(genres)].to_numpy(dtype=object)
    missing = pd.isna(cells)
    text = np.char.strip(np.where(missing, "", cells).astype(str))
    flags = text == "1"
    bad = np.argwhere(~(flags | (text == "0")))
    if len(bad):  # the first bad flag in file order: by line, then by column
        i, k = (int(x) for x in bad[0])
        if missing[i, k]:
            raise InputError(path, f"missing genre flag ({len(genres)} genres in u.genre order, "
                                   f"5 + {len(genres)} fields a line)", column=genres[k], **locate(i))
        raise InputError(path, f"genre flag {show(cells[i, k])} is not 0 or 1", column=genres[k], **locate(i))
    names = np.asarray(genres, dtype=object)
    primary: list[str | None] = []
    for row in flags:
        hit = [g for g in names[row] if g != "unknown"] or list(names[row])
        primary.append(f"{ROOT_CATEGORY}{CATEGORY_SEP}{hit[0]}" if hit else ROOT_CATEGORY)
    titles = frame["movie title"].astype("string").str.strip().reset_index(drop=True)
    products = pd.DataFrame({"product_id": ids, "title": titles.mask(titles == ""),
                             "category_path": pd.array(primary, dtype="string")})
    rows, cols = np.nonzero(flags)
    edges = pd.DataFrame({"product_id": ids.to_numpy()[rows], "relation": GENRE_RELATION,
                          "entity": names[cols].astype(str)})
    return products, edges


def read_ratings(path: str | os.PathLike) -> tuple[pd.DataFrame, Locator]:
    """``u.data`` (or ``u1.base`` ...) as (interactions frame with event ``rated``, row locator)."""
    names = ["user id", "item id", "rating", "timestamp"]
    frame, locate = read_delimited(path, "\t", names=names, encoding=ENCODING)
    return pd.DataFrame({
        "user_id": parse_ids(frame["user id"], file=path, column="user id", locate=locate),
        "product_id": parse_ids(frame["item id"], file=path, column="item id", locate=locate),
        "event": "rated",
        "rating": parse_float(frame["rating"], file=path, column="rating", locate=locate, required=True,
                              scale=RATING_SCALE, scale_name="MovieLens"),
        "timestamp": parse_timestamp(frame["timestamp"], file=path, column="timestamp", locate=locate,
                                     window=REAL_TIME_WINDOW, required=True),
    }), locate


def read_users(path: str | os.PathLike) -> pd.DataFrame:
    """``u.user`` as a users frame (ids; age is checked to be a number)."""
    frame, locate = read_delimited(path, "|", names=["user id", "age", "gender", "occupation", "zip code"],
                                   encoding=ENCODING)
    ids = parse_ids(frame["user id"], file=path, column="user id", locate=locate)
    parse_float(frame["age"], file=path, column="age", locate=locate)
    dup = ids.duplicated().to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        raise InputError(path, f"duplicate user id {ids.iloc[i]!r}", column="user id", **locate(i))
    return pd.DataFrame({"user_id": ids})


def read_movielens(path: str | os.PathLike, *, split: str | None = None, name: str | None = None) -> ShopData:
    """Read a MovieLens-100K folder into a validated :class:`ShopData`.

    Parameters
    ----------
    path : path
        The ``ml-100k`` folder (``u.data``, ``u.item``; ``u.user`` and ``u.genre`` when present).
    split : {"u1", ..., "u5", "ua", "ub"}, optional
        Read ``<split>.base`` (train) and ``<split>.test`` (test) instead of ``u.data``; the
        interactions then carry ``split``.
    name : str, optional
        ``ShopData.name`` (default ``movielens-100k``).
    """
    folder = Path(path)
    if not folder.is_dir():
        raise InputError(path, "not a folder (expected the ml-100k folder with u.data and u.item)")
    genres = read_genres(folder / "u.genre") if (folder / "u.genre").is_file() else list(GENRES)
    products, genre_edges = read_movies(folder / "u.item", genres)
    if split is None:
        parts = [(folder / "u.data", None)]
    elif split in SPLITS:
        parts = [(folder / f"{split}.base", "train"), (folder / f"{split}.test", "test")]
    else:
        raise ValueError(f"split must be one of {SPLITS} or None, got {split!r}")
    users = read_users(folder / "u.user") if (folder / "u.user").is_file() else None
    frames = []
    for file, label in parts:
        ratings, locate = read_ratings(file)
        check_known(ratings["product_id"], products["product_id"], file=file, column="item id", locate=locate,
                    what="movie id (not in u.item)")
        if users is not None:
            check_known(ratings["user_id"], users["user_id"], file=file, column="user id", locate=locate,
                        what="user id (not in u.user)")
        frames.append(ratings.assign(split=label) if label else ratings)
    interactions = pd.concat(frames, ignore_index=True)
    if users is None:
        users = pd.DataFrame({"user_id": pd.unique(interactions["user_id"])})
    shop = ShopData(name=name or "movielens-100k", products=products, users=users, interactions=interactions,
                    entity_edges=genre_edges)
    return validate_shop(shop, path)
