/* kgmine explorer: search, product and user pages with a vis-network neighbourhood graph, read-only Cypher.
   Routes (location.hash): #product/<id>, #user/<id>, #node/<Label>/<id> (any other kind), #query. Everything is built with textContent
   (never innerHTML with data), so titles and query results cannot inject markup. */
"use strict";

const COLOURS = {
  Product: "#90cdf4", User: "#9ae6b4", Brand: "#fbd38d", Category: "#d6bcfa", AttributeValue: "#feb2b2",
  Review: "#e2e8f0", Cluster: "#f6e05e", Community: "#81e6d9", Entity: "#cbd5e0",
};
/* relationship colours: one distinct hue per type (Tableau-20 / Kelly), interaction types far apart */
const REL_COLOURS = {
  BOUGHT: "#1f77b4", RATED: "#9467bd", REVIEWED: "#8c564b", VIEWED: "#17becf", WROTE: "#c49c94",
  REVIEW_OF: "#7f7f7f", RECOMMENDED: "#d62728", FREQUENTLY_BOUGHT_WITH: "#ff7f0e", ALSO_BOUGHT: "#2ca02c",
  ALSO_VIEWED: "#98df8a", HAS_BRAND: "#e377c2", IN_CATEGORY: "#bcbd22", SUBCATEGORY_OF: "#dbdb8d",
  HAS_ATTRIBUTE: "#393b79", IN_CLUSTER: "#000000", IN_COMMUNITY: "#637939", MENTIONS: "#00a087",
  MADE_OF: "#ffd700", COMPATIBLE_WITH: "#6b6ecf", PART_OF: "#4d004b", HAS_FEATURE: "#9edae5",
  RELATED_TO: "#f7b6d2", HAS_ENTITY: "#a55194",
};
const $ = (id) => document.getElementById(id);
let network = null, graphNodes = null, graphEdges = null;
/* node label size (px at scale 1); the node budget of the server keeps a fitted page near scale 1 */
const NODE_FONT = 14;
/* neighbours a click on a "+K more" box adds; the boxes being expanded */
const MORE_STEP = 25;
const expanding = new Set();
/* neighbours that fill the graph canvas at scale 1 (the server's node budget is 30) */
const STAR_SIZE = 30;
/* the layout of graphs without a centre (explanation paths) and of a page a double-click expanded */
const GRAPH_PHYSICS = { solver: "forceAtlas2Based", stabilization: { iterations: 250 },
                        forceAtlas2Based: { gravitationalConstant: -80, springLength: 100, avoidOverlap: 0.9 } };
/* bumped by every route(): a page whose data arrives after the user moved on draws nothing
   (a product page answered after a brand page opened used to overwrite its graph and legend) */
let routeSeq = 0;
const stale = (seq) => seq !== routeSeq;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(c == null ? "" : String(c)));
  return node;
}

async function api(path, options) {
  const response = await fetch(path, options);
  let body = null;
  try { body = await response.json(); } catch (e) { body = null; }
  if (!response.ok) {
    const message = body && (body.error || (typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail)));
    throw new Error(message || `HTTP ${response.status}`);
  }
  return body;
}

function fmt(value) {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : value.toPrecision(4);
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function nodeHash(kind, id) {
  return kind === "Product" || kind === "User" ? `#${kind.toLowerCase()}/${encodeURIComponent(id)}`
    : `#node/${encodeURIComponent(kind)}/${encodeURIComponent(id)}`;
}

function nodeLink(kind, id, text) {
  return el("a", { class: "node-link", href: nodeHash(kind, id), text: text || id });
}

/* A table from rows of objects; columns = [{key, title, num, render(row)}]. */
function table(columns, rows, id) {
  const head = el("tr", {}, ...columns.map((c) => el("th", { text: c.title || c.key })));
  const body = rows.map((row) => el("tr", {}, ...columns.map((c) => {
    const cell = el("td", c.num ? { class: "num" } : {});
    const value = c.render ? c.render(row) : fmt(row[c.key]);
    cell.append(value instanceof Node ? value : document.createTextNode(value));
    return cell;
  })));
  const attrs = id ? { id } : {};
  return el("table", attrs, el("thead", {}, head), el("tbody", {}, ...body));
}

function panel(id, title, note, columns, rows, empty) {
  const box = el("div", { class: "panel", id });
  box.append(el("h3", { text: title }));
  if (note) box.append(el("p", { class: "muted", text: note }));
  if (rows && rows.length) box.append(table(columns, rows, `${id}-table`));
  else box.append(el("p", { class: "muted empty", text: empty }));
  return box;
}

/* ------------------------------------------------------------------ search */

async function search(text) {
  const list = $("search-results");
  list.replaceChildren();
  $("search-status").textContent = "searching…";
  try {
    const hits = await api(`/api/search?q=${encodeURIComponent(text)}&limit=50`);
    $("search-status").textContent = hits.length ? `${hits.length} match${hits.length > 1 ? "es" : ""}` : "no match";
    for (const hit of hits) {
      const item = el("li", { "data-kind": hit.kind, "data-id": hit.id, title: `${hit.kind} ${hit.id}` },
        el("span", { class: `kind kind-${hit.kind}`, text: hit.kind }), hit.name);
      if (hit.detail) item.append(el("span", { class: "muted", text: `  ${hit.detail}` }));
      item.addEventListener("click", () => { location.hash = nodeHash(hit.kind, hit.id); });
      list.append(item);
    }
  } catch (error) {
    $("search-status").textContent = `search failed: ${error.message}`;
  }
}

/* ------------------------------------------------------------------ graph */

/* A node as vis-network draws it. The kind moves from ``group`` to ``kgGroup``: vis-network styles a
   ``group`` itself, and re-applies that style over the node's own colours whenever the node is updated
   (a star re-layout turned every node yellow). */
function visNode(data) {
  const n = { ...data, kgGroup: data.kgGroup || data.group, group: undefined };
  if (n.more) {  // a relationship group's "+K more" box: click it to show more of the group
    return { ...n, shape: "box", margin: 7, borderWidth: 1.5, shapeProperties: { borderDashes: [5, 3] },
             color: { background: "#ffffff", border: "#4a5568", highlight: { background: "#edf2f7", border: "#1a202c" },
                      hover: { background: "#edf2f7", border: "#1a202c" } },
             font: { size: NODE_FONT + 1, color: "#2d3748" } };
  }
  const colour = COLOURS[n.kgGroup] || "#e2e8f0";
  return { ...n, color: { background: colour, border: n.centre ? "#1a202c" : "#4a5568" },
           borderWidth: n.centre ? 3 : 1, shape: n.centre ? "box" : "dot", size: 12,
           font: { size: n.centre ? NODE_FONT + 3 : NODE_FONT } };
}

/* colour keys of the node kinds and relationship types drawn in ``graph`` */
function keys(box, graph, breakLine) {
  for (const g of [...new Set(graph.nodes.filter((n) => !n.more).map((n) => n.kgGroup || n.group))]) {
    box.append(el("span", { class: "key" }, el("span", { class: "swatch", style: `background:${COLOURS[g] || "#e2e8f0"}` }), g));
  }
  if (breakLine) box.append(el("br"));
  for (const t of [...new Set(graph.edges.map((e) => e.kgType))]) {
    box.append(el("span", { class: "key" }, el("span", { class: "edge-swatch", style: `background:${REL_COLOURS[t] || "#a0aec0"}` }), t));
  }
}

function legend(graph) {
  const box = $("graph-legend");
  box.replaceChildren();
  keys(box, graph, true);
  const cut = graph.types.filter((t) => t.total > t.shown);
  if (cut.length) {
    box.append(el("br"), `showing ${cut.map((t) => `${t.shown} of ${t.total} ${t.type} (${t.direction}, ${t.other})`).join(", ")}`,
               " · click a dashed “+K more” box to show more of that group");
  }
  box.append(el("br"), "click a node to open its page · double-click any node to expand its neighbours");
}

function visEdge(e, id, withLabel) {
  return { id, ...e, label: withLabel ? e.label : undefined, arrows: "to", width: e.kgType === "RECOMMENDED" ? 2 : 1.5,
           dashes: Boolean(e.more),
           font: { size: 9, align: "middle", color: REL_COLOURS[e.kgType] || "#4a5568", strokeWidth: 3 },
           color: { color: REL_COLOURS[e.kgType] || "#a0aec0", highlight: "#1a202c" } };
}

/* Curves for the edges joining the same two nodes (either direction): the i-th edge of a pair bends
   to one side or the other (i even / odd), further out every second edge; a pair's single edge keeps
   the default smooth line. curvedCW / curvedCCW turn relative to an edge's own direction, so an edge
   drawn against the pair's order takes the other one (A→B and B→A would otherwise share one curve).
   Returns {id, smooth} updates for a vis DataSet. */
function parallelCurves(edges) {
  const pairs = new Map();
  for (const e of edges) {
    if (e.from === e.to) continue;
    const key = e.from < e.to ? `${e.from}\u0000${e.to}` : `${e.to}\u0000${e.from}`;
    if (!pairs.has(key)) pairs.set(key, []);
    pairs.get(key).push(e);
  }
  const updates = [];
  for (const pair of pairs.values()) {
    if (pair.length < 2) continue;
    pair.forEach((e, i) => {
      const clockwise = (i % 2 === 1) !== (e.from > e.to);
      updates.push({ id: e.id, smooth: { enabled: true, type: clockwise ? "curvedCW" : "curvedCCW",
                                         roundness: 0.15 + 0.12 * Math.floor(i / 2) } });
    });
  }
  return updates;
}

function curvedEdges(edges) {
  const ds = new vis.DataSet(edges);
  ds.update(parallelCurves(ds.get()));
  return ds;
}

/* Stop the physics and fit the graph once it has settled; #graph's data-fitted says so (the tests wait on it). */
function fitWhenStable(net, box) {
  box.dataset.fitted = "";
  net.once("stabilizationIterationsDone", () => {
    net.setOptions({ physics: false });
    net.fit();
    box.dataset.fitted = "1";
  });
}

/* a "+K more" box clicked: fetch its relationship group with MORE_STEP more neighbours and put them in its place.
   The box's own centre is asked (the page's, or a neighbour a double-click expanded): the page's groups are laid
   out on the star again, a neighbour's new nodes start at the box and the physics settles them. */
async function expandGroup(graph, box) {
  if (expanding.has(box.id)) return;
  expanding.add(box.id);
  const { type, direction, other, shown, total } = box.more;
  const centreId = box.more.centre || graph.centre, home = centreId === graph.centre;
  const centre = graphNodes.get(centreId), seq = routeSeq, at = network.getPosition(box.id);
  const data = await api(`/api/graph/${encodeURIComponent(centre.kgLabel)}/${encodeURIComponent(centre.kgId)}` +
    `?expand=${encodeURIComponent(`${type}:${direction}:${other}`)}&expand_limit=${Math.min(total, shown + MORE_STEP)}`)
    .finally(() => expanding.delete(box.id));
  if (stale(seq) || !graphNodes.get(box.id)) return;
  const end = direction === "out" ? "from" : "to";
  const far = direction === "out" ? "to" : "from", labelOf = (id) => id.split(":")[0];
  // this group's neighbours, and its box again (same id) while some are still hidden
  const edges = data.edges.filter((e) => e.kgType === type && e[end] === centreId
                                         && (e[far] === box.id || labelOf(e[far]) === other));
  const ends = new Set(edges.map((e) => (direction === "out" ? e.to : e.from)));
  graphEdges.remove(graphEdges.getIds({ filter: (e) => e.from === box.id || e.to === box.id }));
  graphNodes.remove(box.id);
  graphNodes.add(data.nodes.filter((n) => ends.has(n.id) && !graphNodes.get(n.id))
    .map((n, i) => ({ ...visNode({ ...n, centre: false }),
                      ...(home ? {} : { x: at.x + 40 * Math.cos(i), y: at.y + 40 * Math.sin(i) }) })));
  addEdges(edges, "m", true);
  if (home) {
    const same = (t) => t.type === type && t.direction === direction && t.other === other;
    Object.assign(graph.types.find(same) || {}, data.types.find(same));
  }
  graphChanged(graph);
  if (!home) { settle(); return; }
  // the star again, the group's new neighbours beside the rest of it (nodes a double-click added come last)
  const order = [...new Set([...data.nodes.map((n) => n.id), ...graphNodes.getIds()])].filter((id) => graphNodes.get(id));
  graphNodes.update(starLayout(order, graph.centre, $("graph")));
  fitWhenDrawn(network, $("graph"));
  network.redraw();
}

/* Add the ``edges`` of a fetched neighbourhood that the graph does not draw yet (ids ``prefix…``, labelled
   if ``withLabels``), curving parallel ones. */
function addEdges(edges, prefix, withLabels) {
  const seen = new Set(graphEdges.get().map((e) => `${e.from}|${e.label}|${e.to}`));
  graphEdges.add(edges.filter((e) => !seen.has(`${e.from}|${e.label}|${e.to}`))
    .map((e, i) => visEdge(e, `${prefix}${Date.now()}-${i}`, withLabels)));
  graphEdges.update(parallelCurves(graphEdges.get()));
}

/* The graph grew: its legend and the page's relationship panels follow what it draws. */
function graphChanged(graph) {
  legend({ nodes: graphNodes.get(), edges: graphEdges.get(), types: graph.types });
  for (const t of graph.types) {
    const old = $(groupPanelId(t));
    if (old) old.replaceWith(groupPanel(t, graph.centre, graphNodes.get(), graphEdges.get()));
  }
}

/* Let the physics place the nodes a double-click or a neighbour's "+K more" box added, then fit. */
function settle() {
  network.setOptions({ physics: true });
  fitWhenStable(network, $("graph"));
  network.stabilize(100);
}

/* Positions for a neighbourhood: the centre at 0,0 and its neighbours, in ``order`` (the server's: a
   relationship group's neighbours side by side), on an ellipse shaped like the canvas, every other one
   on an inner ellipse so that neighbouring labels do not meet, the wide "+K more" boxes inside both. 30 neighbours fill the canvas at scale 1
   (labels readable once fitted; a physics ring of that many has to be zoomed out to ~0.55); more
   neighbours widen the ellipses. Returns {id, x, y} updates. */
function starLayout(order, centre, box) {
  const ring = order.filter((id) => id !== centre);
  const stagger = ring.length > 10, grow = Math.max(stagger ? 1 : 0.45, ring.length / STAR_SIZE);
  const a = Math.max(220, box.clientWidth / 2 - 110) * grow, b = Math.max(140, box.clientHeight / 2 - 45) * grow;
  return [{ id: centre, x: 0, y: 0 }, ...ring.map((id, i) => {
    const angle = -Math.PI / 2 + (2 * Math.PI * i) / ring.length;
    const r = id.startsWith("more:") ? 0.5 : stagger && i % 2 ? 0.72 : 1;
    return { id, x: Math.round(a * r * Math.cos(angle)), y: Math.round(b * r * Math.sin(angle)) };
  })];
}

/* Fit the (static) star once it is first drawn, then flag #graph as fitted. */
function fitWhenDrawn(net, box) {
  box.dataset.fitted = "";
  net.once("afterDrawing", () => { net.fit(); box.dataset.fitted = "1"; });
}

function render(graph) {
  const withLabels = graph.edges.length <= 60;
  const star = Boolean(graph.centre);
  graphNodes = new vis.DataSet(graph.nodes.map(visNode));
  graphEdges = curvedEdges(graph.edges.map((e, i) => visEdge(e, `e${i}`, withLabels)));
  if (star) graphNodes.update(starLayout(graph.nodes.map((n) => n.id), graph.centre, $("graph")));
  const options = {
    physics: star ? { ...GRAPH_PHYSICS, enabled: false } : GRAPH_PHYSICS,
    interaction: { hover: true, tooltipDelay: 120 }, edges: { smooth: { type: "continuous" } },
  };
  if (network) network.destroy();
  network = new vis.Network($("graph"), { nodes: graphNodes, edges: graphEdges }, options);
  window.kgNetwork = network;
  (star ? fitWhenDrawn : fitWhenStable)(network, $("graph"));
  network.on("click", (params) => {
    if (!params.nodes.length) return;
    const node = graphNodes.get(params.nodes[0]);
    if (node.centre) return;
    if (node.more) { expandGroup(graph, node).catch((error) => showError(error.message)); return; }
    if (node.kgId != null) location.hash = nodeHash(node.kgLabel, node.kgId);
  });
  network.on("doubleClick", async (params) => {
    if (!params.nodes.length) return;
    const node = graphNodes.get(params.nodes[0]);
    if (node.more) return;
    const more = await api(`/api/graph/${encodeURIComponent(node.kgLabel)}/${encodeURIComponent(node.kgId)}?per_type=8`);
    // the expanded node's own "+K more" boxes come too (their ids name their centre: more:<centre>:TYPE:dir)
    graphNodes.update(more.nodes.filter((n) => !graphNodes.get(n.id)).map((n) => visNode({ ...n, centre: false })));
    addEdges(more.edges, "x", graphEdges.length < 60);
    graphChanged(graph);
    settle();
  });
  legend(graph);
}

async function drawGraph(label, id, seq) {
  const graph = await api(`/api/graph/${encodeURIComponent(label)}/${encodeURIComponent(id)}`);
  if (!stale(seq)) render(graph);
}

/* An explanation path as a small graph in the graph panel. */
function drawPath(path, names, title) {
  const nodes = new Map();
  for (const step of path) {
    for (const key of [step.src, step.dst]) {
      if (nodes.has(key)) continue;
      const [lab, ...rest] = key.split(":");
      const nid = rest.join(":");
      const name = names[key] || nid;
      nodes.set(key, { id: key, label: name.length > 28 ? name.slice(0, 27) + "…" : name, group: lab,
                       title: `${lab} ${nid}\n${name}`, kgLabel: lab, kgId: nid, centre: false });
    }
  }
  const edges = path.map((s) => ({ from: s.src, to: s.dst, label: s.rel, title: s.rel, kgType: s.rel }));
  render({ nodes: [...nodes.values()], edges, types: [] });
  $("graph-legend").prepend(el("strong", { text: `why: ${title} · ` }));
}

/* ------------------------------------------------------------------ pages */

function showDetail(kind, title, meta, description) {
  $("welcome").hidden = true;
  $("detail-error").hidden = true;
  $("detail").hidden = false;
  $("detail-kind").textContent = kind;
  $("detail-kind").className = `badge kind-${kind}`;
  $("detail-title").textContent = title;
  $("detail-meta").textContent = meta;
  $("detail-description").textContent = description || "";
  $("panels").replaceChildren();
}

function showError(message) {
  $("detail").hidden = true;
  $("detail-error").hidden = false;
  $("detail-error").textContent = message;
}

const productCol = { key: "id", title: "product", render: (r) => nodeLink("Product", r.id, r.title || r.id) };

async function openProduct(id, seq) {
  const data = await api(`/api/product/${encodeURIComponent(id)}`);
  if (stale(seq)) return;
  const p = data.product;
  const names = (xs) => xs.map((x) => x.name || x.id).join(", ");
  const meta = [`id ${p.id}`, p.price != null ? `price ${fmt(p.price)}` : null,
    p.brands.length ? `brand ${names(p.brands)}` : null, p.categories.length ? `category ${names(p.categories)}` : null,
    p.clusters.length ? `cluster ${names(p.clusters)}` : null,
    p.attributes.length ? `attributes ${names(p.attributes)}` : null,
    p.pagerank != null ? `PageRank ${fmt(p.pagerank)}` : null].filter(Boolean).join(" · ");
  showDetail("Product", p.title || p.id, meta, p.description);
  const panels = $("panels");
  panels.append(
    panel("recommendations", "Recommended with this item",
      "Items the recommender puts in the same users' top-K lists (RECOMMENDED edges).",
      [productCol, { key: "users", title: "users", num: true }, { key: "best_rank", title: "best rank", num: true }],
      data.recommended_with, "No RECOMMENDED edges reach this item's users."),
    panel("bought-with", "Frequently bought with",
      "Mined association rules this item → other (FREQUENTLY_BOUGHT_WITH).",
      [productCol, { key: "support", num: true }, { key: "confidence", num: true }, { key: "lift", num: true }],
      data.bought_with, "No association rule starts at this item."),
    panel("similar", "Similar items", "Products sharing brand (×3), category (×2), attribute values and cluster.",
      [productCol, { key: "score", num: true }, { key: "shared", title: "shared" }],
      data.similar, "No product shares a brand, category, attribute or cluster with it."),
    panel("recommended-to", "Recommended to", "Users whose top-K list holds this item.",
      [{ key: "user", render: (r) => nodeLink("User", r.user) }, { key: "rank", num: true },
       { key: "score", num: true }, { key: "model" }],
      data.recommended_to, "Not in any user's top-K list."),
  );
  await drawGraph("Product", id, seq);
}

function groupPanelId(t) { return `rel-${t.type}-${t.direction}-${t.other}`; }

/* The panel of one relationship group ``t`` of ``centre``: the group's neighbours among ``nodes`` / ``edges``
   (the graph as drawn, so a "+K more" click adds its rows) and how many of the group's total they are. */
function groupPanel(t, centre, nodes, edges) {
  const byKey = new Map(nodes.map((n) => [n.id, n]));
  const far = (e) => (t.direction === "out" ? e.to : e.from), near = (e) => (t.direction === "out" ? e.from : e.to);
  const rows = [...new Set(edges.filter((e) => !e.more && e.kgType === t.type && near(e) === centre).map(far))]
    .map((id) => byKey.get(id)).filter((n) => n && n.kgLabel === t.other);
  const note = `${t.direction === "out" ? "→" : "←"} ${t.type} ${t.other}: ` +
    (rows.length < t.total ? `${rows.length} of ${t.total}` : String(t.total));
  return panel(groupPanelId(t), `${t.type} (${t.other})`, note,
    [{ key: "id", title: t.other.toLowerCase(), render: (r) => nodeLink(r.kgLabel, r.kgId, r.title.split("\n")[1] || r.kgId) }],
    rows, "none");
}

/* A page for any other node kind (brand, category, attribute value, entity, cluster, community):
   its properties, its neighbours per relationship type, and its neighbourhood graph. */
async function openNode(label, id, seq) {
  const graph = await api(`/api/graph/${encodeURIComponent(label)}/${encodeURIComponent(id)}?per_type=25`);
  if (stale(seq)) return;
  const props = graph.node;
  const title = props.name || props.value || props.label || props.id;
  const meta = Object.entries(props).filter(([, v]) => v !== null && v !== "")
    .map(([k, v]) => `${k} ${fmt(v)}`).join(" · ");
  showDetail(label, String(title), meta, "");
  for (const t of graph.types) $("panels").append(groupPanel(t, graph.centre, graph.nodes, graph.edges));
  render(graph);
}

function pathView(row, names) {
  const path = row.path;
  if (!path) return el("span", { class: "muted", text: "no path in the graph" });
  const short = (key) => { const n = names[key] || key.split(":").slice(1).join(":"); return n.length > 30 ? n.slice(0, 29) + "…" : n; };
  const box = el("div", { class: "path" });
  if (row.why) box.append(el("div", { class: "why", text: row.why }));
  path.forEach((step) => {
    box.append(el("div", { class: "step" }, el("span", { title: step.src, text: short(step.src) }),
      el("span", { class: "rel", text: ` —${step.rel}→ ` }), el("span", { title: step.dst, text: short(step.dst) })));
  });
  const button = el("button", { type: "button", class: "small show-path", text: "draw path" });
  button.addEventListener("click", () => { drawPath(path, names, row.title || row.id); $("graph").scrollIntoView({ behavior: "smooth" }); });
  box.append(button);
  return box;
}

async function openUser(id, seq) {
  const data = await api(`/api/user/${encodeURIComponent(id)}`);
  if (stale(seq)) return;
  showDetail("User", data.user.id, `${data.recommendations.length} recommendations · ${data.bought.length} recent purchases`, "");
  const recs = panel("recommendations", "Recommendations", "Top-K from RECOMMENDED edges, each with a path in the graph that explains it.",
    [{ key: "rank", num: true }, productCol, { key: "score", num: true }, { key: "model" },
     { key: "path", title: "why (a path in the graph)", render: (r) => pathView(r, data.names) }],
    data.recommendations, "No RECOMMENDED edges for this user.");
  recs.classList.add("wide");
  $("panels").append(recs,
    panel("bought", "Recent purchases", "BOUGHT edges, newest first.",
      [productCol, { key: "timestamp", render: (r) => r.timestamp ? new Date(r.timestamp * 1000).toISOString().slice(0, 10) : "" },
       { key: "purchases", render: (r) => r.purchases == null ? "" : String(r.purchases) }],
      data.bought, "No purchases."),
  );
  await drawGraph("User", id, seq);
}

/* ------------------------------------------------------------------ query */

async function loadExamples() {
  const select = $("query-examples");
  if (select.options.length > 1) return;
  try {
    const queries = await api("/api/queries");
    for (const q of queries) {
      const option = el("option", { value: q.name, text: `${q.name} — ${q.doc}` });
      option.dataset.cypher = q.cypher;
      option.dataset.params = JSON.stringify(q.params);
      select.append(option);
    }
  } catch (error) { $("query-status").textContent = `examples unavailable: ${error.message}`; }
  select.addEventListener("change", () => {
    const option = select.selectedOptions[0];
    if (!option || !option.dataset.cypher) return;
    $("query-input").value = option.dataset.cypher;
    $("query-params").value = option.dataset.params;
  });
}

/* nodes, relationships and paths in a query's rows, drawn as a graph above the table */
function queryGraph(out, graph) {
  const box = el("div", { id: "query-graph", class: "graph" });
  const key = el("p", { id: "query-graph-legend", class: "muted" });
  keys(key, graph, false);
  out.append(box, key);
  const nodes = new vis.DataSet(graph.nodes.map(visNode));
  const edges = curvedEdges(graph.edges.map((e, i) => visEdge(e, `q${i}`, graph.edges.length <= 40)));
  const net = new vis.Network(box, { nodes, edges }, {
    physics: { solver: "forceAtlas2Based", stabilization: { iterations: 150 },
               forceAtlas2Based: { gravitationalConstant: -80, springLength: 130 } },
    interaction: { hover: true, tooltipDelay: 120 }, edges: { smooth: { type: "continuous" } } });
  window.kgQueryNetwork = net;
  fitWhenStable(net, box);
  net.on("click", (params) => {
    if (!params.nodes.length) return;
    const node = nodes.get(params.nodes[0]);
    if (node.kgId != null) location.hash = nodeHash(node.kgLabel, node.kgId);
  });
  box.dataset.nodes = String(graph.nodes.length);
  box.dataset.edges = String(graph.edges.length);
}

async function runQuery() {
  const status = $("query-status"), out = $("query-result");
  out.replaceChildren();
  let params;
  try { params = JSON.parse($("query-params").value || "{}"); } catch (error) {
    status.textContent = ""; out.append(el("p", { class: "error", text: `parameters are not valid JSON: ${error.message}` })); return;
  }
  status.textContent = "running…";
  const started = performance.now();
  try {
    const result = await api("/api/query", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ cypher: $("query-input").value, params }) });
    const ms = Math.round(performance.now() - started);
    status.textContent = `${result.total} row${result.total === 1 ? "" : "s"} in ${ms} ms` +
      (result.truncated ? ` (showing the first ${result.rows.length})` : "") +
      (result.translated && result.translated.length ? ` · translated for LadybugDB: ${result.translated.join(", ")}` : "");
    if (result.graph && result.graph.nodes.length) queryGraph(out, result.graph);
    const columns = result.columns.map((c, i) => ({ key: String(i), title: c, num: false }));
    out.append(table(columns, result.rows.map((r) => Object.fromEntries(r.map((v, i) => [String(i), v]))), "query-table"));
  } catch (error) {
    status.textContent = "";
    out.append(el("p", { class: "error", id: "query-error", text: error.message }));
  }
}

/* ------------------------------------------------------------------ routing */

async function route() {
  const seq = ++routeSeq;
  const hash = decodeURIComponent(location.hash.slice(1));
  const [page, ...rest] = hash.split("/");
  const id = rest.join("/");
  const isQuery = page === "query";
  $("view-query").hidden = !isQuery;
  $("view-browse").hidden = isQuery;
  $("nav-query").classList.toggle("active", isQuery);
  $("nav-browse").classList.toggle("active", !isQuery);
  for (const li of document.querySelectorAll("#search-results li")) {
    li.classList.toggle("active", li.dataset.id === id && li.dataset.kind.toLowerCase() === page);
  }
  const opening = (page === "product" || page === "user" || page === "node") && id;
  if (opening) { $("welcome").hidden = true; $("loading").hidden = false; }
  try {
    if (isQuery) await loadExamples();
    else if (page === "product" && id) await openProduct(id, seq);
    else if (page === "user" && id) await openUser(id, seq);
    else if (page === "node" && rest.length > 1) await openNode(rest[0], rest.slice(1).join("/"), seq);
    else { $("welcome").hidden = false; $("detail").hidden = true; $("detail-error").hidden = true; }
  } catch (error) {
    if (!stale(seq)) showError(error.message);
  } finally {
    if (!stale(seq)) $("loading").hidden = true;
  }
}

async function init() {
  $("search-form").addEventListener("submit", (event) => { event.preventDefault(); search($("search-input").value); });
  $("query-run").addEventListener("click", runQuery);
  $("query-input").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) runQuery();
  });
  window.addEventListener("hashchange", route);
  try {
    const s = await api("/api/summary");
    const nodes = Object.entries(s.nodes).map(([k, v]) => `${v.toLocaleString()} ${k}`).join(", ");
    const rels = Object.values(s.relationships).reduce((a, b) => a + b, 0);
    $("store-summary").textContent = `${s.store} store · ${nodes} · ${rels.toLocaleString()} relationships`;
  } catch (error) { $("store-summary").textContent = `store unavailable: ${error.message}`; }
  await route();
}

init();
