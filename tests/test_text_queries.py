"""The shared queries over knowledge read from product text, on LadybugDB and on a real Neo4j server.

A 14-product catalog with categories and purchases goes through the tabular pipeline with every relation
triple kept (``extract.relations.min_confidence: 0.0``), so the graph has HAS_ATTRIBUTE, MADE_OF,
COMPATIBLE_WITH, PART_OF, HAS_FEATURE and MENTIONS edges with provenance. The pipeline's LadybugDB store is
read back as KGTables and those tables are loaded into Neo4j; every shared query must then give the same
rows on both, and the queries over the text edges must give exactly the rows below.
"""
from __future__ import annotations

import textwrap

import pytest

from kgmine.config import load_config
from kgmine.graph.export import read_tables
from kgmine.graph.queries import QUERIES, representative_params, run_named
from kgmine.graph.stores import open_store
from kgmine.pipeline import run_pipeline
from test_graph_neo4j import _rows, server  # noqa: F401  (the module-scoped Neo4j server fixture)

CATALOG = """\
product_id,title,description,category_path
p1,"Trailhead Merino Wool Hiking Socks - Black, Size 42","Made of merino wool. Pack of 3 pairs.",Apparel > Outdoor
p2,"Trailhead Ripstop Nylon Rain Jacket, Navy, XL","This jacket is made of ripstop nylon.",Apparel > Outdoor
p3,"Cascade Walnut Side Table 50 x 40 x 55 cm","A side table in solid walnut. Weight: 8.5 kg.",Home > Furniture
p4,"Cascade Oak Bookshelf, 180 cm","The shelf is made from oak wood.",Home > Furniture
p5,"Voltix Silicone Phone Case for iPhone 12, Red","This case is compatible with iPhone 12.",Electronics > Phone Accessories
p6,"Voltix USB-C Wall Charger 20W, White","Compatible with Samsung Galaxy S21.",Electronics > Phone Accessories
p7,"iPhone 12 64GB, Blue","The iPhone 12 smartphone.",Electronics > Phones
p8,"Lumen Stainless Steel Water Bottle 750 ml","A striped bottle for daily use.",Home > Kitchen
p9,"Lumen Ceramic Coffee Mug 350 ml, Grey","This mug is part of the Nordic Living collection.",Home > Kitchen
p10,"Kids Cotton T-Shirt, Floral, Pink","Soft tee for girls, 2-pack.",Apparel > Kids
p11,"Voltix Leather Phone Case for iPhone 12, Brown","The case features a raised bezel. It is compatible with iPhone 12.",Electronics > Phone Accessories
p12,"Voltix Clear Phone Case for Samsung Galaxy S21","The case features a raised bezel and comes with a screen protector.",Electronics > Phone Accessories
p13,"Voltix Wireless Charging Pad 15W, Black","The pad comes with a USB-C cable. Works with the Samsung Galaxy S21.",Electronics > Phone Accessories
p14,"Trailhead Merino Wool Beanie, Grey","This beanie is made of merino wool.",Apparel > Outdoor
"""
PURCHASES = [("u1", "p1"), ("u1", "p2"), ("u1", "p14"), ("u2", "p5"), ("u2", "p11"), ("u3", "p11"), ("u3", "p12"),
             ("u4", "p11"), ("u4", "p12"), ("u4", "p13"), ("u5", "p12"), ("u5", "p14")]
ORDERS = "user_id,product_id,timestamp\n" + "".join(
    f"{u},{p},{1700000000 + 100 * i}\n" for i, (u, p) in enumerate(PURCHASES))


def _config(tmp_path):
    (tmp_path / "catalog.csv").write_text(CATALOG)
    (tmp_path / "orders.csv").write_text(ORDERS)
    (tmp_path / "shop.yaml").write_text(textwrap.dedent(f"""\
        name: text-shop
        data:
          kind: tabular
          options: {{catalog: {tmp_path / 'catalog.csv'}, interactions: {tmp_path / 'orders.csv'}}}
        extract: {{reviews: false, relations: {{min_confidence: 0.0}}}}
        mine: {{rules: {{enabled: false}}, clusters: {{enabled: false}}, analytics: {{enabled: false}}}}
        recommend: {{enabled: false}}
        report: {{enabled: false}}
        """))
    return load_config(tmp_path / "shop.yaml")


CASE_P7 = ("p5", "Voltix Silicone Phone Case for iPhone 12, Red", "p7", "iPhone 12 64GB, Blue", "product",
           "iPhone 12", 0.6667)
CASE_P7_LEATHER = ("p11", "Voltix Leather Phone Case for iPhone 12, Brown", "p7", "iPhone 12 64GB, Blue", "product",
                   "iPhone 12", 0.6667)
GALAXY = [("p12", "Voltix Clear Phone Case for Samsung Galaxy S21", "device:samsung galaxy s21", "Samsung Galaxy S21",
           "device", "Samsung Galaxy S21", 0.4545),
          ("p6", "Voltix USB-C Wall Charger 20W, White", "device:samsung galaxy s21", "Samsung Galaxy S21", "device",
           "Samsung Galaxy S21", 0.6667)]
WOOL = [("p1", "Trailhead Merino Wool Hiking Socks - Black, Size 42", "trailhead", 2, 0.85),  # MADE_OF + attribute
        ("p14", "Trailhead Merino Wool Beanie, Grey", "trailhead", 2, 0.85)]
PHONE_ACCESSORIES = "Electronics > Phone Accessories"

#: (query, parameters, the exact rows it must return on the text graph)
EXPECTED = [
    # "compatible with iPhone 12" resolved to the shop's own iPhone 12 (p7): found by its id or by the phrase
    ("compatible_with", {"target": "p7"}, [CASE_P7_LEATHER, CASE_P7]),
    ("compatible_with", {"target": "iphone 12"}, [CASE_P7_LEATHER, CASE_P7]),
    # a device entity: by its name (any case) or its id
    ("compatible_with", {"target": "samsung galaxy S21"}, GALAXY),
    ("compatible_with", {"target": "device:samsung galaxy s21"}, GALAXY),
    ("compatible_with", {"target": "Nokia 3310"}, []),
    ("made_of", {"material": "Wool"}, WOOL),
    ("made_of", {"material": "walnut"}, [("p3", "Cascade Walnut Side Table 50 x 40 x 55 cm", "cascade", 1, 0.85)]),
    ("made_of_by_brand", {"material": "wool", "brand_id": "trailhead"}, WOOL),
    ("made_of_by_brand", {"material": "wool", "brand_id": "voltix"}, []),
    ("made_of_by_brand", {"material": "silicone", "brand_id": "voltix"},
     [("p5", "Voltix Silicone Phone Case for iPhone 12, Red", "voltix", 1, 0.85)]),
    # top sellers of phone accessories: p11 and p12 (3 buyers each) share the raised bezel; 4 distinct buyers
    ("top_seller_features", {"feature_category_id": PHONE_ACCESSORIES},
     [("feature:raised bezel", "raised bezel", 2, 4, "p11", "p12")]),
    ("top_seller_features", {"feature_category_id": "Electronics"},  # a category above the leaf
     [("feature:raised bezel", "raised bezel", 2, 4, "p11", "p12")]),
    ("top_seller_features", {"feature_category_id": PHONE_ACCESSORIES, "k": 2, "min_products": 1},
     [("feature:raised bezel", "raised bezel", 2, 4, "p11", "p12"),
      ("feature:screen protector", "screen protector", 1, 3, "p12", "p12")]),
    ("top_seller_features", {"feature_category_id": "Apparel"}, []),
    ("attribute_values", {"attribute": "colour"},
     [("black", 2, 0.85), ("grey", 2, 0.85), ("blue", 1, 0.85), ("brown", 1, 0.85), ("navy", 1, 0.85),
      ("pink", 1, 0.85), ("red", 1, 0.85), ("white", 1, 0.85)]),
    ("attribute_types", {},
     [("colour", 8, 10), ("material", 9, 10), ("capacity", 3, 3), ("dimensions", 2, 2), ("pattern", 2, 2),
      ("quantity", 2, 2), ("size", 2, 2), ("volume", 2, 2), ("depth", 1, 1), ("gender", 1, 1), ("height", 1, 1),
      ("weight", 1, 1)]),
    # where p5's facts came from: "compatible with iPhone 12" at characters 29-38 of its description
    ("fact_provenance", {"product_id": "p5"},
     [("COMPATIBLE_WITH", "p7", "p5#description", 29, 38, "iPhone 12", "compatible_with.adj", "kgmine_relations", 0.6667),
      ("HAS_ATTRIBUTE", "colour:red", "p5#title", None, None, None, None, "gazetteer", 0.85),
      ("HAS_ATTRIBUTE", "material:silicone", "p5#title", None, None, None, None, "gazetteer", 0.85)]),
    ("fact_provenance", {"product_id": "p9"},
     [("HAS_ATTRIBUTE", "colour:grey", "p9#title", None, None, None, None, "gazetteer", 0.85),
      ("HAS_ATTRIBUTE", "material:ceramic", "p9#title", None, None, None, None, "gazetteer", 0.85),
      ("HAS_ATTRIBUTE", "volume:350 ml", "p9#title", None, None, None, None, "measures", 0.85),
      ("MENTIONS", "org:nordic living", "p9#description", 24, 37, None, None, "spacy_ner", 0.5),
      ("PART_OF", "collection:nordic living collection", "p9#description", 24, 48, "Nordic Living collection",
       "part_of.part_of", "kgmine_relations", 0.5385)]),
    ("fact_provenance", {"product_id": "p14"},
     [("HAS_ATTRIBUTE", "colour:grey", "p14#title", None, None, None, None, "gazetteer", 0.85),
      ("HAS_ATTRIBUTE", "material:wool", "p14#title", None, None, None, None, "gazetteer", 0.85),
      ("MADE_OF", "material:wool", "p14#description", 23, 34, "merino wool", "made_of.verb_of", "kgmine_relations",
       0.6364)]),
    ("top_mentioned_entities", {"k": 2},
     [("org:samsung galaxy s21", "Samsung Galaxy S21", "org", 2, 2, 2, 0),
      ("org:nordic living", "Nordic Living", "org", 1, 1, 1, 0)]),
]
TEXT_QUERIES = sorted({name for name, _, _ in EXPECTED})


@pytest.fixture(scope="module")
def text_graph(tmp_path_factory):
    """(the pipeline's LadybugDB store, its KGTables) for the catalog above."""
    tmp = tmp_path_factory.mktemp("text-shop")
    run_pipeline(_config(tmp), tmp / "run")
    store = open_store("ladybug", path=tmp / "run" / "store", read_only=True)
    try:
        yield store, read_tables(store)
    finally:
        store.close()


def test_the_graph_has_every_kind_of_text_edge(text_graph):
    store, _ = text_graph
    counts = store.counts()
    assert all(counts[t] for t in ("HAS_ATTRIBUTE", "MADE_OF", "COMPATIBLE_WITH", "PART_OF", "HAS_FEATURE",
                                   "MENTIONS", "BOUGHT", "IN_CATEGORY"))
    assert {"compatible_with", "made_of", "made_of_by_brand", "top_seller_features", "attribute_values",
            "fact_provenance", "top_mentioned_entities"} <= set(QUERIES)


@pytest.mark.parametrize("name, params, rows", EXPECTED, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(EXPECTED)])
def test_text_queries_return_the_expected_rows_on_ladybug(text_graph, name, params, rows):
    store, _ = text_graph
    assert _rows(run_named(store, name, params)) == rows


def test_representative_params_make_every_text_query_return_rows_on_ladybug(text_graph):
    store, _ = text_graph
    params = representative_params(store)
    assert {k: params[k] for k in ("product_id", "brand_id", "target", "material", "feature_category_id")} == {
        "product_id": "p11", "brand_id": "voltix", "target": "device:samsung galaxy s21", "material": "leather",
        "feature_category_id": PHONE_ACCESSORIES}
    assert _rows(run_named(store, "made_of_by_brand", params)) == [
        ("p11", "Voltix Leather Phone Case for iPhone 12, Brown", "voltix", 1, 0.85)]
    assert [name for name in TEXT_QUERIES if run_named(store, name, params).empty] == []


@pytest.mark.neo4j
def test_text_queries_give_identical_rows_on_neo4j(server, text_graph):  # noqa: F811
    from kgmine.graph.stores.neo4j_store import Neo4jStore

    embedded, tables = text_graph
    store = Neo4jStore(uri=server["uri"], progress=False)
    try:
        store.clear()
        assert store.load(tables, progress=False) == embedded.counts()
        params = representative_params(store)
        assert params == representative_params(embedded)
        unpicked = []
        for name, q in QUERIES.items():  # every shared query, the structural ones too
            if any(p not in params and p not in q.defaults for p in q.params):
                unpicked.append(name)  # user_id: this graph has no recommendations
                continue
            a, b = run_named(embedded, name, params), run_named(store, name, params)
            assert list(a.columns) == list(b.columns), name
            assert _rows(a) == _rows(b), f"{name}: rows differ\n{a}\n{b}"
            if name in TEXT_QUERIES:
                assert not a.empty, name
        assert sorted(unpicked) == ["recommendation_paths", "top_recommendations", "user_brand_affinity"]
        for name, params, rows in EXPECTED:
            got = run_named(store, name, params)
            assert _rows(got) == rows, f"{name} {params} on neo4j:\n{got}"
            assert list(got.columns) == list(run_named(embedded, name, params).columns)
    finally:
        store.clear()
        store.close()
