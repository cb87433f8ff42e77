"""Frequent itemsets and association rules over baskets, exact and fast.

:class:`AssociationRules` is a scikit-learn style estimator: ``fit(baskets)`` mines the frequent
itemsets with a C engine (pyfim, Borgelt's FP-growth / Eclat / Apriori, MIT; or mlxtend's
``fpgrowth`` as a pure-Python peer), then derives the rules in vectorised numpy and leaves two
DataFrames, ``itemsets_`` and ``rules_``.

Definitions (Agrawal, Imielinski & Swami, "Mining association rules between sets of items in large
databases", SIGMOD 1993; the measures as in arules, Hahsler et al., JSS 2005). With ``N`` baskets
and ``count(X)`` the number of baskets holding every item of ``X``:

* ``support(X) = count(X) / N``; an itemset is frequent when ``count(X) >= ceil(min_support * N)``
  (computed exactly, see :func:`min_count`; arules' ``apriori`` uses the same minimum count);
* a rule ``A => C`` comes from a frequent itemset ``I = A ∪ C`` (``A ∩ C = ∅``, ``C`` non-empty);
  ``support = support(I)``, ``confidence = count(I) / count(A)`` (``count(∅) = N``),
  ``lift = confidence / support(C)``, ``leverage = support(I) - support(A) support(C)``,
  ``conviction = (1 - support(C)) / (1 - confidence)`` (``inf`` when confidence is 1);
* the rule length is ``|A| + |C| = |I|``; ``min_len``/``max_len`` bound it (and the itemsets).
  As in arules, ``min_len=1`` admits the length-1 rules ``{} => {c}`` (empty antecedent, count N)
  and a consequent has one item (``max_consequent_len=1``); ``max_consequent_len=None`` gives
  every split of an itemset into two non-empty parts, as mlxtend's ``association_rules`` does.

Before mining, :func:`check_itemset_budget` bounds the number of frequent itemsets from the basket sizes
(and, when that bound is loose, from a sample, a greedily grown frequent itemset and an exact count that
keeps no itemsets): when more than ``max_itemsets`` (default 5,000,000, about 1 GB) would be found,
:class:`TooManyItemsets` says so in one line instead of filling the memory (a single basket of ``n``
items holds ``2^n - 1`` itemsets).

Rule derivation looks each antecedent up among the mined itemsets (all subsets of a frequent
itemset are frequent) by an order-independent 64-bit hash of its items, then verifies every match
row by row, so the rules are exact; the rare unverified ones fall back to a dictionary lookup.
"""
from __future__ import annotations

import gc
import math
import os
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from itertools import chain, combinations
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kgmine.mine.baskets import Baskets, as_baskets, decode_item

try:  # imported with the module, not inside the first ``fit`` (the C engine's start-up is ~8 ms)
    import fim
except ImportError:  # pragma: no cover - pyfim is a dependency
    fim = None

ENGINES = ("pyfim", "mlxtend", "spark")
#: default cap on the frequent itemsets one fit may find (each costs ~200 bytes through rule derivation)
MAX_ITEMSETS = 5_000_000
PYFIM_ALGORITHMS = ("fpgrowth", "eclat", "apriori", "relim", "sam")
RULE_COLUMNS = ["antecedent", "consequent", "antecedent_items", "consequent_items", "antecedent_support", "consequent_support", "support",
                "count", "confidence", "lift", "leverage", "conviction", "length"]
ITEMSET_COLUMNS = ["itemset", "items", "support", "count", "length"]


@contextmanager
def gc_paused() -> Iterator[None]:
    """Switch Python's cyclic garbage collector off for the block (restored afterwards).

    Reading baskets and mining allocate millions of acyclic lists and tuples; every few hundred
    allocations the collector would re-scan all of them. Reference counting still frees memory.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def min_count(min_support: float, n_baskets: int) -> int:
    """The minimum absolute support ``ceil(min_support * n_baskets)``, at least 1.

    Float error is removed first: ``0.001 * 9835`` is 9.835 and gives 10, while ``0.07 * 100``
    (7.000000000000001 in floating point) gives 7, not 8. An ``int`` ``min_support >= 1`` is taken as an
    absolute count.
    """
    if isinstance(min_support, (int, np.integer)) and not isinstance(min_support, bool) and min_support >= 1:
        return int(min_support)
    if not 0 <= min_support <= 1:
        raise ValueError(f"min_support must be a fraction in [0, 1] (or an int count >= 1), not {min_support}")
    exact = min_support * n_baskets
    nearest = round(exact)
    if abs(exact - nearest) <= 1e-9 * max(1.0, abs(exact)):
        return max(1, int(nearest))
    return max(1, math.ceil(exact))


@dataclass
class ItemsetTable:
    """Frequent itemsets in array form (the input of rule derivation).

    ``items`` is the item vocabulary (object array, sorted); ``matrix[i, :lengths[i]]`` are the sorted
    item codes of itemset ``i`` and the rest of the row is the padding code ``len(items)``;
    ``counts[i]`` its absolute support. Rows are in lexicographic order of their codes.
    """

    items: np.ndarray
    matrix: np.ndarray
    lengths: np.ndarray
    counts: np.ndarray

    @classmethod
    def from_pairs(cls, pairs: list[tuple[tuple, int]]) -> "ItemsetTable":
        """Build from ``(item tuple, count)`` pairs, as pyfim reports them."""
        if not pairs:
            return cls(np.empty(0, dtype=object), np.zeros((0, 1), dtype=np.int32),
                       np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
        sets, counts = zip(*pairs)
        lengths = np.fromiter(map(len, sets), dtype=np.int64, count=len(sets))
        width = int(lengths.max())
        flat = list(chain.from_iterable(sets))
        # Every item of a frequent itemset is a frequent singleton; code them in sorted order.
        raw = sorted(((decode_item(x), x) for x in set(flat)), key=lambda p: _sort_key(p[0]))
        code_of = {item: i for i, (_, item) in enumerate(raw)}
        matrix = np.full((len(sets), width), len(raw), dtype=np.int32)
        codes = np.fromiter(map(code_of.__getitem__, flat), dtype=np.int32, count=len(flat))
        starts = np.cumsum(lengths) - lengths
        cols = np.arange(len(flat)) - np.repeat(starts, lengths)
        matrix[np.repeat(np.arange(len(sets)), lengths), cols] = codes
        matrix.sort(axis=1)
        # Canonical row order (lexicographic by item codes): results do not depend on the order an
        # engine reported the itemsets in, so ties sort the same way for every engine.
        order = np.lexsort(matrix.T[::-1])
        items = np.empty(len(raw), dtype=object)
        items[:] = [text for text, _ in raw]
        return cls(items, matrix[order], lengths[order], np.asarray(counts, dtype=np.int64)[order])

    def __len__(self) -> int:
        return len(self.counts)

    @cached_property
    def tuples(self) -> np.ndarray:
        """Object array of item tuples, one per itemset (items in vocabulary order)."""
        return self._per_row(self.items, tuple)

    @cached_property
    def texts(self) -> np.ndarray:
        """Object array of readable itemsets, items joined by ``", "``."""
        names = np.empty(len(self.items), dtype=object)
        names[:] = [str(x) for x in self.items]
        return self._per_row(names, ", ".join)

    def _per_row(self, values: np.ndarray, func: Any) -> np.ndarray:
        # Rows of one length at a time, so each row is a plain slice-free list and ``func`` maps in C.
        out = np.empty(len(self), dtype=object)
        padded = np.append(values, None)
        for length in np.unique(self.lengths).tolist():
            rows = np.flatnonzero(self.lengths == length)
            out[rows] = list(map(func, padded[self.matrix[rows, :length]].tolist()))
        return out


def _sort_key(item: Any) -> tuple:
    # Numbers before strings, each in natural order; anything else by its text.
    if isinstance(item, (int, float, np.integer, np.floating)) and not isinstance(item, bool):
        return (0, float(item), "")
    return (1, 0.0, str(item))


class _HashIndex:
    """Exact lookup of itemsets by their sorted item codes, one hash table per itemset length.

    The key of an itemset is the wrapping 64-bit sum of a random number per item, so the key of
    ``I`` minus one item is ``key(I) - salt[item]``. Every hit is verified against the stored codes;
    a mismatch (a hash collision) falls back to an exact dictionary lookup.
    """

    def __init__(self, table: ItemsetTable, seed: int = 0x5EED):
        rng = np.random.default_rng(seed)
        self.salt = rng.integers(1, np.iinfo(np.uint64).max, size=len(table.items) + 1, dtype=np.uint64)
        self.table = table
        self.ids: dict[int, np.ndarray] = {}
        self.codes: dict[int, np.ndarray] = {}
        self.keys: dict[int, np.ndarray] = {}
        for length in np.unique(table.lengths).tolist():
            ids = np.flatnonzero(table.lengths == length)
            codes = table.matrix[ids, :length]
            keys = self.key(codes)
            order = np.argsort(keys, kind="stable")
            self.ids[length], self.codes[length], self.keys[length] = ids[order], codes[order], keys[order]
        self._fallback: dict[tuple, int] | None = None

    def key(self, codes: np.ndarray) -> np.ndarray:
        """Hash keys of the rows of ``codes`` (sorted item codes, all of one length)."""
        with np.errstate(over="ignore"):
            return self.salt[codes].sum(axis=1, dtype=np.uint64)

    def lookup(self, codes: np.ndarray, keys: np.ndarray | None = None) -> np.ndarray:
        """Itemset index of each row of ``codes`` (sorted codes of one length); -1 where none is."""
        length = codes.shape[1]
        if length not in self.ids:
            return np.full(len(codes), -1)
        keys = self.key(codes) if keys is None else keys
        stored = self.keys[length]
        pos = np.searchsorted(stored, keys).clip(max=len(stored) - 1)
        found = self.ids[length][pos]
        ok = (stored[pos] == keys) & (self.codes[length][pos] == codes).all(axis=1)
        if not ok.all():  # a hash collision, or a missing itemset
            if self._fallback is None:
                self._fallback = {tuple(r[:n]): i for i, (r, n) in
                                  enumerate(zip(self.table.matrix.tolist(), self.table.lengths.tolist()))}
            bad = np.flatnonzero(~ok)
            found[bad] = [self._fallback.get(tuple(r), -1) for r in codes[bad].tolist()]
        return found


def derive_rules(table: ItemsetTable, n_baskets: int, min_confidence: float, min_len: int = 1,
                 max_len: int | None = None, max_consequent_len: int | None = 1) -> pd.DataFrame:
    """Association rules from a complete table of frequent itemsets (see the module docstring).

    ``table`` must hold every frequent itemset up to ``max_len`` down to the singletons (downward
    closure), or lookups of antecedents fail with ``ValueError``. Returns the columns of
    :data:`RULE_COLUMNS`: antecedent and consequent as item tuples and as text
    (items joined by ``", "``), the measures, and ``length``. Rules come in a fixed order that no
    engine changes (by rule length, then consequent position, then itemset), not sorted by a
    measure: sorting millions of rows costs more than deriving them; see :meth:`AssociationRules.top`.
    """
    if not 0 <= min_confidence <= 1:
        raise ValueError(f"min_confidence must be in [0, 1], not {min_confidence}")
    n = len(table)
    if n == 0:
        return _empty_rules()
    ids = _rule_ids(table, n_baskets, min_confidence, min_len, max_len, max_consequent_len)
    if ids is None:
        return _empty_rules()
    return _rules_frame(table, n_baskets, *ids)


def _rule_ids(table: ItemsetTable, n_baskets: int, min_confidence: float, min_len: int, max_len: int | None,
              max_consequent_len: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Row ids in ``table`` of (itemset, antecedent, consequent) of every rule with enough confidence
    (antecedent -1: the empty one), in the fixed order of :func:`derive_rules`; None if there is none."""
    index = _HashIndex(table)
    counts = table.counts
    width = table.matrix.shape[1]
    max_len = width if max_len is None else min(max_len, width)
    singleton = np.full(len(table.items) + 1, -1)
    ones = np.flatnonzero(table.lengths == 1)
    singleton[table.matrix[ones, 0]] = ones
    full_ids, ante_ids, cons_ids = [], [], []
    for length in range(max(min_len, 1), max_len + 1):
        rows = np.flatnonzero(table.lengths == length)
        if rows.size == 0:
            continue
        sub = table.matrix[rows, :length]
        keys = index.key(sub)
        max_c = length if max_consequent_len is None else min(max_consequent_len, length)
        for c_len in range(1, max_c + 1):
            for cons_pos in combinations(range(length), c_len):
                ante_pos = [p for p in range(length) if p not in cons_pos]
                if not ante_pos and length > 1:  # {} => C only for single items, as arules
                    continue
                cons_codes = sub[:, list(cons_pos)]
                if ante_pos:
                    with np.errstate(over="ignore"):
                        ante_keys = keys - index.key(cons_codes)
                    found_a = _check_found(index.lookup(sub[:, ante_pos], ante_keys))
                    count_a = counts[found_a]
                else:  # {} => I: the empty antecedent holds in all N baskets
                    found_a = np.full(rows.size, -1)
                    count_a = np.full(rows.size, n_baskets)
                keep = counts[rows] / count_a >= min_confidence
                if c_len == 1:
                    found_c = singleton[cons_codes[keep, 0]]
                else:
                    found_c = index.lookup(cons_codes[keep])
                full_ids.append(rows[keep])
                ante_ids.append(found_a[keep])
                cons_ids.append(_check_found(found_c))
    if not full_ids:
        return None
    return np.concatenate(full_ids), np.concatenate(ante_ids), np.concatenate(cons_ids)


def _rules_frame(table: ItemsetTable, n_baskets: int, full: np.ndarray, ante: np.ndarray,
                 cons: np.ndarray) -> pd.DataFrame:
    """The rules of the row ids from :func:`_rule_ids` with their items and measures (:data:`RULE_COLUMNS`)."""
    n = len(table)
    counts = table.counts
    count_i = counts[full]
    count_a = np.where(ante >= 0, counts[ante], n_baskets)
    confidence = count_i / count_a
    supp_c = counts[cons] / n_baskets
    support = count_i / n_baskets
    supp_a = count_a / n_baskets
    with np.errstate(divide="ignore", invalid="ignore"):
        conviction = np.where(confidence < 1, (1 - supp_c) / (1 - confidence), np.inf)
    ante = np.where(ante >= 0, ante, n)  # row n of the lookups below is the empty itemset
    tuples = np.empty(n + 1, dtype=object)
    tuples[:n] = table.tuples
    tuples[n] = ()
    texts = np.append(table.texts, "")
    return pd.DataFrame({
        "antecedent": tuples[ante],
        "consequent": tuples[cons],
        "antecedent_items": pd.Series(texts[ante], dtype=object),
        "consequent_items": pd.Series(texts[cons], dtype=object),
        "antecedent_support": supp_a,
        "consequent_support": supp_c,
        "support": support,
        "count": count_i,
        "confidence": confidence,
        "lift": confidence / supp_c,
        "leverage": support - supp_a * supp_c,
        "conviction": conviction,
        "length": table.lengths[full],
    }, copy=False)


def _check_found(found: np.ndarray) -> np.ndarray:
    if (found < 0).any():
        raise ValueError("itemset table is not downward closed: a subset of a frequent itemset is missing "
                         "(were the itemsets mined with a minimum length above 1?)")
    return found


def _empty_rules() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object if c in RULE_COLUMNS[:4] else float)
                          for c in RULE_COLUMNS})
    return frame.astype({"count": "int64", "length": "int64"})


class TooManyItemsets(ValueError):
    """Mining would find more frequent itemsets than the cap (:func:`check_itemset_budget`)."""


def subsets_up_to(n: int, max_len: int | None, cap: int) -> int:
    """``sum_{k=1..min(n, max_len)} C(n, k)`` (the non-empty itemsets of an ``n``-item basket), or a number
    above ``cap`` as soon as the sum passes it (so ``n = 500,000`` costs two terms, not a huge integer)."""
    top = n if max_len is None else min(n, max_len)
    total, term = 0, 1
    for k in range(1, top + 1):
        term = term * (n - k + 1) // k
        total += term
        if total > cap:
            return cap + 1
    return total


def check_itemset_budget(baskets: Baskets, min_count: int, max_len: int | None,
                         limit: int | None = MAX_ITEMSETS, sample: int = 5_000) -> None:
    """Raise :class:`TooManyItemsets` (one line: the bound, its reason, and the way out) when mining
    ``baskets`` at ``min_count`` would find more than ``limit`` frequent itemsets; ``limit=None`` skips it.

    Cheapest first: every frequent itemset lies in ``min_count`` baskets, so ``sum_b subsets(|b|) / min_count``
    bounds the count from above, and at ``min_count`` 1 every subset of the longest basket is frequent.
    When neither decides, a frequent itemset is grown greedily (on a sample of ``sample`` baskets at the same
    relative support when there are more); when its subsets stay under ``limit / 64`` the mining goes on (a
    heuristic: on chess.dat the true count is 10-20x that bound). Otherwise the decision is exact: every
    subset of a greedily grown frequent itemset of all the baskets is frequent, and pyfim counts the
    itemsets without keeping them (its pattern spectrum; length bounds 2, 4, 8, ... first), stopping as soon
    as the count passes ``limit``.
    """
    if limit is None or not baskets.transactions:
        return
    tx = baskets.transactions
    lengths = np.bincount(np.fromiter(map(len, tx), dtype=np.int64, count=len(tx)))
    budget = limit * min_count
    upper = 0
    for n in np.flatnonzero(lengths).tolist():
        upper += int(lengths[n]) * subsets_up_to(n, max_len, budget)
        if upper > budget:
            break
    if upper <= budget:
        return
    if min_count == 1:
        longest = len(lengths) - 1
        _too_many(baskets, subsets_up_to(longest, max_len, limit), limit, min_count, max_len,
                  f"a basket of {longest:,} distinct items, each frequent at min count 1")
    part, part_count = tx, min_count
    if len(tx) > sample and min_count * sample >= 5 * len(tx):
        rng = np.random.default_rng(0)
        part = [tx[i] for i in rng.choice(len(tx), size=sample, replace=False).tolist()]
        part_count = max(1, math.floor(min_count * sample / len(tx)))
    found = _greedy_itemset(part, part_count)
    if subsets_up_to(len(found), max_len, limit) <= limit // 64:
        return
    if part is not tx:
        found = _greedy_itemset(tx, min_count)
    _too_many(baskets, subsets_up_to(len(found), max_len, limit), limit, min_count, max_len,
              f"a frequent itemset of {len(found):,} items (in {min_count:,}+ baskets)")
    if fim is not None:
        total = _count_itemsets(tx, min_count, max_len, limit)
        _too_many(baskets, total, limit, min_count, max_len, "pyfim counts them without keeping them")


def _count_itemsets(tx: list[list[Any]], min_count: int, max_len: int | None, cap: int) -> int:
    """The number of frequent itemsets of ``tx`` (pyfim's pattern spectrum: counted in C, none kept), or
    ``cap + 1`` once it passes ``cap``; length bounds 2, 4, 8, ... first, so a huge count stops early."""
    tracts = tx + [[]]  # as in _mine_pyfim: items in every basket stay
    top = max(map(len, tx), default=0) if max_len is None else max_len
    z = min(2, top)
    while z >= 1:
        spectrum = fim.fpgrowth(tracts, target="s", supp=-int(min_count), zmax=z, report="#")
        total = int(sum(spectrum.values()))
        if total > cap:
            return cap + 1
        if z >= top or not spectrum or max(size for size, _ in spectrum) < z:
            return total
        z = min(2 * z, top)
    return 0


def _greedy_itemset(baskets: list[list[Any]], min_count: int) -> list[Any]:
    """A large frequent itemset found greedily: add the item most common among the baskets holding every
    item chosen so far, while at least ``min_count`` of them remain (its subsets are all frequent)."""
    cover = [set(b) for b in baskets if len(b) > 1]
    chosen: list[Any] = []
    while cover:
        counts = Counter(chain.from_iterable(cover))
        for item in chosen:
            counts.pop(item, None)
        if not counts:
            break
        item, n = counts.most_common(1)[0]
        if n < min_count:
            break
        chosen.append(item)
        cover = [b for b in cover if item in b]
    return chosen


def _too_many(baskets: Baskets, lower: int, limit: int, min_count: int, max_len: int | None, why: str) -> None:
    """Raise :class:`TooManyItemsets` when ``lower`` (a lower bound of the itemsets) passes ``limit``."""
    if lower <= limit:
        return
    length = "" if max_len is None else f" (max length {max_len})"
    raise TooManyItemsets(
        f"{baskets.source}: mining would find more than {limit:,} frequent itemsets{length}: {why}; "
        f"raise the minimum support (now a count of {min_count:,} of {len(baskets):,} baskets) or set a "
        f"smaller --max-len")


def mine_itemsets(baskets: Baskets, min_count: int, max_len: int | None = None, engine: str = "pyfim",
                  algorithm: str = "fpgrowth") -> list[tuple[tuple, int]]:
    """All itemsets with ``count >= min_count`` (and at most ``max_len`` items) as (items, count) pairs."""
    if engine == "pyfim":
        return _mine_pyfim(baskets.transactions, min_count, max_len, algorithm)
    if engine == "mlxtend":
        return _mine_mlxtend(baskets.transactions, min_count, max_len)
    if engine == "spark":  # MLlib FP-growth on the shared SparkSession (the ``spark`` extra)
        from kgmine.spark.fpgrowth import mine_itemsets_spark

        return mine_itemsets_spark(baskets.transactions, min_count, max_len)
    raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")


def _mine_pyfim(transactions: list[list], min_count: int, max_len: int | None, algorithm: str) -> list:
    if fim is None:  # pragma: no cover - pyfim is a dependency
        raise ImportError("engine='pyfim' needs pyfim: pip install pyfim")
    if algorithm not in PYFIM_ALGORITHMS:
        raise ValueError(f"pyfim algorithm must be one of {PYFIM_ALGORITHMS}, not {algorithm!r}")
    if not transactions:
        return []
    # pyfim drops items that occur in *every* transaction (they are perfect extensions of the empty
    # set); one extra empty transaction keeps them without changing any absolute count.
    tracts = transactions + [[]]
    kwargs: dict[str, Any] = {"target": "s", "supp": -int(min_count), "zmin": 1, "report": "a"}
    if max_len is not None:
        kwargs["zmax"] = int(max_len)
    return getattr(fim, algorithm)(tracts, **kwargs)


def _mine_mlxtend(transactions: list[list], min_count: int, max_len: int | None) -> list:
    try:
        from mlxtend.frequent_patterns import fpgrowth
        from mlxtend.preprocessing import TransactionEncoder
    except ImportError as exc:
        raise ImportError("engine='mlxtend' needs mlxtend: pip install mlxtend") from exc
    if not transactions:
        return []
    n = len(transactions)
    encoder = TransactionEncoder()
    onehot = encoder.fit(transactions).transform(transactions, sparse=True)
    frame = pd.DataFrame.sparse.from_spmatrix(onehot, columns=range(len(encoder.columns_)))
    # (min_count - 0.5) / N makes mlxtend's float tests ``count / N >= s`` and ``ceil(s N)`` exact.
    found = fpgrowth(frame, min_support=(min_count - 0.5) / n, max_len=max_len, use_colnames=True)
    columns = encoder.columns_
    counts = np.rint(found["support"].to_numpy() * n).astype(np.int64)
    return [(tuple(columns[i] for i in s), int(c)) for s, c in zip(found["itemsets"], counts)]


class AssociationRules:
    """Frequent itemsets and association rules, estimator style.

    Args:
        min_support: minimum support as a fraction of baskets (min count ``ceil(min_support * N)``,
            see :func:`min_count`), or an ``int >= 1`` absolute count. Default 0.01.
        min_confidence: minimum rule confidence in [0, 1]. Default 0.5.
        min_len: minimum number of items of a rule (antecedent plus consequent) and of a reported
            itemset. 1 (default, as arules) admits rules ``{} => C``; 2 requires an antecedent.
        max_len: maximum items per itemset and rule, ``None`` (default) for no limit.
        max_consequent_len: items in a consequent at most; 1 (default) as arules and pyfim,
            ``None`` for every split of each itemset (as mlxtend).
        engine: ``"pyfim"`` (default; Borgelt's C implementations), ``"mlxtend"``, or ``"spark"``
            (MLlib FP-growth on the SparkSession of :func:`kgmine.spark.spark_session`; the rules are
            derived in-process from its itemsets, so the columns are the same).
        algorithm: pyfim algorithm, one of :data:`PYFIM_ALGORITHMS` (default ``"fpgrowth"``).
        max_itemsets: refuse (:class:`TooManyItemsets`) to mine when more frequent itemsets than this would
            be found (:func:`check_itemset_budget`); ``None`` for no cap. Default :data:`MAX_ITEMSETS`.

    Attributes (after :meth:`fit`):
        n_baskets_: number of baskets N.
        min_count_: the absolute minimum support used.
        itemsets_: DataFrame ``itemset`` (tuple), ``items`` (text), ``support``, ``count``,
            ``length``, sorted by support (descending), length, then items.
        rules_: DataFrame with :data:`RULE_COLUMNS` in a fixed order (see :func:`derive_rules`;
            :meth:`top` ranks them).
        table_: the :class:`ItemsetTable` behind both.
    """

    def __init__(self, min_support: float = 0.01, min_confidence: float = 0.5, min_len: int = 1,
                 max_len: int | None = None, max_consequent_len: int | None = 1, engine: str = "pyfim",
                 algorithm: str = "fpgrowth", max_itemsets: int | None = MAX_ITEMSETS):
        self.min_support = min_support
        self.max_itemsets = max_itemsets
        self.min_confidence = min_confidence
        self.min_len = min_len
        self.max_len = max_len
        self.max_consequent_len = max_consequent_len
        self.engine = engine
        self.algorithm = algorithm

    def _validate(self) -> None:
        if self.engine not in ENGINES:
            raise ValueError(f"engine must be one of {ENGINES}, not {self.engine!r}")
        if not 0 <= self.min_confidence <= 1:
            raise ValueError(f"min_confidence must be in [0, 1], not {self.min_confidence}")
        if self.min_len < 1:
            raise ValueError(f"min_len must be >= 1, not {self.min_len}")
        if self.max_len is not None and self.max_len < self.min_len:
            raise ValueError(f"max_len ({self.max_len}) must be >= min_len ({self.min_len})")
        if self.max_consequent_len is not None and self.max_consequent_len < 1:
            raise ValueError(f"max_consequent_len must be >= 1 or None, not {self.max_consequent_len}")

    def fit(self, baskets: Any, y: None = None) -> "AssociationRules":
        """Mine ``baskets`` (anything :func:`kgmine.mine.baskets.as_baskets` accepts)."""
        self._validate()
        with gc_paused():  # millions of short-lived lists and tuples: cyclic GC passes only cost time
            data = as_baskets(baskets)
            self.n_baskets_ = len(data)
            self.min_count_ = min_count(self.min_support, self.n_baskets_)
            check_itemset_budget(data, self.min_count_, self.max_len, self.max_itemsets)
            pairs = mine_itemsets(data, self.min_count_, self.max_len, self.engine, self.algorithm)
            self.table_ = ItemsetTable.from_pairs(pairs)
            # Drop the transactions (when read here) and pyfim's tuples before the collector is back
            # on: its first pass would otherwise walk every one of them.
            del data, pairs
            self.rules_ = derive_rules(self.table_, self.n_baskets_, self.min_confidence, self.min_len,
                                       self.max_len, self.max_consequent_len)
            self.itemsets_ = self._itemset_frame()
        return self

    def _itemset_frame(self) -> pd.DataFrame:
        table = self.table_
        keep = np.flatnonzero(table.lengths >= self.min_len)
        keep = keep[np.lexsort((table.lengths[keep], -table.counts[keep]))]
        return pd.DataFrame({
            "itemset": table.tuples[keep] if len(table) else np.empty(0, dtype=object),
            "items": pd.Series(table.texts[keep] if len(table) else [], dtype=object),
            "support": table.counts[keep] / max(self.n_baskets_, 1),
            "count": table.counts[keep],
            "length": table.lengths[keep],
        })

    def top(self, n: int | None = 10, by: str = "lift") -> pd.DataFrame:
        """The ``n`` best rules by measure ``by`` (descending; ties by confidence, then support);
        ``n=None`` sorts them all."""
        if by not in ("support", "confidence", "lift", "leverage", "conviction", "count"):
            raise ValueError(f"cannot rank rules by {by!r}")
        keys = [by] + [k for k in ("confidence", "support") if k != by]
        rules = self.rules_
        if n == 0:  # (--top 0: the summary only)
            return rules.iloc[:0].reset_index(drop=True)
        if n is not None and n < len(rules):
            # The n-th value of the key, then a full sort of the (few) rules at or above it.
            cut = rules[by].nlargest(n, keep="all").iloc[-1]
            rules = rules[rules[by] >= cut]
        ranked = rules.sort_values(keys, ascending=False, kind="stable")
        return (ranked if n is None else ranked.head(n)).reset_index(drop=True)

    def pairwise_rules(self) -> pd.DataFrame:
        """The rules with one antecedent item and one consequent item (for FREQUENTLY_BOUGHT_WITH)."""
        rules = self.rules_
        mask = (rules["length"] == 2) & (rules["antecedent"].map(len) == 1)
        return rules[mask].reset_index(drop=True)

    def summary(self) -> dict[str, Any]:
        """Counts of the fit: baskets, min count, itemsets, rules and rules per length."""
        lengths = self.rules_["length"].value_counts().sort_index()
        return {"baskets": int(self.n_baskets_), "min_count": int(self.min_count_),
                "itemsets": int(len(self.itemsets_)), "rules": int(len(self.rules_)),
                "rules_by_length": {int(k): int(v) for k, v in lengths.items()}}


#: the columns of a saved rules file: :data:`RULE_COLUMNS` without the item texts (the lists say it)
RULE_FILE_COLUMNS = [c for c in RULE_COLUMNS if c not in ("antecedent_items", "consequent_items")]


def save_rules(rules: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write ``rules`` (``AssociationRules.rules_`` or a subset of its rows) to ``path``: the one rules
    file format, used for a run's ``artifacts/rules.parquet`` and ``kgmine mine rules --out``.

    Columns :data:`RULE_FILE_COLUMNS` (those present); ``antecedent`` and ``consequent`` are lists of
    product ids (str). ``.parquet`` / ``.pq`` keep them as lists; any other suffix is CSV, which has no
    list type, so there the ids are joined with ``|``. Returns the path.
    """
    path = Path(path)
    frame = rules[[c for c in rules.columns if c not in ("antecedent_items", "consequent_items")]].copy()
    for col in ("antecedent", "consequent"):
        if col in frame.columns:
            frame[col] = frame[col].map(lambda v: [v] if isinstance(v, str) else [str(x) for x in v])
    if path.suffix.lower() in (".parquet", ".pq"):
        frame.to_parquet(path, index=False)
    else:
        for col in ("antecedent", "consequent"):
            if col in frame.columns:
                frame[col] = frame[col].map("|".join)
        frame.to_csv(path, index=False)
    return path


def rules_to_edges(rules: Any, min_lift: float | None = None) -> pd.DataFrame:
    """FREQUENTLY_BOUGHT_WITH edges of the pairwise rules (see :func:`kgmine.mine.writeback.rules_edges`)."""
    from kgmine.mine.writeback import rules_edges

    return rules_edges(rules, min_lift)


__all__ = ["AssociationRules", "rules_to_edges", "save_rules", "RULE_FILE_COLUMNS", "ENGINES", "ITEMSET_COLUMNS", "ItemsetTable", "PYFIM_ALGORITHMS", "RULE_COLUMNS",
           "derive_rules", "mine_itemsets", "min_count",
           "MAX_ITEMSETS", "TooManyItemsets", "check_itemset_budget", "subsets_up_to"]
