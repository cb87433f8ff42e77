"""The synthetic demo world: seeded, varied text, planted truth consistent with the data."""
import pandas as pd

from kgmine.demo.scoring import score_extraction
from kgmine.demo.world import generate_world


def test_same_seed_same_world_and_different_seed_differs():
    a = generate_world(n_products=120, n_users=50, seed=3)
    b = generate_world(n_products=120, n_users=50, seed=3)
    c = generate_world(n_products=120, n_users=50, seed=4)
    pd.testing.assert_frame_equal(a.products, b.products)
    pd.testing.assert_frame_equal(a.interactions, b.interactions)
    assert not a.products["title"].equals(c.products["title"])


def test_world_is_marked_synthetic_and_texts_mention_planted_values(small_world):
    assert small_world.synthetic and "synthetic" in small_world.name
    truth = small_world.truth["product_attributes"].set_index("product_id")
    variants = small_world.truth["colour_variants"]
    for row in small_world.products.itertuples():
        t = truth.loc[row.product_id]
        text = f"{row.title} {row.description}".lower()
        assert t["brand"].lower() in text
        assert t["material"] in text
        assert any(c in text for c in [t["colour"], *variants.get(t["colour"], [])])
        assert row.category_path == f"{t['category']} > {t['subcategory']}"


def test_titles_are_varied_not_one_template(small_world):
    # the position of the brand in the title varies across templates
    starts_with_brand = [t.startswith(b) for t, b in zip(small_world.products["title"],
                                                         small_world.truth["product_attributes"]["brand"])]
    assert 0.2 < sum(starts_with_brand) / len(starts_with_brand) < 0.95
    assert small_world.products["description"].nunique() == len(small_world.products)


def test_behaviour_follows_latent_preferences(small_world):
    truth = small_world.truth["product_attributes"].set_index("product_id")
    prefs = small_world.truth["user_preferences"].set_index("user_id")
    bought = small_world.interactions[small_world.interactions["event"] == "bought"]
    cats = truth.loc[bought["product_id"], "category"].to_numpy()
    top3 = [cat in prefs.loc[u, "categories"] for u, cat in zip(bought["user_id"], cats)]
    # 3 of 12 categories would be 25% by chance; planted tastes make it far higher
    assert sum(top3) / len(top3) > 0.6
    assert set(small_world.baskets().columns) == {"basket_id", "product_id"}
    ratings = small_world.interactions.loc[small_world.interactions["event"] == "rated", "rating"]
    assert ratings.between(1, 5).all() and ratings.nunique() > 2


def test_score_extraction_counts_right_and_wrong():
    truth = pd.DataFrame({"product_id": ["a", "b"], "brand": ["Acme", "Zeta"], "colour": ["grey", "red"],
                          "material": ["oak", "wool"], "size": ["small", "large"]})
    extracted = pd.DataFrame({"product_id": ["a", "b", "a", "b", "a"],
                              "attribute": ["brand", "brand", "colour", "colour", "material"],
                              "value": ["acme", "Acme", "gray", "red", "pine"], "confidence": 1.0})
    s = score_extraction(extracted, truth, variants={"grey": ["gray"]})
    assert s["brand_accuracy"] == 0.5
    assert s["colour_f1"] == 1.0
    assert s["material_precision"] == 0.0 and s["size_recall"] == 0.0
