"""The typed tables every reader produces.

Whatever the source (Amazon JSON lines, a CSV catalog, MovieLens, LightGCN splits, RecBole atomic
files or the synthetic demo world), a reader returns one :class:`ShopData`: plain pandas DataFrames
with fixed column names and dtypes. Everything downstream (extraction, graph building, mining,
recommendation) reads these tables and nothing else.

Columns (``*`` = required, others may be missing / NA):

``products``      ``product_id*`` (str), ``title``, ``description`` (str), ``brand`` (str, as given by
                  the source), ``category_path`` (str, levels joined by ``" > "``), ``price`` (float)
``users``         ``user_id*`` (str)
``interactions``  ``user_id*``, ``product_id*`` (str), ``event*`` (one of :data:`EVENTS`),
                  ``rating`` (float), ``timestamp`` (int, unix seconds), ``basket_id`` (str),
                  ``split`` (``train``/``valid``/``test`` when the source fixes a split)
``reviews``       ``review_id*``, ``user_id*``, ``product_id*`` (str), ``rating`` (float),
                  ``timestamp`` (int), ``text`` (str)
``item_edges``    ``src*``, ``dst*`` (product ids), ``relation*`` (``also_bought``, ``also_viewed`` or a
                  KG relation name)
``entity_edges``  ``product_id*``, ``relation*``, ``entity*`` (str): item-entity KG triples whose
                  tail is not a product (RecBole ``.kg``)
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

EVENTS = ("bought", "rated", "reviewed", "viewed")

COLUMNS: dict[str, dict[str, str]] = {
    "products": {
        "product_id": "string",
        "title": "string",
        "description": "string",
        "brand": "string",
        "category_path": "string",
        "price": "float64",
    },
    "users": {"user_id": "string"},
    "interactions": {
        "user_id": "string",
        "product_id": "string",
        "event": "string",
        "rating": "float64",
        "timestamp": "Int64",
        "basket_id": "string",
        "split": "string",
    },
    "reviews": {
        "review_id": "string",
        "user_id": "string",
        "product_id": "string",
        "rating": "float64",
        "timestamp": "Int64",
        "text": "string",
    },
    "item_edges": {"src": "string", "dst": "string", "relation": "string"},
    "entity_edges": {"product_id": "string", "relation": "string", "entity": "string"},
}

REQUIRED: dict[str, tuple[str, ...]] = {
    "products": ("product_id",),
    "users": ("user_id",),
    "interactions": ("user_id", "product_id", "event"),
    "reviews": ("review_id", "user_id", "product_id"),
    "item_edges": ("src", "dst", "relation"),
    "entity_edges": ("product_id", "relation", "entity"),
}

CATEGORY_SEP = " > "


def empty_table(name: str) -> pd.DataFrame:
    """An empty DataFrame with the columns and dtypes of table ``name``."""
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in COLUMNS[name].items()})


def conform(name: str, df: pd.DataFrame | None) -> pd.DataFrame:
    """Return ``df`` with exactly the columns of table ``name`` in order and with their dtypes.

    Missing optional columns are added as NA; extra columns are dropped. A missing required column
    raises ``ValueError`` naming the table and the column.
    """
    if df is None:
        return empty_table(name)
    missing = [c for c in REQUIRED[name] if c not in df.columns]
    if missing:
        raise ValueError(f"table {name!r} is missing required column(s) {missing}")
    n = len(df)
    index = pd.RangeIndex(n)
    cols: dict[str, pd.Series] = {}
    for col, dtype in COLUMNS[name].items():
        if col in df.columns:
            values = df[col]
            if not isinstance(values.index, pd.RangeIndex) or values.index.start != 0 or values.index.step != 1:
                values = values.reset_index(drop=True)
            if str(values.dtype) == dtype:  # already right: no conversion (the common case, and cheap)
                cols[col] = values
            elif dtype == "string":
                cols[col] = values.astype("string")
            else:
                cols[col] = pd.to_numeric(values, errors="raise").astype(dtype)
        else:
            cols[col] = pd.Series(float("nan") if dtype == "float64" else pd.NA, index=index, dtype=dtype)
    return pd.DataFrame(cols, index=index, copy=False)


@dataclass
class ShopData:
    """Products, users, interactions, reviews and item-item edges of one shop or data set.

    ``name`` says where the data came from; ``synthetic`` is True for the generated demo world.
    ``truth`` carries planted ground truth (demo world only): e.g. ``truth["product_attributes"]``.
    """

    name: str
    products: pd.DataFrame = field(default_factory=lambda: empty_table("products"))
    users: pd.DataFrame = field(default_factory=lambda: empty_table("users"))
    interactions: pd.DataFrame = field(default_factory=lambda: empty_table("interactions"))
    reviews: pd.DataFrame = field(default_factory=lambda: empty_table("reviews"))
    item_edges: pd.DataFrame = field(default_factory=lambda: empty_table("item_edges"))
    entity_edges: pd.DataFrame = field(default_factory=lambda: empty_table("entity_edges"))
    synthetic: bool = False
    truth: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in COLUMNS:
            setattr(self, name, conform(name, getattr(self, name)))
        if len(self.users) == 0 and len(self.interactions):
            ids = pd.unique(self.interactions["user_id"].dropna())
            self.users = conform("users", pd.DataFrame({"user_id": ids}))

    def baskets(self) -> pd.DataFrame:
        """Purchases grouped into baskets: columns ``basket_id``, ``product_id`` (one row per item)."""
        bought = self.interactions[self.interactions["event"] == "bought"]
        bought = bought.dropna(subset=["basket_id"])
        return bought[["basket_id", "product_id"]].drop_duplicates().reset_index(drop=True)

    def summary(self) -> dict[str, int]:
        """Row counts per table, plus distinct users/products seen in interactions."""
        return {
            "products": len(self.products),
            "users": len(self.users),
            "interactions": len(self.interactions),
            "reviews": len(self.reviews),
            "item_edges": len(self.item_edges),
            "entity_edges": len(self.entity_edges),
            "interacting_users": int(self.interactions["user_id"].nunique()),
            "interacted_products": int(self.interactions["product_id"].nunique()),
        }
