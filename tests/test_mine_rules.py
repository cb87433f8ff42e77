"""Association rules: exact counts against arules' published Groceries figures, and an independent
brute-force derivation (every rule and every measure) on random baskets."""
from __future__ import annotations

import math
import random

import numpy as np
import pandas as pd
import pytest

from kgmine.mine.baskets import Baskets, baskets_from_interactions
from kgmine.mine.rules import AssociationRules, min_count


def brute_force(baskets: list[list[str]], min_cnt: int, min_conf: float, min_len: int = 1,
                max_len: int | None = None) -> dict[tuple, tuple]:
    """All rules A => {c} by enumeration: {(A, c): (count, confidence, lift, leverage, conviction)}."""
    sets = [frozenset(b) for b in baskets]
    n = len(sets)
    items = sorted({i for s in sets for i in s})
    count = {}
    level = [frozenset([i]) for i in items]
    size = 1
    while level and (max_len is None or size <= max_len):
        nxt = []
        for cand in level:
            c = sum(1 for s in sets if cand <= s)
            if c >= min_cnt:
                count[cand] = c
                nxt.append(cand)
        level = list({a | b for a in nxt for b in nxt if len(a | b) == size + 1})
        size += 1
    rules = {}
    for itemset, c in count.items():
        if len(itemset) < min_len:
            continue
        for cons in itemset:
            ante = itemset - {cons}
            c_a = count[ante] if ante else n
            conf = c / c_a
            if conf >= min_conf:
                s_c = count[frozenset([cons])] / n
                conviction = (1 - s_c) / (1 - conf) if conf < 1 else math.inf
                rules[(tuple(sorted(ante)), cons)] = (c, conf, conf / s_c, c / n - c_a / n * s_c, conviction)
    return rules


def random_baskets(seed: int, n: int = 300, n_items: int = 12) -> list[list[str]]:
    rng = random.Random(seed)
    weights = [1 / (k + 1) for k in range(n_items)]
    out = []
    for _ in range(n):
        size = rng.randint(1, 6)
        out.append(list({f"i{rng.choices(range(n_items), weights)[0]:02d}" for _ in range(size)}))
    return out


@pytest.mark.parametrize("seed,min_len,max_len", [(0, 1, None), (1, 2, None), (2, 1, 3)])
def test_rules_equal_brute_force(seed, min_len, max_len):
    baskets = random_baskets(seed)
    model = AssociationRules(min_support=0.02, min_confidence=0.3, min_len=min_len, max_len=max_len).fit(baskets)
    expected = brute_force(baskets, model.min_count_, 0.3, min_len, max_len)
    got = {(r.antecedent, r.consequent[0]): (r.count, r.confidence, r.lift, r.leverage, r.conviction)
           for r in model.rules_.itertuples()}
    assert set(got) == set(expected)
    for key, values in expected.items():
        assert got[key][0] == values[0]
        np.testing.assert_allclose(got[key][1:], values[1:], rtol=1e-12)
    assert (model.rules_["length"] == model.rules_["antecedent"].map(len) + 1).all()
    assert model.top(None)["lift"].is_monotonic_decreasing
    assert model.top(3)["lift"].tolist() == sorted(model.rules_["lift"], reverse=True)[:3]
    if max_len is not None:
        assert model.itemsets_["length"].max() <= max_len


def test_min_count_is_exact_ceiling():
    assert min_count(0.001, 9835) == 10
    assert min_count(0.07, 100) == 7  # 0.07 * 100 is 7.000000000000001 in floating point
    assert min_count(0.006, 9835) == 60
    assert min_count(0.0, 10) == 1
    assert min_count(5, 10) == 5
    with pytest.raises(ValueError, match="min_support"):
        min_count(1.5, 10)


def test_item_in_every_basket_is_kept():
    # pyfim alone drops items that occur in every transaction; the estimator must not.
    model = AssociationRules(min_support=0.1, min_confidence=0.0).fit([["a", "b"], ["a"], ["a", "c"]])
    assert ("a",) in set(model.itemsets_["itemset"])
    assert int(model.itemsets_.set_index("items").loc["a", "count"]) == 3


def test_engines_agree_and_multi_item_consequents():
    pytest.importorskip("mlxtend")
    from mlxtend.frequent_patterns import association_rules, fpgrowth
    from mlxtend.preprocessing import TransactionEncoder

    baskets = random_baskets(3, n=400)
    ours = AssociationRules(0.03, 0.15, min_len=2, max_consequent_len=None).fit(baskets)
    other = AssociationRules(0.03, 0.15, min_len=2, max_consequent_len=None, engine="mlxtend").fit(baskets)
    assert ours.itemsets_["itemset"].tolist() == other.itemsets_["itemset"].tolist()
    assert ours.rules_["count"].tolist() == other.rules_["count"].tolist()

    enc = TransactionEncoder()
    onehot = pd.DataFrame(enc.fit(baskets).transform(baskets), columns=enc.columns_)
    frequent = fpgrowth(onehot, min_support=(ours.min_count_ - 0.5) / len(baskets), use_colnames=True)
    theirs = association_rules(frequent, num_itemsets=len(baskets), metric="confidence", min_threshold=0.15)
    key = lambda a, c: (tuple(sorted(a)), tuple(sorted(c)))  # noqa: E731
    theirs_set = {key(a, c): conf for a, c, conf in zip(theirs["antecedents"], theirs["consequents"],
                                                         theirs["confidence"])}
    ours_set = {key(a, c): conf for a, c, conf in zip(ours.rules_["antecedent"], ours.rules_["consequent"],
                                                       ours.rules_["confidence"])}
    assert ours_set.keys() == theirs_set.keys()
    assert any(len(c) > 1 for _, c in ours_set)
    np.testing.assert_allclose([ours_set[k] for k in theirs_set], list(theirs_set.values()))


def test_inputs_agree(tmp_path):
    baskets = [["milk", "bread"], ["milk", "eggs", "bread"], ["eggs"], ["milk", "bread", "eggs"]]
    path = tmp_path / "b.csv"
    path.write_text("\n".join(",".join(b) for b in baskets) + "\n\n")
    spaced = tmp_path / "b.dat"
    spaced.write_text("\n".join(" ".join(b) for b in baskets))
    frame = pd.DataFrame([(i, item) for i, b in enumerate(baskets) for item in b],
                         columns=["basket_id", "product_id"])
    results = [AssociationRules(0.25, 0.5).fit(x).rules_[["antecedent", "consequent", "count"]]
               for x in (baskets, path, spaced, frame, str(path))]
    for other in results[1:]:
        pd.testing.assert_frame_equal(results[0], other)


def test_bad_inputs_name_the_problem(tmp_path):
    with pytest.raises(ValueError, match="nothere.csv"):
        AssociationRules().fit(tmp_path / "nothere.csv")
    empty = tmp_path / "empty.csv"
    empty.write_text("\n")
    with pytest.raises(ValueError, match="empty"):
        AssociationRules().fit(empty)
    with pytest.raises(ValueError, match="product_id"):
        AssociationRules().fit(pd.DataFrame({"basket_id": [1]}))
    with pytest.raises(ValueError, match="min_confidence"):
        AssociationRules(min_confidence=2).fit([["a"]])
    with pytest.raises(ValueError, match="engine"):
        AssociationRules(engine="nope").fit([["a"]])
    with pytest.raises(ValueError, match="single string"):
        AssociationRules().fit(["ab", "cd"])


def test_baskets_from_interactions_grouping():
    day = 86_400
    inter = pd.DataFrame({
        "user_id": ["u1", "u1", "u1", "u2", "u2"],
        "product_id": ["a", "b", "c", "a", "b"],
        "event": ["bought", "bought", "bought", "bought", "rated"],
        "basket_id": ["o1", "o1", "o2", "o3", None],
        "timestamp": [0, 10, 3 * day, 5, 6],
    })
    by_order = baskets_from_interactions(inter, "basket")
    assert sorted(map(sorted, by_order.transactions)) == [["a"], ["a", "b"], ["c"]]
    by_user = baskets_from_interactions(inter, "user")
    assert sorted(map(sorted, by_user.transactions)) == [["a"], ["a", "b", "c"]]
    by_window = baskets_from_interactions(inter, "window", window=day)
    assert sorted(map(sorted, by_window.transactions)) == [["a"], ["a", "b"], ["c"]]
    with pytest.raises(ValueError, match="group_by"):
        baskets_from_interactions(inter, "session")


def test_pairwise_rules_only_single_items():
    model = AssociationRules(0.05, 0.2, min_len=2).fit(random_baskets(5))
    pairs = model.pairwise_rules()
    assert len(pairs) > 0
    assert (pairs["antecedent"].map(len) == 1).all() and (pairs["consequent"].map(len) == 1).all()


# --- acceptance on the arules Groceries data (published counts) --------------------------------


@pytest.fixture(scope="module")
def groceries(shared_data):
    return Baskets.from_file(shared_data / "baskets" / "groceries.csv")


def test_groceries_supp001_conf05(groceries):
    model = AssociationRules(min_support=0.001, min_confidence=0.5).fit(groceries)
    assert model.n_baskets_ == 9835 and model.min_count_ == 10
    assert len(model.rules_) == 5668
    assert model.rules_["length"].value_counts().sort_index().to_dict() == {2: 11, 3: 1461, 4: 3211, 5: 939, 6: 46}


def test_groceries_supp001_conf06(groceries):
    assert len(AssociationRules(min_support=0.001, min_confidence=0.6).fit(groceries).rules_) == 2918


def test_groceries_supp0006_conf025_minlen2(groceries):
    model = AssociationRules(min_support=0.006, min_confidence=0.25, min_len=2).fit(groceries)
    assert len(model.rules_) == 463
    assert (model.rules_["antecedent"].map(len) >= 1).all()


def test_groceries_matches_pyfim_arules(groceries):
    fim = pytest.importorskip("fim")
    model = AssociationRules(min_support=0.001, min_confidence=0.5).fit(groceries)
    # pyfim's own rule miner, with the original (body & head) support definition.
    theirs = fim.arules(groceries.transactions, supp=-10, conf=50, report="ac", mode="o")
    as_key = lambda ante, cons: (frozenset(x.decode() for x in ante), cons.decode())  # noqa: E731
    expected = {as_key(ante, cons): count for cons, ante, count, _ in theirs}
    got = {(frozenset(a), c[0]): n for a, c, n in zip(model.rules_["antecedent"], model.rules_["consequent"],
                                                      model.rules_["count"])}
    assert got == expected
