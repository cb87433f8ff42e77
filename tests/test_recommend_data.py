"""Splits, id maps, the normalised graph, the KG and negative sampling of kgmine.recommend.data."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from kgmine.io.recbole import read_recbole
from kgmine.recommend.data import InteractionData, KGTriples, NegativeSampler


def _frame(n_users=30, n_items=40, per_user=8, seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for u in range(n_users):
        items = rng.choice(n_items, size=per_user, replace=False)
        for t, i in enumerate(items):
            rows.append({"user_id": f"u{u}", "product_id": f"p{i}", "timestamp": 1000 * u + t, "event": "bought"})
    return pd.DataFrame(rows)


def test_leave_last_out_holds_out_the_latest_items():
    frame = _frame()
    data = InteractionData.from_frame(frame, "leave_last_out")
    last = frame.sort_values("timestamp").groupby("user_id").tail(1)
    second = frame.sort_values("timestamp").groupby("user_id").nth(-2)
    test = {(data.user_ids[u], data.item_ids[i]) for u, i in data.test}
    valid = {(data.user_ids[u], data.item_ids[i]) for u, i in data.valid}
    assert test == set(zip(last["user_id"], last["product_id"]))
    assert valid == set(zip(second["user_id"], second["product_id"]))
    assert len(data.train) == len(frame) - 2 * frame["user_id"].nunique()


def test_random_split_is_per_user_disjoint_and_seeded():
    frame = _frame()
    a = InteractionData.from_frame(frame, "random", seed=1)
    b = InteractionData.from_frame(frame, "random", seed=1)
    c = InteractionData.from_frame(frame, "random", seed=2)
    assert np.array_equal(a.test, b.test) and not np.array_equal(a.test, c.test)
    keys = [set(map(tuple, getattr(a, s))) for s in ("train", "valid", "test")]
    assert not (keys[0] & keys[1]) and not (keys[0] & keys[2]) and not (keys[1] & keys[2])
    assert sum(map(len, keys)) == len(frame)
    assert set(np.unique(a.train[:, 0])) == set(range(a.n_users))  # every user keeps training items


def test_given_split_and_bad_labels():
    frame = _frame().assign(split="train")
    frame.loc[frame.index[::5], "split"] = "test"
    data = InteractionData.from_frame(frame, "given")
    assert len(data.test) == (frame["split"] == "test").sum()
    frame.loc[0, "split"] = "holdout"
    with pytest.raises(ValueError, match="holdout"):
        InteractionData.from_frame(frame, "given")


def test_user_index_names_unknown_ids():
    data = InteractionData.from_frame(_frame(), "random")
    assert data.user_ids[data.user_index(["u3"])[0]] == "u3"
    with pytest.raises(KeyError, match="nobody"):
        data.user_index(["nobody"])


def test_negative_sampler_never_returns_training_items():
    data = InteractionData.from_frame(_frame(n_users=50, n_items=12, per_user=9), "random", seed=0)
    train = set(map(tuple, data.train))
    for mode in ("user", "edge"):
        sampler = NegativeSampler(data, mode, n_negatives=3, seed=0)
        users, pos, neg = sampler.epoch()
        assert len(users) == len(data.train) and neg.shape == (len(users), 3)
        assert all((u, p) in train for u, p in zip(users, pos))
        assert not any((u, n) in train for u, row in zip(users, neg) for n in row)
    edge_users, edge_pos, _ = NegativeSampler(data, "edge", seed=0).epoch()
    assert sorted(zip(edge_users, edge_pos)) == sorted(train)  # every pair once per epoch


def test_graph_is_symmetric_normalised_and_reordering_is_transparent():
    data = InteractionData.from_frame(_frame(), "random")
    plain, reordered = data.graph(reorder=False), data.graph()
    dense = plain.adj.to_dense()
    assert torch.allclose(dense, dense.t())
    r = torch.from_numpy(data.csr("train").toarray())
    deg_u, deg_i = r.sum(1).numpy(), r.sum(0).numpy()
    u, i = data.train[0]
    assert dense[u, data.n_users + i].item() == pytest.approx(1 / np.sqrt(deg_u[u] * deg_i[i]))
    x = torch.randn(data.n_users + data.n_items, 4)
    assert torch.allclose(plain.propagate(x), reordered.propagate(x), atol=1e-6)


def test_kg_triples_map_items_and_new_entities():
    items = np.array(["a", "b", "c"], dtype=object)
    triples = pd.DataFrame({"head": ["a", "b", "zz", "a"], "relation": ["also_bought", "has_brand", "x", "has_brand"],
                            "tail": ["c", "Acme", "a", "Acme"]})
    kg = KGTriples.from_frame(triples, items)
    assert len(kg) == 3  # the head 'zz' is not an item
    assert kg.n_entities == 4 and kg.entity_ids[3] == "Acme"
    frame = kg.frame()
    assert set(map(tuple, frame.to_numpy())) == {("a", "also_bought", "c"), ("b", "has_brand", "Acme"),
                                                  ("a", "has_brand", "Acme")}


def test_recbole_luxury_split_loads_with_kg(shared_data):
    data = InteractionData.from_shop(read_recbole(shared_data / "recsys" / "amazon-luxury-beauty-kg"), "given")
    s = data.summary()
    assert (s["users"], s["items"]) == (2028, 936)
    assert s["train"] + s["valid"] + s["test"] == 20050
    assert data.kg.relation_names == ["also_bought", "also_viewed"] and len(data.kg) > 0
    graph = data.graph(kg=True)
    assert graph.n_relations == 4  # two relations and their inverses


def test_store_readers_keep_every_event_a_pipeline_trains_on(tmp_path):
    """VIEWED and REVIEWED edges come back from a store (fit-recommender, mine clusters --store) like BOUGHT."""
    import pandas as pd

    from kgmine.graph.build import build_tables
    from kgmine.graph.stores import open_store
    from kgmine.io.tables import ShopData
    from kgmine.mine.catalog import CatalogView
    from kgmine.recommend.store_data import shop_from_store

    events = pd.DataFrame({"user_id": ["u1", "u1", "u2"], "product_id": ["p1", "p2", "p2"],
                           "event": ["bought", "viewed", "viewed"], "timestamp": [1, 2, 3]})
    shop = ShopData(name="t", products=pd.DataFrame({"product_id": ["p1", "p2"], "title": ["a", "b"]}),
                    interactions=events)
    with open_store("ladybug", path=tmp_path / "s") as store:
        store.load(build_tables(shop), progress=False)
        back = shop_from_store(store).interactions
        view = CatalogView.from_store(store).interactions
    assert sorted(zip(back["user_id"], back["product_id"], back["event"])) == [
        ("u1", "p1", "bought"), ("u1", "p2", "viewed"), ("u2", "p2", "viewed")]
    assert sorted(view["event"]) == ["bought", "viewed", "viewed"]
