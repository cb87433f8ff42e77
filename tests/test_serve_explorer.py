"""The explorer (`kgmine serve`): its read-only views checked against the store, its JSON API, the
command, and a real browser (Debian's Chromium through Selenium) driving the page.

The store is built here from the small synthetic world: catalog, behaviour, the planted brand /
colour / material values as extracted attributes, association rules mined by kgmine, and
RECOMMENDED edges from a plain item co-occurrence scorer (test data for the page, not a model
whose quality is claimed). Every assertion compares what the explorer shows with what Cypher
reads from the same store.
"""
from __future__ import annotations

import json
from collections import Counter
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import running_explorer

from kgmine.graph.stores import StoreError, open_store
from kgmine.serve.search import tokens

# ---------------------------------------------------------------------------- fixtures


def _extracted(world) -> pd.DataFrame:
    truth = world.truth["product_attributes"]
    frame = truth.melt(id_vars="product_id", value_vars=["brand", "colour", "material"], var_name="attribute")
    frame = frame.dropna(subset=["value"])
    return frame.assign(extractor="planted-truth (test)", confidence=1.0, source_doc=frame["product_id"])


def _rules(world) -> pd.DataFrame:
    from kgmine.mine.rules import AssociationRules

    rules = AssociationRules(min_support=0.003, min_confidence=0.05, min_len=2, max_len=2).fit(world.baskets()).rules_
    return pd.DataFrame({"src": rules["antecedent"].map(lambda a: a[0]), "dst": rules["consequent"].map(lambda c: c[0]),
                         **{m: rules[m] for m in ("support", "confidence", "lift")}})


def _co_occurrence_top_k(world, k: int = 10) -> pd.DataFrame:
    bought = world.interactions[world.interactions["event"] == "bought"]
    users, items = np.unique(bought["user_id"]), np.unique(world.products["product_id"])
    m = np.zeros((len(users), len(items)))
    m[np.searchsorted(users, bought["user_id"]), np.searchsorted(items, bought["product_id"])] = 1
    sim = m.T @ m
    np.fill_diagonal(sim, 0)
    scores = m @ sim
    scores[m > 0] = -np.inf
    rows = []
    for u, user in enumerate(users):
        for rank, j in enumerate(np.argsort(-scores[u], kind="stable")[:k], start=1):
            rows.append({"src": user, "dst": items[j], "score": float(scores[u, j]), "rank": rank,
                         "model": "cooc-test"})
    return pd.DataFrame(rows)


def _fill(store, world) -> None:
    from kgmine.graph.build import build_tables

    store.load(build_tables(world, _extracted(world)), progress=False)
    store.upsert_edges("FREQUENTLY_BOUGHT_WITH", "Product", "Product", _rules(world))
    store.upsert_edges("RECOMMENDED", "User", "Product", _co_occurrence_top_k(world))


@pytest.fixture(scope="module")
def store_dir(small_world, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("explorer") / "store"
    with open_store("ladybug", path=path) as store:
        _fill(store, small_world)
    return path


@pytest.fixture(scope="module")
def reader(store_dir):
    with open_store("ladybug", path=store_dir, read_only=True) as store:
        yield store


@pytest.fixture(scope="module")
def explorer(store_dir):
    from kgmine.serve import open_explorer

    ex = open_explorer(store_dir)
    yield ex
    ex.close()


@pytest.fixture(scope="module")
def neo4j_store(small_world):
    """The same graph in the Neo4j server of NEO4J_URI (.ci/run starts one); emptied before and after."""
    if not os.environ.get("NEO4J_URI"):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI must run the Neo4j explorer tests: NEO4J_URI is not set")
        pytest.skip("NEO4J_URI is not set (start a server with docker/neo4j-server.sh start)")
    store = open_store("neo4j", progress=False)
    store.clear()
    _fill(store, small_world)
    yield store
    store.clear()
    store.close()


@pytest.fixture(params=["ladybug", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def backend(request, explorer, reader):
    """(explorer, reader) over the embedded store, then over Neo4j holding the same graph."""
    if request.param == "ladybug":
        return explorer, reader
    from kgmine.serve.explorer import Explorer

    store = request.getfixturevalue("neo4j_store")
    return Explorer(store), store


@pytest.fixture(scope="module")
def client(explorer):
    from fastapi.testclient import TestClient

    from kgmine.serve import create_app

    with TestClient(create_app(explorer), base_url="http://127.0.0.1") as c:
        yield c


@pytest.fixture(scope="module")
def showcase(reader) -> dict:
    """A product that has rules and is recommended, and one of the users it is recommended to."""
    row = reader.query(
        "MATCH (u:User)-[:RECOMMENDED]->(p:Product)-[:FREQUENTLY_BOUGHT_WITH]->(q:Product) "
        "RETURN p.id AS pid, p.title AS title, count(DISTINCT u.id) AS n ORDER BY n DESC, pid LIMIT 1").iloc[0]
    user = reader.query("MATCH (u:User)-[r:RECOMMENDED]->(p:Product {id: $p}) RETURN u.id AS uid ORDER BY r.rank, uid "
                        "LIMIT 1", {"p": row["pid"]})["uid"].iloc[0]
    return {"product": row["pid"], "title": row["title"], "user": user}


# ---------------------------------------------------------------------------- the views


def test_search_finds_titles_ids_and_users(backend, showcase):
    explorer, reader = backend
    word = showcase["title"].split()[-1].strip("()").lower()
    hits = explorer.search(word, limit=200)
    titles = reader.query("MATCH (p:Product) RETURN p.id AS id, p.title AS t")
    expected = {i for i, t in zip(titles["id"], titles["t"]) if word in tokens(t)}
    assert expected and {h["id"] for h in hits if h["kind"] == "Product"} == expected
    exact = explorer.search(showcase["product"].lower())
    assert (exact[0]["kind"], exact[0]["id"], exact[0]["name"]) == ("Product", showcase["product"], showcase["title"])
    assert explorer.search(showcase["user"])[0]["kind"] == "User"
    assert explorer.search("   ") == []


def test_neighbourhood_matches_the_store(backend, showcase):
    explorer, reader = backend
    pid = showcase["product"]
    graph = explorer.neighbourhood("Product", pid, per_type=5, budget=1000)  # per_type alone (no budget cut)
    assert graph["centre"] == f"Product:{pid}"
    keys = {n["id"] for n in graph["nodes"]}
    assert all(e["from"] in keys and e["to"] in keys for e in graph["edges"])
    by_type = {(t["type"], t["direction"]): t for t in graph["types"]}
    buyers = reader.query("MATCH (u:User)-[:BOUGHT]->(p:Product {id: $p}) RETURN count(u) AS n", {"p": pid})["n"][0]
    assert by_type[("BOUGHT", "in")]["total"] == buyers
    assert by_type[("BOUGHT", "in")]["shown"] == min(5, buyers)
    assert sum(e["kgType"] == "BOUGHT" and not e.get("more") for e in graph["edges"]) == min(5, buyers)
    brand = reader.query("MATCH (p:Product {id: $p})-[:HAS_BRAND]->(b:Brand) RETURN b.id AS b", {"p": pid})["b"][0]
    assert {"from": f"Product:{pid}", "to": f"Brand:{brand}"}.items() <= next(
        e for e in graph["edges"] if e["kgType"] == "HAS_BRAND").items()
    with pytest.raises(KeyError):
        explorer.neighbourhood("Product", "no-such-product")


def _busiest(reader, label: str = "Product") -> str:
    """The id of the ``label`` node with the most relationships."""
    return reader.query(f"MATCH (n:{label})-[r]-() RETURN n.id AS id, count(r) AS n ORDER BY n DESC, id LIMIT 1")["id"][0]


def _group_ids(graph: dict, type_: str, direction: str) -> set:
    """Neighbour node ids of one relationship group in a neighbourhood graph (its "+K more" node left out)."""
    end, other = ("from", "to") if direction == "out" else ("to", "from")
    return {e[other] for e in graph["edges"]
            if e["kgType"] == type_ and e[end] == graph["centre"] and not e.get("more")}


def test_neighbourhood_splits_a_node_budget_and_summarises_the_rest(backend):
    from kgmine.serve.explorer import more_id

    explorer, reader = backend
    pid, budget, per_type = _busiest(reader), 20, 50
    graph = explorer.neighbourhood("Product", pid, per_type=per_type, budget=budget)
    groups = graph["types"]
    assert len(groups) >= 4 and sum(t["total"] for t in groups) > 2 * budget
    assert len(graph["nodes"]) - 1 <= budget + len(groups)
    nodes = {n["id"]: n for n in graph["nodes"]}
    cut_levels = []
    for t in groups:
        arrow = "-[r:{}]->" if t["direction"] == "out" else "<-[r:{}]-"
        pattern = f"(p:Product {{id: $p}}){arrow.format(t['type'])}(b:{t['other']})"
        total = reader.query(f"MATCH {pattern} WHERE b.id <> p.id RETURN count(b) AS n", {"p": pid})["n"][0]
        assert t["total"] == total
        assert len(_group_ids(graph, t["type"], t["direction"])) == t["shown"] >= min(3, total)
        more = nodes.get(more_id(graph["centre"], t["type"], t["direction"], t["other"]))
        if t["total"] > t["shown"]:
            assert more["group"] == "More" and more["label"] == f"+{total - t['shown']} more {t['other']}"
            assert more["more"] == {"centre": graph["centre"],
                                    **{k: t[k] for k in ("type", "direction", "other", "total", "shown")}}
            assert [e["kgType"] for e in graph["edges"] if e.get("more") and more["id"] in (e["from"], e["to"])
                    and graph["centre"] in (e["from"], e["to"])] == [t["type"]]
            if t["shown"] < min(total, per_type):
                cut_levels.append(t["shown"])
        else:
            assert more is None
    # the budget binds, the largest groups were cut first: every cut group is left at (about) the same level
    assert cut_levels and max(cut_levels) - min(cut_levels) <= 1
    assert sum(t["shown"] for t in groups) <= budget + len(groups)
    assert all(t["shown"] <= max(cut_levels) + 1 for t in groups)

    # expanding one cut group shows all its neighbours, outside the budget
    t = max(groups, key=lambda g: g["total"] - g["shown"])
    wide = explorer.neighbourhood("Product", pid, per_type=per_type, budget=budget,
                                  expand=(t["type"], t["direction"], t["total"], t["other"]))
    grown = next(g for g in wide["types"] if (g["type"], g["direction"], g["other"]) == (t["type"], t["direction"], t["other"]))
    assert grown["shown"] == grown["total"] == t["total"] > t["shown"]
    assert _group_ids(graph, t["type"], t["direction"]) < _group_ids(wide, t["type"], t["direction"])
    assert more_id(graph["centre"], t["type"], t["direction"], t["other"]) not in {n["id"] for n in wide["nodes"]}
    for bad in [(t["type"], "sideways", 5), ("WROTE", "out", 5), (t["type"], t["direction"], 0)]:
        with pytest.raises(ValueError):
            explorer.neighbourhood("Product", pid, expand=bad)


def test_groups_of_one_type_from_two_labels_get_a_box_each():
    # MENTIONS into a brand come from reviews and from products: two groups, two "+K more" boxes
    from kgmine.serve.explorer import _GraphBuilder

    graph = _GraphBuilder("Brand", "b1", "B One")
    for other in ("Review", "Product"):
        rows = [{"id": f"{other[0]}{i}", "name": f"{other} {i}", "attrs": {}} for i in range(3)]
        graph.add_group(("MENTIONS", "in", other, "id"), rows, total=10)
    boxes = {n["id"]: n for n in graph.result()["nodes"] if n.get("group") == "More"}
    assert sorted(boxes) == ["more:Brand:b1:MENTIONS:in:Product", "more:Brand:b1:MENTIONS:in:Review"]
    assert {b["label"] for b in boxes.values()} == {"+7 more Review", "+7 more Product"}


def test_product_recommendations_and_similar_items_come_from_the_graph(backend, showcase):
    explorer, reader = backend
    pid = showcase["product"]
    view = explorer.product(pid, k=50)
    rules = reader.query("MATCH (p:Product {id: $p})-[f:FREQUENTLY_BOUGHT_WITH]->(q:Product) RETURN q.id AS q, "
                         "f.lift AS lift ORDER BY lift DESC", {"p": pid})
    assert [r["id"] for r in view["bought_with"]] == list(rules["q"])[:50]
    to = reader.query("MATCH (u:User)-[:RECOMMENDED]->(p:Product {id: $p}) RETURN u.id AS u", {"p": pid})
    assert {r["user"] for r in view["recommended_to"]} == set(to["u"]) or len(to) > 50
    assert view["recommended_with"] and all(r["users"] >= 1 for r in view["recommended_with"])
    brand = view["product"]["brands"][0]["id"]
    same_brand = set(reader.query("MATCH (p:Product)-[:HAS_BRAND]->(b:Brand {id: $b}) WHERE p.id <> $p "
                                  "RETURN p.id AS id", {"b": brand, "p": pid})["id"])
    top = view["similar"][0]
    assert top["id"] in same_brand and "brand" in top["shared"]
    scores = [s["score"] for s in view["similar"]]
    assert scores == sorted(scores, reverse=True)


def test_every_explanation_path_exists_in_the_store(backend, showcase):
    explorer, reader = backend
    view = explorer.user(showcase["user"])
    assert view["recommendations"], "the showcase user has RECOMMENDED edges"
    explained = [r for r in view["recommendations"] if r["path"]]
    assert explained
    for rec in explained:
        path = rec["path"]
        assert path[0]["src"] == f"User:{showcase['user']}" and path[0]["rel"] in ("BOUGHT", "RATED")
        assert f"Product:{rec['id']}" in {path[-1]["src"], path[-1]["dst"]}
        for step in path:
            (sl, sid), (dl, did) = step["src"].split(":", 1), step["dst"].split(":", 1)
            n = reader.query(f"MATCH (a:{sl} {{id: $a}})-[r:{step['rel']}]->(b:{dl} {{id: $b}}) RETURN count(r) AS n",
                             {"a": sid, "b": did})["n"][0]
            assert n == 1, step
            assert step["src"] in view["names"] and step["dst"] in view["names"]


def test_shared_attribute_paths_pair_the_bought_product_with_its_own_value(backend, showcase):
    """The explorer's last pattern comes from the one engine (recommend.serve.explain): its paths are stored."""
    from kgmine.recommend.serve import path_exists

    explorer, reader = backend
    products = reader.query("MATCH (p:Product) RETURN p.id AS id ORDER BY id")["id"].tolist()
    found = explorer.explain(showcase["user"], products)
    shared = [e for e in found.values() if e["path"][-1]["rel"] == "HAS_ATTRIBUTE"]
    assert shared
    assert all(path_exists(reader, e["path"]) for e in shared)
    assert all("which has the same" in e["text"] for e in shared)


def test_user_purchases_count_repeat_buys(backend, showcase, small_world):
    explorer, _ = backend
    view = explorer.user(showcase["user"], k=1000)
    inter = small_world.interactions
    bought = inter[(inter["event"] == "bought") & (inter["user_id"] == showcase["user"])]
    expected = bought.groupby("product_id").size()
    assert {r["id"]: r["purchases"] for r in view["bought"]} == expected.to_dict()
    latest = bought.groupby("product_id")["timestamp"].max()
    assert all(r["timestamp"] == latest[r["id"]] for r in view["bought"])


def test_free_query_is_read_only(backend):
    explorer, reader = backend
    before = reader.query("MATCH (p:Product) RETURN sum(p.price) AS s")["s"][0]
    result = explorer.run_query("MATCH (p:Product) RETURN p.id AS id ORDER BY id LIMIT $k", {"k": 3})
    assert result["columns"] == ["id"] and len(result["rows"]) == 3 and not result["truncated"]
    for cypher in ("MATCH (p:Product) SET p.price = 0", "MATCH (p:Product) DETACH DELETE p",
                   "CREATE (:Brand {id: 'x'})", "MERGE (b:Brand {id: 'y'}) RETURN b.id"):
        with pytest.raises(StoreError) as refused:
            explorer.run_query(cypher)
        if explorer.store.name == "ladybug":  # refused before running; Neo4j refuses inside a READ transaction
            assert "writes" in str(refused.value)
    assert reader.query("MATCH (p:Product) RETURN sum(p.price) AS s")["s"][0] == before
    small = type(explorer)(explorer.store, max_rows=4)
    capped = small.run_query("MATCH (p:Product) RETURN p.id AS id")
    assert capped["truncated"] and len(capped["rows"]) == 4 and capped["total"] == len(
        reader.query("MATCH (p:Product) RETURN p.id AS id"))


# ---------------------------------------------------------------------------- HTTP API


def test_api_routes(client, showcase):
    summary = client.get("/api/summary").json()
    assert summary["store"] == "ladybug" and summary["nodes"]["Product"] > 0
    assert client.get("/api/search", params={"q": showcase["product"]}).json()[0]["id"] == showcase["product"]
    product = client.get(f"/api/product/{showcase['product']}").json()
    assert product["product"]["id"] == showcase["product"] and product["bought_with"]
    assert client.get(f"/api/user/{showcase['user']}").json()["recommendations"]
    assert client.get(f"/api/graph/Product/{showcase['product']}").json()["edges"]
    assert client.get("/api/product/nope").status_code == 404
    assert client.get("/api/graph/Nope/x").status_code == 400
    graph = f"/api/graph/Product/{showcase['product']}"
    assert client.get(graph, params={"expand": "BOUGHT:in", "expand_limit": 2}).json()["types"]
    assert client.get(graph, params={"expand": "BOUGHT:sideways"}).status_code == 422
    assert client.get(graph, params={"expand": "BOUGHT:in", "expand_limit": 0}).status_code == 422
    assert "no WROTE" in client.get(graph, params={"expand": "WROTE:out"}).json()["error"]
    names = {q["name"] for q in client.get("/api/queries").json()}
    assert "top_brands" in names
    ok = client.post("/api/query", json={"cypher": "MATCH (b:Brand) RETURN count(b) AS n"})
    assert ok.status_code == 200 and ok.json()["rows"][0][0] > 0
    refused = client.post("/api/query", json={"cypher": "MATCH (b:Brand) DELETE b"})
    assert refused.status_code == 400 and "writes" in refused.json()["error"]
    assert client.post("/api/query", json={"cypher": "MATCH (b:Brand RETURN b"}).status_code == 400
    assert client.post("/api/query", json={"cypher": ""}).status_code == 400


def test_page_and_assets_are_served_locally(client):
    page = client.get("/").text
    assert "/vendor/vis-network/vis-network.min.js" in page
    assert "http://" not in page and "https://" not in page
    js = client.get("/vendor/vis-network/vis-network.min.js")
    assert js.status_code == 200 and len(js.content) > 100_000
    app_js = client.get("/static/app.js").text
    assert "https://" not in app_js and "fetch(\"http" not in app_js


def test_serve_command_errors_are_one_line(tmp_path):
    import typer
    from typer.testing import CliRunner

    from kgmine.commands import serve

    app = typer.Typer()
    serve.register(app)
    app.command("noop")(lambda: None)  # two commands, so the group keeps its command names
    result = CliRunner().invoke(app, ["serve", "--store", str(tmp_path / "missing")])
    assert result.exit_code == 1 and "no such store directory" in result.output
    result = CliRunner().invoke(app, ["serve", "--store", str(tmp_path), "--kind", "sqlite"])
    assert result.exit_code == 2 and "--kind" in result.output and "'sqlite' is not one of" in result.output


# ---------------------------------------------------------------------------- browser


@pytest.fixture(scope="module")
def live_url(store_dir):
    """`kgmine serve` on a free local port (uvicorn in a thread), stopped after the module."""
    from kgmine.serve import open_explorer

    with running_explorer(open_explorer(store_dir)) as url:
        yield url


@pytest.fixture(scope="module")
def driver(needs_browser):
    from kgmine.report.browser import chromium_driver

    d = chromium_driver()
    yield d
    d.quit()


def _wait(driver, condition, timeout: float = 20.0):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(condition)


def _shown(driver, element_id: str):
    """The element once it is displayed and enabled (the views are in the page from the start, shown only once
    the router has run: typing into one before that raises ElementNotInteractable)."""
    from selenium.webdriver.common.by import By

    def ready(d):
        element = d.find_element(By.ID, element_id)
        return element if element.is_displayed() and element.is_enabled() else False
    return _wait(driver, ready)


def _rows(driver, table_id: str) -> list:
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, f"#{table_id} tbody tr")


def test_browser_search_open_product_see_recommendations_run_query(driver, live_url, reader, showcase, tmp_path):
    from selenium.webdriver.common.by import By

    driver.get(live_url + "/")
    _wait(driver, lambda d: "ladybug store" in d.find_element(By.ID, "store-summary").text)

    # search a product by its title and open it from the result list
    box = driver.find_element(By.ID, "search-input")
    box.send_keys(showcase["title"])
    driver.find_element(By.ID, "search-button").click()
    result = f"#search-results li[data-id='{showcase['product']}']"
    hit = _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, result))
    hit[0].click()
    _wait(driver, lambda d: d.find_element(By.ID, "detail-title").text == showcase["title"])

    # its neighbourhood graph is drawn (vis-network canvas) and its recommendations are listed
    _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#graph canvas"))
    rules = reader.query("MATCH (p:Product {id: $p})-[:FREQUENTLY_BOUGHT_WITH]->(q:Product) RETURN count(q) AS n",
                         {"p": showcase["product"]})["n"][0]
    _wait(driver, lambda d: len(_rows(d, "bought-with-table")) == min(rules, 10))
    assert _rows(driver, "recommendations-table") and _rows(driver, "similar-table")
    assert "RECOMMENDED" in driver.find_element(By.ID, "graph-legend").text
    driver.save_screenshot(str(tmp_path / "explorer_product.png"))

    # a user it is recommended to: their recommendations with explanation paths, one drawn as a graph
    to_user = f"#recommended-to-table a[href='#user/{showcase['user']}']"
    link = _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, to_user))
    link[0].click()
    _wait(driver, lambda d: d.find_element(By.ID, "detail-title").text == showcase["user"])
    _wait(driver, lambda d: len(_rows(d, "recommendations-table")) > 0)
    buttons = driver.find_elements(By.CSS_SELECTOR, "#recommendations-table button.show-path")
    assert buttons
    buttons[0].click()
    _wait(driver, lambda d: d.find_element(By.ID, "graph-legend").text.startswith("why:"))

    # a read-only Cypher query shows a table with the store's rows; a write is refused on the page
    driver.find_element(By.ID, "nav-query").click()
    query = _shown(driver, "query-input")
    query.clear()
    query.send_keys("MATCH (p:Product)-[:HAS_BRAND]->(b:Brand) RETURN b.name AS brand, count(p) AS n "
                    "ORDER BY n DESC, brand LIMIT 5")
    driver.find_element(By.ID, "query-run").click()
    _wait(driver, lambda d: len(_rows(d, "query-table")) == 5)
    expected = reader.query("MATCH (p:Product)-[:HAS_BRAND]->(b:Brand) RETURN b.name AS brand, count(p) AS n "
                            "ORDER BY n DESC, brand LIMIT 5")
    first = _rows(driver, "query-table")[0].find_elements(By.TAG_NAME, "td")
    assert [c.text for c in first] == [expected["brand"][0], str(expected["n"][0])]
    query.clear()
    query.send_keys("MATCH (p:Product) SET p.price = 0 RETURN p.id")
    driver.find_element(By.ID, "query-run").click()
    error = _wait(driver, lambda d: d.find_elements(By.ID, "query-error"))
    assert "writes" in error[0].text
    assert reader.query("MATCH (p:Product) WHERE p.price = 0 RETURN count(p) AS n")["n"][0] == 0

    severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE" and "/api/query" not in e["message"]]
    assert not severe, severe


def test_an_older_read_only_store_without_a_newer_table_still_shows_neighbourhoods(tmp_path):
    """A store written before VIEWED existed, opened read-only, has no VIEWED table: the views skip it."""
    from kgmine.serve import open_explorer

    path = tmp_path / "old"
    with open_store("ladybug", path=path) as store:
        store.create_schema()
        store.upsert_nodes("User", pd.DataFrame({"id": ["u1"]}))
        store.upsert_nodes("Product", pd.DataFrame({"id": ["p1"]}))
        store.upsert_edges("BOUGHT", "User", "Product", pd.DataFrame({"src": ["u1"], "dst": ["p1"]}))
        store.query("DROP TABLE VIEWED", write=True)
    explorer = open_explorer(path)
    try:
        graph = explorer.neighbourhood("User", "u1")
        assert [(t["type"], t["total"]) for t in graph["types"]] == [("BOUGHT", 1)]
        assert explorer.user("u1")["bought"][0]["id"] == "p1"
    finally:
        explorer.close()


_PATHS = ("MATCH t=(p:Product)-[:HAS_BRAND]->(b:Brand) WITH t, p ORDER BY p.id LIMIT 3 RETURN t")


def test_query_nodes_and_paths_come_back_clean_and_as_a_graph(backend):
    explorer, reader = backend
    result = explorer.run_query(_PATHS)
    text = json.dumps(result["rows"])
    assert "_ID" not in text and "offset" not in text and "null" not in text
    first = result["rows"][0][0]["_path"]
    assert [n["_label"] for n in first] == ["Product", "Brand"] and "name" not in first[0]
    expected = reader.query("MATCH (p:Product)-[:HAS_BRAND]->(b:Brand) WITH p, b ORDER BY p.id LIMIT 3 "
                            "RETURN p.id AS p, b.id AS b")
    edges = {(e["from"], e["to"], e["label"]) for e in result["graph"]["edges"]}
    assert edges == {(f"Product:{p}", f"Brand:{b}", "HAS_BRAND") for p, b in zip(expected["p"], expected["b"])}
    assert {n["id"] for n in result["graph"]["nodes"]} == ({f"Product:{p}" for p in expected["p"]}
                                                          | {f"Brand:{b}" for b in expected["b"]})
    assert explorer.run_query("MATCH (p:Product) RETURN p.id AS id LIMIT 2")["graph"]["nodes"] == []


def test_browser_draws_a_path_query_as_a_graph(driver, live_url, tmp_path):
    from selenium.webdriver.common.by import By

    driver.get(live_url + "/#query")
    query = _shown(driver, "query-input")
    query.clear()
    query.send_keys(_PATHS)
    driver.find_element(By.ID, "query-run").click()
    _wait(driver, lambda d: len(_rows(d, "query-table")) == 3)
    _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#query-graph canvas"))
    box = driver.find_element(By.ID, "query-graph")
    assert int(box.get_attribute("data-edges")) == 3
    assert "HAS_BRAND" in driver.find_element(By.ID, "query-graph-legend").text
    assert "_ID" not in driver.find_element(By.ID, "query-table").text
    driver.save_screenshot(str(tmp_path / "explorer_path_query.png"))
    if os.environ.get("KGMINE_SCREENSHOT_DIR"):
        driver.save_screenshot(os.path.join(os.environ["KGMINE_SCREENSHOT_DIR"], "path_query.png"))


def test_search_is_token_based_ranked_and_covers_every_kind(backend):
    explorer, reader = backend
    titles = reader.query("MATCH (p:Product) RETURN p.id AS id, p.title AS t")
    pairs = Counter()
    for t in titles["t"]:
        toks = list(dict.fromkeys(tokens(t)))
        pairs.update((a, b) for i, a in enumerate(toks) for b in toks[i + 1:] if len(a) > 3 and len(b) > 3)
    (a, b), n_both = pairs.most_common(1)[0]
    both = {i for i, t in zip(titles["id"], titles["t"]) if {a, b} <= set(tokens(t))}
    assert len(both) == n_both >= 2
    # the words in the reverse order, not adjacent in most titles: every node holding both comes first
    hits = explorer.search(f"{b} {a}", limit=200)
    assert {h["id"] for h in hits[:len(both)]} == both
    assert all(h["matched"] == 2 for h in hits[:len(both)]) and hits[len(both)]["matched"] == 1
    scores = [h["score"] for h in hits[:len(both)]]
    assert scores == sorted(scores, reverse=True)
    brand = reader.query("MATCH (b:Brand) RETURN b.id AS id, b.name AS name ORDER BY id LIMIT 1")
    found = explorer.search(brand["name"][0], limit=200)
    assert ("Brand", brand["id"][0]) in {(h["kind"], h["id"]) for h in found}
    value = reader.query("MATCH (v:AttributeValue) RETURN v.id AS id, v.value AS v ORDER BY id LIMIT 1")
    assert ("AttributeValue", value["id"][0]) in {(h["kind"], h["id"]) for h in explorer.search(value["v"][0], 200)}


def test_browser_searches_two_words_and_opens_a_brand_page(driver, live_url, reader, showcase):
    from selenium.webdriver.common.by import By

    brand = reader.query("MATCH (p:Product {id: $p})-[:HAS_BRAND]->(b:Brand) RETURN b.id AS id, b.name AS name",
                         {"p": showcase["product"]})
    bid, name = brand["id"][0], brand["name"][0]
    n_products = reader.query("MATCH (p:Product)-[:HAS_BRAND]->(b:Brand {id: $b}) RETURN count(p) AS n", {"b": bid})["n"][0]
    driver.get(live_url + "/")
    box = _wait(driver, lambda d: d.find_element(By.ID, "search-input"))
    box.clear()
    box.send_keys(name)
    driver.find_element(By.ID, "search-button").click()
    hit = _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, f"#search-results li[data-kind='Brand'][data-id='{bid}']"))
    hit[0].click()
    _wait(driver, lambda d: d.find_element(By.ID, "detail-title").text == name)
    assert driver.find_element(By.ID, "detail-kind").text == "Brand"
    _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#graph canvas"))
    assert len(_rows(driver, "rel-HAS_BRAND-in-Product-table")) == min(n_products, 25)
    assert "HAS_BRAND" in driver.find_element(By.ID, "graph-legend").text
    if os.environ.get("KGMINE_SCREENSHOT_DIR"):
        time.sleep(1.5)
        driver.save_screenshot(os.path.join(os.environ["KGMINE_SCREENSHOT_DIR"], "brand.png"))
        driver.get(live_url + f"/#product/{showcase['product']}")
        _wait(driver, lambda d: d.find_element(By.ID, "detail-title").text == showcase["title"])
        time.sleep(2)
        driver.save_screenshot(os.path.join(os.environ["KGMINE_SCREENSHOT_DIR"], "product.png"))


def test_browser_graph_colours_edge_labels_and_legend_after_expanding(driver, live_url, reader, showcase):
    from selenium.webdriver.common.by import By

    driver.get(live_url + f"/#product/{showcase['product']}")
    _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#graph canvas"))
    colours = driver.execute_script("return REL_COLOURS")
    rgb = {t: tuple(int(c[i:i + 2], 16) for i in (1, 3, 5)) for t, c in colours.items()}
    gap = min(sum((x - y) ** 2 for x, y in zip(rgb[a], rgb[b])) ** 0.5 for a in rgb for b in rgb if a < b)
    assert gap >= 40, f"two relationship colours are {gap:.0f} apart in RGB"
    # interaction types are far apart (they were three near-identical greens)
    trio = [rgb[t] for t in ("BOUGHT", "RATED", "REVIEWED")]
    assert min(sum((x - y) ** 2 for x, y in zip(a, b)) ** 0.5 for i, a in enumerate(trio) for b in trio[i + 1:]) >= 100
    labelled = driver.execute_script("return graphEdges.get().filter((e) => e.label).length")
    assert labelled == driver.execute_script("return graphEdges.length") > 0
    brand = reader.query("MATCH (p:Product {id: $p})-[:HAS_BRAND]->(b:Brand) RETURN b.id AS id", {"p": showcase["product"]})
    # go to a brand page (legend: Brand, Product, HAS_BRAND only), then expand one of its products
    driver.get(live_url + f"/#node/Brand/{brand['id'][0]}")
    centre = f"Brand:{brand['id'][0]}"
    _wait(driver, lambda d: d.execute_script("const n = graphNodes && graphNodes.get(arguments[0]); "
                                             "return Boolean(n && n.centre)", centre))
    assert "IN_CATEGORY" not in driver.find_element(By.ID, "graph-legend").text
    driver.execute_script("network.body.emitter.emit('doubleClick', {nodes: [arguments[0]]})",
                          f"Product:{showcase['product']}")
    _wait(driver, lambda d: "IN_CATEGORY" in d.find_element(By.ID, "graph-legend").text)
    assert "Category" in driver.find_element(By.ID, "graph-legend").text


def test_query_translates_type_for_ladybug_and_explains_other_spellings(explorer, reader):
    result = explorer.run_query("MATCH (p:Product)-[r]->(b:Brand) RETURN type(r) AS t, 'type(x)' AS s LIMIT 1")
    assert result["rows"] == [["HAS_BRAND", "type(x)"]] and result["translated"] == ["type(…) → label(…)"]
    with pytest.raises(StoreError, match="SHORTEST"):
        explorer.run_query("MATCH p = shortestPath((a:Product)-[*..3]-(b:Brand)) RETURN p LIMIT 1")


_FITTED = "return document.getElementById('graph').dataset.fitted === '1'"

_MORE_BOXES = """
const net = window.kgNetwork, scale = net.getScale();
return graphNodes.get().map((n) => ({id: n.id, more: n.more || null, px: net.body.nodes[n.id].options.font.size * scale,
  drawn: net.body.nodes[n.id].labelModule.lines.map((l) => l.blocks.map((b) => b.text).join('')).join(' ')}));
"""


def _open_graph(driver, url: str) -> None:
    """Load ``url`` (a fresh page) and wait until its graph is drawn and fitted."""
    driver.get(url)
    driver.refresh()
    _wait(driver, lambda d: d.execute_script(_FITTED))


def _page_group(driver, centre: str, type_: str, direction: str) -> set:
    """Neighbour ids of one relationship group as drawn on the page."""
    return set(driver.execute_script(
        "const [c, t, d] = arguments; return graphEdges.get().filter((e) => e.kgType === t && !e.more && "
        "(d === 'out' ? e.from : e.to) === c).map((e) => (d === 'out' ? e.to : e.from))", centre, type_, direction))


def _store_group(reader, label: str, node_id: str, type_: str, direction: str, other: str) -> set:
    arrow = "-[:{}]->" if direction == "out" else "<-[:{}]-"
    frame = reader.query(f"MATCH (a:{label} {{id: $id}}){arrow.format(type_)}(b:{other}) WHERE b.id <> a.id "
                         "RETURN b.id AS id", {"id": node_id})
    return {f"{other}:{i}" for i in frame["id"]}


def _click_node(driver, node_id: str) -> None:
    """A real mouse click on the centre of ``node_id`` as drawn in the page's graph."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    canvas = driver.find_element(By.CSS_SELECTOR, "#graph canvas")
    x, y = driver.execute_script("const p = kgNetwork.canvasToDOM(kgNetwork.getPosition(arguments[0])); "
                                 "return [p.x, p.y]", node_id)
    size = canvas.size
    ActionChains(driver).move_to_element_with_offset(canvas, int(x - size["width"] / 2),
                                                     int(y - size["height"] / 2)).click().perform()


def test_browser_big_page_keeps_the_budget_labels_more_boxes_and_expands_one(driver, live_url, reader):
    from selenium.webdriver.common.by import By

    from kgmine.serve.explorer import NODE_BUDGET

    pid = _busiest(reader)
    degree = reader.query("MATCH (p:Product {id: $p})-[r]-() RETURN count(r) AS n", {"p": pid})["n"][0]
    assert degree > 2 * NODE_BUDGET
    _open_graph(driver, live_url + f"/#product/{pid}")
    centre = f"Product:{pid}"
    types = driver.execute_script("return graphNodes.get().filter((n) => n.more).map((n) => n.more)")
    groups = driver.execute_script("return [...new Set(graphEdges.get().filter((e) => !e.more).map((e) => "
                                   "e.kgType + (e.from === arguments[0] ? ':out' : ':in')))].length", centre)
    boxes = driver.execute_script(_MORE_BOXES)
    assert len(boxes) - 1 <= NODE_BUDGET + groups and types
    # every label is drawn at >= 11 px once the graph is fitted to the page
    assert min(b["px"] for b in boxes if not b["more"]) >= 11, sorted(b["px"] for b in boxes)[:3]
    for box in (b for b in boxes if b["more"]):
        m = box["more"]
        other = box["drawn"].rsplit(" ", 1)[-1]
        total = len(_store_group(reader, "Product", pid, m["type"], m["direction"], other))
        shown = len(_page_group(driver, centre, m["type"], m["direction"]))
        assert box["drawn"] == f"+{total - shown} more {other}" and total - shown > 0
    # click the box of the largest hidden group: its neighbours come in place of the box
    box = max((b for b in boxes if b["more"]), key=lambda b: b["more"]["total"] - b["more"]["shown"])
    m = box["more"]
    before = _page_group(driver, centre, m["type"], m["direction"])
    _click_node(driver, box["id"])
    other = box["drawn"].rsplit(" ", 1)[-1]
    store = _store_group(reader, "Product", pid, m["type"], m["direction"], other)
    want = min(len(store), len(before) + 25)
    _wait(driver, lambda d: len(_page_group(d, centre, m["type"], m["direction"])) == want and d.execute_script(_FITTED))
    after = _page_group(driver, centre, m["type"], m["direction"])
    assert before < after <= store
    left = [b for b in driver.execute_script(_MORE_BOXES) if b["id"] == box["id"]]
    assert [b["drawn"] for b in left] == ([f"+{len(store) - want} more {other}"] if len(store) > want else [])
    legend = driver.find_element(By.ID, "graph-legend").text
    assert (f"{want} of {len(store)} {m['type']} ({m['direction']}, {m['other']})" in legend) == (len(store) > want)
    # the re-laid-out nodes keep their kind's colour (vis-network's own group styles once took over)
    wrong = driver.execute_script("return graphNodes.get().filter((n) => !n.more && kgNetwork.body.nodes[n.id]"
                                  ".options.color.background !== COLOURS[n.kgGroup]).map((n) => n.id)")
    assert wrong == []


def _panel(driver, panel_id: str) -> tuple[str, set]:
    """The note of a relationship panel and the node keys its table's rows link to."""
    from selenium.webdriver.common.by import By

    from urllib.parse import unquote

    note = driver.find_element(By.CSS_SELECTOR, f"#{panel_id} p.muted").text
    keys = set()
    for link in driver.find_elements(By.CSS_SELECTOR, f"#{panel_id}-table tbody tr a.node-link"):
        page, *rest = link.get_attribute("href").split("#", 1)[1].split("/")
        keys.add(f"{page.capitalize()}:{unquote(rest[0])}" if page in ("product", "user")
                 else f"{unquote(rest[0])}:{unquote('/'.join(rest[1:]))}")
    return note, keys


@pytest.fixture(scope="module")
def tight_url(store_dir):
    """A second explorer over the same store with a node budget of 5 neighbours (the small world's brands
    have about ten products: fewer than the page's 30)."""
    from kgmine.serve import open_explorer

    with running_explorer(open_explorer(store_dir, budget=5)) as url:
        yield url


def test_browser_more_box_on_a_brand_page_updates_its_panel(driver, tight_url, reader):
    from kgmine.serve.explorer import more_id

    top = reader.query("MATCH (p:Product)-[:HAS_BRAND]->(b:Brand) RETURN b.id AS id, count(p) AS n "
                       "ORDER BY n DESC, id LIMIT 1").iloc[0]
    bid, total = top["id"], int(top["n"])
    centre, panel = f"Brand:{bid}", "rel-HAS_BRAND-in-Product"
    _open_graph(driver, tight_url + f"/#node/Brand/{bid}")
    before = _page_group(driver, centre, "HAS_BRAND", "in")
    note, rows = _panel(driver, panel)
    assert rows == before and len(before) < total and note.endswith(f": {len(before)} of {total}")
    _click_node(driver, more_id(centre, "HAS_BRAND", "in", "Product"))
    want = min(total, len(before) + 25)
    _wait(driver, lambda d: len(_page_group(d, centre, "HAS_BRAND", "in")) == want and d.execute_script(_FITTED))
    shown = _page_group(driver, centre, "HAS_BRAND", "in")
    note, rows = _panel(driver, panel)
    assert before < shown == rows <= _store_group(reader, "Brand", bid, "HAS_BRAND", "in", "Product")
    assert note.endswith(f": {want} of {total}" if want < total else f": {total}")
    assert more_id(centre, "HAS_BRAND", "in", "Product") not in driver.execute_script("return graphNodes.getIds()")


def test_browser_double_click_brings_the_neighbours_more_boxes_and_one_expands_it(driver, live_url, reader, explorer):
    from urllib.parse import quote

    from kgmine.serve.explorer import more_id

    bid = reader.query("MATCH (p:Product {id: $p})-[:HAS_BRAND]->(b:Brand) RETURN b.id AS id",
                       {"p": _busiest(reader)})["id"][0]
    centre = f"Brand:{bid}"
    _open_graph(driver, live_url + f"/#node/Brand/{bid}")
    page_boxes = set(driver.execute_script("return graphNodes.getIds({filter: (n) => Boolean(n.more)})"))
    drawn = sorted(_page_group(driver, centre, "HAS_BRAND", "in"))
    # a drawn product whose own neighbourhood (8 per group, as a double-click reads it) has cut groups
    pid, cut = next((key.split(":", 1)[1], cut) for key in drawn
                    if (cut := [t for t in explorer.neighbourhood("Product", key.split(":", 1)[1], per_type=8)["types"]
                                if t["total"] > t["shown"]]))
    neighbour = f"Product:{pid}"
    expected = {more_id(neighbour, t["type"], t["direction"], t["other"]) for t in cut}
    driver.execute_script("network.body.emitter.emit('doubleClick', {nodes: [arguments[0]]})", neighbour)
    got = "return graphNodes.getIds({filter: (n) => Boolean(n.more && n.more.centre === arguments[0])})"
    _wait(driver, lambda d: set(d.execute_script(got, neighbour)) == expected and d.execute_script(_FITTED))
    assert not expected & page_boxes
    assert page_boxes <= set(driver.execute_script("return graphNodes.getIds({filter: (n) => Boolean(n.more)})"))
    # its box of the largest hidden group asks for that product's neighbours, not the brand's
    t = max(cut, key=lambda g: g["total"] - g["shown"])
    before = _page_group(driver, neighbour, t["type"], t["direction"])
    assert len(before) == t["shown"]
    _click_node(driver, more_id(neighbour, t["type"], t["direction"], t["other"]))
    want = min(t["total"], t["shown"] + 25)
    _wait(driver, lambda d: len(_page_group(d, neighbour, t["type"], t["direction"])) == want and d.execute_script(_FITTED))
    after = _page_group(driver, neighbour, t["type"], t["direction"])
    assert before < after <= _store_group(reader, "Product", pid, t["type"], t["direction"], t["other"])
    assert driver.current_url.endswith(f"#node/Brand/{quote(bid, safe='')}")  # the click hit the box, not a node


_CURVES = """
const [a, b] = arguments, net = window.kgNetwork, pa = net.getPosition(a), pb = net.getPosition(b);
const dx = pb.x - pa.x, dy = pb.y - pa.y, len = Math.hypot(dx, dy);
return Object.values(net.body.edges).filter((e) => [e.fromId, e.toId].sort().join('|') === [a, b].sort().join('|'))
  .map((e) => { const p = e.edgeType.getPoint(0.5); const s = e.options.smooth;
                return {type: s.enabled ? s.type : 'none', roundness: s.roundness,
                        side: (dx * (p.y - pa.y) - dy * (p.x - pa.x)) / len}; });
"""


def _apart(curves: list[dict]) -> float:
    """The smallest gap, across the line joining the two nodes, between the midpoints of their edges
    (where the labels are drawn, along the edge)."""
    sides = sorted(c["side"] for c in curves)
    return min(b - a for a, b in zip(sides, sides[1:]))


def test_browser_parallel_edges_get_their_own_curves(driver, live_url, reader):
    from selenium.webdriver.common.by import By

    # a user with three relationships to one product, among the users with the fewest neighbours (all shown)
    pair = reader.query("MATCH (u:User)-[r]->(p:Product) WITH u, p, count(r) AS n WHERE n >= 3 "
                        "MATCH (u)-[s]-() WITH u, p, n, count(s) AS degree "
                        "RETURN u.id AS u, p.id AS p, n ORDER BY degree, u.id, p.id LIMIT 1").iloc[0]
    _open_graph(driver, live_url + f"/#user/{pair['u']}")
    curves = driver.execute_script(_CURVES, f"User:{pair['u']}", f"Product:{pair['p']}")
    assert len(curves) == pair["n"] >= 3
    assert len({(c["type"], c["roundness"]) for c in curves}) == len(curves)
    assert {c["type"] for c in curves} == {"curvedCW", "curvedCCW"}
    assert _apart(curves) >= 8  # graph units: the edges' labels do not sit on each other

    # two products joined once each way, drawn by the Cypher tab: curvedCW / curvedCCW turn relative to the
    # edge's direction, so the reversed edge must take the same type as the first one to bend the other way
    both = reader.query("MATCH (a:Product)-[r]->(b:Product)-[s]->(a) WHERE a.id < b.id WITH DISTINCT a, b "
                        "MATCH (a)-[t]-(b) WITH a, b, count(t) AS n WHERE n = 2 "
                        "RETURN a.id AS a, b.id AS b ORDER BY a.id, b.id LIMIT 1").iloc[0]
    driver.get(live_url + "/#query")
    query = _shown(driver, "query-input")
    query.clear()
    query.send_keys("MATCH t=(a:Product {id: $a})-[r]-(b:Product {id: $b}) RETURN t")
    params = _shown(driver, "query-params")
    params.clear()
    params.send_keys(json.dumps({"a": both["a"], "b": both["b"]}))
    driver.find_element(By.ID, "query-run").click()
    _wait(driver, lambda d: d.execute_script("const b = document.getElementById('query-graph'); "
                                             "return Boolean(b && b.dataset.fitted === '1')"))
    curves = driver.execute_script(_CURVES.replace("window.kgNetwork", "window.kgQueryNetwork"),
                                   f"Product:{both['a']}", f"Product:{both['b']}")
    assert len(curves) == 2
    assert _apart(curves) >= 8
