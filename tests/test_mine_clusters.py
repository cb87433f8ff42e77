"""Clustering: recovery of the demo world's planted categories, k selection, labels, user clusters."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from kgmine.mine.catalog import CatalogView
from kgmine.mine.clusters import ProductClusterer, UserClusterer, cluster_matrix
from kgmine.mine.embed import attribute_onehots


def _truth(world, ids, column="category"):
    return world.truth["product_attributes"].set_index("product_id").loc[list(ids), column]


def test_cluster_matrix_selects_planted_k():
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        _check_cluster_matrix()


def _check_cluster_matrix():
    rng = np.random.default_rng(0)
    centres = np.eye(5, 8) * 10  # well separated: pairwise distance 14, unit noise
    x = np.vstack([c + rng.normal(size=(40, 8)) for c in centres])
    truth = np.repeat(np.arange(5), 40)
    for selection in ("silhouette", "davies_bouldin"):
        labels, table = cluster_matrix(x, "kmeans", None, range(2, 9), selection, progress=False)
        assert int(table.loc[table["chosen"], "k"].iloc[0]) == 5
        assert adjusted_rand_score(truth, labels) == pytest.approx(1.0)
    for method in ("minibatch", "agglomerative"):
        labels, _ = cluster_matrix(x, method, 5, progress=False)
        assert adjusted_rand_score(truth, labels) > 0.95
    labels, _ = cluster_matrix(x, "hdbscan", min_cluster_size=10, progress=False)
    assert adjusted_rand_score(truth[labels >= 0], labels[labels >= 0]) > 0.95
    with pytest.raises(ValueError, match="method"):
        cluster_matrix(x, "spectral")


def test_small_world_products_match_categories(small_world):
    model = ProductClusterer(n_clusters=12, progress=False).fit(small_world)
    truth = _truth(small_world, model.labels_["product_id"])
    assert adjusted_rand_score(truth, model.labels_["cluster"]) >= 0.7
    clusters = model.clusters_
    assert clusters["size"].sum() == len(small_world.products)
    assert model.feature_blocks_ == ["text:tfidf"]  # categories are not features by default
    # Labels name the dominant category of most clusters (from the catalog attributes, not features).
    named = clusters["label"].str.split(" / ").str[0].isin(small_world.truth["vocab"]["category"])
    assert named.mean() >= 0.75
    assert model.labels_["score"].between(-1, 1).all()


def test_demo_world_ari_acceptance():
    """Acceptance: the demo world's 2,000 products, k chosen by silhouette, ARI vs planted categories >= 0.80."""
    from kgmine.demo.world import generate_world

    world = generate_world(seed=0)
    model = ProductClusterer(progress=False).fit(world)
    truth = _truth(world, model.labels_["product_id"])
    ari = adjusted_rand_score(truth, model.labels_["cluster"])
    print(f"demo world: k={model.n_clusters_}, ARI vs category {ari:.3f}")
    assert ari >= 0.80


def test_attribute_and_behaviour_blocks(small_world):
    facts = pd.DataFrame({"id": small_world.products["product_id"], "attribute": "colour",
                          "value": _truth(small_world, small_world.products["product_id"], "colour").to_numpy()})
    catalog = CatalogView.from_shopdata(small_world)
    catalog.attributes = pd.concat([catalog.attributes, facts], ignore_index=True)
    model = ProductClusterer(n_clusters=6, text=None, attribute_weight=1.0, behaviour_weight=0.0,
                             attributes=["colour"], progress=False).fit(catalog)
    colour = facts.set_index("id").loc[model.labels_["product_id"], "value"]
    # One-hot colours only: identical rows per colour, so each colour lies wholly in one cluster.
    assert (pd.crosstab(model.labels_["cluster"].to_numpy(), colour.to_numpy()).gt(0).sum(axis=0) == 1).all()
    both = ProductClusterer(n_clusters=8, behaviour_weight=0.5, progress=False).fit(small_world)
    assert both.feature_blocks_ == ["text:tfidf", "behaviour"]  # the world's catalog has no brand column


def test_onehots_are_normalised_rows():
    matrix, names = attribute_onehots(["a", "b", "c"], pd.DataFrame({
        "id": ["a", "a", "b", "x"], "attribute": ["brand", "colour", "brand", "brand"],
        "value": ["Acme", "red", "Acme", "Zed"]}))
    assert names == ["brand=Acme", "colour=red"]  # facts of unknown ids are ignored
    np.testing.assert_allclose(np.linalg.norm(matrix, axis=1), [1, 1, 0], atol=1e-6)


def test_user_clusters_follow_preferences(small_world):
    model = UserClusterer(n_clusters=6, progress=False).fit(small_world)
    assert len(model.labels_) == small_world.interactions["user_id"].nunique()
    assert set(model.clusters_["cluster"]) == set(range(6))
    # A user's cluster label names categories its members buy: check against their latent tastes.
    prefs = small_world.truth["user_preferences"].set_index("user_id")["categories"]
    hits = []
    for row in model.clusters_.itertuples():
        head = row.label.split(" / ")[0]
        members = model.labels_.loc[model.labels_["cluster"] == row.cluster, "user_id"]
        hits.append(np.mean([head in list(prefs.loc[u]) for u in members]))
    assert np.mean(hits) >= 0.5


def test_products_file_input(tmp_path):
    frame = pd.DataFrame({"sku": [f"p{i}" for i in range(12)],
                          "title": ["red cotton shirt", "blue cotton shirt", "green cotton shirt",
                                    "steel chef knife", "steel bread knife", "steel paring knife"] * 2,
                          "category_path": ["Tops"] * 3 + ["Kitchen"] * 3 + ["Tops"] * 3 + ["Kitchen"] * 3})
    path = tmp_path / "products.csv"
    frame.to_csv(path, index=False)
    catalog = CatalogView.from_file(path, id_column="sku")
    model = ProductClusterer(n_clusters=2, text_fields=("title",), progress=False).fit(catalog)
    truth = frame.set_index("sku").loc[model.labels_["product_id"], "category_path"]
    assert adjusted_rand_score(truth, model.labels_["cluster"]) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="missing column"):
        CatalogView.from_file(path)
