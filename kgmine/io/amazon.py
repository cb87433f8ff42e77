"""Amazon review data (Ni, Li & McAuley, EMNLP 2019: the "Amazon 2018" release) as a :class:`ShopData`.

Two JSON-lines files per category, plain or gzip (``*.json.gz``), one object a line:

* reviews (``Gift_Cards_5.json.gz``): ``reviewerID``, ``asin``, ``overall`` (stars), ``reviewText``,
  ``summary``, ``unixReviewTime`` (or ``reviewTime`` "06 17, 2018");
* meta (``meta_Gift_Cards.json.gz``): ``asin``, ``title``, ``description`` (list or str),
  ``feature`` (list), ``brand``, ``price`` ("$12.99", "$1,250.00", a range, empty or scraped
  junk), ``category`` (list, root first), ``also_buy``, ``also_view``, ``details`` (dict).

Design (one clean mapping, documented here once):

* Each review line is one ``reviewed`` interaction carrying its star ``rating`` and ``timestamp``
  and one row of ``reviews`` (the text). No separate ``rated`` event is emitted: the stars belong to
  the review, the graph's ``REVIEWED`` relation has ``rating`` and ``timestamp``, and counts stay
  honest (2,972 review lines -> 2,972 interactions and 2,972 reviews). All lines are kept, also the
  rare repeated (user, product, time) rows; ``review_id`` is ``reviewerID:asin:unixReviewTime`` with
  ``#2``, ``#3`` ... on repeats.
* ``keep_meta="reviewed"`` (default): products are the reviewed asins (with their meta when present,
  bare rows otherwise). ``keep_meta="all"``: every meta asin as well (the whole catalog).
* ``item_edges`` (``also_bought`` from ``also_buy``, ``also_viewed`` from ``also_view``) keep only
  links whose both ends are in the products table, so every edge joins two products that have
  data; with ``keep_meta="all"`` that is every link inside the meta file. Self-links and repeats
  are dropped.
* Meta text is cleaned: HTML tags (also tags cut off by the scraper, e.g. Magazine titles that are
  only ``<span class="a-size-medium a-color-secondary"``) are removed and entities unescaped
  (``&amp;`` -> ``&``). A title that is empty after cleaning becomes NA (the product keeps its
  description). ``description`` is the description paragraphs followed by the feature bullets, one
  per line, repeats removed. ``brand`` falls back to ``details["Publisher:"]`` /
  ``details["Manufacturer:"]`` when empty. ``category_path`` joins the category list with
  ``" > "`` after dropping empty levels and a level that repeats its parent (``Gift Cards > Gift
  Cards`` -> ``Gift Cards``); it ends before the first "level" that is scraped bullet text (ends
  with a period or is longer than 60 characters: 510 Gift Cards rows list "No expiration, no
  fees." as categories). ``price`` is the lower bound of a range; junk prices become NaN.
* Repeated meta rows for one asin (the Magazine file has 1,065): the most complete row is kept.

Bad input (a line that is not JSON or nested too deeply, a missing ``asin``/``reviewerID``/``overall``,
stars outside 1..5, a review time outside 1990-01-01 .. now + 1 day, an id with a control character,
a broken gzip stream) raises :class:`~kgmine.io.errors.InputError` naming file and line.
"""
from __future__ import annotations

import ast
import html
import json
import logging
import math
import os
import re
import zlib
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from kgmine.io._safe import REAL_TIME_WINDOW, check_id, show, time_problem
from kgmine.io.errors import InputError
from kgmine.io.parsing import existing_file, open_text, parse_price
from kgmine.io.tables import CATEGORY_SEP, ShopData
from kgmine.io.validate import validate_shop
from kgmine.progress import make_progress

log = logging.getLogger(__name__)

KEEP_META = ("reviewed", "all")
RATING_SCALE = (1.0, 5.0)
"""Amazon stars (``overall``): 1..5, required on every review line."""
EDGE_FIELDS = {"also_buy": "also_bought", "also_view": "also_viewed"}
_BRAND_FALLBACK = ("Publisher:", "Manufacturer:", "Brand Name:", "Brand:")


# ------------------------------------------------------------------------------------ JSON lines


def iter_json_lines(path: str | os.PathLike, description: str | None = None) -> Iterator[tuple[int, dict]]:
    """Yield ``(line_number, object)`` for each non-blank line of a (gzip) JSON-lines file.

    Lines written as Python literals (the Amazon 2014 release: ``{'asin': ...}``) are accepted too.
    A line that is neither, or is not an object, or a broken gzip stream raises InputError.
    """
    lineno = 0
    try:
        with open_text(path) as fh, make_progress() as progress:
            task = progress.add_task(description or f"reading {Path(path).name}", total=None)
            for lineno, line in enumerate(fh, 1):
                if lineno % 4096 == 0:  # advancing per line costs more than parsing small lines
                    progress.update(task, completed=lineno)
                text = line.strip()
                if not text:
                    continue
                try:
                    obj = json.loads(text)
                except json.JSONDecodeError as err:
                    obj = _python_literal(text)
                    if obj is None:
                        raise InputError(path, _json_problem(err, text), line=lineno) from None
                except RecursionError:
                    raise InputError(path, "JSON nested too deeply", line=lineno) from None
                except ValueError as err:  # e.g. an integer of more than 4300 digits
                    raise InputError(path, f"invalid JSON ({str(err).split(';')[0]})", line=lineno) from None
                if not isinstance(obj, dict):
                    raise InputError(path, f"expected a JSON object, got {type(obj).__name__}", line=lineno)
                yield lineno, obj
            progress.update(task, completed=lineno)
    except (EOFError, OSError, zlib.error) as err:  # gzip.BadGzipFile is an OSError
        raise InputError(path, f"broken gzip stream after line {lineno} ({err})", line=lineno + 1) from None
    except UnicodeDecodeError as err:
        raise InputError(path, f"not UTF-8 text ({err.reason})", line=lineno + 1) from None


def _json_problem(err: json.JSONDecodeError, text: str) -> str:
    msg = f"{err.msg} character {err.colno}" if err.msg.endswith(" at") else err.msg
    if err.pos >= len(text) or err.msg.startswith("Unterminated string"):
        return f"truncated JSON ({msg})"
    return f"invalid JSON at character {err.colno} ({msg})"


def _python_literal(text: str) -> dict | None:
    if not text.startswith("{'"):
        return None
    try:
        obj = ast.literal_eval(text)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
    return obj if isinstance(obj, dict) else None


# ---------------------------------------------------------------------------------- text cleaning

_SCRIPT = re.compile(r"<(script|style)\b.*?</\1\s*>", re.S | re.I)
_BREAK = re.compile(r"<\s*(br|/p|/li|/div|/h\d|/tr)\b[^<>]*>", re.I)
_TAG = re.compile(r"<[^<>]*(?:>|$)")  # a tag, or one cut off at the end of the string
_CUT_HEAD = re.compile(r"""^[^<>]*?["']\s*/?>""")  # the tail of a tag cut off at the start: ' Magazines" />'
_SPACE = re.compile(r"[ \t\r\f\v\xa0]+")


def clean_html(text: object, keep_lines: bool = False) -> str:
    """Plain text from scraped HTML: tags (also cut-off ones) removed, entities unescaped,
    whitespace collapsed. With ``keep_lines`` line breaks (and ``<br>``, ``</p>`` ...) are kept."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ""
    s = str(text)
    if "<" in s or ">" in s:
        s = _SCRIPT.sub(" ", s)
        s = _BREAK.sub("\n", s)
        s = _CUT_HEAD.sub("", s)
        s = _TAG.sub(" ", s)
    s = html.unescape(s)
    if keep_lines:
        lines = (_SPACE.sub(" ", ln).strip() for ln in s.splitlines())
        return "\n".join(ln for ln in lines if ln)
    return " ".join(s.split())


def _text_list(value: object) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        if isinstance(item, str):
            text = clean_html(item, keep_lines=True)
            if text:
                out.append(text)
    return out


MAX_CATEGORY_CHARS = 60


def _category_path(value: object) -> str | None:
    levels: list[str] = []
    for raw in value if isinstance(value, list) else ([value] if isinstance(value, str) else []):
        level = clean_html(raw) if isinstance(raw, str) else ""
        if level.endswith(".") or len(level) > MAX_CATEGORY_CHARS:
            break  # scraped bullet text, not a category: the path ends here
        if level and (not levels or levels[-1] != level):
            levels.append(level)
    return CATEGORY_SEP.join(levels) if levels else None


def _brand(obj: dict) -> str | None:
    raw = obj.get("brand")
    brand = clean_html(raw) if isinstance(raw, str) else ""
    if isinstance(raw, str) and raw.lstrip().startswith("by\n"):
        brand = re.sub(r"^by\s+", "", brand)
    if not brand and isinstance(obj.get("details"), dict):
        for key in _BRAND_FALLBACK:
            value = obj["details"].get(key)
            if isinstance(value, str) and clean_html(value):
                return clean_html(value)
    return brand or None


def _id_list(value: object, own: str) -> list[str]:
    if not isinstance(value, list):
        return []
    seen: dict[str, None] = {}
    for item in value:
        if isinstance(item, str):
            item = item.strip()
            if item and item != own:
                seen[item] = None
    return list(seen)


def _required_str(obj: dict, key: str, path, lineno: int) -> str:
    value = obj.get(key)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        problem = "missing" if value is None else f"empty or not a string ({show(value)})"
        raise InputError(path, f"field {key!r} is {problem}", line=lineno, column=key)
    value = value.strip()
    check_id(value, file=path, column=key, line=lineno)
    return value


def _number(obj: dict, key: str, path, lineno: int, required: bool = False) -> float:
    value = obj.get(key)
    if value is None or value == "":
        if required:
            raise InputError(path, f"field {key!r} is missing", line=lineno, column=key)
        return math.nan
    if isinstance(value, bool):
        raise InputError(path, f"{show(value)} is not a number", line=lineno, column=key)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(path, f"{show(value)} is not a number", line=lineno, column=key) from None
    except OverflowError:  # an integer too large for a float
        raise InputError(path, f"{show(value)} is not a finite number", line=lineno, column=key) from None
    if not math.isfinite(number):
        raise InputError(path, f"{show(value)} is not a finite number", line=lineno, column=key)
    return number


def _review_time(obj: dict, path, lineno: int) -> int | None:
    if obj.get("unixReviewTime") not in (None, ""):
        value = _number(obj, "unixReviewTime", path, lineno)
        key = "unixReviewTime"
    else:
        text = obj.get("reviewTime")
        if not (isinstance(text, str) and text.strip()):
            return None
        try:
            when = datetime.strptime(" ".join(text.replace(",", " ").split()), "%m %d %Y")
        except ValueError:
            raise InputError(path, f"{show(text)} is not a date like '06 17, 2018'", line=lineno,
                             column="reviewTime") from None
        value, key = when.replace(tzinfo=timezone.utc).timestamp(), "reviewTime"
    problem = time_problem(value, REAL_TIME_WINDOW)
    if problem:
        raise InputError(path, f"{show(obj.get(key))} {problem}", line=lineno, column=key)
    return int(math.floor(value))


# ------------------------------------------------------------------------------------- readers


def read_amazon_reviews(path: str | os.PathLike, include_summary: bool = False) -> pd.DataFrame:
    """The review lines of ``path`` as a frame: review_id, user_id, product_id, rating, timestamp, text.

    ``include_summary`` puts the review's summary line before its text (blank line between).
    """
    ids, users, items, ratings, times, texts = [], [], [], [], [], []
    seen: dict[str, int] = {}
    for lineno, obj in iter_json_lines(path, "reading reviews"):
        user = _required_str(obj, "reviewerID", path, lineno)
        asin = _required_str(obj, "asin", path, lineno)
        rating = _number(obj, "overall", path, lineno, required=True)
        if not RATING_SCALE[0] <= rating <= RATING_SCALE[1]:
            raise InputError(path, f"{show(obj['overall'])} is outside the Amazon star scale 1..5", line=lineno,
                             column="overall")
        when = _review_time(obj, path, lineno)
        body = obj.get("reviewText") if isinstance(obj.get("reviewText"), str) else ""
        if include_summary and isinstance(obj.get("summary"), str) and obj["summary"].strip():
            body = f"{obj['summary'].strip()}\n\n{body}".strip()
        key = f"{user}:{asin}:{'' if when is None else when}"
        n = seen[key] = seen.get(key, 0) + 1
        ids.append(key if n == 1 else f"{key}#{n}")
        users.append(user)
        items.append(asin)
        ratings.append(rating)
        times.append(when)
        texts.append(body or None)
    return pd.DataFrame({
        "review_id": pd.array(ids, dtype="string"),
        "user_id": pd.array(users, dtype="string"),
        "product_id": pd.array(items, dtype="string"),
        "rating": np.asarray(ratings, dtype="float64"),
        "timestamp": pd.array(times, dtype="Int64"),
        "text": pd.array(texts, dtype="string"),
    })


def read_amazon_meta(path: str | os.PathLike) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The meta lines of ``path``: (products frame, item-edge frame with ``src, dst, relation``).

    Repeated asins keep their most complete row; edges are not yet filtered to known products.
    """
    rows: list[dict] = []
    junk_prices = 0
    for lineno, obj in iter_json_lines(path, "reading meta"):
        asin = _required_str(obj, "asin", path, lineno)
        title = clean_html(obj.get("title")) if isinstance(obj.get("title"), str) else ""
        text = list(dict.fromkeys(_text_list(obj.get("description")) + _text_list(obj.get("feature"))))
        raw_price = obj.get("price")
        price = parse_price(raw_price)
        if isinstance(raw_price, str) and raw_price.strip() and math.isnan(price):
            junk_prices += 1
        row = {
            "product_id": asin,
            "title": title or None,
            "description": "\n".join(text) or None,
            "brand": _brand(obj),
            "category_path": _category_path(obj.get("category")),
            "price": price,
        }
        row["_filled"] = sum(v is not None and not (isinstance(v, float) and math.isnan(v)) for v in row.values())
        row["_order"] = len(rows)
        row["_edges"] = [(rel, dst) for field, rel in EDGE_FIELDS.items() for dst in _id_list(obj.get(field), asin)]
        rows.append(row)
    if junk_prices:
        log.info("%s: %d prices were not a price (scraped HTML/CSS) and are left empty", path, junk_prices)
    if not rows:
        return (pd.DataFrame({"product_id": pd.array([], dtype="string")}),
                pd.DataFrame({c: pd.array([], dtype="string") for c in ("src", "dst", "relation")}))
    meta = pd.DataFrame(rows)
    # the most complete row of each asin (ties: the first one)
    ranked = meta.sort_values(["product_id", "_filled", "_order"], ascending=[True, False, True], kind="stable")
    kept = ranked.drop_duplicates("product_id", keep="first").sort_values("_order")
    if len(kept) < len(meta):
        log.info("%s: %d repeated meta rows dropped (most complete kept)", path, len(meta) - len(kept))
    links = [(asin, dst, rel) for asin, pairs in zip(kept["product_id"], kept["_edges"]) for rel, dst in pairs]
    edge_frame = pd.DataFrame(links, columns=["src", "dst", "relation"], dtype="string").drop_duplicates()
    products = kept.drop(columns=["_filled", "_order", "_edges"]).reset_index(drop=True)
    return products, edge_frame.reset_index(drop=True)


def find_amazon_files(directory: str | os.PathLike) -> tuple[Path | None, Path | None]:
    """(review file, meta file) inside ``directory``: ``meta_*.json[.gz]`` is the meta file, the
    other ``*.json[.gz]`` the review file; an ambiguous directory raises InputError."""
    d = Path(directory)
    files = sorted(p for p in d.iterdir() if p.is_file() and re.search(r"\.(json|jsonl)(\.gz)?$", p.name))
    metas = [p for p in files if p.name.startswith("meta_")]
    reviews = [p for p in files if not p.name.startswith("meta_")]
    for kind, found in (("review", reviews), ("meta", metas)):
        if len(found) > 1:
            names = ", ".join(p.name for p in found)
            raise InputError(directory, f"more than one {kind} file ({names}); pass the files explicitly")
    if not reviews and not metas:
        raise InputError(directory, "no *.json or *.json.gz files")
    return (reviews[0] if reviews else None), (metas[0] if metas else None)


def read_amazon(reviews_path: str | os.PathLike | None = None, meta_path: str | os.PathLike | None = None, *,
                keep_meta: str = "reviewed", include_summary: bool = False, name: str | None = None) -> ShopData:
    """Read Amazon 2018 review and/or meta JSON lines into a validated :class:`ShopData`.

    Parameters
    ----------
    reviews_path : path, optional
        The review file (``*_5.json.gz``), or a directory holding one review file and one
        ``meta_*`` file (then ``meta_path`` may be omitted).
    meta_path : path, optional
        The meta file (``meta_*.json.gz``).
    keep_meta : {"reviewed", "all"}
        Which meta products become products: the reviewed ones, or all (see module docstring).
    include_summary : bool
        Put each review's summary line before its text.
    name : str, optional
        ``ShopData.name``; default: the review (or meta) file name without ``.json.gz``.

    Returns
    -------
    ShopData with products, users (the reviewers), interactions (event ``reviewed``, rating,
    timestamp), reviews and item_edges (``also_bought`` / ``also_viewed``).
    """
    if keep_meta not in KEEP_META:
        raise ValueError(f"keep_meta must be one of {KEEP_META}, got {keep_meta!r}")
    if reviews_path is not None and Path(reviews_path).is_dir():
        if meta_path is not None:
            raise ValueError("pass either a directory or the review and meta files, not both")
        reviews_path, meta_path = find_amazon_files(reviews_path)
    if reviews_path is None and meta_path is None:
        raise ValueError("read_amazon needs a review file, a meta file or a directory")
    for p in (reviews_path, meta_path):
        if p is not None:
            existing_file(p)

    reviews = read_amazon_reviews(reviews_path, include_summary) if reviews_path is not None else None
    if meta_path is not None:
        meta, edges = read_amazon_meta(meta_path)
    else:
        meta, edges = pd.DataFrame({"product_id": pd.array([], dtype="string")}), None

    reviewed = pd.unique(reviews["product_id"]) if reviews is not None else np.array([], dtype=object)
    if keep_meta == "all" or reviews is None:
        products = meta
    else:
        products = meta[meta["product_id"].isin(reviewed)]
    missing = pd.Index(reviewed).difference(pd.Index(products["product_id"]))
    if len(missing):
        if meta_path is not None:
            log.info("%d reviewed products have no meta row; they get bare product rows", len(missing))
        bare = pd.DataFrame({"product_id": pd.array(sorted(missing), dtype="string")})
        products = pd.concat([products, bare], ignore_index=True)
    if edges is not None and len(edges):
        keep = edges["src"].isin(products["product_id"]) & edges["dst"].isin(products["product_id"])
        edges = edges[keep].reset_index(drop=True)

    interactions = users = None
    if reviews is not None:
        interactions = reviews[["user_id", "product_id", "rating", "timestamp"]].assign(event="reviewed")
        users = pd.DataFrame({"user_id": pd.unique(reviews["user_id"])})
    label = name or re.sub(r"\.(json|jsonl)(\.gz)?$", "", Path(reviews_path or meta_path).name)
    shop = ShopData(name=label, products=products, users=users, interactions=interactions, reviews=reviews,
                    item_edges=edges)
    return validate_shop(shop, reviews_path or meta_path)
