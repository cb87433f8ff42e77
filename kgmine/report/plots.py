"""PNG plots of a run (matplotlib, headless). Each function writes one file and returns its path."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402
import pandas as pd  # noqa: E402

from kgmine.graph.schema import NODE_TYPES, REL_TYPES  # noqa: E402


def _save(fig: plt.Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def schema_diagram(counts: dict[str, int], path: Path) -> Path:
    """The KG schema as a diagram: labels as nodes, relationship types as arrows, with counts."""
    graph = nx.MultiDiGraph()
    for label in NODE_TYPES:
        if counts.get(label, 0):
            graph.add_node(label)
    for rt in REL_TYPES.values():
        n = counts.get(rt.type, 0)
        if not n:
            continue
        for src, dst in rt.pairs:
            if src in graph and dst in graph:
                graph.add_edge(src, dst, label=f"{rt.type}\n{n:,}")
    fig, ax = plt.subplots(figsize=(10, 7))
    pos = nx.circular_layout(graph) if len(graph) > 2 else nx.spring_layout(graph, seed=0)
    nx.draw_networkx_nodes(graph, pos, ax=ax, node_size=2600, node_color="#cfe3f7", edgecolors="#2b6cb0")
    nx.draw_networkx_labels(graph, pos, ax=ax, labels={n: f"{n}\n{counts.get(n, 0):,}" for n in graph},
                            font_size=8)
    seen: dict[tuple[str, str], int] = {}
    for src, dst, data in graph.edges(data=True):
        k = seen.get((src, dst), 0)
        seen[(src, dst)] = k + 1
        rad = 0.25 * (k + 1) if src != dst else 0.3
        nx.draw_networkx_edges(graph, pos, edgelist=[(src, dst)], ax=ax, connectionstyle=f"arc3,rad={rad}",
                               arrows=True, arrowsize=14, node_size=2600, edge_color="#555555")
        (x1, y1), (x2, y2) = pos[src], pos[dst]
        ax.text((x1 + x2) / 2 + rad * (y2 - y1) / 2, (y1 + y2) / 2 - rad * (x2 - x1) / 2, data["label"],
                fontsize=6.5, ha="center", va="center", bbox=dict(fc="white", ec="none", alpha=0.8))
    ax.set_title("Knowledge-graph schema (node and relationship counts)")
    ax.axis("off")
    return _save(fig, path)


def cluster_scatter(clusters: pd.DataFrame, path: Path, labels: dict | None = None) -> Path:
    """Products in 2-D (columns x, y), coloured by cluster, with each cluster's label at its centre."""
    fig, ax = plt.subplots(figsize=(8, 6))
    cmap = plt.get_cmap("tab20")
    for i, (cluster, group) in enumerate(clusters.groupby("cluster")):
        ax.scatter(group["x"], group["y"], s=6, color=cmap(i % 20), alpha=0.7)
        name = (labels or {}).get(cluster) or (group["label"].iloc[0] if "label" in group else str(cluster))
        ax.annotate(str(name)[:28], (group["x"].median(), group["y"].median()), fontsize=7,
                    ha="center", bbox=dict(fc="white", ec="none", alpha=0.7))
    ax.set_title(f"Product clusters ({clusters['cluster'].nunique()} clusters, 2-D projection)")
    ax.set_xticks([])
    ax.set_yticks([])
    return _save(fig, path)


def rules_scatter(rules: pd.DataFrame, path: Path) -> Path:
    """Association rules: support against confidence, coloured by lift."""
    fig, ax = plt.subplots(figsize=(7, 5))
    points = ax.scatter(rules["support"], rules["confidence"], c=rules["lift"], cmap="viridis", s=10, alpha=0.8)
    fig.colorbar(points, ax=ax, label="lift")
    ax.set_xlabel("support")
    ax.set_ylabel("confidence")
    ax.set_title(f"{len(rules):,} association rules")
    return _save(fig, path)


def training_curves(history: pd.DataFrame, path: Path) -> Path:
    """Training loss and validation metric per epoch."""
    fig, ax1 = plt.subplots(figsize=(7, 4.5))
    ax1.plot(history["epoch"], history["loss"], color="#c05621", label="BPR loss")
    ax1.set_xlabel("epoch")
    ax1.set_ylabel("loss", color="#c05621")
    metric = next((c for c in history.columns if c.startswith("val_") or c.startswith("ndcg")), None)
    if metric is not None:
        ax2 = ax1.twinx()
        ok = history[metric].notna()
        ax2.plot(history.loc[ok, "epoch"], history.loc[ok, metric], color="#2b6cb0", marker="o", ms=3,
                 label=metric)
        ax2.set_ylabel(metric, color="#2b6cb0")
    ax1.set_title("Recommender training")
    return _save(fig, path)


def metric_bars(values: dict[str, float], path: Path, title: str) -> Path:
    """Horizontal bars of named metric values (e.g. model vs baselines)."""
    fig, ax = plt.subplots(figsize=(7, 0.5 * len(values) + 1.5))
    names = list(values)
    ax.barh(names, [values[n] for n in names], color="#4a5568")
    for i, n in enumerate(names):
        ax.text(values[n], i, f" {values[n]:.3f}", va="center", fontsize=8)
    ax.set_title(title)
    ax.invert_yaxis()
    return _save(fig, path)


def explanation_graph(paths: pd.DataFrame, path: Path, title: str) -> Path:
    """A small graph of one recommendation's explanation path (columns src, rel, dst)."""
    graph = nx.DiGraph()
    for row in paths.itertuples(index=False):
        graph.add_edge(str(row.src), str(row.dst), label=str(row.rel))
    fig, ax = plt.subplots(figsize=(6, 3))
    pos = nx.spring_layout(graph, seed=1)
    nx.draw_networkx(graph, pos, ax=ax, node_color="#fefcbf", edgecolors="#975a16", node_size=900, font_size=7)
    nx.draw_networkx_edge_labels(graph, pos, ax=ax, edge_labels=nx.get_edge_attributes(graph, "label"),
                                 font_size=6)
    ax.set_title(title, fontsize=9)
    ax.axis("off")
    return _save(fig, path)
