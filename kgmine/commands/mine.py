"""`kgmine mine ...`: association rules, clusters and graph analytics, optionally written back.

Commands are thin: they parse options, call :mod:`kgmine.mine`, print a table (or JSON) and, with
``--write``, write the results into the store they read from.
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Optional

import typer

from kgmine.commands.choices import (ClusterMethod, ClusterScope, ClusterSelection, ClusterText, Community,
                                     GraphBackend, GroupBy, RulesAlgorithm, RulesEngine, RulesSort, StoreKind)
from kgmine.commands.common import (closing_graph, console, fail, open_graph, print_frame, product_titles,
                                    start_engine)
from kgmine.jsonable import to_jsonable

mine_app = typer.Typer(help="Mine the graph: association rules, clusters, graph analytics.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add the ``mine`` group (rules, clusters, analytics) to the top-level app."""
    app.add_typer(mine_app, name="mine")


STORE_HELP = "Embedded store directory (e.g. runs/demo/store), or 'neo4j' (server from NEO4J_URI etc.)."
KIND_HELP = "Store kind: ladybug (embedded) or neo4j."


def _records(frame: Any) -> list[dict[str, Any]]:
    return [to_jsonable(row, nulls=True) for row in frame.to_dict("records")]


_BASKET_COLUMN = typer.Option(None, "--basket-column", help="With a table --baskets: the column that groups its "
                                                              "rows into baskets (e.g. order_id).")
_ITEM_COLUMN = typer.Option(None, "--item-column", help="With a table --baskets: the item column (e.g. product_id).")
_MAX_ITEMSETS = typer.Option(5_000_000, "--max-itemsets", min=0, help="Refuse to mine when more frequent itemsets "
                                                                      "than this would be found (0 = no cap).")


@mine_app.command("rules")
def rules(
    baskets: Optional[Path] = typer.Option(None, "--baskets", help="File with one basket a line, items separated by "
                                                                  "commas or whitespace (e.g. groceries.csv, FIMI "
                                                                  ".dat); or a table (CSV/TSV/Parquet with a header, "
                                                                  "one row per item) with --basket-column and "
                                                                  "--item-column."),
    basket_column: Optional[str] = _BASKET_COLUMN,
    item_column: Optional[str] = _ITEM_COLUMN,
    store: Optional[str] = typer.Option(None, "--store", help=STORE_HELP + " Baskets are its BOUGHT edges."),
    kind: StoreKind = typer.Option("ladybug", "--kind", help=KIND_HELP),
    group_by: GroupBy = typer.Option("basket", "--group-by", help="With --store: baskets by order id (basket), "
                                                             "user, or user and time window (window)."),
    window: float = typer.Option(86_400.0, "--window", help="Window length in seconds for --group-by window."),
    min_support: float = typer.Option(0.01, "--min-support", "-s", help="Minimum support as a fraction of baskets; "
                                                                      "min count = ceil(S x N)."),
    min_confidence: float = typer.Option(0.5, "--min-confidence", "-c", help="Minimum confidence in [0, 1]."),
    min_len: int = typer.Option(1, "--min-len", help="Minimum items in a rule (1 admits {} => X, as arules)."),
    max_len: Optional[int] = typer.Option(None, "--max-len", help="Maximum items in an itemset and a rule."),
    max_consequent: int = typer.Option(1, "--max-consequent", help="Maximum consequent items (0 = any split)."),
    max_itemsets: int = _MAX_ITEMSETS,
    algorithm: RulesAlgorithm = typer.Option("fpgrowth", "--algorithm", help="pyfim's algorithm."),
    engine: RulesEngine = typer.Option("pyfim", "--engine", help="Itemset engine: pyfim (C), mlxtend, or spark "
                                                                  "(MLlib FP-growth)."),
    spark_master: Optional[str] = typer.Option(None, "--spark-master", help="With --engine spark: the master URL "
                                                                           "(default $KGMINE_SPARK_MASTER or local[*])."),
    top: int = typer.Option(20, "--top", min=0, help="Rules shown (best first by --sort-by)."),
    sort_by: RulesSort = typer.Option("lift", "--sort-by", help="Measure the shown rules are sorted by."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary and the top rules as JSON."),
    out: Optional[Path] = typer.Option(None, "--out", help="Also save all rules (.parquet: antecedent / consequent "
                                                           "as id lists; .csv: ids joined by |)."),
    write: bool = typer.Option(False, "--write", help="With --store: replace its FREQUENTLY_BOUGHT_WITH edges by the "
                                                     "pairwise rules."),
) -> None:
    """Frequent itemsets and association rules; prints the top rules and a count line."""
    from kgmine.mine.baskets import Baskets, baskets_from_store
    from kgmine.mine.rules import AssociationRules, save_rules
    from kgmine.mine.writeback import write_rules

    _check_rules_options(baskets, store, write, basket_column, item_column)
    start_engine(engine, spark_master)
    graph = open_graph(store, kind, write) if store is not None else None
    with closing_graph(graph):
        start = time.perf_counter()
        if baskets is None:
            data = baskets_from_store(graph, group_by, window)
        else:
            data = (Baskets.from_table(baskets, basket_column, item_column) if basket_column is not None
                    else Baskets.from_file(baskets))
        model = AssociationRules(min_support, min_confidence, min_len=min_len, max_len=max_len,
                                 max_consequent_len=max_consequent or None, engine=engine,
                                 algorithm=algorithm, max_itemsets=max_itemsets or None).fit(data)
        seconds = time.perf_counter() - start
        shown = model.top(top, by=sort_by)
        titles = _rule_titles(graph, shown) if graph is not None else None
        written = write_rules(graph, model) if write else None
        if out is not None:
            save_rules(model.rules_, out)
    summary = {**model.summary(), "seconds": round(seconds, 3)}
    if written is not None:
        summary["written"] = written
    if as_json:
        columns = ["antecedent", "consequent", "support", "confidence", "lift", "leverage", "conviction", "count"]
        typer.echo(json.dumps({"summary": summary, "rules": _records(shown[columns])}, ensure_ascii=False))
        return
    if len(shown):
        table = shown.assign(rule=_rule_text(shown, titles), ids=_rule_text(shown))
        columns = ["rule", "ids"] if titles is not None else ["rule"]
        print_frame(table[[*columns, "support", "confidence", "lift", "leverage", "conviction", "count"]],
                    title=f"top {len(shown)} rules by {sort_by}", max_rows=top)
    lengths = " ".join(f"{k}:{v:,}" for k, v in summary["rules_by_length"].items()) or "-"
    console.print(f"{summary['rules']:,} rules from {summary['itemsets']:,} frequent itemsets in "
                  f"{summary['baskets']:,} baskets (min count {summary['min_count']:,}); "
                  f"rules by length {lengths}; {seconds:.2f} s")
    if written is not None:
        console.print(f"wrote {written.get('FREQUENTLY_BOUGHT_WITH', 0):,} FREQUENTLY_BOUGHT_WITH edges "
                      f"({written['skipped']:,} skipped: products not in the store)")


def _check_rules_options(baskets: Path | None, store: str | None, write: bool, basket_column: str | None,
                         item_column: str | None) -> None:
    """Fail with one line on options of ``mine rules`` that do not go together."""
    if (baskets is None) == (store is None):
        fail("give exactly one of --baskets FILE or --store DIR")
    if write and store is None:
        fail("--write needs --store (the graph to write FREQUENTLY_BOUGHT_WITH edges into)")
    if (basket_column is None) != (item_column is None):
        fail("give --basket-column and --item-column together (the table's basket and item columns)")
    if basket_column is not None and baskets is None:
        fail("--basket-column and --item-column group a table given with --baskets FILE")


TITLE_WIDTH = 40  # characters of a product title shown in a rule


def _rule_titles(graph: Any, rules: Any) -> dict[str, str]:
    """Product id -> title (at most :data:`TITLE_WIDTH` characters) of the items of ``rules``."""
    ids = [str(i) for side in ("antecedent", "consequent") for items in rules[side] for i in items]
    titles = product_titles(graph, ids)
    return {i: t if len(t) <= TITLE_WIDTH else t[:TITLE_WIDTH - 1] + "\u2026" for i, t in titles.items() if t}


def _rule_text(rules: Any, titles: dict[str, str] | None = None) -> list[str]:
    """``{a, b} => {c}`` per rule: the items as mined, or by their titles from ``titles`` (an id without one
    stays an id)."""
    if titles is None:
        return [f"{{{a}}} => {{{c}}}" for a, c in zip(rules["antecedent_items"], rules["consequent_items"])]

    def side(items: Any) -> str:
        return "{" + ", ".join(titles.get(str(i), str(i)) for i in items) + "}"

    return [f"{side(a)} => {side(c)}" for a, c in zip(rules["antecedent"], rules["consequent"])]


def _save(frame: Any, out: Path) -> None:
    """A table to ``out``: Parquet for ``.parquet`` / ``.pq``, CSV otherwise (rules go through ``save_rules``)."""
    if out.suffix.lower() in (".parquet", ".pq"):
        frame.to_parquet(out, index=False)
    else:
        frame.to_csv(out, index=False)


@mine_app.command("clusters")
def clusters(
    store: Optional[str] = typer.Option(None, "--store", help=STORE_HELP),
    kind: StoreKind = typer.Option("ladybug", "--kind", help=KIND_HELP),
    products: Optional[Path] = typer.Option(None, "--products", help="Products CSV/Parquet instead of a store: "
                                                                    "product_id, title, description[, brand, "
                                                                    "category_path]."),
    id_column: str = typer.Option("product_id", "--id-column", help="Id column of --products."),
    scope: ClusterScope = typer.Option("product", "--scope", help="Cluster products or users (users need a store)."),
    method: ClusterMethod = typer.Option("kmeans", "--method", help="Clustering algorithm."),
    k: Optional[int] = typer.Option(None, "--k", help="Number of clusters (default: chosen by --selection)."),
    k_min: int = typer.Option(2, "--k-min", help="Smallest k tried."),
    k_max: int = typer.Option(30, "--k-max", help="Largest k tried."),
    selection: ClusterSelection = typer.Option("silhouette", "--selection", help="Score that chooses k."),
    text: ClusterText = typer.Option("tfidf", "--text", help="Text features: tfidf (fast), minilm (sentence "
                                                             "embeddings, ~200 texts/s) or none."),
    fields: str = typer.Option("title,description", "--fields", help="Product fields that make the text."),
    components: int = typer.Option(30, "--components", help="SVD dimensions of the TF-IDF text block."),
    attribute_weight: float = typer.Option(0.5, "--attribute-weight", help="Weight of attribute one-hots (brand, "
                                                                          "colour, ...; categories excluded)."),
    behaviour_weight: float = typer.Option(0.0, "--behaviour-weight", help="Weight of behaviour features (buyers "
                                                                          "and product links)."),
    min_cluster_size: int = typer.Option(10, "--min-cluster-size", help="HDBSCAN minimum cluster size."),
    seed: int = typer.Option(0, "--seed", help="Random seed."),
    evaluate: Optional[str] = typer.Option(None, "--evaluate", help="Attribute to score the clusters against "
                                                                   "(adjusted Rand index), e.g. category."),
    as_json: bool = typer.Option(False, "--json", help="Print summary and clusters as JSON."),
    out: Optional[Path] = typer.Option(None, "--out", help="Also save the memberships (.csv or .parquet)."),
    write: bool = typer.Option(False, "--write", help="With --store: write Cluster nodes and IN_CLUSTER edges."),
) -> None:
    """Cluster products (text, attributes, behaviour) or users (behaviour); prints one row per cluster."""
    from kgmine.mine.catalog import CatalogView
    from kgmine.mine.clusters import ProductClusterer, UserClusterer
    from kgmine.mine.writeback import write_clusters

    _check_cluster_options(store, products, write, scope, k_min, k_max)
    common = dict(method=method, n_clusters=k, k_range=tuple(range(k_min, k_max + 1)), selection=selection,
                  min_cluster_size=min_cluster_size, random_state=seed)
    if scope == "product":
        model: Any = ProductClusterer(text=None if text == "none" else text,
                                      text_fields=tuple(f.strip() for f in fields.split(",") if f.strip()),
                                      n_components=components, attribute_weight=attribute_weight,
                                      behaviour_weight=behaviour_weight, **common)
    else:
        model = UserClusterer(**common)
    graph = open_graph(store, kind, write) if store is not None else None
    with closing_graph(graph):
        catalog = (CatalogView.from_store(graph) if graph is not None
                   else CatalogView.from_file(products, id_column=id_column))
        start = time.perf_counter()
        model.fit(catalog)
        seconds = time.perf_counter() - start
        score = _evaluate(model, catalog, evaluate) if evaluate else None
        written = write_clusters(graph, model) if write else None
        if out is not None:
            _save(model.labels_, out)
    summary = _cluster_summary(model, scope, method, seconds)
    if score is not None:
        summary[f"ari_{evaluate}"] = score
    if written is not None:
        summary["written"] = written
    if as_json:
        typer.echo(json.dumps({"summary": to_jsonable(summary, nulls=True),
                               "clusters": _records(model.clusters_)}, ensure_ascii=False))
        return
    _print_clusters(model, summary, f"; ARI vs {evaluate} {score:.3f}" if score is not None else "", seconds)


def _check_cluster_options(store: str | None, products: Path | None, write: bool, scope: str, k_min: int,
                           k_max: int) -> None:
    """Fail with one line on options of ``mine clusters`` that do not go together."""
    if (store is None) == (products is None):
        fail("give exactly one of --store DIR or --products FILE")
    if write and store is None:
        fail("--write needs --store")
    if scope not in ("product", "user"):
        fail(f"--scope must be product or user, not {scope!r}")
    if k_min > k_max:
        fail(f"--k-min ({k_min}) must not exceed --k-max ({k_max})")


def _cluster_summary(model: Any, scope: str, method: str, seconds: float) -> dict[str, Any]:
    """Rows, clusters, noise and the chosen k's silhouette / Davies-Bouldin of a fitted clusterer."""
    chosen = model.selection_[model.selection_["chosen"]].iloc[0]
    return {"scope": scope, "method": method, "rows": int(len(model.labels_)), "clusters": model.n_clusters_,
            "noise": int((model.labels_["cluster"] < 0).sum()), "silhouette": float(chosen["silhouette"]),
            "davies_bouldin": float(chosen["davies_bouldin"]), "seconds": round(seconds, 3)}


def _print_clusters(model: Any, summary: dict[str, Any], extra: str, seconds: float) -> None:
    """The clusters table and a one-line summary (``extra``: the ARI part, if any) for the terminal."""
    scope, written = summary["scope"], summary.get("written")
    print_frame(model.clusters_[["cluster", "size", "label", "top_attributes"]],
                title=f"{model.n_clusters_} {scope} clusters ({summary['method']})", max_rows=100)
    console.print(f"{summary['rows']:,} {scope}s in {summary['clusters']} clusters (noise {summary['noise']}); "
                  f"silhouette {summary['silhouette']:.3f}, Davies-Bouldin {summary['davies_bouldin']:.3f}"
                  f"{extra}; {seconds:.2f} s")
    if written is not None:
        console.print(f"wrote {written.get('Cluster', 0)} Cluster nodes and {written.get('IN_CLUSTER', 0):,} "
                      "IN_CLUSTER edges")


def _evaluate(model: Any, catalog: Any, attribute: str) -> float:
    """Adjusted Rand index of the clusters against one attribute of the members (noise included)."""
    from kgmine.mine.clusters import adjusted_rand

    facts = catalog.attributes[catalog.attributes["attribute"] == attribute]
    if facts.empty:
        raise ValueError(f"no {attribute!r} attribute to evaluate against")
    truth = facts.drop_duplicates("id").set_index("id")["value"]
    labels = model.labels_.set_index(model.labels_.columns[0])["cluster"]
    return adjusted_rand(labels, truth)


@mine_app.command("analytics")
def analytics(
    store: Optional[str] = typer.Option(None, "--store", help=STORE_HELP),
    kind: StoreKind = typer.Option("ladybug", "--kind", help=KIND_HELP),
    community: Community = typer.Option("leiden", "--community", help="Community detection algorithm."),
    resolution: float = typer.Option(1.0, "--resolution", help="Modularity resolution (higher = smaller communities)."),
    betweenness_k: int = typer.Option(256, "--betweenness-k", help="Sampled sources for betweenness (0 = skip)."),
    co_purchase: bool = typer.Option(True, "--co-purchase/--no-co-purchase", help="Link products bought together."),
    backend: GraphBackend = typer.Option("igraph", "--backend", help="igraph (C), networkx (pure Python), or spark "
                                                                     "(GraphX: unweighted PageRank, components, "
                                                                     "label-propagation communities; needs "
                                                                     "kgmine[spark])."),
    seed: int = typer.Option(0, "--seed", help="Random seed."),
    top: int = typer.Option(10, "--top", min=0, help="Products shown, by PageRank."),
    as_json: bool = typer.Option(False, "--json", help="Print summary and top products as JSON."),
    write: bool = typer.Option(False, "--write", help="Write Product pagerank/degree/betweenness/component and "
                                                     "Community nodes with IN_COMMUNITY edges."),
) -> None:
    """PageRank, degree, betweenness, communities and components of the product graph."""
    from kgmine.mine.analytics import GraphAnalytics
    from kgmine.mine.catalog import CatalogView
    from kgmine.mine.writeback import write_analytics

    graph = open_graph(store, kind, write)
    with closing_graph(graph):
        catalog = CatalogView.from_store(graph)
        start = time.perf_counter()
        model = GraphAnalytics(co_purchase=co_purchase, betweenness_k=betweenness_k, community=community,
                               resolution=resolution, backend=backend, random_state=seed).fit(catalog)
        seconds = time.perf_counter() - start
        written = write_analytics(graph, model) if write else None
    titles = catalog.products.set_index("product_id")["title"]
    shown = model.nodes_.nlargest(top, "pagerank").assign(title=lambda f: f["product_id"].map(titles))
    summary = {**model.summary_, "seconds": round(seconds, 3)}
    if written is not None:
        summary["written"] = written
    if as_json:
        typer.echo(json.dumps({"summary": to_jsonable(summary, nulls=True),
                               "top": _records(shown)}, ensure_ascii=False))
        return
    if top:
        print_frame(shown[["product_id", "title", "pagerank", "degree", "betweenness", "community", "component"]],
                    title=f"top {len(shown)} products by PageRank", max_rows=top)
    console.print(f"{summary['nodes']:,} products, {summary['edges']:,} edges; {summary['components']:,} components "
                  f"(largest {summary['largest_component']:,}); {summary['communities']:,} "
                  f"{'label-propagation' if backend == 'spark' else community} communities "
                  f"(modularity {summary['modularity']:.3f}); {seconds:.2f} s")
    if written is not None:
        console.print(f"wrote measures of {written.get('Product', 0):,} products and {written.get('Community', 0)} "
                      "Community nodes")
