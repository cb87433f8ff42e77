"""One view of a catalog for clustering and graph analytics, whatever it was read from.

:class:`CatalogView` holds four plain tables:

``products``       ``product_id``, ``title``, ``description``
``attributes``     ``id`` (product id), ``attribute``, ``value`` — brand, category levels, colour, ...
``interactions``   ``user_id``, ``product_id``, ``event``, ``basket_id``, ``timestamp``
``item_edges``     ``src``, ``dst``, ``relation`` — product-product links (also_bought, mined rules ...)

It is built from a :class:`~kgmine.io.tables.ShopData` (reader output), from
:class:`~kgmine.graph.tables.KGTables` or a graph store (the knowledge graph, where brands, categories
and extracted attribute values are nodes), or from a products CSV/Parquet file.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from kgmine.graph.tables import KGTables
from kgmine.io.tables import CATEGORY_SEP, ShopData

PRODUCT_COLUMNS = ["product_id", "title", "description"]
ATTRIBUTE_COLUMNS = ["id", "attribute", "value"]
INTERACTION_COLUMNS = ["user_id", "product_id", "event", "basket_id", "timestamp"]
EDGE_COLUMNS = ["src", "dst", "relation"]

#: relationship types read from a graph as product-product edges, and their relation names
ITEM_RELS = {"ALSO_BOUGHT": "also_bought", "ALSO_VIEWED": "also_viewed",
             "FREQUENTLY_BOUGHT_WITH": "frequently_bought_with", "RELATED_TO": "related_to"}
#: relationship types read from a graph as interactions, and their event names
EVENT_RELS = {"BOUGHT": "bought", "RATED": "rated", "REVIEWED": "reviewed", "VIEWED": "viewed"}


def _frame(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="string") for c in columns})


@dataclass
class CatalogView:
    """Products, their attribute facts, interactions and product-product edges (see module doc)."""

    products: pd.DataFrame
    attributes: pd.DataFrame = field(default_factory=lambda: _frame(ATTRIBUTE_COLUMNS))
    interactions: pd.DataFrame = field(default_factory=lambda: _frame(INTERACTION_COLUMNS))
    item_edges: pd.DataFrame = field(default_factory=lambda: _frame(EDGE_COLUMNS))
    name: str = "catalog"

    def __post_init__(self) -> None:
        if "product_id" not in self.products.columns:
            raise ValueError(f"{self.name}: products need a 'product_id' column "
                             f"(have {list(self.products.columns)})")
        products = self.products.copy()
        for col in ("title", "description"):
            if col not in products.columns:
                products[col] = pd.NA
        products["product_id"] = products["product_id"].astype("string")
        self.products = products.dropna(subset=["product_id"]).drop_duplicates("product_id").reset_index(drop=True)
        for name, cols in (("attributes", ATTRIBUTE_COLUMNS), ("interactions", INTERACTION_COLUMNS),
                           ("item_edges", EDGE_COLUMNS)):
            frame = getattr(self, name)
            for col in cols:
                if col not in frame.columns:
                    frame = frame.assign(**{col: pd.NA})
            setattr(self, name, frame[cols].reset_index(drop=True))

    @property
    def product_ids(self) -> pd.Series:
        return self.products["product_id"]

    def texts(self, fields: tuple[str, ...] = ("title", "description")) -> list[str]:
        """One text per product: the given fields joined by ``". "`` (missing fields skipped)."""
        for f in fields:
            if f not in self.products.columns:
                raise ValueError(f"{self.name}: no product field {f!r} (have {list(self.products.columns)})")
        parts = self.products[list(fields)].astype("string").fillna("")
        return [". ".join(p for p in row if p) for row in parts.itertuples(index=False)]

    @classmethod
    def from_shopdata(cls, data: ShopData) -> "CatalogView":
        """From reader output: brand and category levels become attribute facts."""
        products = data.products
        facts = [pd.DataFrame({"id": products["product_id"], "attribute": "brand", "value": products["brand"]})]
        paths = products[["product_id", "category_path"]].dropna()
        levels = paths["category_path"].str.split(CATEGORY_SEP, regex=False)
        for depth, name in ((0, "category"), (1, "subcategory")):
            facts.append(pd.DataFrame({"id": paths["product_id"], "attribute": name,
                                       "value": levels.str.get(depth).astype("string").str.strip()}))
        attributes = pd.concat(facts, ignore_index=True).dropna()
        return cls(products[["product_id", "title", "description"]], attributes,
                   data.interactions, data.item_edges, name=data.name)

    @classmethod
    def from_tables(cls, tables: KGTables, name: str = "graph") -> "CatalogView":
        """From knowledge-graph tables: HAS_BRAND, IN_CATEGORY (+ SUBCATEGORY_OF), HAS_ATTRIBUTE
        give attribute facts; BOUGHT/RATED/REVIEWED/VIEWED interactions; ALSO_BOUGHT, ALSO_VIEWED,
        FREQUENTLY_BOUGHT_WITH, RELATED_TO product-product edges."""
        if "Product" not in tables.nodes:
            raise ValueError(f"{name}: the graph has no Product nodes")
        products = tables.nodes["Product"].rename(columns={"id": "product_id"})
        facts = []
        brands = _edges(tables, "HAS_BRAND", "Product", "Brand")
        if brands is not None:
            names = tables.nodes.get("Brand", pd.DataFrame(columns=["id", "name"])).set_index("id")["name"]
            facts.append(pd.DataFrame({"id": brands["src"], "attribute": "brand",
                                       "value": brands["dst"].map(names).fillna(brands["dst"])}))
        cats = _edges(tables, "IN_CATEGORY", "Product", "Category")
        if cats is not None:
            levels = cats["dst"].astype("string").str.split(CATEGORY_SEP, regex=False)
            for depth, attr in ((0, "category"), (1, "subcategory")):
                facts.append(pd.DataFrame({"id": cats["src"], "attribute": attr,
                                           "value": levels.str.get(depth).astype("string").str.strip()}))
        attrs = _edges(tables, "HAS_ATTRIBUTE", "Product", "AttributeValue")
        if attrs is not None:
            values = tables.nodes.get("AttributeValue", pd.DataFrame(columns=["id", "value"])).set_index("id")["value"]
            facts.append(pd.DataFrame({"id": attrs["src"], "attribute": attrs["attribute"],
                                       "value": attrs["dst"].map(values).fillna(attrs["dst"])}))
        attributes = pd.concat(facts, ignore_index=True).dropna() if facts else _frame(ATTRIBUTE_COLUMNS)
        inter = []
        for rel, event in EVENT_RELS.items():
            edges = _edges(tables, rel, "User", "Product")
            if edges is not None:
                inter.append(edges.rename(columns={"src": "user_id", "dst": "product_id"}).assign(event=event))
        interactions = pd.concat(inter, ignore_index=True) if inter else _frame(INTERACTION_COLUMNS)
        links = []
        for rel, relation in ITEM_RELS.items():
            edges = _edges(tables, rel, "Product", "Product")
            if edges is not None:
                links.append(edges[["src", "dst"]].assign(relation=relation))
        item_edges = pd.concat(links, ignore_index=True) if links else _frame(EDGE_COLUMNS)
        return cls(products, attributes, interactions, item_edges, name=name)

    @classmethod
    def from_store(cls, store: Any) -> "CatalogView":
        """From a graph store (LadybugDB or Neo4j): reads the labels and types :meth:`from_tables` uses."""
        from kgmine.graph.export import read_tables

        tables = read_tables(store, node_labels=["Product", "Brand", "Category", "AttributeValue", "User"],
                             rel_types=["HAS_BRAND", "IN_CATEGORY", "HAS_ATTRIBUTE", *EVENT_RELS, *ITEM_RELS])
        return cls.from_tables(tables, name=getattr(store, "name", "store"))

    @classmethod
    def from_file(cls, path: str | Path, id_column: str = "product_id") -> "CatalogView":
        """From a products CSV or Parquet file: ``product_id`` (or ``id_column``), ``title``,
        ``description``; optional ``brand`` and ``category_path`` become attribute facts."""
        path = Path(path)
        try:
            frame = pd.read_parquet(path) if path.suffix.lower() in (".parquet", ".pq") else pd.read_csv(path)
        except (OSError, ValueError) as exc:
            raise ValueError(f"{path}: cannot read products ({exc})") from None
        return cls.from_frame(frame, id_column=id_column, name=str(path))

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, id_column: str = "product_id", name: str = "products") -> "CatalogView":
        """From a products table: ``product_id`` (or ``id_column``), ``title``, ``description``;
        optional ``brand`` and ``category_path`` become attribute facts."""
        if id_column not in frame.columns:
            raise ValueError(f"{name}: missing column {id_column!r} (columns: {list(frame.columns)})")
        frame = frame.rename(columns={id_column: "product_id"})
        for col in ("title", "description", "brand", "category_path"):
            if col not in frame.columns:
                frame = frame.assign(**{col: pd.NA})
        return cls.from_shopdata(ShopData(name=name, products=frame))


def _edges(tables: KGTables, type_: str, src: str, dst: str) -> pd.DataFrame | None:
    table = tables.edges.get((type_, src, dst))
    return None if table is None or table.frame.empty else table.frame


def as_catalog(source: Any) -> CatalogView:
    """Coerce a CatalogView, ShopData, KGTables, graph store, products DataFrame or file path."""
    if isinstance(source, CatalogView):
        return source
    if isinstance(source, ShopData):
        return CatalogView.from_shopdata(source)
    if isinstance(source, KGTables):
        return CatalogView.from_tables(source)
    if isinstance(source, pd.DataFrame):
        return CatalogView.from_frame(source)
    if isinstance(source, (str, Path)):
        return CatalogView.from_file(source)
    if hasattr(source, "query") and hasattr(source, "counts"):
        return CatalogView.from_store(source)
    raise TypeError(f"cannot read a catalog from {type(source).__name__}")


__all__ = ["CatalogView", "EVENT_RELS", "ITEM_RELS", "as_catalog"]
