"""A small graph drawn as inline SVG for the report: nodes coloured by label, edges labelled by type.

:func:`graph_svg` lays the graph out once in Python (networkx Kamada-Kawai, deterministic) and writes
plain SVG: no script and nothing fetched, so the report stays one self-contained file. It reacts to
the pointer with CSS only: hovering a node shows its label, id and full name (SVG ``<title>``) and
highlights the node's edges and neighbours while the rest fades (``:has()``, Chromium ≥ 105,
Firefox ≥ 121; older browsers show the static drawing).
"""
from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence

import numpy as np

from kgmine.report.plots import LABEL_COLOURS

#: Edge colours by relationship type (distinct hues; others grey).
EDGE_COLOURS: dict[str, str] = {
    "BOUGHT": "#2f855a", "RECOMMENDED": "#c53030", "HAS_BRAND": "#b7791f", "IN_CATEGORY": "#6b46c1",
    "IN_CLUSTER": "#d69e2e", "HAS_ATTRIBUTE": "#c05621", "ALSO_BOUGHT": "#2b6cb0",
    "FREQUENTLY_BOUGHT_WITH": "#3182ce", "RATED": "#38a169", "REVIEWED": "#68d391", "IN_COMMUNITY": "#319795",
}
_GREY = "#a0aec0"


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _label_spot(at: tuple[float, float], centre: tuple[float, float] | None,
                radius: float) -> tuple[float, float, str, str]:
    """Where a node's name goes: on the node's side away from ``centre`` (right of a node right of the centre,
    above one above it, …), else below; ``(x, y, text-anchor, dominant-baseline)``."""
    x, y = at
    if centre is None or math.dist(at, centre) < 1:
        return x, y + radius + 4, "middle", "hanging"
    dx, dy = x - centre[0], y - centre[1]
    d = math.hypot(dx, dy)
    ux, uy = dx / d, dy / d
    anchor = "start" if ux > 0.12 else "end" if ux < -0.12 else "middle"
    baseline = "hanging" if uy > 0.35 else "auto" if uy < -0.35 else "middle"
    return x + ux * (radius + 4), y + uy * (radius + 4) + (2 if baseline == "hanging" else 0), anchor, baseline


def _spread(angles: list[float], min_gap: float) -> list[float]:
    """``angles`` (radians) moved apart so that neighbours on the circle are at least ``min_gap`` apart,
    keeping their order and moving each group of crowded angles as little as possible (blocks of
    touching angles are merged and centred on their wanted places; the circle is cut at its widest gap)."""
    n = len(angles)
    if n < 2:
        return list(angles)
    min_gap = min(min_gap, 2 * math.pi / n)
    order = sorted(range(n), key=lambda i: angles[i] % (2 * math.pi))
    a = [angles[i] % (2 * math.pi) for i in order]
    gaps = [(a[(j + 1) % n] - a[j]) % (2 * math.pi) for j in range(n)]
    cut = (int(np.argmax(gaps)) + 1) % n  # start after the widest gap: a line, not a circle
    want = [a[(cut + j) % n] + (2 * math.pi if (cut + j) >= n else 0.0) for j in range(n)]
    blocks: list[list[int]] = []  # each block: indices into want, laid out min_gap apart
    starts: list[float] = []
    for j in range(n):
        blocks.append([j])
        starts.append(want[j])
        while len(blocks) > 1 and starts[-2] + len(blocks[-2]) * min_gap > starts[-1]:
            merged = blocks[-2] + blocks.pop()
            starts.pop()
            blocks[-1] = merged
            starts[-1] = float(np.mean([want[i] - k * min_gap for k, i in enumerate(merged)]))
    placed = [0.0] * n
    for block, start in zip(blocks, starts):
        for k, i in enumerate(block):
            placed[i] = start + k * min_gap
    out = [0.0] * n
    for j in range(n):
        out[order[(cut + j) % n]] = placed[j]
    return out


def _ring_order(g, centre: str, inner: list[str], rel_to_centre: Mapping[str, str]) -> list[str]:
    """The inner ring's order: the centre's neighbours of its most common relationship type (e.g. BOUGHT) by
    id, each other neighbour (e.g. RECOMMENDED) inserted after the one it is most linked to (a direct edge or
    shared neighbours other than the centre), so that related items sit side by side."""
    if not inner:
        return []
    kinds = [rel_to_centre.get(n, "") for n in inner]
    main = max(dict.fromkeys(kinds), key=kinds.count)
    order = sorted(n for n in inner if rel_to_centre.get(n, "") == main)
    for n in sorted(n for n in inner if rel_to_centre.get(n, "") != main):
        near = set(g.neighbors(n)) - {centre}

        def tie(m: str) -> int:
            return (3 if m in near else 0) + len(near & (set(g.neighbors(m)) - {centre}))
        best = max(order, key=tie) if order else None
        order.insert(order.index(best) + 1 if best is not None and tie(best) > 0 else len(order), n)
    return order


def layout(nodes: Sequence[str], edges: Sequence[tuple[str, str, str]], width: float, height: float,
           centre: str | None = None, margin: float = 70.0) -> dict[str, tuple[float, float]]:
    """Positions (SVG pixels) of ``nodes`` inside ``width`` x ``height`` less ``margin``.

    With a ``centre``: a radial layout, the centre in the middle, its neighbours evenly on an inner
    ellipse (grouped by relationship type), every other node on an outer ellipse at the mean angle of
    its neighbours already placed (so a brand sits beside the products that have it), spread apart.
    Without: Kamada-Kawai (networkx), scaled to fill the area. Deterministic either way.
    """
    import networkx as nx

    g = nx.Graph()
    g.add_nodes_from(nodes)
    g.add_edges_from((s, d) for s, _, d in edges if s != d)
    cx, cy = width / 2, height / 2
    if len(g) == 1:
        return {nodes[0]: (cx, cy)}
    if centre is None or centre not in g:
        pos = nx.kamada_kawai_layout(g)
        xy = np.array([pos[n] for n in nodes], dtype=float)
        lo, hi = xy.min(0), xy.max(0)
        xy = (xy - lo) / np.where(hi - lo > 1e-9, hi - lo, 1.0)
        return {n: (float(margin + x * (width - 2 * margin)), float(margin + y * (height - 2 * margin)))
                for n, (x, y) in zip(nodes, xy)}
    depth = nx.single_source_shortest_path_length(g, centre)
    rel_to_centre = {}
    for s, r, d in edges:
        for a, b in ((s, d), (d, s)):
            if a == centre:
                rel_to_centre.setdefault(b, r)
    inner = _ring_order(g, centre, [n for n in nodes if depth.get(n) == 1], rel_to_centre)
    angle = {n: 2 * math.pi * i / len(inner) - math.pi / 2 for i, n in enumerate(inner)}
    rest = sorted((n for n in nodes if n != centre and depth.get(n, 99) > 1), key=lambda n: (depth.get(n, 99), n))
    for n in rest:
        placed = [angle[m] for m in g.neighbors(n) if m in angle]
        angle[n] = (math.atan2(sum(map(math.sin, placed)), sum(map(math.cos, placed))) if placed
                    else 2 * math.pi * len(angle) / max(len(nodes), 1))
    outer_angles = _spread([angle[n] for n in rest], 2 * math.pi / max(len(rest), 1) * 0.85)
    angle.update(zip(rest, outer_angles))
    rx, ry = width / 2 - 2 * margin, height / 2 - 0.75 * margin  # room for the names written outside
    pos = {centre: (cx, cy)}
    for n in nodes:
        if n != centre:
            f = 0.55 if depth.get(n) == 1 else 1.0
            pos[n] = (cx + f * rx * math.cos(angle[n]), cy + f * ry * math.sin(angle[n]))
    return pos


def _hover_style(n_nodes: int) -> str:
    """The view's ``<style>``: hovering node i fades everything but it, its edges and its neighbours."""
    rules = [f".kgview:has(.n{i}:hover) .a{i}{{opacity:1}}" for i in range(n_nodes)]
    return ("<style>"
            ".kgview{font-family:system-ui,sans-serif;background:#fff}"
            ".kgview .e,.kgview .n{transition:opacity .15s}"
            ".kgview:has(.n:hover) .e,.kgview:has(.n:hover) .n{opacity:.15}"
            ".kgview:has(.n:hover) .n:hover{opacity:1}"
            ".kgview .n circle{stroke:#2d3748;stroke-width:1.2}"
            ".kgview .n:hover circle{stroke-width:2.5}"
            ".kgview text{paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}"
            ".kgview .n text{font-size:11px;fill:#1a202c}"
            ".kgview .e text{font-size:9px;font-weight:600}"
            + "".join(rules) + "</style>")


def _legend(keys: Sequence[str], rel_types: Sequence[str], height: int) -> list[str]:
    """SVG pieces of the legend along the bottom: the node labels drawn, then the relationship types."""
    out = []
    x = 10.0
    y = height - 10
    for label in dict.fromkeys(k.partition(":")[0] for k in keys):
        out.append(f'<circle cx="{x + 6:.0f}" cy="{y - 4}" r="6" fill="{LABEL_COLOURS.get(label, "#e2e8f0")}" '
                   f'stroke="#2d3748"/><text x="{x + 16:.0f}" y="{y}" font-size="11">{html.escape(label)}</text>')
        x += 26 + 7.5 * len(label)
    for r in rel_types:
        colour = EDGE_COLOURS.get(r, _GREY)
        out.append(f'<line x1="{x:.0f}" y1="{y - 4}" x2="{x + 18:.0f}" y2="{y - 4}" stroke="{colour}" stroke-width="2"/>'
                   f'<text x="{x + 22:.0f}" y="{y}" font-size="11" fill="{colour}">{html.escape(r)}</text>')
        x += 36 + 7.5 * len(r)
    return out


def graph_svg(names: Mapping[str, str], edges: Sequence[tuple[str, str, str]], centre: str | None = None,
              width: int = 1100, height: int = 720, title: str = "") -> str:
    """An ``<svg>`` drawing of ``edges`` (``(src, rel, dst)`` with ``Label:id`` node keys) between the nodes
    of ``names`` (key -> display name; keys missing there are shown by id).

    Each node is a circle in its label's colour (:data:`~kgmine.report.plots.LABEL_COLOURS`) with its
    name below it; ``centre`` is drawn larger. Each edge is an arrow coloured by type
    (:data:`EDGE_COLOURS`) with its type written at its middle; the same pair in both directions is one
    arrow per direction, bent apart. A legend lists the labels and relationship types drawn.
    """
    edges = list(dict.fromkeys((str(s), str(r), str(d)) for s, r, d in edges))
    keys = list(dict.fromkeys([*([centre] if centre else []), *names, *(k for s, _, d in edges for k in (s, d))]))
    index = {k: i for i, k in enumerate(keys)}
    legend_h = 28
    pos = layout(keys, edges, width, height - legend_h, centre)
    out = [f'<svg class="kgview" viewBox="0 0 {width} {height}" '
           f'width="100%" role="img" aria-label="{html.escape(title or "graph")}">']
    out.append(_hover_style(len(index)))
    rel_types = list(dict.fromkeys(r for _, r, _ in edges))
    out.append("<defs>" + "".join(
        f'<marker id="kgv-{r}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        f'orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="{EDGE_COLOURS.get(r, _GREY)}"/></marker>'
        for r in rel_types) + "</defs>")
    radius = {k: 15.0 if k == centre else 9.0 for k in keys}
    pairs = {(s, d) for s, _, d in edges}
    for s, r, d in edges:
        (x1, y1), (x2, y2) = pos[s], pos[d]
        dist = math.hypot(x2 - x1, y2 - y1) or 1.0
        ux, uy = (x2 - x1) / dist, (y2 - y1) / dist
        # parallel edges (same pair, several types or both directions) bend apart
        same = [e for e in edges if {e[0], e[2]} == {s, d}]
        k = same.index((s, r, d))
        bend = 0.0 if len(same) == 1 else (k - (len(same) - 1) / 2) * 26.0 * (1 if (s, d) in pairs and s < d else -1)
        sx, sy = x1 + ux * radius[s], y1 + uy * radius[s]
        ex, ey = x2 - ux * (radius[d] + 2), y2 - uy * (radius[d] + 2)
        cx, cy = (sx + ex) / 2 - uy * bend, (sy + ey) / 2 + ux * bend
        mx, my = (sx + 2 * cx + ex) / 4, (sy + 2 * cy + ey) / 4  # the curve's middle
        colour = EDGE_COLOURS.get(r, _GREY)
        out.append(f'<g class="e a{index[s]} a{index[d]}"><title>{html.escape(names.get(s, s))} -{r}-> '
                   f'{html.escape(names.get(d, d))}</title>'
                   f'<path d="M{sx:.1f},{sy:.1f} Q{cx:.1f},{cy:.1f} {ex:.1f},{ey:.1f}" fill="none" stroke="{colour}" '
                   f'stroke-width="1.6" marker-end="url(#kgv-{r})"/>'
                   f'<text x="{mx:.1f}" y="{my:.1f}" text-anchor="middle" dominant-baseline="middle" '
                   f'fill="{colour}">{r}</text></g>')
    for key in keys:
        i, (x, y) = index[key], pos[key]
        label, _, nid = key.partition(":")
        name = names.get(key, nid)
        neighbours = " ".join(f"a{index[o]}" for s, _, d in edges for o in ((d,) if s == key else (s,) if d == key else ()))
        weight = ' font-weight="700"' if key == centre else ""
        tx, ty, anchor, baseline = _label_spot(pos[key], pos.get(centre) if centre else None, radius[key])
        out.append(f'<g class="n n{i} {neighbours}"><title>{html.escape(label)} {html.escape(nid)}\n'
                   f'{html.escape(name)}</title>'
                   f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius[key]:.0f}" fill="{LABEL_COLOURS.get(label, "#e2e8f0")}"/>'
                   f'<text x="{tx:.1f}" y="{ty:.1f}" text-anchor="{anchor}" dominant-baseline="{baseline}"'
                   f'{weight}>{html.escape(_short(name, 24))}</text></g>')
    out.extend(_legend(keys, rel_types, height))
    out.append("</svg>")
    return "".join(out)


__all__ = ["EDGE_COLOURS", "graph_svg", "layout"]
