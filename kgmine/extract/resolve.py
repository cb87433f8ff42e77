"""Entity resolution: one canonical id per real-world brand / attribute value before loading the graph.

:class:`EntityResolver` maps every (attribute, surface value) to a canonical value in three passes,
most frequent values first so that the most common spelling becomes the canonical one ("leader"
clustering, no transitive chaining):

1. ``normalize`` — values with the same :func:`~kgmine.extract.textnorm.normalize_key` are one entity
   (case, punctuation, Unicode NFKC, singular/plural, British/American spelling:
   ``"T-Shirts"`` = ``"t shirt"``, ``"Gray"`` = ``"grey"``); optionally legal suffixes are ignored
   (``"Acme Inc."`` = ``"ACME"``);
2. ``alias`` — an alias table ``{attribute: {alias: canonical}}`` (or ``{canonical: [aliases]}``)
   maps known variants (``"HP"`` -> ``"Hewlett-Packard"``);
3. ``fuzzy`` — a remaining value joins the best existing entity of the same attribute whose
   canonical form scores at least ``threshold`` with rapidfuzz (``scorer``, 0-100), comparing only
   within *blocks* (values sharing the first ``block_prefix`` characters of their compact key, or a
   word of at least 4 letters) so the cost stays near-linear. Values whose digits differ are never
   merged (``"UK 8"`` vs ``"UK 9"``), nor values shorter than ``min_length``.

After :meth:`EntityResolver.fit`, ``mapping_`` holds the canonical value of every input value,
``report_`` a DataFrame of every merge (``attribute, from, to, score, rule``) and ``entities_`` one
row per entity (``attribute, entity_id, canonical, n_variants, count``). :meth:`transform` rewrites
an extraction table's ``value`` column and adds ``entity_id`` (``"<attribute>:<normalised key>"``).
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping

import pandas as pd

from kgmine.extract.textnorm import normalize_key

LEGAL_SUFFIXES = ("inc", "incorporated", "ltd", "limited", "llc", "gmbh", "corp", "corporation", "co", "company",
                  "plc", "sa", "ag", "bv", "srl", "pty")
RULES = ("normalize", "alias", "fuzzy")


def _digits(s: str) -> str:
    return "".join(re.findall(r"\d+", s))


class EntityResolver:
    """Normalisation + alias + blocked fuzzy matching resolver (see module docstring).

    Parameters
    ----------
    aliases : ``{attribute: {alias: canonical}}`` or ``{attribute: {canonical: [aliases]}}``.
    threshold : minimum rapidfuzz score (0-100) for a fuzzy merge.
    scorer : ``"ratio"``, ``"token_sort_ratio"`` or ``"WRatio"`` (``rapidfuzz.fuzz``).
    block_prefix : length of the key prefix used as a blocking key.
    min_length : values with a shorter compact key are never fuzzy-merged.
    strip_legal_suffixes : ignore ``Inc``, ``Ltd``, ``& Co`` ... when comparing.
    attributes : resolve only these attributes (others pass through); ``None`` = all.
    """

    def __init__(self, aliases: Mapping[str, Mapping] | None = None, threshold: float = 90.0,
                 scorer: str = "token_sort_ratio", block_prefix: int = 3, min_length: int = 4,
                 strip_legal_suffixes: bool = False, attributes: Iterable[str] | None = None) -> None:
        if not 0 < threshold <= 100:
            raise ValueError(f"threshold must be in (0, 100], got {threshold}")
        if scorer not in ("ratio", "token_sort_ratio", "WRatio"):
            raise ValueError(f"scorer must be ratio, token_sort_ratio or WRatio, got {scorer!r}")
        self.aliases = aliases
        self.threshold = threshold
        self.scorer = scorer
        self.block_prefix = block_prefix
        self.min_length = min_length
        self.strip_legal_suffixes = strip_legal_suffixes
        self.attributes = set(attributes) if attributes is not None else None

    # ------------------------------------------------------------------ helpers
    def key(self, value: str) -> str:
        """The normalisation key of a value (see rule 1)."""
        k = normalize_key(value)
        if self.strip_legal_suffixes:
            words = k.split()
            while len(words) > 1 and words[-1] in LEGAL_SUFFIXES:
                words.pop()
            if len(words) > 1 and words[-1] == "&":
                words.pop()
            k = " ".join(words)
        return k

    def _alias_table(self) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        for attribute, table in (self.aliases or {}).items():
            flat: dict[str, str] = {}
            for a, b in table.items():
                if isinstance(b, str):
                    flat[self.key(a)] = b
                else:
                    for alias in b:
                        flat[self.key(alias)] = a
                    flat.setdefault(self.key(a), a)
            out[attribute] = flat
        return out

    def _blocks(self, key: str) -> set[str]:
        compact = key.replace(" ", "")
        blocks = {"p:" + compact[: self.block_prefix]}
        blocks.update("w:" + w for w in key.split() if len(w) >= 4 and w.isalpha())
        return blocks

    # ------------------------------------------------------------------ fitting
    def fit(self, values: pd.DataFrame | Mapping[str, Iterable[str]]) -> EntityResolver:
        """Resolve a set of values: a DataFrame with ``attribute`` and ``value`` (each row counts once)
        or a mapping ``{attribute: [values]}``."""
        from rapidfuzz import fuzz, process

        scorer = getattr(fuzz, self.scorer)
        counts = self._count(values)
        aliases = self._alias_table()
        self.mapping_: dict[tuple[str, str], str] = {}
        report: list[dict] = []
        entities: list[dict] = []
        for attribute, counter in counts.items():
            if self.attributes is not None and attribute not in self.attributes:
                for v, c in counter.items():
                    self.mapping_[(attribute, v)] = v
                    entities.append({"attribute": attribute, "canonical": v, "n_variants": 1, "count": c})
                continue
            table = aliases.get(attribute, {})
            by_key: dict[str, str] = {}          # normalisation key -> canonical value
            members: dict[str, list[str]] = {}   # canonical -> member values
            total: Counter = Counter()
            block_index: dict[str, list[str]] = defaultdict(list)  # block -> canonical keys
            for value, count in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])):
                k = self.key(value)
                canonical, rule, score = None, None, 100.0
                if k in table:
                    target = table[k]
                    tk = self.key(target)
                    canonical = by_key.get(tk, target)
                    rule = "alias"
                    if tk not in by_key:
                        by_key[tk] = canonical
                        members.setdefault(canonical, [])
                        for b in self._blocks(tk):
                            block_index[b].append(tk)
                elif k in by_key:
                    canonical, rule = by_key[k], "normalize"
                elif len(k.replace(" ", "")) >= self.min_length:
                    cands = {ck for b in self._blocks(k) for ck in block_index.get(b, ())}
                    cands = [ck for ck in cands if _digits(ck) == _digits(k)]
                    if cands:
                        hit = process.extractOne(k, cands, scorer=scorer, score_cutoff=self.threshold)
                        if hit is not None:
                            canonical, rule, score = by_key[hit[0]], "fuzzy", float(hit[1])
                if canonical is None:
                    canonical = value
                    by_key[k] = value
                    members[value] = []
                    for b in self._blocks(k):
                        block_index[b].append(k)
                self.mapping_[(attribute, value)] = canonical
                members.setdefault(canonical, []).append(value)
                total[canonical] += count
                if value != canonical:
                    report.append({"attribute": attribute, "from": value, "to": canonical, "score": score,
                                   "rule": rule})
            for canonical, vals in members.items():
                if vals or total[canonical]:
                    entities.append({"attribute": attribute, "canonical": canonical,
                                     "n_variants": len(set(vals)) or 1, "count": int(total[canonical])})
        self._by_key_ = {(a, self.key(v)): c for (a, v), c in self.mapping_.items()}
        self.report_ = pd.DataFrame(report, columns=["attribute", "from", "to", "score", "rule"])
        ent = pd.DataFrame(entities, columns=["attribute", "canonical", "n_variants", "count"])
        ent.insert(1, "entity_id", [self.entity_id(a, c) for a, c in zip(ent["attribute"], ent["canonical"])])
        self.entities_ = ent.sort_values(["attribute", "count"], ascending=[True, False]).reset_index(drop=True)
        return self

    @staticmethod
    def _count(values) -> dict[str, Counter]:
        counts: dict[str, Counter] = defaultdict(Counter)
        if isinstance(values, pd.DataFrame):
            for col in ("attribute", "value"):
                if col not in values.columns:
                    raise ValueError(f"EntityResolver.fit: values has no {col!r} column")
            for a, v in zip(values["attribute"], values["value"]):
                if isinstance(v, str) and v.strip():
                    counts[str(a)][v] += 1
        else:
            for a, vs in values.items():
                for v in vs:
                    if isinstance(v, str) and v.strip():
                        counts[a][v] += 1
        return counts

    # ------------------------------------------------------------------ applying
    def entity_id(self, attribute: str, canonical: str) -> str:
        """Stable id of an entity: ``"<attribute>:<normalised key of the canonical value>"``."""
        return f"{attribute}:{self.key(canonical)}"

    def resolve(self, attribute: str, value: str) -> str:
        """Canonical value of one (attribute, value); unseen values go through normalisation and aliases."""
        hit = self.mapping_.get((attribute, value))
        if hit is not None:
            return hit
        table = self._alias_table().get(attribute, {})
        k = self.key(value)
        if k in table:
            return table[k]
        return self._by_key_.get((attribute, k), value)

    def transform(self, frame: pd.DataFrame, attribute_col: str = "attribute",
                  value_col: str = "value") -> pd.DataFrame:
        """A copy of ``frame`` with canonical values in ``value_col`` and a new ``entity_id`` column."""
        if not hasattr(self, "mapping_"):
            raise RuntimeError("EntityResolver: call fit() first")
        out = frame.copy()
        vals = [self.resolve(a, v) if isinstance(v, str) else v for a, v in zip(out[attribute_col], out[value_col])]
        out[value_col] = vals
        out["entity_id"] = [self.entity_id(a, v) if isinstance(v, str) else None
                            for a, v in zip(out[attribute_col], vals)]
        return out

    def fit_transform(self, frame: pd.DataFrame, attribute_col: str = "attribute",
                      value_col: str = "value") -> pd.DataFrame:
        """:meth:`fit` on ``frame`` then :meth:`transform` it."""
        view = frame[[attribute_col, value_col]].rename(columns={attribute_col: "attribute", value_col: "value"})
        return self.fit(view).transform(frame, attribute_col, value_col)


def resolve_extractions(extracted: pd.DataFrame, aliases: Mapping[str, Mapping] | None = None,
                        key: Iterable[str] = ("product_id", "attribute", "value"),
                        **params) -> tuple[pd.DataFrame, pd.DataFrame, EntityResolver]:
    """Resolve the values of an :func:`~kgmine.extract.pipeline.extract_products` table.

    Returns (resolved table — duplicates created by merging collapsed to the best confidence —, the
    merge report, the fitted resolver). ``params`` go to :class:`EntityResolver`.
    """
    resolver = EntityResolver(aliases=aliases, **params)
    out = resolver.fit_transform(extracted)
    key = [k for k in key if k in out.columns]
    if key and "confidence" in out.columns and not out.empty:
        out = out.sort_values([*key, "confidence"], ascending=[True] * len(key) + [False], kind="stable")
        out = out.drop_duplicates(subset=key, keep="first").reset_index(drop=True)
    return out, resolver.report_, resolver

