"""Propose the column mapping of a catalog file and an interaction file (``kgmine init``).

:func:`propose_mapping` reads both files (:func:`kgmine.io.tabular.read_table`, so the same CSV / TSV /
Parquet rules and the same :class:`~kgmine.io.errors.InputError` as the reader) and picks, for each kgmine
field of :data:`~kgmine.io.tabular.CATALOG_FIELDS` and :data:`~kgmine.io.tabular.INTERACTION_FIELDS`, one
column: by its **name** first (``sku`` or ``asin`` for ``product_id``, ``customer`` for ``user_id``,
``order_date`` for ``timestamp``, ...), confirmed by the **values** where a field has a shape (a
timestamp parses, a price parses, a rating is a number in [0, 10], an id has no spaces, an event column
has few distinct values); a field no column is named after is looked for by value shape alone (a column of
unique codes for ``product_id``, of dates for ``timestamp``, of short texts for ``title``). The result
says why each column was chosen and what the reader would need to be told (``event``,
``unknown_products``), and :func:`pipeline_yaml` writes it as a pipeline file that ``kgmine run`` reads.
"""
from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from kgmine.io.parsing import parse_price
from kgmine.io.tables import EVENTS
from kgmine.io.tabular import read_table

#: candidate column names per kgmine field, best first (compared lower-cased, non-alphanumerics as "_")
CATALOG_NAMES: dict[str, tuple[str, ...]] = {
    "product_id": ("product_id", "item_id", "sku", "asin", "id", "pid", "productid", "itemid", "article_id",
                   "product_code", "item_code", "code", "product", "item"),
    "title": ("title", "name", "product_name", "product_title", "item_name", "item_title", "label"),
    "description": ("description", "product_description", "long_description", "desc", "details", "body",
                    "text", "summary", "about"),
    "brand": ("brand", "brand_name", "manufacturer", "maker", "make", "vendor"),
    "category_path": ("category_path", "category", "categories", "category_name", "department",
                      "product_type", "product_category", "genres", "genre", "cat", "type"),
    "price": ("price", "unit_price", "list_price", "sale_price", "retail_price", "cost", "amount"),
}
INTERACTION_NAMES: dict[str, tuple[str, ...]] = {
    "user_id": ("user_id", "customer_id", "user", "customer", "userid", "uid", "client_id", "member_id",
                "buyer_id", "visitor_id", "reviewer_id", "reviewerid", "shopper_id"),
    "product_id": CATALOG_NAMES["product_id"],
    "basket_id": ("order_id", "basket_id", "order", "basket", "transaction_id", "invoice", "invoice_no",
                  "invoice_id", "receipt_id", "cart_id", "session_id", "orderid"),
    "timestamp": ("timestamp", "ts", "time", "datetime", "date", "order_date", "created_at", "event_time",
                  "purchase_date", "order_time", "unix_time", "unixreviewtime"),
    "rating": ("rating", "stars", "score", "overall", "rate", "review_score"),
    "event": ("event", "event_type", "action", "behavior", "behaviour", "interaction", "interaction_type"),
}
_SAMPLE = 2_000  # values per column looked at


def _norm(name: object) -> str:
    return re.sub(r"[^0-9a-z]+", "_", str(name).lower()).strip("_")


def _values(frame: pd.DataFrame, col: str) -> pd.Series:
    raw = frame[col].dropna().head(_SAMPLE)
    return raw.astype(str).str.strip().loc[lambda s: s != ""]


def _share(values: pd.Series, ok: Callable[[str], bool]) -> float:
    return float(np.mean([ok(v) for v in values])) if len(values) else 0.0


def _is_id(values: pd.Series) -> bool:
    return len(values) > 0 and _share(values, lambda v: " " not in v and len(v) <= 64) >= 0.99


def _is_unique_id(values: pd.Series) -> bool:
    return _is_id(values) and values.is_unique


_ISO = re.compile(r"\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?)?")


def _is_timestamp(values: pd.Series) -> bool:
    def ok(v: str) -> bool:
        if _ISO.match(v):
            return True
        try:
            return 1e8 <= float(v) <= 4e9  # unix seconds 1973 .. 2096
        except ValueError:
            return False
    return len(values) > 0 and _share(values, ok) >= 0.95


def _is_number(v: str) -> bool:
    try:
        float(v)
        return True
    except ValueError:
        return False


def _is_rating(values: pd.Series) -> bool:
    return len(values) > 0 and _share(values, lambda v: _is_number(v) and 0 <= float(v) <= 10) >= 0.99


def _is_price(values: pd.Series) -> bool:
    return len(values) > 0 and _share(values, lambda v: parse_price(v) == parse_price(v)) >= 0.9


def _is_text(values: pd.Series, low: float, high: float) -> bool:
    if not len(values):
        return False
    return _share(values, lambda v: " " in v) >= 0.5 and low <= values.str.len().median() <= high


def _is_event(values: pd.Series) -> bool:
    return 0 < values.nunique() <= 10 and _share(values, lambda v: v.isalpha()) >= 0.99


SHAPES: dict[str, tuple[Callable[[pd.Series], bool], str]] = {
    "product_id": (_is_id, "ids"),
    "user_id": (_is_id, "ids"),
    "basket_id": (_is_id, "ids"),
    "title": (lambda v: _is_text(v, 3, 200), "short texts"),
    "description": (lambda v: _is_text(v, 10, 100_000), "texts"),
    "brand": (lambda v: len(v) > 0 and v.str.len().median() <= 60, "short names"),
    "category_path": (lambda v: len(v) > 0 and v.str.len().median() <= 200, "names"),
    "price": (_is_price, "prices"),
    "timestamp": (_is_timestamp, "dates"),
    "rating": (_is_rating, "0-10 numbers"),
    "event": (_is_event, "few words"),
}
"""kgmine field -> (does a column's sample of values fit it, how the fit is described)."""

#: fields looked for by value shape alone when no column is named after them (the others need a name)
BY_SHAPE: dict[str, Callable[[pd.Series], bool]] = {
    "product_id": _is_unique_id,
    "title": lambda v: _is_text(v, 8, 120),
    "timestamp": _is_timestamp,
}


@dataclass
class Choice:
    """One proposed column: the kgmine field, the file's column, why, and an example value."""

    file: str
    field: str
    column: str
    why: str
    example: str = ""


@dataclass
class Proposal:
    """The proposed mapping of a catalog and/or an interaction file, and what else the reader needs."""

    catalog: Path | None
    interactions: Path | None
    choices: list[Choice] = field(default_factory=list)
    event: str = "bought"
    unknown_products: str = "error"
    notes: list[str] = field(default_factory=list)

    @property
    def mapping(self) -> dict[str, str]:
        """kgmine field -> column, only where the column's name differs from the field's (the reader's
        ``mapping``; both files share it)."""
        return {c.field: c.column for c in self.choices if c.column != c.field}

    def table(self) -> pd.DataFrame:
        """The choices as a table (file, kgmine field, column, why, example)."""
        return pd.DataFrame([{"file": c.file, "kgmine field": c.field, "column": c.column, "why": c.why,
                              "example": c.example[:40]} for c in self.choices],
                            columns=["file", "kgmine field", "column", "why", "example"])


def _pick(frame: pd.DataFrame, fields: dict[str, tuple[str, ...]], taken: set[str],
          prefer: dict[str, str] | None = None) -> dict[str, tuple[str, str]]:
    """Field -> (column, why) for each field some column of ``frame`` fits (names first, then shapes)."""
    columns = {_norm(c): str(c) for c in frame.columns}
    out: dict[str, tuple[str, str]] = {}
    for name, candidates in fields.items():
        fits, shape = SHAPES[name]
        wanted = ([prefer[name]] if prefer and name in prefer else []) + [_norm(c) for c in candidates]
        for cand in wanted:
            col = columns.get(_norm(cand))
            if col is None or col in taken:
                continue
            if fits(_values(frame, col)):
                out[name] = (col, f"name; {shape}")
                taken.add(col)
                break
    for name, fits in BY_SHAPE.items():
        if name in fields and name not in out:
            for col in map(str, frame.columns):
                if col not in taken and fits(_values(frame, col)):
                    out[name] = (col, f"values: {SHAPES[name][1]}")
                    taken.add(col)
                    break
    return {name: out[name] for name in fields if name in out}  # in the fields' order


def _example(frame: pd.DataFrame, col: str) -> str:
    values = _values(frame, col)
    return str(values.iloc[0]) if len(values) else ""


def propose_mapping(catalog: str | os.PathLike | None, interactions: str | os.PathLike | None) -> Proposal:
    """Read the files and propose which column holds which kgmine field (see the module docstring)."""
    if catalog is None and interactions is None:
        raise ValueError("give a catalog file, an interaction file or both")
    proposal = Proposal(Path(catalog) if catalog else None, Path(interactions) if interactions else None)
    cat_frame = read_table(catalog)[0] if catalog else None
    int_frame = read_table(interactions)[0] if interactions else None
    cat_pick: dict[str, tuple[str, str]] = {}
    if cat_frame is not None:
        cat_pick = _pick(cat_frame, CATALOG_NAMES, set())
        if "product_id" not in cat_pick:
            raise ValueError(f"{catalog}: no column looks like a product id (columns: "
                             f"{', '.join(map(str, cat_frame.columns))}); name it product_id")
        for name, (col, why) in cat_pick.items():
            proposal.choices.append(Choice(Path(catalog).name, name, col, why, _example(cat_frame, col)))
    if int_frame is not None:
        prefer = {"product_id": _norm(cat_pick["product_id"][0])} if "product_id" in cat_pick else None
        int_pick = _pick(int_frame, INTERACTION_NAMES, set(), prefer)
        for need in ("user_id", "product_id"):
            if need not in int_pick:
                raise ValueError(f"{interactions}: no column looks like {need} (columns: "
                                 f"{', '.join(map(str, int_frame.columns))}); name it {need}")
        for name, (col, why) in int_pick.items():
            proposal.choices.append(Choice(Path(interactions).name, name, col, why, _example(int_frame, col)))
        _interaction_notes(proposal, cat_frame, int_frame, cat_pick, int_pick)
    return proposal


def _interaction_notes(proposal: Proposal, cat_frame: pd.DataFrame | None, int_frame: pd.DataFrame,
                       cat_pick: dict[str, tuple[str, str]], int_pick: dict[str, tuple[str, str]]) -> None:
    """Event, unknown products and the one-mapping-for-both-files rule, as settings and notes."""
    if "event" in int_pick:
        col = int_pick["event"][0]
        values = sorted(set(_values(int_frame, col).str.lower()))
        strange = [v for v in values if v not in EVENTS]
        if strange:
            proposal.choices = [c for c in proposal.choices if c.field != "event"]
            proposal.notes.append(f"column {col!r} has values {strange[:5]} that are not kgmine events "
                                  f"{list(EVENTS)}: not mapped (rename the values to use it)")
    if not any(c.field == "event" for c in proposal.choices):
        proposal.event = "rated" if "rating" in int_pick else "bought"
        proposal.notes.append(f"every interaction is read as event {proposal.event!r} (data.options.event)")
    if cat_frame is None:
        return
    cat_id, int_id = cat_pick["product_id"][0], int_pick["product_id"][0]
    if cat_id != int_id:
        proposal.notes.append(f"the catalog calls the product id {cat_id!r} and the interactions {int_id!r}; "
                              "the reader uses one mapping for both files, so rename one of the two columns "
                              "before `kgmine run`")
        return
    known = set(cat_frame[cat_id].dropna().astype(str).str.strip())
    unknown = int((~int_frame[int_id].astype(str).str.strip().isin(known)).sum())
    if unknown:
        proposal.unknown_products = "add"
        proposal.notes.append(f"{unknown:,} interactions name products not in the catalog: "
                              "unknown_products: add (bare product rows); use drop to skip them")


def _rel(path: Path, base: Path) -> str:
    """``path`` relative to ``base`` when both are on the same drive (the YAML reads paths so)."""
    try:
        return os.path.relpath(path.absolute(), base.absolute())
    except ValueError:
        return str(path.absolute())


def pipeline_yaml(proposal: Proposal, out: str | os.PathLike, name: str | None = None) -> str:
    """The text of a commented pipeline YAML for ``proposal`` (paths relative to ``out``'s folder, as
    :func:`kgmine.config.load_config` reads them), in the layout of ``pipelines/tabular.yaml``."""
    import yaml

    base = Path(out).parent
    name = name or _norm((proposal.catalog or proposal.interactions).stem).replace("_", "-") or "my-shop"
    options: dict[str, object] = {}
    if proposal.catalog:
        options["catalog"] = _rel(proposal.catalog, base)
    if proposal.interactions:
        options["interactions"] = _rel(proposal.interactions, base)
    if proposal.mapping:
        options["mapping"] = proposal.mapping
    if proposal.interactions:
        options["event"] = proposal.event
        options["unknown_products"] = proposal.unknown_products
    dump = yaml.safe_dump({"options": options}, sort_keys=False, default_flow_style=False, allow_unicode=True)
    option_lines = "\n".join("  " + line for line in dump.splitlines())
    notes = "".join(f"# note: {n}\n" for n in proposal.notes)
    rules = "true" if any(c.field == "basket_id" for c in proposal.choices) or proposal.interactions else "false"
    return f"""# Written by `kgmine init`; check the mapping, then:  kgmine run {out} --out runs/{name}
# Paths are relative to this file's folder. Every key: pipelines/tabular.yaml and kgmine/config.py.
{notes}name: {name}
seed: 0
data:
  kind: tabular           # CSV / TSV / Parquet files + a column mapping (kgmine.io.tabular.read_tabular)
{option_lines}
extract:
  enabled: true           # attribute values, relations and entities from titles and descriptions
  reviews: false
mine:
  rules: {{enabled: {rules}, min_support: 0.0005, min_confidence: 0.1, min_len: 2, max_len: 3}}
  clusters: {{enabled: true, method: kmeans, n_clusters: null, text: tfidf}}
  analytics: {{enabled: true}}
recommend:
  enabled: {"true" if proposal.interactions else "false"}
  model: lightgcn         # lightgcn | mf | kg_gnn | popularity | itemknn | gf_cf | bspm
  epochs: 30
  time_budget: 150        # seconds of training at most
report:
  enabled: true
"""


__all__ = ["CATALOG_NAMES", "INTERACTION_NAMES", "Choice", "Proposal", "pipeline_yaml", "propose_mapping"]
