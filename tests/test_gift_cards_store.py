"""Integration: the real Amazon 2018 Gift Cards files into the embedded store (skips without ../shared/data)."""
from kgmine.graph.build import build_tables
from kgmine.graph.stores import open_store
from kgmine.io import read_dataset


def test_gift_cards_load_into_store_with_published_counts(shared_data, tmp_path):
    folder = shared_data / "ecommerce" / "amazon2018-gift-cards"
    shop = read_dataset("amazon", folder / "Gift_Cards_5.json.gz", meta_path=folder / "meta_Gift_Cards.json.gz")
    tables = build_tables(shop)
    with open_store("ladybug", path=tmp_path / "store") as store:
        counts = store.load(tables, progress=False)
        reviewed = store.query("MATCH (:User)-[:REVIEWED]->(p:Product) RETURN count(DISTINCT p) AS n")["n"].iloc[0]
        also = store.query("MATCH (a:Product)-[r:ALSO_BOUGHT]->(b:Product) RETURN count(r) AS n")["n"].iloc[0]
    print(f"gift cards: users={counts['User']} reviewed products={reviewed} reviews={counts['Review']} "
          f"also_bought={also}")
    assert counts["User"] == 458
    assert reviewed == 148
    assert counts["Review"] == 2972
    expected_also = shop.item_edges[shop.item_edges["relation"] == "also_bought"][["src", "dst"]].drop_duplicates()
    assert also == len(expected_also) > 0
