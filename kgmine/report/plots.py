"""PNG plots of a run (matplotlib, headless Agg backend). Each plotting function writes one file and
returns its path; none of them reads files or talks to a store (see :mod:`kgmine.report.rundata`).

* :func:`count_bars` — nodes and relationships per type (log scale);
* :func:`quality_bars` — extraction precision / recall / F1 (or accuracy) per attribute;
* :func:`schema_diagram` — the KG schema as a diagram: labels as boxes with node counts, one arrow
  per connected label pair listing its relationship types and counts, arrows bent around boxes and
  labels moved off boxes and each other (:func:`_schema_artists` returns the artists for checking);
* :func:`cluster_scatter` — products in 2-D (:func:`project_2d`: t-SNE or PCA of the clustering features or of
  TF-IDF text vectors), coloured by cluster, each cluster labelled at its centre;
* :func:`rules_scatter` — association rules, support against confidence, coloured by lift;
* :func:`training_curves` — BPR loss and validation metrics per epoch, the best epoch marked;
* :func:`metric_comparison` — final test metrics of the model beside its baselines;
* :func:`explanation_paths` — a user's recommendations, each with its explanation path drawn as a
  small left-to-right graph.
"""
from __future__ import annotations

import functools
import math
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.colors import LogNorm, Normalize
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch

#: One colour per node label, shared by the schema diagram and the explanation graphs.
LABEL_COLOURS: dict[str, str] = {
    "Product": "#bee3f8", "User": "#c6f6d5", "Brand": "#feebc8", "Category": "#e9d8fd",
    "AttributeValue": "#fed7d7", "Review": "#edf2f7", "Cluster": "#fefcbf", "Community": "#b2f5ea",
    "Entity": "#e2e8f0",
}
_EDGE = "#4a5568"
_DPI = 120

#: The plots' style, applied inside each plotting call only (the caller's rcParams stay as they are).
STYLE = {"font.family": "DejaVu Sans", "axes.spines.top": False, "axes.spines.right": False,
         "axes.titlesize": 11, "axes.titleweight": "bold", "axes.labelsize": 9,
         "xtick.labelsize": 8, "ytick.labelsize": 8, "legend.fontsize": 8}


def _styled(fn):
    """Run a plotting function under :data:`STYLE`."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with matplotlib.rc_context(STYLE):
            return fn(*args, **kwargs)
    return wrapper


def _figure(figsize: tuple[float, float], ncols: int = 1):
    """A figure not registered with pyplot (no backend, no global state) and its axes."""
    fig = Figure(figsize=figsize)
    return fig, fig.subplots(1, ncols, gridspec_kw={"wspace": 0.55} if ncols > 1 else None)


def _save(fig: Figure, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=_DPI, bbox_inches="tight", facecolor="white")
    return path


def _short(text: object, n: int) -> str:
    text = "" if text is None else str(text)
    return text if len(text) <= n else text[: n - 1] + "…"


# ----------------------------------------------------------------------------- data and extraction


@_styled
def count_bars(nodes: Mapping[str, int], relationships: Mapping[str, int], path: str | Path) -> Path:
    """Two horizontal bar panels: nodes per label and relationships per type (non-zero, log scale)."""
    nodes = {k: int(v) for k, v in nodes.items() if v}
    rels = {k: int(v) for k, v in relationships.items() if v}
    height = max(len(nodes), len(rels), 1) * 0.22 + 1.0
    fig, axes = _figure((11, height), 2)
    for ax, values, title, colour in ((axes[0], nodes, "Nodes per label", "#3182ce"),
                                      (axes[1], rels, "Relationships per type", "#dd6b20")):
        names = sorted(values, key=values.get, reverse=True)
        ax.barh(names, [values[n] for n in names], color=colour)
        ax.invert_yaxis()
        if values and max(values.values()) / max(min(values.values()), 1) > 50:
            ax.set_xscale("log")
        for i, n in enumerate(names):
            ax.text(values[n], i, f" {values[n]:,}", va="center", fontsize=7.5)
        ax.set_title(title)
        ax.margins(x=0.18)
    return _save(fig, path)


@_styled
def quality_bars(frame: pd.DataFrame, path: str | Path, title: str = "Extraction quality per attribute") -> Path:
    """Grouped bars of quality measures per attribute.

    ``frame`` has an ``attribute`` column and one column per measure (``precision``, ``recall``,
    ``f1``, ``accuracy`` …; missing values are left out).
    """
    measures = [c for c in frame.columns if c != "attribute"]
    colours = {"precision": "#63b3ed", "recall": "#f6ad55", "f1": "#2b6cb0", "accuracy": "#38a169"}
    fig, ax = _figure((max(5.5, 1.2 * len(frame) + 2), 3.6))
    width = 0.8 / max(len(measures), 1)
    x = np.arange(len(frame))
    for j, m in enumerate(measures):
        values = pd.to_numeric(frame[m], errors="coerce").to_numpy(dtype=float)
        ok = ~np.isnan(values)
        bars = ax.bar(x[ok] + (j - (len(measures) - 1) / 2) * width, values[ok], width,
                      label=m, color=colours.get(m, None))
        for bar, v in zip(bars, values[ok]):
            ax.text(bar.get_x() + bar.get_width() / 2, v + 0.01, f"{v:.2f}", ha="center", fontsize=7)
    ax.set_xticks(x, frame["attribute"])
    ax.set_ylim(0, 1.1)
    ax.set_ylabel("score")
    ax.set_title(title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return _save(fig, path)


# ----------------------------------------------------------------------------- schema

#: Where each label sits in the schema diagram: Product in the middle, its neighbours on an ellipse
#: around it, ordered so that Review's neighbours (User, Entity, Brand, AttributeValue) sit beside it
#: and no chord between two ring labels crosses the middle. Other labels go on an outer ring.
SCHEMA_LAYOUT: dict[str, tuple[float, float]] = {
    lab: (0.0, 0.0) if angle is None else (4.7 * math.cos(math.radians(angle)), 3.1 * math.sin(math.radians(angle)))
    for lab, angle in (("Product", None), ("Category", 0), ("Community", 45), ("Cluster", 132), ("User", 168),
                       ("Entity", 205), ("Review", 243), ("Brand", 292), ("AttributeValue", 332))
}

#: Curvatures (matplotlib ``arc3`` rad) tried for an edge, in order, until its curve clears every other box.
_RADS = (0.0, 0.15, -0.15, 0.3, -0.3, 0.45, -0.45, 0.6, -0.6)
#: Where along its edge (0 = source, 1 = target) a relationship label is tried, in order.
_LABEL_AT = (0.5, 0.42, 0.58, 0.34, 0.66, 0.27, 0.73, 0.2, 0.8)


@dataclass
class SchemaArtists:
    """The drawn schema, for checking its layout: the figure, each label's box (:class:`Text` with a bbox
    patch) by label, and each (src, dst) pair's arrow and relationship-label text."""

    figure: Figure
    nodes: dict[str, Any]
    arrows: dict[tuple[str, str], FancyArrowPatch]
    edge_labels: dict[tuple[str, str], Any]


def _bezier(p0, p2, rad: float, t: np.ndarray) -> np.ndarray:
    """Points at ``t`` of matplotlib's ``arc3`` curve from ``p0`` to ``p2`` (display coordinates): a quadratic
    Bézier whose control point sits ``rad`` times the chord length off the chord's middle."""
    (x0, y0), (x2, y2) = p0, p2
    c = np.array([(x0 + x2) / 2 + rad * (y2 - y0), (y0 + y2) / 2 - rad * (x2 - x0)])
    t = t[:, None]
    return (1 - t) ** 2 * np.array(p0) + 2 * (1 - t) * t * c + t ** 2 * np.array(p2)


def _in_box(points: np.ndarray, box, pad: float = 0.0) -> np.ndarray:
    """Which of ``points`` (n x 2, display coordinates) fall in ``box`` (a Bbox) grown by ``pad`` pixels."""
    return ((points[:, 0] >= box.x0 - pad) & (points[:, 0] <= box.x1 + pad)
            & (points[:, 1] >= box.y0 - pad) & (points[:, 1] <= box.y1 + pad))


def _overlap(a, b, pad: float = 0.0) -> bool:
    """Whether Bboxes ``a`` and ``b`` overlap once ``a`` is grown by ``pad`` pixels."""
    return a.x0 - pad < b.x1 and b.x0 < a.x1 + pad and a.y0 - pad < b.y1 and b.y0 < a.y1 + pad


def _place_label(ax, renderer, text: str, candidates, hard: list, soft: np.ndarray, va: str = "center"):
    """Write ``text`` at the first of ``candidates`` (display points) whose box overlaps none of the Bboxes in
    ``hard`` and covers none of the ``soft`` points (other arrows' curves), else at the candidate with the fewest
    such overlaps (a box counts more than a stretch of line); ``va`` says which side of the text a candidate
    places (``bottom``: the text sits above the point). Returns the Text."""
    to_data = ax.transData.inverted()
    label = ax.text(0, 0, text, ha="center", va=va, fontsize=7.5, color="#2d3748", zorder=6,
                    bbox=dict(boxstyle="round,pad=0.25", fc="white", ec="#cbd5e0", lw=0.6))
    best = None
    for point in candidates:
        label.set_position(to_data.transform(point))
        label.draw(renderer)  # lays out the bbox patch at the new position
        box = label.get_bbox_patch().get_window_extent(renderer)
        cost = 1000 * sum(_overlap(box, other, 3) for other in hard) + int(_in_box(soft, box, 2).sum())
        if best is None or cost < best[0]:
            best = (cost, point)
        if cost == 0:
            break
    label.set_position(to_data.transform(best[1]))
    label.draw(renderer)
    return label


def _clear_rad(p0, p2, others: list, reverse_drawn: bool) -> float:
    """The first curvature of :data:`_RADS` whose curve from ``p0`` to ``p2`` enters none of ``others`` (Bboxes),
    else the one entering them least; a pair already drawn the other way starts bent."""
    t = np.linspace(0.0, 1.0, 80)
    best = None
    for rad in ((0.25,) if reverse_drawn else ()) + _RADS:
        hits = sum(int(_in_box(_bezier(p0, p2, rad, t), b, 6).sum()) for b in others)
        if best is None or hits < best[0]:
            best = (hits, rad)
        if hits == 0:
            break
    return best[1]


def _loop_side(lab: str, centre: Mapping[str, tuple[float, float]], neighbours: set[str]) -> float:
    """+1 to draw ``lab``'s self-loop above its box, -1 below: the side whose vertical is farther (in angle)
    from every edge leaving the box."""
    cx, cy = centre[lab]
    angles = [math.atan2(centre[n][1] - cy, centre[n][0] - cx) for n in neighbours if n != lab]

    def room(direction: float) -> float:
        return min((abs(math.remainder(a - direction, 2 * math.pi)) for a in angles), default=math.pi)
    return 1.0 if room(math.pi / 2) >= room(-math.pi / 2) else -1.0


def _loop_arrow(box, centre: tuple[float, float], side: int, to_data) -> tuple[FancyArrowPatch, np.ndarray, list]:
    """A self-loop on the ``side`` (1 above, -1 below) of ``box``: its arrow, its curve (display points) and
    the spots its label may take, nearest first."""
    cx, _ = centre
    y = box.y1 if side > 0 else box.y0
    arrow = FancyArrowPatch(*to_data.transform([(cx - 22, y), (cx + 22, y)]), connectionstyle=f"arc3,rad={-1.6 * side}",
                            arrowstyle="-|>", mutation_scale=12, color=_EDGE, lw=1.1)
    curve = _bezier((cx - 22, y), (cx + 22, y), -1.6 * side, np.linspace(0, 1, 40))
    off = y + side * 42  # the loop rises about 35 px over its 44 px chord
    grid = sorted(((dx, dy) for dx in range(-180, 181, 45) for dy in range(-30, 81, 15)), key=lambda d: math.hypot(*d))
    return arrow, curve, [(cx + dx, off + side * dy) for dx, dy in grid]


def _schema_artists(node_counts: Mapping[str, int], pair_counts: pd.DataFrame,
                    title: str = "Knowledge-graph schema") -> SchemaArtists:
    """Draw the schema (see :func:`schema_diagram`) and return its artists, laid out.

    Node boxes sit at :data:`SCHEMA_LAYOUT`; each edge takes the first curvature of :data:`_RADS` whose curve
    passes through no other box (:func:`_clear_rad`), and ends where its curve leaves the boxes; each
    relationship label takes the first spot along its edge (:data:`_LABEL_AT`) that covers no box, no label placed
    before and no other arrow (:func:`_place_label`). Self-loops sit on their box's freer side (:func:`_loop_side`).
    """
    from kgmine.graph.schema import REL_TYPES

    labels = [lab for lab, n in node_counts.items() if n and lab not in REL_TYPES]
    pairs = pair_counts[(pair_counts["count"] > 0) & pair_counts["src"].isin(labels) & pair_counts["dst"].isin(labels)]
    pos = {lab: SCHEMA_LAYOUT[lab] for lab in labels if lab in SCHEMA_LAYOUT}
    extra = [lab for lab in labels if lab not in pos]
    for i, lab in enumerate(extra):
        a = 2 * math.pi * (i + 0.5) / len(extra)
        pos[lab] = (5.6 * math.cos(a), 3.9 * math.sin(a))
    fig, ax = _figure((12, 7.6))
    fig.set_dpi(_DPI)
    reach = 0.7 if extra else 0.0
    ax.set_xlim(-5.9 - reach, 5.9 + reach)
    ax.set_ylim(-3.8 - reach, 3.7 + reach)
    ax.axis("off")
    ax.set_title(title)
    renderer = fig._get_renderer()  # the renderer savefig uses (Agg), for measuring the text boxes
    to_data = ax.transData.inverted()
    nodes = {}
    for lab in labels:
        nodes[lab] = ax.text(*pos[lab], f"{lab}\n{int(node_counts[lab]):,}", ha="center", va="center", fontsize=10,
                             fontweight="bold", zorder=5,
                             bbox=dict(boxstyle="round,pad=0.55", fc=LABEL_COLOURS.get(lab, "#e2e8f0"), ec="#2d3748",
                                       lw=1.2))
        nodes[lab].draw(renderer)
    boxes = {lab: t.get_bbox_patch().get_window_extent(renderer) for lab, t in nodes.items()}
    centre = {lab: ((b.x0 + b.x1) / 2, (b.y0 + b.y1) / 2) for lab, b in boxes.items()}
    texts = {key: "\n".join(f"{rel} {int(n):,}" for rel, n in zip(group["type"], group["count"]))
             for key, group in pairs.groupby(["src", "dst"], sort=False)}
    neighbours = {lab: {d for s, d in texts if s == lab} | {s for s, d in texts if d == lab} for lab in labels}
    # phase 1: every arrow, with its curve (display points) and where its label may go
    arrows, curves, spots = {}, {}, {}
    for src, dst in texts:
        if src == dst:
            side = _loop_side(src, centre, neighbours[src])
            arrows[(src, dst)], curves[(src, dst)], spots[(src, dst)] = _loop_arrow(boxes[src], centre[src], side,
                                                                                    to_data)
            continue
        rad = _clear_rad(centre[src], centre[dst], [b for lab, b in boxes.items() if lab not in (src, dst)],
                         (dst, src) in arrows)
        curve = _bezier(centre[src], centre[dst], rad, np.linspace(0.0, 1.0, 400))
        # end the arrow where its curve leaves each box: shrink is in points and survives savefig's tight-bbox
        # shift (a patchA/patchB clip would use the boxes' place before the shift)
        outside = ~_in_box(curve, boxes[src]) & ~_in_box(curve, boxes[dst])
        first, last = (int(np.argmax(outside)), len(curve) - 1 - int(np.argmax(outside[::-1]))) if outside.any() \
            else (0, len(curve) - 1)
        to_points = 72.0 / fig.dpi
        arrows[(src, dst)] = FancyArrowPatch(
            *to_data.transform([centre[src], centre[dst]]), connectionstyle=f"arc3,rad={rad}", arrowstyle="-|>",
            mutation_scale=13, color=_EDGE, lw=1.1, shrinkA=math.dist(centre[src], curve[first]) * to_points + 2,
            shrinkB=math.dist(centre[dst], curve[last]) * to_points + 2)
        curves[(src, dst)] = curve[first:last + 1]
        spots[(src, dst)] = [tuple(p) for p in _bezier(centre[src], centre[dst], rad, np.array(_LABEL_AT))]
    for arrow in arrows.values():
        ax.add_patch(arrow)
    # phase 2: labels, loops last and the longest edges first (they have the most room to move along)
    edge_labels, placed = {}, []
    loop_va = {(lab, lab): "bottom" if _loop_side(lab, centre, neighbours[lab]) > 0 else "top" for lab in labels}
    order = sorted(texts, key=lambda k: (k[0] == k[1], -math.dist(centre[k[0]], centre[k[1]])))
    for key in order:
        soft = [c for other, c in curves.items() if other != key]
        label = _place_label(ax, renderer, texts[key], spots[key], list(boxes.values()) + placed,
                             np.vstack(soft) if soft else np.empty((0, 2)), loop_va.get(key, "center"))
        edge_labels[key] = label
        placed.append(label.get_bbox_patch().get_window_extent(renderer))
    return SchemaArtists(fig, nodes, arrows, edge_labels)


@_styled
def schema_diagram(node_counts: Mapping[str, int], pair_counts: pd.DataFrame, path: str | Path,
                   title: str = "Knowledge-graph schema") -> Path:
    """The KG schema as a diagram with counts.

    ``node_counts``: nodes per label (labels with 0 and relationship-type keys are left out, so
    ``store.counts()`` can be passed as it is). ``pair_counts``: one row per
    relationship type and label pair, columns ``type, src, dst, count`` (rows with 0 are left out).
    Each label is a box with its node count; each connected (src, dst) pair is one arrow whose
    label lists its relationship types with their counts; self-relations are loops. Arrows bend
    around boxes they would cross and labels move along their arrows off boxes and other labels
    (:func:`_schema_artists`).
    """
    return _save(_schema_artists(node_counts, pair_counts, title).figure, path)


# ----------------------------------------------------------------------------- clusters


#: Above this many rows :func:`project_2d` uses PCA instead of t-SNE (t-SNE cost grows as n log n
#: per iteration; about 5 s for 2,000 products on one core).
TSNE_MAX_ROWS = 3000


def project_2d(features, method: str = "auto", random_state: int = 0) -> tuple[np.ndarray, str]:
    """Rows of ``features`` (dense or scipy sparse) in 2-D, and the name of the projection.

    ``method``: ``"pca"`` (principal components; truncated SVD, i.e. PCA without centring, on sparse
    input), ``"tsne"`` (t-SNE, van der Maaten & Hinton 2008, on the first 30 principal components,
    PCA-initialised, perplexity min(30, (n-1)/3)), or ``"auto"`` = t-SNE up to
    :data:`TSNE_MAX_ROWS` rows, PCA above. t-SNE keeps neighbourhoods, so clusters found in the
    full feature space stay visible; PCA keeps global distances.
    """
    import scipy.sparse as sp
    from sklearn.decomposition import PCA, TruncatedSVD

    if method not in ("auto", "pca", "tsne"):
        raise ValueError(f"method must be auto, pca or tsne, not {method!r}")
    n = features.shape[0]
    dense = None if sp.issparse(features) else np.asarray(features, dtype=float)
    if n < 4 or features.shape[1] < 2:
        out = np.zeros((n, 2))
        small = features.toarray() if dense is None else dense
        out[:, : min(2, small.shape[1])] = small[:, :2]
        return out, "raw features"
    if method == "auto":
        method = "tsne" if n <= TSNE_MAX_ROWS else "pca"
    n_pc = min(30 if method == "tsne" else 2, features.shape[1] - 1, n - 1)
    reducer = (TruncatedSVD(n_pc, random_state=random_state) if dense is None
               else PCA(n_pc, random_state=random_state))
    pcs = reducer.fit_transform(features if dense is None else dense)
    if method == "pca" or pcs.shape[1] <= 2:
        return pcs[:, :2], "PCA"
    from sklearn.manifold import TSNE
    from threadpoolctl import threadpool_limits

    tsne = TSNE(2, perplexity=min(30.0, (n - 1) / 3), init="pca", random_state=random_state, max_iter=500)
    # One OpenMP thread: t-SNE's gradient loop slows down 10-20x when its threads compete for busy
    # cores (measured 2.3 s vs 52 s for 300 products on a loaded 2-core machine).
    with threadpool_limits(limits=1):
        return tsne.fit_transform(pcs), "t-SNE"


@_styled
def cluster_scatter(clusters: pd.DataFrame, path: str | Path, title: str = "Product clusters",
                    basis: str = "2-D projection") -> Path:
    """Products as points (columns ``x``, ``y``) coloured by ``cluster``, with each cluster's ``label``
    (or its number) written at the member nearest the cluster's median point. Noise (cluster -1) is grey."""
    fig, ax = _figure((10, 6.8))
    cmap = matplotlib.colormaps["tab20"]
    groups = sorted(clusters.groupby("cluster"), key=lambda g: int(g[0]))
    for i, (cluster, group) in enumerate(groups):
        noise = int(cluster) < 0
        colour = "#cbd5e0" if noise else cmap(i % 20)
        ax.scatter(group["x"], group["y"], s=14, color=colour, alpha=0.75, linewidths=0,
                   label="noise" if noise else f"{cluster}")
        if noise:
            continue
        given = group["label"].iloc[0] if "label" in group.columns else None
        name = given if given is not None and pd.notna(given) else f"cluster {cluster}"
        mx, my = group["x"].median(), group["y"].median()
        at = int(np.argmin((group["x"].to_numpy() - mx) ** 2 + (group["y"].to_numpy() - my) ** 2))
        ax.annotate("\n".join(textwrap.wrap(_short(name, 44), 22)), (group["x"].iloc[at], group["y"].iloc[at]),
                    fontsize=7, ha="center", va="center", color="#1a202c",
                    bbox=dict(boxstyle="round,pad=0.2", fc="white", ec=colour, lw=1.2, alpha=0.85))
    n = sum(1 for c, _ in groups if int(c) >= 0)
    ax.set_title(f"{title}: {n} clusters, {len(clusters):,} products")
    ax.set_xlabel(f"{basis}, component 1")
    ax.set_ylabel(f"{basis}, component 2")
    ax.set_xticks([])
    ax.set_yticks([])
    return _save(fig, path)


# ----------------------------------------------------------------------------- rules


@_styled
def rules_scatter(rules: pd.DataFrame, path: str | Path, top: pd.DataFrame | None = None) -> Path:
    """Association rules as points, support (x) against confidence (y), coloured by lift (log colour
    scale when lift spans more than a decade); rules in ``top`` are ringed."""
    fig, ax = _figure((8, 5.2))
    lift = rules["lift"].to_numpy(dtype=float)
    positive = lift[lift > 0]
    norm = (LogNorm(vmin=positive.min(), vmax=positive.max()) if len(positive) and positive.max() / positive.min() > 10
            else Normalize(vmin=np.nanmin(lift) if len(lift) else 0, vmax=np.nanmax(lift) if len(lift) else 1))
    order = np.argsort(lift)
    points = ax.scatter(rules["support"].to_numpy()[order], rules["confidence"].to_numpy()[order], c=lift[order],
                        cmap="viridis", norm=norm, s=16, alpha=0.85, linewidths=0)
    if top is not None and len(top):
        ax.scatter(top["support"], top["confidence"], s=70, facecolors="none", edgecolors="#e53e3e", linewidths=1.2,
                   label=f"top {len(top)} by lift (table)")
        ax.legend(loc="upper right", frameon=False)
    fig.colorbar(points, ax=ax, label="lift")
    ax.set_xlabel("support (fraction of baskets)")
    ax.set_ylabel("confidence")
    if len(rules) and rules["support"].max() / max(rules["support"].min(), 1e-12) > 30:
        ax.set_xscale("log")
    ax.set_title(f"{len(rules):,} association rules: support vs confidence, coloured by lift")
    return _save(fig, path)


# ----------------------------------------------------------------------------- training and metrics


@_styled
def training_curves(history: pd.DataFrame, path: str | Path, best_epoch: int | None = None) -> Path:
    """Left: training loss per epoch. Right: the validation metrics found in ``history`` (columns
    ``valid_*`` / ``val_*`` / ``test_*`` holding ndcg or recall), the best epoch marked."""
    metric_cols = [c for c in history.columns if c.split("_")[0] in ("valid", "val", "test")
                   and any(m in c for m in ("ndcg", "recall"))]
    fig, axes = _figure((11, 3.8), 2)
    ax = axes[0]
    ax.plot(history["epoch"], history["loss"], color="#c05621", lw=1.6)
    ax.set_xlabel("epoch")
    ax.set_ylabel("BPR loss")
    ax.set_title("Training loss")
    ax = axes[1]
    for col, colour in zip(metric_cols, ("#2b6cb0", "#38a169", "#805ad5", "#d69e2e")):
        ok = history[col].notna()
        ax.plot(history.loc[ok, "epoch"], history.loc[ok, col], marker="o", ms=3.5, lw=1.4, color=colour,
                label=col.replace("_at_", "@").replace("_", " "))
    if best_epoch:
        ax.axvline(best_epoch, color="#a0aec0", ls="--", lw=1)
        ax.text(best_epoch, ax.get_ylim()[1], f" best epoch {best_epoch}", fontsize=7.5, va="top", color="#4a5568")
    ax.set_xlabel("epoch")
    ax.set_ylabel("metric")
    ax.set_title("Validation metrics")
    if metric_cols:
        ax.legend(frameon=False)
    else:
        ax.text(0.5, 0.5, "no validation metrics recorded", transform=ax.transAxes, ha="center", color="#718096")
    return _save(fig, path)


@_styled
def metric_comparison(frame: pd.DataFrame, path: str | Path, title: str = "Model against baselines") -> Path:
    """Grouped bars: one group per metric (``metric`` column), one bar per ``model``, height ``value``.
    The first model in ``frame`` is drawn in the accent colour."""
    metrics = list(dict.fromkeys(frame["metric"]))
    models = list(dict.fromkeys(frame["model"]))
    palette = ["#2b6cb0", "#a0aec0", "#718096", "#f6ad55", "#68d391", "#b794f4"]
    fig, ax = _figure((max(6, 1.6 * len(metrics) * max(len(models), 1) / 2 + 2), 3.9))
    width = 0.8 / max(len(models), 1)
    for j, model in enumerate(models):
        sub = frame[frame["model"] == model].set_index("metric")["value"]
        xs = [i + (j - (len(models) - 1) / 2) * width for i, m in enumerate(metrics) if m in sub.index]
        vs = [float(sub[m]) for m in metrics if m in sub.index]
        bars = ax.bar(xs, vs, width, label=model, color=palette[j % len(palette)])
        for bar, v in zip(bars, vs):
            ax.text(bar.get_x() + bar.get_width() / 2, v, f"{v:.3f}", ha="center", va="bottom", fontsize=7)
    ax.set_xticks(range(len(metrics)), [m.replace("_at_", "@") for m in metrics])
    ax.set_ylabel("test metric (full ranking)")
    ax.set_title(title)
    ax.margins(y=0.15)
    ax.legend(frameon=False, ncols=len(models), loc="upper left")
    return _save(fig, path)


# ----------------------------------------------------------------------------- explanations


def _chain(steps: Sequence[Mapping[str, str]], start: str, end: str) -> list[str]:
    """The nodes of a path in walking order from ``start``; ``end`` last."""
    seq = [start]
    for step in steps:
        for key in (step["src"], step["dst"]):
            if key not in seq and key != end:
                seq.append(key)
    seq.append(end)
    return seq


@_styled
def explanation_paths(user: str, recommendations: Sequence[Mapping], names: Mapping[str, str],
                      path: str | Path) -> Path:
    """One user's recommendations, each drawn as a small graph: the explanation path from the user
    (left) to the recommended product (right), arrows as the relationships are stored.

    ``recommendations``: dicts with ``product`` (``Product:id`` key), ``rank``, ``score`` and ``path``
    (steps ``{"src", "rel", "dst"}`` with ``Label:id`` keys, or None). ``names``: display names of
    the keys.
    """
    rows = max(len(recommendations), 1)
    fig, ax = _figure((11.5, 1.55 * rows + 0.5))
    ax.set_xlim(-0.7, 3.7)
    ax.set_ylim(-rows + 0.45, 0.75)
    ax.axis("off")
    start = f"User:{user}"
    for r, rec in enumerate(recommendations):
        y = -r
        product = rec["product"]
        score = rec.get("score")
        head = f"#{rec.get('rank', r + 1)}  {_short(names.get(product, product.split(':', 1)[1]), 70)}"
        if score is not None and not (isinstance(score, float) and math.isnan(score)):
            head += f"   (score {float(score):.3g})"
        ax.text(-0.65, y + 0.5, head, fontsize=8.5, fontweight="bold", va="center", color="#2d3748")
        steps = rec.get("path") or []
        seq = _chain(steps, start, product) if steps else [start, product]
        xs = {key: 3.0 * i / (len(seq) - 1) for i, key in enumerate(seq)}
        if not steps:
            ax.annotate("", (3, y), (0, y), arrowprops=dict(arrowstyle="-|>", color="#cbd5e0", ls="--",
                                                            shrinkA=40, shrinkB=60))
            ax.text(1.5, y + 0.1, "no explanation path in the graph", ha="center", fontsize=7.5, color="#a0aec0")
        for step in steps:
            x1, x2 = xs[step["src"]], xs[step["dst"]]
            rad = 0.0 if abs(x1 - x2) <= 1.6 else -0.25
            ax.add_patch(FancyArrowPatch((x1, y), (x2, y), connectionstyle=f"arc3,rad={rad}", arrowstyle="-|>",
                                         mutation_scale=11, color=_EDGE, lw=1.0, shrinkA=48, shrinkB=48))
            ax.text((x1 + x2) / 2, y + (0.12 if rad == 0 else -0.2 - 0.05 * abs(x1 - x2)), step["rel"],
                    ha="center", fontsize=6.8, color="#975a16", fontweight="bold")
        for key, x in xs.items():
            label = key.split(":", 1)[0]
            name = names.get(key, key.split(":", 1)[1])
            text = "\n".join(textwrap.wrap(_short(name, 40), 22)) or key
            ax.text(x, y, text, ha="center", va="center", fontsize=6.8, zorder=5,
                    bbox=dict(boxstyle="round,pad=0.3", fc=LABEL_COLOURS.get(label, "#e2e8f0"),
                              ec="#2d3748" if key in (start, product) else "#a0aec0",
                              lw=1.3 if key in (start, product) else 0.8))
    ax.set_title(f"Why these items for user {user}: explanation paths in the graph", loc="left")
    return _save(fig, path)


__all__ = ["LABEL_COLOURS", "SCHEMA_LAYOUT", "SchemaArtists", "cluster_scatter", "count_bars", "explanation_paths", "metric_comparison",
           "project_2d", "quality_bars", "rules_scatter", "schema_diagram", "training_curves"]
