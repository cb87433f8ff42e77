"""ShopData + extraction -> KG tables: ids, hierarchy, provenance, catalog precedence."""
import pandas as pd
import pytest

from kgmine.graph.build import build_tables, entity_key
from kgmine.io.tables import ShopData


@pytest.fixture()
def shop():
    products = pd.DataFrame({"product_id": ["p1", "p2"], "title": ["Acme oak chair", "Red wool rug"],
                             "brand": ["Acme", None], "category_path": ["Home > Chairs", "Home > Rugs"]})
    inter = pd.DataFrame({"user_id": ["u1", "u1", "u2"], "product_id": ["p1", "p2", "p3"],
                          "event": ["bought", "rated", "bought"], "rating": [None, 4.0, None],
                          "timestamp": [1, 2, 3], "basket_id": ["b1", None, "b2"]})
    edges = pd.DataFrame({"src": ["p1"], "dst": ["p2"], "relation": ["also_bought"]})
    return ShopData(name="t", products=products, interactions=inter, item_edges=edges)


def test_tables_have_hierarchy_stub_products_and_interactions(shop):
    kg = build_tables(shop)
    kg.check_endpoints()
    assert set(kg.nodes["Category"]["id"]) == {"Home", "Home > Chairs", "Home > Rugs"}
    sub = kg.edges[("SUBCATEGORY_OF", "Category", "Category")].frame
    assert set(zip(sub["src"], sub["dst"])) == {("Home > Chairs", "Home"), ("Home > Rugs", "Home")}
    assert "p3" in set(kg.nodes["Product"]["id"])  # seen only in behaviour
    assert kg.counts()["BOUGHT"] == 2 and kg.counts()["RATED"] == 1
    assert kg.counts()["ALSO_BOUGHT"] == 1


def test_repeat_purchases_are_counted_on_one_bought_edge(shop):
    again = pd.DataFrame({"user_id": ["u1", "u1"], "product_id": ["p1", "p1"], "event": ["bought", "bought"],
                          "rating": [None, None], "timestamp": [9, 5], "basket_id": ["b9", "b5"]})
    shop.interactions = pd.concat([shop.interactions, again], ignore_index=True)
    bought = build_tables(shop).edges[("BOUGHT", "User", "Product")].frame.set_index(["src", "dst"])
    assert len(bought) == 2
    assert bought.loc[("u1", "p1"), "purchases"] == 3 and bought.loc[("u2", "p3"), "purchases"] == 1
    assert bought.loc[("u1", "p1"), "timestamp"] == 9 and bought.loc[("u1", "p1"), "basket_id"] == "b9"


def test_extracted_values_carry_provenance_and_catalog_brand_wins(shop):
    extracted = pd.DataFrame({
        "product_id": ["p1", "p2", "p2", "p2"], "attribute": ["brand", "brand", "colour", "material"],
        "value": ["Other", "Zeta", "Red", "wool"], "extractor": ["gazetteer"] * 4,
        "confidence": [0.9, 0.8, 0.95, 0.7], "source_doc": ["p1", "p2", "p2", "p2"]})
    kg = build_tables(shop, extracted)
    brands = kg.edges[("HAS_BRAND", "Product", "Brand")].frame.set_index("src")
    assert brands.loc["p1", "dst"] == "acme" and brands.loc["p1", "extractor"] == "catalog"
    assert brands.loc["p2", "dst"] == "zeta" and brands.loc["p2", "confidence"] == pytest.approx(0.8)
    attrs = kg.edges[("HAS_ATTRIBUTE", "Product", "AttributeValue")].frame
    assert set(attrs["dst"]) == {"colour:red", "material:wool"}
    assert attrs[["source_doc", "extractor", "confidence"]].notna().all().all()


def test_entity_key_folds_case_space_and_unicode():
    assert entity_key("  Ｎord   Works. ") == "nord works"


def test_missing_extraction_column_is_named(shop):
    with pytest.raises(ValueError, match="confidence"):
        build_tables(shop, pd.DataFrame({"product_id": ["p1"], "attribute": ["brand"], "value": ["x"],
                                         "extractor": ["g"], "source_doc": ["p1"]}))
