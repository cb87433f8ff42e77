"""Read-only views of a kgmine graph for the explorer page: search, neighbourhoods, recommendations.

:class:`Explorer` wraps any :class:`~kgmine.graph.stores.base.GraphStore` (LadybugDB or Neo4j) and
answers the explorer's questions with small, typed, parameterised Cypher queries that both stores
run (labels and relationship types come from :mod:`kgmine.graph.schema` and pass
:func:`~kgmine.graph.schema.check_identifier`; every value travels as a parameter). Every store call
goes through ``store.query(..., write=False)``, so the query guard (:mod:`kgmine.graph.stores.guard`)
refuses writes, file access, setting changes and oversized texts before the store parses them. A
store with ``concurrent_reads`` (LadybugDB opened read-only: one connection per thread; Neo4j)
answers queries side by side, so one slow query does not hold up the other requests; with any other
store one lock serialises the calls.

Results are plain Python structures (lists of dicts) ready to be sent as JSON:

* :meth:`Explorer.search` — ranked token search over every node kind (:mod:`kgmine.serve.search`);
* :meth:`Explorer.neighbourhood` — a node and its neighbours, per relationship type, as a
  vis-network ``{"nodes", "edges"}`` graph (a node budget split over the types, with totals and one
  "+K more" node per cut type);
* :meth:`Explorer.product` — details, item-to-item recommendations (mined FREQUENTLY_BOUGHT_WITH
  rules, co-recommendation through RECOMMENDED edges, the users it is recommended to) and similar
  items (shared brand, category, attribute values, cluster);
* :meth:`Explorer.user` — a user's RECOMMENDED items, each with an explanation path read from the graph;
* :meth:`Explorer.run_query` — a user's read-only Cypher, rows as a table.

>>> from kgmine.graph.stores import open_store
>>> explorer = Explorer(open_store("ladybug", path="runs/demo/store", read_only=True))  # doctest: +SKIP
>>> explorer.search("wool")[:1]                                                          # doctest: +SKIP
[{'kind': 'Product', 'id': 'P00017', 'name': 'Merino wool scarf ...', 'detail': '34.5'}]
"""
from __future__ import annotations

import threading
from collections.abc import Sequence
from contextlib import nullcontext
from typing import Any

import pandas as pd

from kgmine.graph.schema import NODE_TYPES, REL_TYPES, check_identifier, node_type
from kgmine.graph.stores.base import StoreError
from kgmine.graph.stores.guard import check_query
from kgmine.serve.dialect import explain, to_ladybug
from kgmine.serve.results import _scalar, query_result
from kgmine.serve.search import SearchIndex, build_index

#: The property shown as a node's name, per label (``id`` when a label has none).
DISPLAY_PROPERTY: dict[str, str] = {
    "Product": "title", "Brand": "name", "Category": "name", "AttributeValue": "value", "User": "id",
    "Review": "text", "Cluster": "label", "Community": "id", "Entity": "name",
}

#: Relationship types through which two products count as similar, with the weight of one shared node.
SIMILARITY_LINKS: dict[str, tuple[str, float]] = {
    "HAS_BRAND": ("Brand", 3.0),
    "IN_CATEGORY": ("Category", 2.0),
    "HAS_ATTRIBUTE": ("AttributeValue", 1.0),
    "IN_CLUSTER": ("Cluster", 1.0),
}

MAX_QUERY_ROWS = 500

#: Neighbours a neighbourhood graph shows in all (labels stay readable once the graph is fitted to the page).
NODE_BUDGET = 30
#: Characters of a node's name shown as its label in a neighbourhood graph (the tooltip has more).
LABEL_CHARS = 24
#: Neighbours every relationship group keeps when the budget is split.
MIN_PER_GROUP = 3
#: Largest ``limit`` of a neighbourhood's expanded group.
MAX_EXPAND = 500


def split_budget(counts: Sequence[int], budget: int, floor: int = MIN_PER_GROUP) -> list[int]:
    """How many of each group's ``counts`` neighbours to show so that they add up to at most ``budget``.

    The largest group is cut first, one at a time (ties: the later group), never below ``floor``
    (nor above its count): ``split_budget([25, 4, 1], 10) == [5, 4, 1]``. When every group is at its
    floor the sum may exceed ``budget``.

    >>> split_budget([25, 4, 1], 10), split_budget([8, 8, 8], 12), split_budget([5, 5, 5, 5], 6)
    ([5, 4, 1], [4, 4, 4], [3, 3, 3, 3])
    """
    shown = [int(c) for c in counts]
    excess = sum(shown) - budget
    while excess > 0:
        i = max(range(len(shown)), key=lambda j: (shown[j], j))
        if shown[i] <= floor:
            break
        shown[i] -= 1
        excess -= 1
    return shown


def frame_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of ``frame`` as JSON-able dicts (NaN and NA become None)."""
    cols = [str(c) for c in frame.columns]
    return [dict(zip(cols, (_scalar(v) for v in row))) for row in frame.itertuples(index=False, name=None)]


def _short(text: Any, n: int = 40) -> str:
    text = "" if text is None else str(text)
    return text if len(text) <= n else text[: n - 1] + "…"


class Explorer:
    """Read-only questions the explorer page asks of one graph store.

    Parameters
    ----------
    store : GraphStore
        An open store (LadybugDB, ideally opened ``read_only=True``, or Neo4j). The explorer never
        closes it; :meth:`close` does.
    per_type : int, default 10
        Neighbours read per relationship type and direction in :meth:`neighbourhood`.
    max_rows : int, default 500
        Rows returned by :meth:`run_query` (the rest are counted, not sent).
    parse_check : ParseCheck, optional
        Parse each :meth:`run_query` text in this helper process first
        (:class:`~kgmine.serve.parsecheck.ParseCheck`), so a parser crash cannot end this process;
        closed by :meth:`close`.
    budget : int, default 30
        Neighbours shown in all in :meth:`neighbourhood` (:data:`NODE_BUDGET`), split over its
        relationship groups; the rest are summarised by one "+K more" node per group.
    """

    def __init__(self, store: Any, per_type: int = 10, max_rows: int = MAX_QUERY_ROWS,
                 parse_check: Any | None = None, budget: int = NODE_BUDGET) -> None:
        if per_type < 1:
            raise ValueError(f"per_type must be >= 1, got {per_type}")
        if budget < 1:
            raise ValueError(f"budget must be >= 1, got {budget}")
        self.budget = int(budget)
        if max_rows < 1:
            raise ValueError(f"max_rows must be >= 1, got {max_rows}")
        self.store = store
        self.per_type = int(per_type)
        self.max_rows = int(max_rows)
        self._lock = threading.Lock()
        self._index: SearchIndex | None = None
        self.parse_check = parse_check

    # ------------------------------------------------------------------ plumbing

    def _q(self, cypher: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        """Run read-only Cypher on the store (under the lock unless the store takes concurrent reads)."""
        with nullcontext() if getattr(self.store, "concurrent_reads", False) else self._lock:
            return self.store.query(cypher, params or {}, write=False)

    def close(self) -> None:
        """Close the underlying store (and the parse-check helper)."""
        if self.parse_check is not None:
            self.parse_check.close()
        with self._lock:
            self.store.close()

    def summary(self) -> dict[str, Any]:
        """Store kind and node / relationship counts (non-zero ones), for the page header."""
        with self._lock:
            counts = self.store.counts()
        return {"store": getattr(self.store, "name", "store"),
                "nodes": {k: v for k, v in counts.items() if k in NODE_TYPES and v},
                "relationships": {k: v for k, v in counts.items() if k in REL_TYPES and v}}

    # ------------------------------------------------------------------ search

    def search(self, text: str, limit: int = 20) -> list[dict[str, Any]]:
        """Nodes of every kind ranked by the query's word tokens (:mod:`kgmine.serve.search`, BM25 over
        ids and display text; hits holding more of the words first, an exact id first of all).
        Returns dicts ``kind, id, name, detail, score, matched``; the index is built on the first call.
        """
        if not (text or "").strip():
            return []
        limit = max(1, min(int(limit), 200))
        with self._lock:
            if self._index is None:
                counts = self.store.counts()
                self._index = build_index(lambda c: self.store.query(c, {}, write=False), DISPLAY_PROPERTY,
                                          [k for k, v in counts.items() if v])
        hits = self._index.search(text, limit)
        prices = self._prices([h["id"] for h in hits if h["kind"] == "Product"])
        for h in hits:
            price = prices.get(h["id"]) if h["kind"] == "Product" else None
            h["detail"] = "" if price is None else f"{price:.2f}"
        return hits

    def _prices(self, ids: list[str]) -> dict[str, float]:
        if not ids:
            return {}
        frame = self._q("MATCH (p:Product) WHERE p.id IN $ids RETURN p.id AS id, p.price AS price", {"ids": ids})
        return {r["id"]: r["price"] for r in frame_records(frame) if r["price"] is not None}

    # ------------------------------------------------------------------ nodes and neighbourhoods

    def node(self, label: str, node_id: str) -> dict[str, Any] | None:
        """All schema properties of one node (``None`` when it does not exist)."""
        nt = node_type(label)
        cols = ", ".join(f"n.{check_identifier(p, 'property')} AS {p}" for p in nt.properties)
        frame = self._q(f"MATCH (n:{label} {{id: $id}}) RETURN n.id AS id{', ' + cols if cols else ''}",
                        {"id": node_id})
        if not len(frame):
            return None
        return {k: v for k, v in frame_records(frame)[0].items()}

    def _links(self, label: str) -> list[tuple[str, str, str, str]]:
        """(rel type, direction 'out'|'in', other label, other label's display property) touching ``label``,
        for the types the store holds edges of (an older read-only store may lack a newer type's table)."""
        with self._lock:
            counts = self.store.counts()
        out = []
        for rt in (rt for rt in REL_TYPES.values() if counts.get(rt.type)):
            for src, dst in rt.pairs:
                if src == label:
                    out.append((rt.type, "out", dst))
                if dst == label:
                    out.append((rt.type, "in", src))
        return [(t, d, other, DISPLAY_PROPERTY.get(other, "id")) for t, d, other in dict.fromkeys(out)]

    def _group(self, label: str, node_id: str, link: tuple[str, str, str, str], limit: int
               ) -> tuple[list[dict[str, Any]], int]:
        """The first ``limit`` neighbours of ``node_id`` through one ``link`` (type, direction, other
        label, its display property), best first, and how many there are in all."""
        type_, direction, other, disp = link
        props = list(REL_TYPES[type_].properties)
        pattern = (f"(a:{label} {{id: $id}})-[r:{type_}]->(b:{other})" if direction == "out"
                   else f"(a:{label} {{id: $id}})<-[r:{type_}]-(b:{other})")
        where = " WHERE b.id <> a.id" if other == label else ""
        rcols = "".join(f", r.{p} AS r_{p}" for p in props)
        order = "r.rank, b.id" if "rank" in props else ("r.lift DESC, b.id" if "lift" in props else "b.id")
        frame = self._q(f"MATCH {pattern}{where} RETURN b.id AS id, b.{disp} AS name{rcols} "
                        f"ORDER BY {order} LIMIT $k", {"id": node_id, "k": limit + 1})
        total = len(frame)
        if total > limit:
            total = int(self._q(f"MATCH {pattern}{where} RETURN count(b) AS n", {"id": node_id})["n"].iloc[0])
        rows = frame_records(frame.head(limit))
        for row in rows:
            row["attrs"] = {p: v for p in props if (v := row.pop(f"r_{p}", None)) is not None}
        return rows, total

    def _check_expand(self, label: str, expand: tuple | None) -> tuple[str, str, int, str | None] | None:
        """``expand`` as (relationship type, direction, limit, other label or None for every one), checked
        against the links of ``label``."""
        if expand is None:
            return None
        type_, direction, limit, *rest = expand
        other = rest[0] if rest else None
        if direction not in ("in", "out"):
            raise ValueError(f"direction must be 'in' or 'out', got {direction!r}")
        if not any(t == type_ and d == direction and other in (None, o) for t, d, o, _ in self._links(label)):
            raise ValueError(f"{label} has no {type_} ({direction}{', ' + other if other else ''}) relationships "
                             "to expand")
        if not 1 <= int(limit) <= MAX_EXPAND:
            raise ValueError(f"expand limit must be between 1 and {MAX_EXPAND}, got {limit}")
        return type_, direction, int(limit), other

    def neighbourhood(self, label: str, node_id: str, per_type: int | None = None, budget: int | None = None,
                      expand: tuple | None = None) -> dict[str, Any]:
        """``node_id`` of ``label`` and its neighbours, as a vis-network graph.

        Returns ``{"centre", "node", "nodes", "edges", "types"}``; ``types`` holds one
        ``{"type", "direction", "other", "shown", "total"}`` per relationship group (type, direction and
        the other end's label) present. Node ids are ``"Label:id"``. At most ``per_type`` neighbours per group
        are read, and ``budget`` neighbours (edges to the centre) are shown in all, split over the
        groups by :func:`split_budget` (each keeps at least :data:`MIN_PER_GROUP`, the largest are
        cut first). A group with more neighbours than shown gets one summary node
        ``{"id": "more:CENTRE:TYPE:direction:Other", "group": "More", "label": "+K more Other", "more": {...}}``
        (``CENTRE`` the centre's ``Label:id``, so that the boxes of two neighbourhoods drawn together
        do not clash; ``more`` holds ``centre``, ``type``, ``direction``, ``other``, ``total``, ``shown``) joined
        to the centre by an edge of that type (``"more": True``).

        ``expand=(type, direction, limit[, other])`` shows up to ``limit`` neighbours of that one group (of
        every other label when ``other`` is left out),
        outside the budget (the explorer's "+K more" box asks for it); ValueError when the node's
        label has no such group or ``limit`` is outside 1..:data:`MAX_EXPAND`.
        """
        k = int(per_type or self.per_type)
        expand = self._check_expand(label, expand)
        centre = self.node(label, node_id)
        if centre is None:
            raise KeyError(f"no {label} with id {node_id!r}")
        groups = []
        for link in self._links(label):
            chosen = bool(expand and link[:2] == expand[:2] and expand[3] in (None, link[2]))
            rows, total = self._group(label, node_id, link, expand[2] if chosen else k)
            if rows:
                groups.append((link, rows, total, chosen))
        budgeted = [g for g in groups if not g[3]]
        caps = dict(zip((g[0] for g in budgeted),
                        split_budget([len(g[1]) for g in budgeted], int(budget or self.budget))))
        graph = _GraphBuilder(label, node_id, centre.get(DISPLAY_PROPERTY.get(label, "id")))
        for link, rows, total, _ in groups:
            cap = caps.get(link, len(rows))
            if cap == total - 1 == len(rows) - 1:  # a "+1 more" box would take the place of the one it hides
                cap = total
            graph.add_group(link, rows[:cap], total)
        return {"centre": graph.centre, "node": centre, **graph.result()}

    # ------------------------------------------------------------------ products

    def product(self, product_id: str, k: int = 10) -> dict[str, Any]:
        """A product's details with its recommendations and similar items.

        Keys: ``product`` (properties plus ``brand``, ``categories``, ``clusters``),
        ``bought_with`` (mined FREQUENTLY_BOUGHT_WITH rules, by lift), ``recommended_with``
        (items the recommender gives to the same users, by how many users), ``recommended_to``
        (users whose top-K holds it, by rank) and ``similar`` (products sharing brand, category,
        attribute values or cluster; weighted count of shared nodes with the reasons).
        """
        props = self.node("Product", product_id)
        if props is None:
            raise KeyError(f"no Product with id {product_id!r}")
        for key, type_, other in (("brands", "HAS_BRAND", "Brand"), ("categories", "IN_CATEGORY", "Category"),
                                  ("clusters", "IN_CLUSTER", "Cluster"),
                                  ("attributes", "HAS_ATTRIBUTE", "AttributeValue")):
            disp = DISPLAY_PROPERTY[other]
            frame = self._q(f"MATCH (p:Product {{id: $id}})-[:{type_}]->(x:{other}) "
                            f"RETURN x.id AS id, x.{disp} AS name ORDER BY x.id", {"id": product_id})
            props[key] = frame_records(frame)
        return {"product": props,
                "bought_with": self.bought_with(product_id, k),
                "recommended_with": self.recommended_with(product_id, k),
                "recommended_to": self.recommended_to(product_id, k),
                "similar": self.similar(product_id, k)}

    def bought_with(self, product_id: str, k: int = 10) -> list[dict[str, Any]]:
        """Mined association rules ``product -> other`` (FREQUENTLY_BOUGHT_WITH), by lift."""
        frame = self._q(
            "MATCH (p:Product {id: $id})-[f:FREQUENTLY_BOUGHT_WITH]->(q:Product) "
            "RETURN q.id AS id, q.title AS title, f.support AS support, f.confidence AS confidence, "
            "f.lift AS lift ORDER BY f.lift DESC, q.id LIMIT $k", {"id": product_id, "k": k})
        return frame_records(frame)

    def recommended_with(self, product_id: str, k: int = 10) -> list[dict[str, Any]]:
        """Items the recommender also gives to the users it recommends ``product_id`` to (RECOMMENDED edges)."""
        frame = self._q(
            "MATCH (u:User)-[:RECOMMENDED]->(p:Product {id: $id}) "
            "MATCH (u)-[r:RECOMMENDED]->(q:Product) WHERE q.id <> p.id "
            "RETURN q.id AS id, q.title AS title, count(DISTINCT u.id) AS users, min(r.rank) AS best_rank "
            "ORDER BY users DESC, best_rank, id LIMIT $k", {"id": product_id, "k": k})
        return frame_records(frame)

    def recommended_to(self, product_id: str, k: int = 10) -> list[dict[str, Any]]:
        """Users whose top-K list holds ``product_id`` (RECOMMENDED edges), best rank first."""
        frame = self._q(
            "MATCH (u:User)-[r:RECOMMENDED]->(p:Product {id: $id}) "
            "RETURN u.id AS user, r.rank AS rank, r.score AS score, r.model AS model "
            "ORDER BY r.rank, r.score DESC, u.id LIMIT $k", {"id": product_id, "k": k})
        return frame_records(frame)

    def similar(self, product_id: str, k: int = 10) -> list[dict[str, Any]]:
        """Products sharing the most (weighted) brand, category, attribute and cluster nodes with ``product_id``.

        Score = sum over shared nodes of the link's weight in :data:`SIMILARITY_LINKS` (brand 3,
        category 2, attribute value 1, cluster 1); ties broken by id. ``reasons`` names what is shared.
        """
        scores: dict[str, float] = {}
        titles: dict[str, Any] = {}
        reasons: dict[str, list[str]] = {}
        for type_, (other, weight) in SIMILARITY_LINKS.items():
            disp = DISPLAY_PROPERTY[other]
            frame = self._q(
                f"MATCH (p:Product {{id: $id}})-[:{type_}]->(x:{other})<-[:{type_}]-(q:Product) WHERE q.id <> p.id "
                f"RETURN q.id AS id, q.title AS title, x.{disp} AS via", {"id": product_id})
            for row in frame_records(frame):
                qid = row["id"]
                scores[qid] = scores.get(qid, 0.0) + weight
                titles[qid] = row["title"]
                reasons.setdefault(qid, []).append(f"{other.lower()} {row['via']}")
        ranked = sorted(scores, key=lambda q: (-scores[q], str(q)))[:k]
        return [{"id": q, "title": titles[q], "score": scores[q], "shared": "; ".join(reasons[q][:4])}
                for q in ranked]

    # ------------------------------------------------------------------ users

    def user(self, user_id: str, k: int = 10) -> dict[str, Any]:
        """A user's RECOMMENDED items (rank, score, model) with one explanation path each, and
        their most recent purchases.

        Each recommendation carries ``path``, a path in the graph that explains it, and ``why``, the
        path in words (see :meth:`explain`; both ``None`` when there is none); ``names`` maps every
        path node to its display name.
        """
        if self.node("User", user_id) is None:
            raise KeyError(f"no User with id {user_id!r}")
        recs = frame_records(self._q(
            "MATCH (u:User {id: $id})-[r:RECOMMENDED]->(p:Product) "
            "RETURN p.id AS id, p.title AS title, r.rank AS rank, r.score AS score, r.model AS model "
            "ORDER BY r.model, r.rank, p.id LIMIT $k", {"id": user_id, "k": k}))
        found = self.explain(user_id, [r["id"] for r in recs])
        for r in recs:
            r["path"] = found.get(r["id"], {}).get("path")
            r["why"] = found.get(r["id"], {}).get("text")
        keys = [k for e in found.values() for step in e["path"] for k in (step["src"], step["dst"])]
        bought = frame_records(self._q(
            "MATCH (u:User {id: $id})-[b:BOUGHT]->(p:Product) RETURN p.id AS id, p.title AS title, "
            "b.timestamp AS timestamp, b.purchases AS purchases ORDER BY b.timestamp DESC, p.id LIMIT $k",
            {"id": user_id, "k": k}))
        return {"user": {"id": user_id}, "recommendations": recs, "bought": bought, "names": self.names(keys)}

    def explain(self, user_id: str, product_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """One explanation per recommended product, read from the graph: ``{product_id: {"path", "text"}}``.

        The one engine, :func:`kgmine.recommend.serve.explain`, with its ``shared_attributes`` pattern
        on: a product the user bought or rated that is FREQUENTLY_BOUGHT_WITH / ALSO_BOUGHT /
        ALSO_VIEWED-linked to it, or shares its brand, category or cluster; another shopper who has a
        product in common with the user has it (the collaborative signal a graph recommender
        propagates); last, ``u -BOUGHT-> q -HAS_ATTRIBUTE-> v <-HAS_ATTRIBUTE- p`` (an extracted
        attribute value in common).

        A path is a list of stored edges ``{"src", "rel", "dst"}`` (arrows as stored, nodes
        ``Label:id``). Products with no path are absent from the result.
        """
        from kgmine.recommend.serve import explain as recommender_explain

        wanted = [str(p) for p in dict.fromkeys(product_ids)]
        if not wanted:
            return {}
        with self._lock:
            frame = recommender_explain(self.store, str(user_id), wanted, shared_attributes=True)
        return {str(row.product_id): {"path": [dict(step) for step in row.path], "text": row.explanation}
                for row in frame.itertuples(index=False) if len(row.path)}

    def names(self, keys: Sequence[str]) -> dict[str, str]:
        """Display names of ``Label:id`` node keys (one query per label), e.g. product titles."""
        by_label: dict[str, list[str]] = {}
        for key in dict.fromkeys(keys):
            label, _, nid = key.partition(":")
            if label in NODE_TYPES:
                by_label.setdefault(label, []).append(nid)
        out: dict[str, str] = {}
        for label, ids in by_label.items():
            disp = DISPLAY_PROPERTY.get(label, "id")
            frame = self._q(f"MATCH (n:{label}) WHERE n.id IN $ids RETURN n.id AS id, n.{disp} AS name", {"ids": ids})
            for row in frame_records(frame):
                out[f"{label}:{row['id']}"] = str(row["name"] if row["name"] not in (None, "") else row["id"])
        return out

    # ------------------------------------------------------------------ free queries

    def example_params(self) -> dict[str, Any]:
        """Example values for the named queries' parameters, picked from the graph
        (:func:`kgmine.graph.queries.representative_params`)."""
        from kgmine.graph.queries import representative_params

        with self._lock:
            return representative_params(self.store)

    def run_query(self, cypher: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """Run a user's Cypher read-only; ``{"columns", "rows", "total", "truncated", "graph"}``
        (:func:`kgmine.serve.results.query_result`: cells without internal fields, nodes and paths as a graph),
        plus ``translated``: Neo4j spellings rewritten for LadybugDB (:mod:`kgmine.serve.dialect`).

        The store refuses writing clauses (``write=False``): LadybugDB checks the clauses before
        running, Neo4j runs the query in a READ transaction. Its errors propagate as
        :class:`~kgmine.graph.stores.base.StoreError`.
        """
        # the store checks too; this keeps an oversized text out of the translation and the parse check below
        check_query(cypher, limits=getattr(self.store, "query_limits", None))
        translated: list[str] = []
        if getattr(self.store, "name", "") == "ladybug":
            cypher, translated = to_ladybug(cypher)
        if self.parse_check is not None:
            self.parse_check.check(cypher)
        try:
            frame = self._q(cypher, dict(params or {}))
        except StoreError as exc:
            raise StoreError(explain(str(exc), cypher)) from exc
        return {**query_result(frame, self.max_rows, DISPLAY_PROPERTY), "translated": translated}


class _GraphBuilder:
    """Collects a neighbourhood's vis-network nodes (``Label:id``, deduplicated), edges and group counts."""

    def __init__(self, label: str, node_id: Any, name: Any) -> None:
        self.nodes: dict[str, dict[str, Any]] = {}
        self.edges: list[dict[str, Any]] = []
        self.types: list[dict[str, Any]] = []
        self.centre = self.add_node(label, node_id, name)
        self.nodes[self.centre]["centre"] = True

    def add_node(self, label: str, nid: Any, name: Any) -> str:
        key = f"{label}:{nid}"
        if key not in self.nodes:
            shown = name if name not in (None, "") else nid
            self.nodes[key] = {"id": key, "label": _short(shown, LABEL_CHARS), "group": label,
                               "title": f"{label} {nid}\n{_short(shown, 200)}", "kgLabel": label, "kgId": nid}
        return key

    def _edge(self, other: str, link: tuple[str, str, str, str], title: str, **extra: Any) -> None:
        type_, direction = link[:2]
        src, dst = (self.centre, other) if direction == "out" else (other, self.centre)
        self.edges.append({"from": src, "to": dst, "label": type_, "title": title, "kgType": type_, **extra})

    def add_group(self, link: tuple[str, str, str, str], rows: list[dict[str, Any]], total: int) -> None:
        """Neighbours ``rows`` of one group (type, direction, other label, display property) and,
        when ``total`` is larger, the group's "+K more" node."""
        type_, direction, other = link[:3]
        for row in rows:
            key = self.add_node(other, row["id"], row["name"])
            self._edge(key, link, type_ + "".join(f"\n{p}: {_fmt(v)}" for p, v in row["attrs"].items()))
        entry = {"type": type_, "direction": direction, "other": other, "shown": len(rows), "total": total}
        if total > len(rows):
            key = entry["more"] = more_id(self.centre, type_, direction, other)
            hidden = total - len(rows)
            self.nodes[key] = {"id": key, "label": f"+{hidden} more {other}", "group": "More",
                               "title": f"{hidden} more {other} ({type_}, {direction}): click to show them",
                               "more": {"centre": self.centre,
                                        **{k: entry[k] for k in ("type", "direction", "other", "total", "shown")}}}
            self._edge(key, link, f"{type_}: {hidden} more {other}", more=True)
        self.types.append(entry)

    def result(self) -> dict[str, Any]:
        return {"nodes": list(self.nodes.values()), "edges": self.edges, "types": self.types}


def more_id(centre: str, type_: str, direction: str, other: str) -> str:
    """The id of the "+K more" node of one relationship group (type, direction, other end's label) of the
    neighbourhood of ``centre`` (``Label:id``): MENTIONS in from Review and from Product are two groups.

    >>> more_id("Brand:b1", "HAS_BRAND", "in", "Product")
    'more:Brand:b1:HAS_BRAND:in:Product'
    """
    return f"more:{centre}:{type_}:{direction}:{other}"


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


__all__ = ["DISPLAY_PROPERTY", "Explorer", "MAX_EXPAND", "MAX_QUERY_ROWS", "MIN_PER_GROUP", "NODE_BUDGET",
           "SIMILARITY_LINKS", "frame_records", "more_id", "split_budget"]
