"""Interaction data for the recommenders: id maps, splits, the interaction graph, the KG, negatives.

Everything here is data preparation; models only ever see the tensors it produces.

* :class:`InteractionData` holds users and items as contiguous indices, the ``train`` / ``valid`` /
  ``test`` (user, item) pairs, the original ids (``user_ids[u]``, ``item_ids[i]``) and an optional
  :class:`KGTriples` of item-entity triples. Build it from an interactions DataFrame
  (:meth:`InteractionData.from_frame`, with a ``given``, ``random`` or ``leave_last_out`` split), from a
  :class:`~kgmine.io.tables.ShopData` (:meth:`InteractionData.from_shop`: LightGCN and RecBole
  files come through their readers, :func:`kgmine.io.lightgcn.read_lightgcn` and
  :func:`kgmine.io.recbole.read_recbole`, e.g. ``from_shop(read_lightgcn(dir), "given", keep_order=True)``).
* :class:`RecGraph` is the symmetric-normalised user-item adjacency
  ``D^{-1/2} A D^{-1/2}`` (LightGCN eq. 7) as a torch CSR tensor, plus the KG as relation-typed CSR
  blocks; it moves to a device with :meth:`RecGraph.to`.
* :class:`NegativeSampler` draws BPR triples fully vectorised (numpy), rejecting negatives that are in
  the user's training items by a binary search over sorted ``user * n_items + item`` keys.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp
import torch

SPLITS = ("train", "valid", "test")


def _pairs(u: np.ndarray | None = None, i: np.ndarray | None = None) -> np.ndarray:
    if u is None:
        return np.zeros((0, 2), dtype=np.int64)
    return np.stack([np.asarray(u, dtype=np.int64), np.asarray(i, dtype=np.int64)], axis=1)


@dataclass
class KGTriples:
    """Item-entity knowledge-graph triples ``(head, relation, tail)`` as index arrays.

    Entities are indexed so that entity ``e < n_items`` *is* item ``e`` (RecBole's ``.link`` /
    kgmine's item-item edges); further entities (brands, categories, RecBole tails that are not
    items) get indices ``n_items ..``. ``heads`` are always items (tails of reversed triples are
    not stored; models add inverse relations themselves).
    """

    heads: np.ndarray
    relations: np.ndarray
    tails: np.ndarray
    relation_names: list[str]
    entity_ids: np.ndarray  # index -> original id; first n_items are the item ids

    @property
    def n_entities(self) -> int:
        return len(self.entity_ids)

    @property
    def n_relations(self) -> int:
        return len(self.relation_names)

    def __len__(self) -> int:
        return len(self.heads)

    def frame(self) -> pd.DataFrame:
        """The triples as a DataFrame(head, relation, tail) of original ids."""
        return pd.DataFrame({"head": self.entity_ids[self.heads],
                             "relation": np.asarray(self.relation_names, dtype=object)[self.relations],
                             "tail": self.entity_ids[self.tails]})

    @classmethod
    def from_frame(cls, triples: pd.DataFrame, item_ids: np.ndarray) -> "KGTriples":
        """Build from DataFrame(head, relation, tail) of original ids; heads must be known items.

        Triples whose head is not an item are dropped; tails that are items map to the item index,
        others become new entities.
        """
        item_index = pd.Index(item_ids)
        frame = triples.dropna(subset=["head", "relation", "tail"]).astype(str)
        head = item_index.get_indexer(frame["head"])
        frame = frame[head >= 0]
        head = head[head >= 0]
        tails = frame["tail"].to_numpy(object)
        tail_item = item_index.get_indexer(tails)
        extra = pd.unique(tails[tail_item < 0])
        tail = np.where(tail_item >= 0, tail_item, len(item_ids) + pd.Index(extra).get_indexer(tails))
        names = sorted(pd.unique(frame["relation"]))
        rel = pd.Index(names).get_indexer(frame["relation"])
        keep = pd.DataFrame({"h": head, "r": rel, "t": tail}).drop_duplicates()
        return cls(keep["h"].to_numpy(np.int64), keep["r"].to_numpy(np.int64), keep["t"].to_numpy(np.int64),
                   list(names), np.concatenate([np.asarray(item_ids, dtype=object),
                                                np.asarray(extra, dtype=object)]))


@dataclass
class InteractionData:
    """Users, items and the train/valid/test interactions of one data set, as index pairs.

    ``train``, ``valid``, ``test`` are int64 arrays of shape ``(n, 2)`` holding ``(user, item)``
    indices, without duplicate pairs within a split. ``user_ids`` / ``item_ids`` map indices back to
    the original ids. ``kg`` is an optional :class:`KGTriples`.
    """

    user_ids: np.ndarray
    item_ids: np.ndarray
    train: np.ndarray
    valid: np.ndarray = field(default_factory=_pairs)
    test: np.ndarray = field(default_factory=_pairs)
    kg: KGTriples | None = None
    name: str = "data"

    def __post_init__(self) -> None:
        self.user_ids = np.asarray(self.user_ids, dtype=object)
        self.item_ids = np.asarray(self.item_ids, dtype=object)
        for split in SPLITS:
            pairs = np.asarray(getattr(self, split), dtype=np.int64).reshape(-1, 2)
            if len(pairs) and (pairs[:, 0].min() < 0 or pairs[:, 0].max() >= self.n_users
                               or pairs[:, 1].min() < 0 or pairs[:, 1].max() >= self.n_items):
                raise ValueError(f"{self.name}: {split} pairs hold indices outside "
                                 f"{self.n_users} users x {self.n_items} items")
            setattr(self, split, np.unique(pairs, axis=0) if len(pairs) else pairs)
        self._csr: dict[str, sp.csr_matrix] = {}

    # ------------------------------------------------------------------ sizes and lookups
    @property
    def n_users(self) -> int:
        return len(self.user_ids)

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    def csr(self, split: str = "train") -> sp.csr_matrix:
        """The user x item 0/1 matrix of ``split`` (scipy CSR, sorted indices, cached)."""
        if split not in self._csr:
            pairs = getattr(self, split)
            m = sp.csr_matrix((np.ones(len(pairs), dtype=np.float32), (pairs[:, 0], pairs[:, 1])),
                              shape=(self.n_users, self.n_items))
            m.sum_duplicates()
            m.sort_indices()
            self._csr[split] = m
        return self._csr[split]

    def user_index(self, users) -> np.ndarray:
        """Indices of original user ids; KeyError naming the first unknown id."""
        idx = pd.Index(self.user_ids).get_indexer(np.asarray(users, dtype=object).astype(str))
        if (idx < 0).any():
            bad = np.asarray(users, dtype=object)[idx < 0][0]
            raise KeyError(f"unknown user id {bad!r} ({self.n_users} users known)")
        return idx.astype(np.int64)

    def item_index(self, items) -> np.ndarray:
        """Indices of original item ids; KeyError naming the first unknown id."""
        idx = pd.Index(self.item_ids).get_indexer(np.asarray(items, dtype=object).astype(str))
        if (idx < 0).any():
            bad = np.asarray(items, dtype=object)[idx < 0][0]
            raise KeyError(f"unknown item id {bad!r} ({self.n_items} items known)")
        return idx.astype(np.int64)

    def summary(self) -> dict[str, int]:
        """Counts of users, items, pairs per split and KG triples."""
        out = {"users": self.n_users, "items": self.n_items}
        out.update({split: len(getattr(self, split)) for split in SPLITS})
        out["kg_triples"] = len(self.kg) if self.kg is not None else 0
        return out

    def graph(self, kg: bool = False, reorder: bool = True) -> "RecGraph":
        """The normalised interaction graph of the training pairs (plus the KG when ``kg``)."""
        return RecGraph.build(self, with_kg=kg, reorder=reorder)

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_frame(cls, interactions: pd.DataFrame, split: str = "auto", *,
                   ratios: tuple[float, float, float] = (0.8, 0.1, 0.1), seed: int = 0,
                   events: tuple[str, ...] | None = None, min_rating: float | None = None,
                   kg_triples: pd.DataFrame | None = None, name: str = "data",
                   user_ids=None, item_ids=None) -> "InteractionData":
        """Index an interactions table (``user_id``, ``product_id`` [, ``timestamp``, ``split``, ...]).

        ``split`` is ``given`` (use the ``split`` column), ``random`` (per-user random split with
        ``ratios``), ``leave_last_out`` (per user by timestamp: last -> test, second last -> valid)
        or ``auto`` (``given`` when every row has a split, else ``leave_last_out`` when timestamps
        exist, else ``random``). ``events`` keeps only those events; ``min_rating`` drops rated rows
        below it (implicit feedback from explicit ratings). Repeated (user, item) pairs count once.
        ``kg_triples`` = DataFrame(head, relation, tail) of original ids adds a KG. ``user_ids`` /
        ``item_ids`` fix the index order (id ``user_ids[u]`` is index ``u``; every id of the table must be
        there); by default users and items are indexed in sorted id order.
        """
        for col in ("user_id", "product_id"):
            if col not in interactions.columns:
                raise ValueError(f"interactions table is missing required column {col!r}")
        df = interactions
        if events is not None and "event" in df.columns:
            df = df[df["event"].isin(events)]
        if min_rating is not None and "rating" in df.columns:
            rating = pd.to_numeric(df["rating"], errors="coerce")
            df = df[rating.isna() | (rating >= min_rating)]
        if len(df) == 0:
            raise ValueError("no interactions left to train on (check events / min_rating)")
        user_ids, u = _index(df["user_id"], user_ids, "user")
        item_ids, i = _index(df["product_id"], item_ids, "item")
        has_split = "split" in df.columns and df["split"].notna().all()
        has_ts = "timestamp" in df.columns and df["timestamp"].notna().all()
        if split == "auto":
            split = "given" if has_split else ("leave_last_out" if has_ts else "random")
        if split == "given":
            if not has_split:
                raise ValueError("split='given' needs a 'split' column with a value on every row")
            labels = df["split"].astype(str).to_numpy()
            bad = set(np.unique(labels)) - set(SPLITS)
            if bad:
                raise ValueError(f"unknown split label(s) {sorted(bad)}; expected {SPLITS}")
            parts = {s: _pairs(u[labels == s], i[labels == s]) for s in SPLITS}
        elif split == "leave_last_out":
            if not has_ts:
                raise ValueError("split='leave_last_out' needs a 'timestamp' column with a value on every row")
            parts = leave_last_out(u, i, pd.to_numeric(df["timestamp"]).to_numpy(np.int64))
        elif split == "random":
            parts = random_split(u, i, ratios, seed)
        else:
            raise ValueError(f"unknown split {split!r}; use given, random, leave_last_out or auto")
        # a pair that is in train must not be evaluated again
        train_keys = parts["train"][:, 0] * len(item_ids) + parts["train"][:, 1]
        for s in ("valid", "test"):
            keys = parts[s][:, 0] * len(item_ids) + parts[s][:, 1]
            parts[s] = parts[s][~np.isin(keys, train_keys)]
        kg = KGTriples.from_frame(kg_triples, item_ids) if kg_triples is not None and len(kg_triples) else None
        return cls(user_ids, item_ids, parts["train"], parts["valid"], parts["test"], kg=kg, name=name)

    @classmethod
    def from_shop(cls, shop, split: str = "auto", *, keep_order: bool = False, **kwargs) -> "InteractionData":
        """From a :class:`~kgmine.io.tables.ShopData`; its item edges and entity edges form the KG.

        ``keep_order=True`` indexes users and items in the order of ``shop.users`` / ``shop.products``
        (a reader's order: for LightGCN files user ``"u"`` is index ``u``, as in the official code)
        instead of sorted ids. Other keyword arguments go to :meth:`from_frame`.
        """
        if keep_order:
            kwargs.update(user_ids=shop.users["user_id"], item_ids=shop.products["product_id"])
        triples = []
        if len(shop.item_edges):
            triples.append(shop.item_edges.rename(columns={"src": "head", "dst": "tail"})[["head", "relation", "tail"]])
        if len(shop.entity_edges):
            triples.append(shop.entity_edges.rename(columns={"product_id": "head", "entity": "tail"})
                           [["head", "relation", "tail"]])
        kg = pd.concat(triples, ignore_index=True) if triples else None
        kwargs.setdefault("name", shop.name)
        return cls.from_frame(shop.interactions, split, kg_triples=kg, **kwargs)


def _index(values: pd.Series, order, what: str) -> tuple[np.ndarray, np.ndarray]:
    """(ids, index of each value): ``order`` as given, or the sorted distinct values when None."""
    values = values.astype(str).to_numpy(object)
    if order is None:
        return np.unique(values, return_inverse=True)
    ids = np.asarray(order, dtype=object).astype(str)
    index = pd.Index(ids).get_indexer(values)
    if (index < 0).any():
        raise ValueError(f"{what} id {values[index < 0][0]!r} is not among the {len(ids)} given {what} ids")
    return ids, index.astype(np.int64)


# ---------------------------------------------------------------------- splits
def leave_last_out(users: np.ndarray, items: np.ndarray, timestamps: np.ndarray) -> dict[str, np.ndarray]:
    """Per-user temporal split: each user's last pair -> test, second last -> valid, rest -> train.

    Users with one distinct item keep it in train; users with two give one to test. Ties in time are
    broken by item index, so the split is deterministic.
    """
    frame = pd.DataFrame({"u": users, "i": items, "t": timestamps})
    frame = frame.groupby(["u", "i"], as_index=False)["t"].max().sort_values(["u", "t", "i"])
    n = frame.groupby("u")["i"].transform("size").to_numpy()
    pos_from_end = frame.groupby("u").cumcount(ascending=False).to_numpy()
    test = (pos_from_end == 0) & (n >= 2)
    valid = (pos_from_end == 1) & (n >= 3)
    u, i = frame["u"].to_numpy(), frame["i"].to_numpy()
    train = ~(test | valid)
    return {"train": _pairs(u[train], i[train]), "valid": _pairs(u[valid], i[valid]),
            "test": _pairs(u[test], i[test])}


def random_split(users: np.ndarray, items: np.ndarray, ratios: tuple[float, float, float] = (0.8, 0.1, 0.1),
                 seed: int = 0) -> dict[str, np.ndarray]:
    """Per-user random split of each user's distinct items by ``ratios`` (train, valid, test).

    Every user keeps at least one training item; the counts per user are ``round(ratio * n)``.
    """
    if len(ratios) != 3 or min(ratios) < 0 or abs(sum(ratios) - 1) > 1e-6:
        raise ValueError(f"ratios must be three non-negative numbers summing to 1, got {ratios}")
    pairs = np.unique(_pairs(users, items), axis=0)
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"u": pairs[:, 0], "i": pairs[:, 1], "r": rng.random(len(pairs))}).sort_values(["u", "r"])
    n = frame.groupby("u")["i"].transform("size").to_numpy()
    rank = frame.groupby("u").cumcount().to_numpy()
    n_test = np.minimum(np.round(n * ratios[2]), n - 1)
    n_valid = np.minimum(np.round(n * ratios[1]), n - 1 - n_test)
    test = rank >= n - n_test
    valid = ~test & (rank >= n - n_test - n_valid)
    train = ~(test | valid)
    u, i = frame["u"].to_numpy(), frame["i"].to_numpy()
    return {"train": _pairs(u[train], i[train]), "valid": _pairs(u[valid], i[valid]),
            "test": _pairs(u[test], i[test])}


def carve_validation(data: "InteractionData", fraction: float = 0.1, seed: int = 0) -> "InteractionData":
    """``data`` with a validation split carved from its training pairs, for model selection only.

    Each training pair moves to ``valid`` with probability ``fraction`` (seeded), except that every user
    keeps at least one training pair; ``test`` is untouched, so selecting epochs on the carved split
    never reads the test split. Data that already has a validation split is returned as it is.
    """
    if len(data.valid):
        return data
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"fraction must be between 0 and 1, got {fraction}")
    train = data.train
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(train))
    move = np.zeros(len(train), dtype=bool)
    move[order] = rng.random(len(train)) < fraction
    # every user keeps the first of its pairs in the random order
    first = np.unique(train[order, 0], return_index=True)[1]
    move[order[first]] = False
    return InteractionData(data.user_ids, data.item_ids, train[~move], train[move], data.test, kg=data.kg,
                           name=data.name)


# ---------------------------------------------------------------------- graph
def _csr_tensor(rows: np.ndarray, cols: np.ndarray, values: np.ndarray, shape: tuple[int, int]) -> torch.Tensor:
    m = sp.csr_matrix((values.astype(np.float32), (rows, cols)), shape=shape)
    m.sum_duplicates()
    m.sort_indices()
    # 32-bit indices when they fit: the CPU kernel otherwise converts them on every product (~10% of it)
    index = np.int32 if m.nnz < np.iinfo(np.int32).max and max(shape) < np.iinfo(np.int32).max else np.int64
    with warnings.catch_warnings():  # "sparse CSR support is in beta" on every construction
        warnings.simplefilter("ignore", UserWarning)
        return torch.sparse_csr_tensor(torch.from_numpy(m.indptr.astype(index)),
                                       torch.from_numpy(m.indices.astype(index)),
                                       torch.from_numpy(m.data), size=shape, check_invariants=False)


@dataclass
class RecGraph:
    """Propagation matrices of the collaborative (knowledge) graph, as torch CSR tensors.

    ``adj``: the symmetric-normalised ``(U+I) x (U+I)`` interaction adjacency
    ``D^{-1/2} [[0, R], [R^T, 0]] D^{-1/2}`` of the training pairs (LightGCN eq. 7); it is its own
    transpose. When ``order`` is set, ``adj`` is stored with its nodes permuted to ``order``
    (reverse Cuthill-McKee: neighbours get nearby rows, which makes the memory-bound CSR product
    about 30% faster on Gowalla); :meth:`propagate` and models handle the permutation, so callers
    always see nodes in the original order (users ``0..U-1``, then items).

    With a KG: ``kg_out[r]`` is the ``E x E`` row-normalised (mean) adjacency of relation ``r`` over
    entities (the first ``n_items`` entities are the items), for the relations and their inverses
    (``relation_names`` ends with ``~inv`` names); ``kg_out_t[r]`` is its transpose. ``ckg`` holds the
    collaborative KG over ``users + entities`` as symmetric blocks sharing one normalisation
    ``D^{-1/2} A_b D^{-1/2}`` (``D`` = degree in the union of all blocks): block 0 the user-item
    edges, block ``1 + r`` relation ``r`` (both directions); ``sum(ckg)`` is LightGCN's adjacency of the CKG.
    """

    n_users: int
    n_items: int
    adj: torch.Tensor
    n_entities: int = 0
    relation_names: list[str] = field(default_factory=list)
    kg_out: list[torch.Tensor] = field(default_factory=list)
    kg_out_t: list[torch.Tensor] = field(default_factory=list)
    ckg: list[torch.Tensor] = field(default_factory=list)
    kg_triples: torch.Tensor | None = None  # (3, T): head entity, relation, tail entity
    order: torch.Tensor | None = None  # position -> node
    rank: torch.Tensor | None = None  # node -> position

    @classmethod
    def build(cls, data: InteractionData, with_kg: bool = False, reorder: bool = True) -> "RecGraph":
        """Normalised adjacency from ``data.train`` (and relation blocks from ``data.kg``)."""
        nu, ni = data.n_users, data.n_items
        u, i = data.train[:, 0], data.train[:, 1] + nu
        rows, cols = np.concatenate([u, i]), np.concatenate([i, u])
        deg = np.bincount(rows, minlength=nu + ni).astype(np.float64)
        dinv = np.zeros_like(deg)
        dinv[deg > 0] = deg[deg > 0] ** -0.5
        values = dinv[rows] * dinv[cols]
        order = rank = None
        if reorder and len(rows):
            from scipy.sparse.csgraph import reverse_cuthill_mckee

            pattern = sp.csr_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(nu + ni, nu + ni))
            perm = np.asarray(reverse_cuthill_mckee(pattern, symmetric_mode=True), dtype=np.int64)
            inv = np.empty_like(perm)
            inv[perm] = np.arange(len(perm))
            rows, cols = inv[rows], inv[cols]
            order, rank = torch.from_numpy(perm), torch.from_numpy(inv)
        adj = _csr_tensor(rows, cols, values, (nu + ni, nu + ni))
        graph = cls(nu, ni, adj, order=order, rank=rank)
        if with_kg:
            if data.kg is None or len(data.kg) == 0:
                raise ValueError(f"{data.name}: with_kg=True but the data has no KG triples")
            kg = data.kg
            graph.n_entities = kg.n_entities
            for inverse in (False, True):
                for r, rname in enumerate(kg.relation_names):
                    sel = kg.relations == r
                    h, t = kg.heads[sel], kg.tails[sel]
                    if inverse:
                        h, t = t, h
                    cnt = np.bincount(h, minlength=kg.n_entities).astype(np.float64)
                    val = 1.0 / cnt[h]
                    shape = (kg.n_entities, kg.n_entities)
                    graph.kg_out.append(_csr_tensor(h, t, val, shape))
                    graph.kg_out_t.append(_csr_tensor(t, h, val, shape))
                    graph.relation_names.append(rname + ("~inv" if inverse else ""))
            n = nu + kg.n_entities
            blocks = [(u, i)] + [(kg.heads[kg.relations == r] + nu, kg.tails[kg.relations == r] + nu)
                                 for r in range(kg.n_relations)]
            blocks = [(np.concatenate([a, b]), np.concatenate([b, a])) for a, b in blocks]
            deg = np.zeros(n)
            for a, _ in blocks:
                deg += np.bincount(a, minlength=n)
            dinv = np.zeros(n)
            dinv[deg > 0] = deg[deg > 0] ** -0.5
            graph.ckg = [_csr_tensor(a, b, dinv[a] * dinv[b], (n, n)) for a, b in blocks]
            graph.kg_triples = torch.from_numpy(np.stack([kg.heads, kg.relations, kg.tails]))
        return graph

    @property
    def n_relations(self) -> int:
        return len(self.relation_names)

    def to_internal(self, x: torch.Tensor) -> torch.Tensor:
        """Rows of ``x`` (users then items, original order) in ``adj``'s node order."""
        return x if self.order is None else x[self.order]

    def to_external(self, x: torch.Tensor) -> torch.Tensor:
        """Inverse of :meth:`to_internal`."""
        return x if self.rank is None else x[self.rank]

    def propagate(self, x: torch.Tensor) -> torch.Tensor:
        """``adj @ x`` for ``x`` in the original node order (permutes in and out when reordered)."""
        from kgmine.recommend.models.propagation import spmm

        return self.to_external(spmm(self.adj, self.to_internal(x)))

    def to(self, device: torch.device | str) -> "RecGraph":
        """A copy on ``device`` (tensors moved; the same object when already there)."""
        device = torch.device(device)
        if self.adj.device == device:
            return self
        move = (lambda t: None if t is None else t.to(device))
        return RecGraph(self.n_users, self.n_items, self.adj.to(device), self.n_entities,
                        list(self.relation_names), [m.to(device) for m in self.kg_out],
                        [m.to(device) for m in self.kg_out_t], [m.to(device) for m in self.ckg],
                        move(self.kg_triples), move(self.order), move(self.rank))


# ---------------------------------------------------------------------- sampling
class NegativeSampler:
    """Vectorised BPR sampling that never returns one of the user's training items as a negative.

    ``mode="user"`` reproduces LightGCN's official sampler (per epoch, ``len(train)`` users drawn
    uniformly among users with training items, one random positive each); ``mode="edge"`` visits
    every training pair once per epoch in random order (RecBole's default). Negatives are uniform
    over items, rejected by binary search in the sorted keys ``user * n_items + item`` and redrawn
    until none collides.
    """

    def __init__(self, data: InteractionData, mode: str = "user", n_negatives: int = 1, seed: int = 0):
        if mode not in ("user", "edge"):
            raise ValueError(f"mode must be 'user' or 'edge', got {mode!r}")
        if n_negatives < 1:
            raise ValueError(f"n_negatives must be >= 1, got {n_negatives}")
        self.mode, self.n_negatives = mode, n_negatives
        self.n_items = data.n_items
        csr = data.csr("train")
        self.indptr, self.indices = csr.indptr.astype(np.int64), csr.indices.astype(np.int64)
        deg = np.diff(self.indptr)
        self.degree = deg
        self.active_users = np.flatnonzero(deg)
        if (deg >= self.n_items).any():
            raise ValueError("a user has interacted with every item: no negative can be sampled")
        self.keys = np.repeat(np.arange(len(deg), dtype=np.int64), deg) * self.n_items + self.indices
        self.n_train = int(deg.sum())
        self.rng = np.random.default_rng(seed)

    def negatives(self, users: np.ndarray, n: int | None = None) -> np.ndarray:
        """``(len(users), n)`` negative items for ``users`` (none of them a training item)."""
        n = n or self.n_negatives
        users = np.repeat(np.asarray(users, dtype=np.int64), n)
        neg = self.rng.integers(0, self.n_items, size=len(users))
        todo = np.arange(len(users))
        while len(todo):
            keys = users[todo] * self.n_items + neg[todo]
            pos = np.searchsorted(self.keys, keys)
            pos[pos >= len(self.keys)] = 0
            clash = self.keys[pos] == keys
            todo = todo[clash]
            neg[todo] = self.rng.integers(0, self.n_items, size=len(todo))
        return neg.reshape(-1, n)

    def epoch(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One epoch of ``(users, positives, negatives[n, n_negatives])``, ``len(train)`` rows."""
        if self.mode == "user":
            users = self.active_users[self.rng.integers(0, len(self.active_users), size=self.n_train)]
            offset = (self.rng.random(self.n_train) * self.degree[users]).astype(np.int64)
            pos = self.indices[self.indptr[users] + offset]
        else:
            order = self.rng.permutation(self.n_train)
            users = np.repeat(np.arange(len(self.degree), dtype=np.int64), self.degree)[order]
            pos = self.indices[order]
        return users, pos, self.negatives(users)

    def state(self) -> dict:
        """The random state (for checkpoints)."""
        return self.rng.bit_generator.state

    def set_state(self, state: dict) -> None:
        """Restore :meth:`state`."""
        self.rng.bit_generator.state = state
