"""Graph-filter recommenders (GF-CF, BSPM) against dense NumPy references of the same formulas."""
import numpy as np
import pytest
import scipy.sparse as sp
import torch

from kgmine.recommend.models.bspm import BSPM
from kgmine.recommend.models.gf_cf import GFCF


def _toy(seed=0, users=50, items=40):
    rng = np.random.default_rng(seed)
    r = (rng.random((users, items)) < 0.15).astype(np.float64)
    r[3] = 0.0          # a user with no train items
    r[:, 7] = 0.0       # an item nobody bought
    return r


def _reference(r, k, weight):
    du = r.sum(1)
    di = r.sum(0)
    with np.errstate(divide="ignore"):
        du_is, di_is = du ** -0.5, di ** -0.5
    du_is[~np.isfinite(du_is)] = 0
    di_is[~np.isfinite(di_is)] = 0
    di_s = np.where(di > 0, di ** 0.5, 0.0)
    norm = du_is[:, None] * r * di_is[None, :]
    p = norm.T @ norm
    _, _, vt = np.linalg.svd(norm)
    v = vt[:k]
    ideal = np.diag(di_is) @ v.T @ v @ np.diag(di_s)
    return p, r @ p + weight * r @ ideal


def _scores(model, r):
    model.fit(sp.csr_matrix(r))
    return model(torch.arange(r.shape[0])).numpy()


def test_gf_cf_equals_dense_reference():
    r = _toy()
    _, want = _reference(r, 8, 0.3)
    got = _scores(GFCF(k=8, alpha=0.3), r)
    assert np.abs(got - want).max() < 1e-5


@pytest.mark.parametrize("solver", ["euler", "rk4"])
def test_bspm_equals_dense_reference(solver):
    r = _toy(1)
    p, y0 = _reference(r, 6, 0.2)
    h, eye = 2.5 / 2, np.eye(r.shape[1])
    step = eye - h * p if solver == "euler" else (
        eye - h * p + h ** 2 * p @ p / 2 - h ** 3 * p @ p @ p / 6 + h ** 4 * p @ p @ p @ p / 24)
    want = y0 @ step @ step
    got = _scores(BSPM(k=6, beta=0.2, solver=solver, t_sharpen=2.5, k_sharpen=2), r)
    assert np.abs(got - want).max() < 1e-5 * max(1.0, np.abs(want).max())
    assert np.abs(got - want).max() < 1e-5


def _reference_kg(r, side, k, weight):
    """GF-CF over the stacked [R; side] operator, scoring the users' own rows r (dense reference)."""
    stacked = np.vstack([r, side])
    du, di = stacked.sum(1), stacked.sum(0)
    with np.errstate(divide="ignore"):
        du_is, di_is = du ** -0.5, di ** -0.5
    du_is[~np.isfinite(du_is)] = 0
    di_is[~np.isfinite(di_is)] = 0
    norm = du_is[:, None] * stacked * di_is[None, :]
    v = np.linalg.svd(norm)[2][:k]
    ideal = np.diag(di_is) @ v.T @ v @ np.diag(np.where(di > 0, di ** 0.5, 0.0))
    return r @ (norm.T @ norm) + weight * r @ ideal


def test_kg_aware_filter_equals_dense_reference_of_the_stacked_operator():
    from kgmine.recommend.data import InteractionData, KGTriples
    from kgmine.recommend.models.gf_cf import kg_incidence

    r = _toy(2)
    users, items = np.nonzero(r)
    # items 0-3 share brand b0, items 4 and 5 share b1, item 9 is linked to item 10 (also_bought);
    # brand b2 has one item only and links nothing
    kg = KGTriples(heads=np.array([0, 1, 2, 3, 4, 5, 9, 11]), relations=np.array([0, 0, 0, 0, 0, 0, 1, 0]),
                   tails=np.array([40, 40, 40, 40, 41, 41, 10, 42]), relation_names=["has_brand", "also_bought"],
                   entity_ids=np.array([f"p{i}" for i in range(40)] + ["b0", "b1", "b2"], dtype=object))
    data = InteractionData(np.array([f"u{u}" for u in range(50)]), np.array([f"p{i}" for i in range(40)]),
                           train=np.stack([users, items], 1), kg=kg)
    side = kg_incidence(kg, 40).toarray()
    assert side.shape == (3, 40)  # b0, b1 and item 10's row; b2 dropped
    assert sorted(tuple(np.flatnonzero(row)) for row in side) == [(0, 1, 2, 3), (4, 5), (9, 10)]
    want = _reference_kg(r, 0.5 * side, 8, 0.3)
    got = GFCF(k=8, alpha=0.3, kg_weight=0.5).fit(data)(torch.arange(50)).numpy()
    assert np.abs(got - want).max() < 1e-5
    plain = GFCF(k=8, alpha=0.3).fit(data)(torch.arange(50)).numpy()
    assert np.abs(plain - _reference(r, 8, 0.3)[1]).max() < 1e-5  # kg_weight 0: the KG is not used
    assert np.abs(got - plain).max() > 1e-3


def test_bspm_rejects_unknown_solver_and_preset():
    with pytest.raises(ValueError, match="solver"):
        BSPM(solver="rk5")
    with pytest.raises(ValueError, match="preset"):
        BSPM.preset("nope")
    assert BSPM.preset("gowalla").k == 448


@pytest.mark.parametrize("name", ["gf_cf", "bspm"])
def test_filters_fit_save_and_reload_through_fit_recommender(small_world, tmp_path, name, monkeypatch):
    from kgmine.recommend.fitted import FittedRecommender
    from kgmine.recommend.train import fit_recommender

    fitted, metrics, _ = fit_recommender(small_world, name, {"progress": False, "ks": (10, 20)}, seed=0,
                                         split="random")
    assert metrics["recall_at_20"] > 0 and "popularity_recall_at_20" in metrics and metrics["model"] == name
    import kgmine.recommend.models.gf_cf as gf_cf

    path = fitted.save(tmp_path / f"{name}.pt")

    def no_svd(*args, **kwargs):
        raise AssertionError("reloading a saved filter must reuse its SVD factors")

    monkeypatch.setattr(gf_cf, "top_right_singular", no_svd)
    again = FittedRecommender.load(path)
    users = torch.arange(5)
    assert torch.allclose(again.score(users), fitted.score(users), atol=1e-5)
