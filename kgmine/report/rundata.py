"""What a run directory holds, as tables the report can draw: metrics, artifacts, and the run's store.

:class:`RunData` reads ``metrics.json``, ``config.yaml`` and ``artifacts/*.parquet``; for what the
artifacts do not carry (per-label-pair relationship counts, product titles, cluster labels,
recommendations and their explanation paths) it opens the run's store read-only (LadybugDB at
``store.path`` of the run config or ``RUN_DIR/store``; Neo4j from the config / ``NEO4J_*``) once and
reuses the handle until :meth:`RunData.close`. A run without a reachable store still renders: the
sections that need it say what is missing.

Artifact columns read (all optional):

``extraction.parquet``        product_id, attribute, value, text (surface), start, end, field, extractor,
                              confidence (values at or above the run's ``extract.min_confidence`` are in the graph)
``relations.parquet``         product_id, field, head, relation, tail, head_start, head_end, tail_start,
                              tail_end, rule, confidence, in_graph
``entities.parquet``          doc_id, source (product or review), label, text
``rules.parquet``             antecedent, consequent (lists of product ids), support, confidence, lift, …
``clusters.parquet``          product_id, cluster[, label][, x, y] (2-D coordinates)
``cluster_features.npy``      the clustering's feature matrix, row i = row i of clusters.parquet
``training_history.parquet``  epoch, loss, valid_ndcg_at_K, valid_recall_at_K, …
``recommendations.parquet``   user_id, product_id, rank, score[, model]
``explanations.parquet``      user_id, product_id, then either a ``path`` column (list of
                              ``{src, rel, dst}``, with an ``explanation`` text column) or one row
                              per step with ``src, rel, dst``
"""
from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from kgmine.graph.schema import NODE_TYPES, REL_TYPES

log = logging.getLogger(__name__)

_METRIC_RE = re.compile(
    r"^(?:(?P<model>.+?)_)?(?P<metric>recall|ndcg|precision|hit_rate|mrr|map|coverage|pop_percentile)_at_(?P<k>\d+)$")
_QUALITY_RE = re.compile(r"^(?P<attribute>.+)_(?P<measure>precision|recall|f1|accuracy)$")
_NOT_MODELS = ("valid", "val", "best", "train")
SEGMENTS = ("cold", "warm")  # the user segments of kgmine.recommend.evaluate (not imported: no torch here)


def pair_counts(counts: dict[str, int], store: Any | None = None) -> pd.DataFrame:
    """Relationships per type and label pair, ``type, src, dst, count, exact``, for the schema diagram.

    ``counts`` holds nodes per label and relationships per type (``store.counts()`` or metrics.json
    ``graph``). A type with several label pairs (MENTIONS, IN_CLUSTER) is counted per pair in
    ``store`` when one is given (``exact=True``); otherwise its total is shown on each of its pairs
    whose labels both have nodes (``exact=False``).
    """
    nodes = {label for label in NODE_TYPES if counts.get(label)}
    rows = []
    for type_, rt in REL_TYPES.items():
        total = int(counts.get(type_, 0) or 0)
        if not total:
            continue
        pairs = [p for p in rt.pairs if p[0] in nodes and p[1] in nodes]
        if len(pairs) > 1 and store is not None:
            for src, dst in pairs:
                n = int(store.query(f"MATCH (:{src})-[r:{type_}]->(:{dst}) RETURN count(r) AS n")["n"].iloc[0])
                rows.append({"type": type_, "src": src, "dst": dst, "count": n, "exact": True})
        else:
            rows += [{"type": type_, "src": src, "dst": dst, "count": total, "exact": len(pairs) == 1}
                     for src, dst in pairs]
    return pd.DataFrame(rows, columns=["type", "src", "dst", "count", "exact"])


class RunData:
    """One run directory's metrics, artifacts and (lazily) its store.

    Parameters
    ----------
    run_dir : str or Path
        A directory written by :func:`kgmine.pipeline.run_pipeline` (must hold ``metrics.json``).
    use_store : bool, default True
        Open the run's store for what the artifacts lack; ``False`` renders from files only.
    """

    def __init__(self, run_dir: str | Path, use_store: bool = True) -> None:
        self.run_dir = Path(run_dir)
        path = self.run_dir / "metrics.json"
        if not path.is_file():
            raise FileNotFoundError(f"{self.run_dir}: no metrics.json; is this a kgmine run directory?")
        try:
            self.metrics: dict[str, Any] = json.loads(path.read_text())
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
        cfg = self.run_dir / "config.yaml"
        self.config: dict[str, Any] = (yaml.safe_load(cfg.read_text()) or {}) if cfg.is_file() else {}
        self.use_store = use_store
        self._store: Any = None
        self._store_error: str | None = None
        self._world: Any = None
        self._world_error: str | None = None

    # ------------------------------------------------------------------ files

    @property
    def name(self) -> str:
        """The run's name (config ``name``), else the directory name."""
        return str(self.metrics.get("run", {}).get("name") or self.run_dir.name)

    @property
    def synthetic(self) -> bool:
        """Whether the run used the synthetic demo world."""
        return bool(self.metrics.get("data", {}).get("synthetic", False))

    def artifact(self, name: str) -> pd.DataFrame | None:
        """``artifacts/<name>`` as a DataFrame (parquet), or None when the run did not write it."""
        path = self.run_dir / "artifacts" / name
        return pd.read_parquet(path) if path.is_file() else None

    @property
    def seed(self) -> int:
        """The run's seed (metrics ``run.seed``, else config ``seed``, else 0): seeds the report's samples."""
        seed = self.metrics.get("run", {}).get("seed", self.config.get("seed", 0))
        try:
            return int(seed)
        except (TypeError, ValueError):
            return 0

    def extraction_threshold(self) -> float | None:
        """``extract.min_confidence`` of the run: attribute values at or above it were written into the graph
        (None when the run's config does not say)."""
        value = (self.config.get("extract") or {}).get("min_confidence")
        return None if value is None else float(value)

    def demo_world(self) -> Any | None:
        """The synthetic demo world of the run, regenerated from its config (``data.n_products``,
        ``data.n_users``, ``seed``), or None for runs on other data. The world is deterministic, so this
        is the data the run read, planted truth included; a world whose product count differs from the
        run's is rejected (:attr:`world_error` says why)."""
        if self._world is not None or self._world_error is not None:
            return self._world
        data = self.config.get("data") or {}
        if not self.synthetic or data.get("kind") != "demo":
            self._world_error = "not a run on the synthetic demo world"
            return None
        try:
            from kgmine.demo.world import generate_world

            world = generate_world(n_products=int(data["n_products"]), n_users=int(data["n_users"]),
                                   seed=int(self.config.get("seed", self.seed)))
        except (KeyError, TypeError, ValueError) as exc:
            self._world_error = f"the demo world could not be regenerated from config.yaml ({exc})"
            return None
        expected = self.metrics.get("data", {}).get("products")
        if expected is not None and int(expected) != len(world.products):
            self._world_error = (f"the regenerated demo world has {len(world.products)} products, "
                                 f"the run read {expected}")
            return None
        self._world = world
        return world

    @property
    def world_error(self) -> str | None:
        """Why :meth:`demo_world` returned None (None if it was not asked or succeeded)."""
        return self._world_error

    def product_texts(self, product_ids: Sequence[str]) -> tuple[dict[str, dict[str, str]], str]:
        """Titles and descriptions ``{product_id: {"title": …, "description": …}}`` of ``product_ids`` and
        where they came from: the run's store, else (synthetic runs) the regenerated demo world, else
        nothing (``{}, ""``)."""
        ids = [str(i) for i in dict.fromkeys(product_ids)]
        if not ids:
            return {}, ""
        frame = self._query("MATCH (p:Product) WHERE p.id IN $ids RETURN p.id AS id, p.title AS title, "
                            "p.description AS description", {"ids": ids})
        source = "the run's store"
        if frame is None or not len(frame):
            world = self.demo_world()
            if world is None:
                return {}, ""
            products = world.products.astype({"product_id": str})
            frame = products[products["product_id"].isin(ids)].rename(columns={"product_id": "id"})
            source = "the regenerated demo world"
        out = {str(i): {"title": t if isinstance(t, str) else "", "description": d if isinstance(d, str) else ""}
               for i, t, d in zip(frame["id"], frame["title"], frame["description"])}
        return out, source

    # ------------------------------------------------------------------ store

    def store(self) -> Any | None:
        """The run's store opened read-only (cached), or None when there is none to open."""
        if self._store is not None or self._store_error is not None or not self.use_store:
            return self._store
        from kgmine.graph.stores import StoreError, open_store

        cfg = self.config.get("store", {}) or {}
        try:
            if cfg.get("kind", "ladybug") == "neo4j":
                self._store = open_store("neo4j", **{k: cfg[k] for k in ("uri", "user", "database") if cfg.get(k)})
            else:
                path = Path(cfg["path"]) if cfg.get("path") else self.run_dir / "store"
                self._store = open_store("ladybug", path=path, read_only=True)
        except (StoreError, OSError, ImportError) as exc:
            self._store_error = str(exc)
            log.info("report without a store: %s", exc)
        return self._store

    @property
    def store_error(self) -> str | None:
        """Why the store could not be opened (None if it was, or was not tried)."""
        return self._store_error

    def close(self) -> None:
        """Close the store if it was opened."""
        if self._store is not None:
            self._store.close()
            self._store = None

    def __enter__(self) -> RunData:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _query(self, cypher: str, params: dict[str, Any] | None = None) -> pd.DataFrame | None:
        store = self.store()
        return None if store is None else store.query(cypher, params or {})

    # ------------------------------------------------------------------ derived tables

    def node_counts(self) -> dict[str, int]:
        """Nodes per label: from metrics.json ``graph`` (written at the end of the run)."""
        graph = self.metrics.get("graph", {})
        return {label: int(graph.get(label, 0)) for label in NODE_TYPES if graph.get(label)}

    def relationship_counts(self) -> dict[str, int]:
        """Relationships per type, from metrics.json ``graph``."""
        graph = self.metrics.get("graph", {})
        return {t: int(graph.get(t, 0)) for t in REL_TYPES if graph.get(t)}

    def pair_counts(self) -> pd.DataFrame:
        """Relationships per type and (source label, target label): ``type, src, dst, count, exact``
        (see :func:`pair_counts`; counted in the store when it is open)."""
        return pair_counts({**self.node_counts(), **self.relationship_counts()}, self.store())

    def titles(self, product_ids: Sequence[str]) -> dict[str, str]:
        """Product titles by id, read from the store (ids without a title map to themselves)."""
        ids = [str(i) for i in dict.fromkeys(product_ids)]
        out = {i: i for i in ids}
        if ids:
            frame = self._query("MATCH (p:Product) WHERE p.id IN $ids RETURN p.id AS id, p.title AS title",
                                {"ids": ids})
            if frame is not None:
                out.update({str(i): str(t) for i, t in zip(frame["id"], frame["title"]) if isinstance(t, str) and t})
        return out

    def extraction_quality(self) -> pd.DataFrame:
        """Per-attribute quality from metrics.json ``extraction``: ``attribute`` plus one column per
        measure (precision, recall, f1, accuracy). Reads flat keys (``colour_f1``, ``brand_accuracy``)
        and nested ``{attribute: {precision, recall, f1}}`` mappings."""
        ext = self.metrics.get("extraction", {}) or {}
        scores: dict[str, dict[str, float]] = {}
        for key, value in ext.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                m = _QUALITY_RE.match(key)
                if m:
                    scores.setdefault(m["attribute"], {})[m["measure"]] = float(value)
            elif isinstance(value, dict) and value and all(isinstance(v, dict) for v in value.values()):
                for attr, measures in value.items():
                    for measure, v in measures.items():
                        if measure in ("precision", "recall", "f1", "accuracy") and isinstance(v, (int, float)):
                            scores.setdefault(str(attr), {})[measure] = float(v)
        cols = [c for c in ("precision", "recall", "f1", "accuracy") if any(c in s for s in scores.values())]
        frame = pd.DataFrame([{"attribute": a, **{c: s.get(c, np.nan) for c in cols}} for a, s in scores.items()])
        return frame if len(frame) else pd.DataFrame(columns=["attribute"])

    def recommend_metrics(self) -> pd.DataFrame:
        """Final recommender metrics as ``model, metric, k, value`` rows: unprefixed keys of
        metrics.json ``recommend`` belong to the trained model (``recommend.model``), prefixed ones
        (``popularity_recall_at_20``) to that baseline."""
        rec = self.metrics.get("recommend", {}) or {}
        main = str(rec.get("model", "model"))
        rows = []
        for key, value in rec.items():
            m = _METRIC_RE.match(key)
            if not m or not isinstance(value, (int, float)) or isinstance(value, bool):
                continue
            model = m["model"] or main
            if model in _NOT_MODELS or model.rsplit("_", 1)[-1] in SEGMENTS:  # cold_recall_at_20: a segment's
                continue
            rows.append({"model": model, "metric": f"{m['metric']}_at_{m['k']}", "k": int(m["k"]),
                         "value": float(value)})
        frame = pd.DataFrame(rows, columns=["model", "metric", "k", "value"])
        order = {main: 0}
        return frame.sort_values(["model"], key=lambda s: s.map(lambda v: (order.get(v, 1), v)), kind="stable")

    def recommend_trust(self) -> pd.DataFrame:
        """Per model and metric (recall, NDCG at each K): the test value, its 95 % bootstrap interval and
        the cold / warm segment values, as ``model, metric, value, ci_low, ci_high, cold, warm`` rows (empty
        when metrics.json has no intervals: a run from before they were measured)."""
        rec = self.metrics.get("recommend", {}) or {}
        main = str(rec.get("model", "model"))
        rows = []
        for key, low in rec.items():
            if not key.endswith("_low") or key[:-4] + "_high" not in rec:
                continue
            name = key[:-4]
            m = _METRIC_RE.match(name)
            if not m or not isinstance(low, (int, float)):
                continue
            prefix = f"{m['model']}_" if m["model"] else ""
            metric = f"{m['metric']}_at_{m['k']}"
            rows.append({"model": m["model"] or main, "metric": metric, "value": rec.get(name),
                         "ci_low": low, "ci_high": rec[name + "_high"],
                         **{seg: rec.get(f"{prefix}{seg}_{metric}") for seg in SEGMENTS}})
        return pd.DataFrame(rows, columns=["model", "metric", "value", "ci_low", "ci_high", *SEGMENTS])

    def clusters(self) -> tuple[pd.DataFrame | None, str]:
        """Products with ``cluster``, ``label``, ``x``, ``y`` and a phrase naming the 2-D basis.

        Coordinates: ``x, y`` from clusters.parquet; else :func:`~kgmine.report.plots.project_2d` (t-SNE,
        or PCA for many products) of ``cluster_features.npy``; else of LSA (TF-IDF + SVD) vectors of
        the products' titles and descriptions from the store. Labels:
        the ``label`` column, else the Cluster nodes' labels in the store.
        """
        frame = self.artifact("clusters.parquet")
        if frame is None:
            frame = self._query("MATCH (p:Product)-[:IN_CLUSTER]->(c:Cluster) RETURN p.id AS product_id, "
                                "c.id AS cluster, c.label AS label ORDER BY product_id")
            if frame is None or not len(frame):
                return None, ""
        frame = frame.copy()
        if "cluster" not in frame.columns:
            return None, ""
        if "label" not in frame.columns or frame["label"].isna().all():
            labels = self._query("MATCH (p:Product)-[:IN_CLUSTER]->(c:Cluster) "
                                 "RETURN p.id AS product_id, c.label AS label")
            if labels is not None and len(labels):
                frame = frame.drop(columns=["label"], errors="ignore").merge(
                    labels.drop_duplicates("product_id"), on="product_id", how="left")
        if {"x", "y"} <= set(frame.columns):
            return frame, str(self.metrics.get("mine", {}).get("projection", "2-D projection"))
        features_path = self.run_dir / "artifacts" / "cluster_features.npy"
        if features_path.is_file():
            from kgmine.report.plots import project_2d

            xy, how = project_2d(np.load(features_path))
            if len(xy) == len(frame):
                frame["x"], frame["y"] = xy[:, 0], xy[:, 1]
                return frame, f"{how} of the clustering features"
        texts = self._query("MATCH (p:Product) WHERE p.id IN $ids RETURN p.id AS product_id, p.title AS title, "
                            "p.description AS description", {"ids": frame["product_id"].astype(str).tolist()})
        if texts is None or not len(texts):
            return None, ""
        from kgmine.mine.embed import TextVectorizer
        from kgmine.report.plots import project_2d

        texts = frame[["product_id"]].astype({"product_id": str}).merge(texts, on="product_id", how="left")
        docs = (texts["title"].fillna("") + " " + texts["description"].fillna("")).tolist()
        vectorizer = TextVectorizer("tfidf", n_components=min(50, max(2, len(docs) - 1)), random_state=0)
        vectors = vectorizer.fit_transform(docs)
        xy, how = project_2d(vectors)
        frame["x"], frame["y"] = xy[:, 0], xy[:, 1]
        return frame, f"{how} of TF-IDF/LSA text vectors"

    def recommendations(self) -> pd.DataFrame | None:
        """Top-K lists: recommendations.parquet, else the store's RECOMMENDED edges
        (``user_id, product_id, rank, score, model``)."""
        frame = self.artifact("recommendations.parquet")
        if frame is not None and len(frame):
            return frame
        return self._query("MATCH (u:User)-[r:RECOMMENDED]->(p:Product) RETURN u.id AS user_id, p.id AS product_id, "
                           "r.rank AS rank, r.score AS score, r.model AS model ORDER BY user_id, rank")

    def explanation_paths(self, user_id: str, product_ids: Sequence[str]) -> dict[str, list[dict[str, str]]]:
        """Explanation paths ``{product_id: [{src, rel, dst}, …]}`` for one user's recommendations
        (products without a path are left out); see :meth:`explanations`."""
        return {p: path for p, (path, _) in self.explanations(user_id, product_ids).items()}

    def explanations(self, user_id: str,
                     product_ids: Sequence[str]) -> dict[str, tuple[list[dict[str, str]], str | None]]:
        """``{product_id: (path, text)}`` for one user's recommendations that have a path.

        From explanations.parquet when the run explained this user there (``path`` column of
        ``{src, rel, dst}`` steps, or one row per step; ``explanation`` text when present); otherwise
        read from the store with :meth:`kgmine.serve.explorer.Explorer.explain`.
        """
        wanted = [str(p) for p in product_ids]
        frame = self.artifact("explanations.parquet")
        if frame is not None and {"user_id", "product_id"} <= set(frame.columns):
            mine = frame[(frame["user_id"].astype(str) == str(user_id)) & frame["product_id"].astype(str).isin(wanted)]
            if len(mine) and "path" in frame.columns:
                text = mine["explanation"] if "explanation" in mine.columns else pd.Series(None, index=mine.index)
                return {str(p): ([dict(step) for step in path], t) for p, path, t in
                        zip(mine["product_id"], mine["path"], text) if path is not None and len(path)}
            if len(mine) and {"src", "rel", "dst"} <= set(frame.columns):
                return {str(p): (g[["src", "rel", "dst"]].to_dict("records"), None)
                        for p, g in mine.groupby("product_id", sort=False)}
        store = self.store()
        if store is None:
            return {}
        from kgmine.serve.explorer import Explorer

        return {p: (e["path"], e["text"]) for p, e in Explorer(store).explain(str(user_id), wanted).items()}

    def user_neighbourhood(self, user_id: str, recommended: Sequence[str],
                           max_bought: int = 6) -> list[tuple[str, str, str]]:
        """Stored edges ``(src, rel, dst)`` (``Label:id`` keys) around one user, for the report's graph view:
        up to ``max_bought`` products the user BOUGHT (first by id), RECOMMENDED edges to the ``recommended`` products, and the brand and category of every one of
        these products. Empty without a store."""
        store = self.store()
        if store is None:
            return []
        bought = self._query("MATCH (u:User {id: $u})-[:BOUGHT]->(p:Product) RETURN p.id AS id ORDER BY id LIMIT $k",
                             {"u": str(user_id), "k": int(max_bought)})
        bought_ids = [str(i) for i in bought["id"]] if bought is not None else []
        user = f"User:{user_id}"
        edges = [(user, "BOUGHT", f"Product:{p}") for p in bought_ids]
        edges += [(user, "RECOMMENDED", f"Product:{p}") for p in map(str, recommended)]
        products = list(dict.fromkeys(bought_ids + [str(p) for p in recommended]))
        for rel, label in (("HAS_BRAND", "Brand"), ("IN_CATEGORY", "Category")):
            frame = self._query(f"MATCH (p:Product)-[:{rel}]->(x:{label}) WHERE p.id IN $ids "
                                "RETURN p.id AS pid, x.id AS xid ORDER BY pid, xid", {"ids": products})
            if frame is not None:
                edges += [(f"Product:{p}", rel, f"{label}:{x}") for p, x in zip(frame["pid"], frame["xid"])]
        return edges

    def names(self, keys: Sequence[str]) -> dict[str, str]:
        """Display names of ``Label:id`` keys (titles for products), ids when the store is absent."""
        store = self.store()
        if store is None:
            return {k: k.split(":", 1)[-1] for k in keys}
        from kgmine.serve.explorer import Explorer

        return Explorer(store).names(list(keys))


__all__ = ["RunData", "pair_counts"]
