"""Labelled attribute-value data sets and how their gold values are found in the text.

Readers
-------
:func:`load_dataset` reads the two benchmark sets of ``../shared/data/text`` into
:class:`AttributeDocument` lists plus an attribute schema:

``wdc-pave``  WDC-PAVE (Brinkmann et al., arXiv 2403.02130), the *normalised* gold standard with all
              attributes (``wdc_with_all_attributes_normalized/{train_large,test}.jsonl``: 1,066 / 354
              offers, 5 categories, 70 category-attribute pairs). Text = title + description. The
              schema maps each category-attribute pair to a value normaliser from the data set's own
              ``descriptions.csv`` (its ``Normalization_params`` column): *Delete Marks* -> ``alnum``,
              *To Uppercase* -> ``upper``, *Unit Expansion* -> ``unit_expansion``, *Unit Conversion* ->
              ``length_cm`` / ``weight_kg`` / ``weight_g``, *Numeric Standardization* -> ``number``,
              *Substring Extraction* -> ``upc_manufacturer``; *Color Generalization* ->
              ``colour_class`` (a classifier over the colour names found in the text); *Name
              Expansion* and the other *Generalisation* types -> ``classify`` (a closed set of target
              values, learned as a text classifier).
``ae-110k``   the AE-110K subset (AliExpress titles; ``{train,test}.jsonl``: 1,568 / 524 offers). Every
              attribute uses ``identity``.

``target_scores`` become ``gold[attribute] = [values]`` (alternatives: any of them is correct) or
``None`` for ``"n/a"`` (the attribute must not be predicted). HTML entities are unescaped.

Finding gold values in the text (:func:`align_gold`)
----------------------------------------------------
The gold values carry no offsets. A value is located, in this order:

1. *exact*: case-insensitive search of the value string with token boundaries (not preceded or
   followed by a letter or digit), title first, then description;
2. *normalised*: the shortest token n-grams (1..6 tokens) whose surface, passed through the
   attribute's value normaliser, equals the gold value (case-insensitively), extended by up to two
   following tokens (a unit) that keep the value: ``24"`` -> ``61.0`` for a width in cm;
3. *inside a word*: case-insensitive search without boundaries, widened to whole tokens
   (gold ``Men`` in ``Mens``); the surface -> value pair is then learned as an alias.

Every location of a value with four or more characters is labelled; a shorter value (``2``, ``XL``)
only at its first location, because short strings recur with other meanings. Gold values found
nowhere still count in evaluation (they are recall the extractor cannot reach), and they are left out
of span-model training. ``classify`` / ``colour_class`` attributes are not aligned at all.
"""
from __future__ import annotations

import csv
import html
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from spacy.tokens import Doc

from kgmine.extract.batching import clean_text
from kgmine.extract.values import LENGTH_CM, MASS_G, NUMBER_WORDS, get_normaliser

DATASETS = ("wdc-pave", "ae-110k")
CLASSIFY = "classify"
COLOUR_CLASS = "colour_class"
CLASSIFIER_MODES = (CLASSIFY, COLOUR_CLASS)
SEP = "\n\n"

WDC_DIR = Path("text") / "wdc-pave"
WDC_VARIANT = "wdc_with_all_attributes_normalized"
AE_DIR = Path("text") / "ae-110k"


@dataclass
class AttributeDocument:
    """One labelled offer: its text (title + description) and gold values per attribute."""

    doc_id: str
    category: str
    title: str
    description: str = ""
    gold: dict[str, list[str] | None] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """Title, a blank line, description (title only when there is no description)."""
        return f"{self.title}{SEP}{self.description}" if self.description else self.title

    def field_of(self, offset: int) -> str:
        """``"title"`` or ``"description"`` for a character offset into :attr:`text`."""
        return "title" if offset < len(self.title) else "description"


@dataclass
class Dataset:
    """A benchmark: train and test documents and the schema (category -> attribute -> normaliser)."""

    name: str
    train: list[AttributeDocument]
    test: list[AttributeDocument]
    schema: dict[str, dict[str, str]]
    source: list[Path]


def _gold(target_scores: dict, where: str) -> dict[str, list[str] | None]:
    gold: dict[str, list[str] | None] = {}
    for attribute, values in target_scores.items():
        if values == "n/a" or (isinstance(values, dict) and "n/a" in values):
            gold[attribute] = None
            continue
        if not isinstance(values, dict):
            raise ValueError(f"{where}: target_scores[{attribute!r}] must be an object or 'n/a'")  # noqa: TRY004
        vals = [html.unescape(v).strip() for v in values if html.unescape(v).strip()]
        gold[attribute] = vals or None
    return gold


def _read_jsonl(path: Path) -> list[dict]:
    rows = []
    with open(path, encoding="utf-8") as fh:
        for i, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{i}: not a JSON line ({exc.msg})") from None
    return rows


def _docs(path: Path, make: Callable[[dict, int, str], AttributeDocument]) -> list[AttributeDocument]:
    """``make(row, line_number, where)`` over the JSON lines of ``path``; a missing field names its line."""
    docs = []
    for i, r in enumerate(_read_jsonl(path), 1):
        where = f"{path}:{i}"
        try:
            docs.append(make(r, i, where))
        except KeyError as exc:
            raise ValueError(f"{where}: missing field {exc.args[0]!r}") from None
    return docs


def _wdc_docs(path: Path) -> list[AttributeDocument]:
    return _docs(path, lambda r, i, where: AttributeDocument(
        str(r.get("id", i)), r["category"], clean_text(r["input_title"]), clean_text(r.get("input_description")),
        _gold(r["target_scores"], where)))


def _ae_docs(path: Path) -> list[AttributeDocument]:
    return _docs(path, lambda r, i, where: AttributeDocument(
        f"{path.stem}-{i}", r["category"], clean_text(r["input"]), "", _gold(r["target_scores"], where)))


def wdc_normaliser(params: str, instruction: str) -> str:
    """The kgmine value normaliser for a WDC-PAVE ``Normalization_params`` entry (see module docstring)."""
    p, ins = params or "", (instruction or "").lower()
    if "Delete Marks" in p:
        return "alnum"
    if "Uppercase" in p:
        return "upper"
    if "Unit Expansion" in p:
        return "unit_expansion"
    if "Unit Conversion" in p:
        if "centimet" in ins:
            return "length_cm"
        return "weight_kg" if ("kilogram" in ins or "(kg)" in ins) else "weight_g"
    if "Numeric Standardization" in p:
        return "number"
    if "Substring" in p:
        return "upc_manufacturer"
    if "Color Generali" in p or "Colour Generali" in p:
        return COLOUR_CLASS
    if "Expansion" in p or "Generali" in p:
        return CLASSIFY
    return "identity"


def _wdc_schema(path: Path) -> dict[str, dict[str, str]]:
    schema: dict[str, dict[str, str]] = {}
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for i, row in enumerate(csv.DictReader(fh, delimiter=";"), 2):
            try:
                schema.setdefault(row["Category"], {})[row["Attribute"]] = wdc_normaliser(
                    row["Normalization_params"], row["Normalization_instruction"])
            except KeyError as exc:
                raise ValueError(f"{path}:{i}: missing column {exc.args[0]!r}") from None
    return schema


def load_dataset(name: str, data_root: str | Path) -> Dataset:
    """Read benchmark ``name`` (one of :data:`DATASETS`) from ``data_root`` (the ``shared/data`` folder)."""
    root = Path(data_root)
    if name == "wdc-pave":
        base = root / WDC_DIR
        files = [base / WDC_VARIANT / "train_large.jsonl", base / WDC_VARIANT / "test.jsonl",
                 base / "descriptions" / "wdc" / "descriptions.csv"]
        _check(files)
        train, test, schema = _wdc_docs(files[0]), _wdc_docs(files[1]), _wdc_schema(files[2])
    elif name == "ae-110k":
        base = root / AE_DIR
        files = [base / "train.jsonl", base / "test.jsonl"]
        _check(files)
        train, test = _ae_docs(files[0]), _ae_docs(files[1])
        schema = {}
    else:
        raise ValueError(f"unknown attribute data set {name!r}; known: {DATASETS}")
    for doc in train + test:  # attributes absent from descriptions.csv default to identity
        cat = schema.setdefault(doc.category, {})
        for attribute in doc.gold:
            cat.setdefault(attribute, "identity")
    return Dataset(name, train, test, schema, files)


def load_labelled_file(path: str | Path) -> list[AttributeDocument]:
    """Labelled offers from a user's file: JSON lines in the WDC-PAVE shape (``input_title``,
    ``input_description``, ``category``, ``target_scores``) or the AE-110K shape (``input``, ``category``,
    ``target_scores``), or a CSV with columns ``product_id``, ``attribute``, ``value`` and the texts (``title``,
    optional ``description``; one row per labelled value, texts repeated). ``category`` may be missing
    (``"all"``). Bad rows raise ValueError naming the file and line."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: labelled file not found")
    if path.suffix.lower() in (".csv", ".tsv"):
        return _csv_docs(path)

    def make(r: dict, i: int, where: str) -> AttributeDocument:
        if not isinstance(r, dict):
            raise ValueError(f"{where}: not a JSON object")
        if "input_title" in r:
            title, description = clean_text(r["input_title"]), clean_text(r.get("input_description"))
        elif "input" in r:
            title, description = clean_text(r["input"]), ""
        else:
            raise ValueError(f"{where}: needs 'input_title' (WDC-PAVE shape) or 'input' (AE-110K shape)")
        if not isinstance(r.get("target_scores"), dict):
            raise ValueError(f"{where}: 'target_scores' must be an object")
        return AttributeDocument(str(r.get("id", i)), str(r.get("category", "all")), title, description,
                                 _gold(r["target_scores"], where))

    docs = _docs(path, make)
    if not docs:
        raise ValueError(f"{path}: no labelled offers")
    return docs


def _csv_docs(path: Path) -> list[AttributeDocument]:
    docs: dict[str, AttributeDocument] = {}
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh, delimiter="\t" if path.suffix.lower() == ".tsv" else ",")
        missing = [c for c in ("product_id", "attribute", "value", "title") if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}:1: missing column(s) {missing} (need product_id, attribute, value, title)")
        for i, row in enumerate(reader, 2):
            if None in row:
                raise ValueError(f"{path}:{i}: more fields than the header has")
            pid, attribute, value = (row["product_id"] or "").strip(), (row["attribute"] or "").strip(), \
                (row["value"] or "").strip()
            if not pid or not attribute:
                raise ValueError(f"{path}:{i}: empty product_id or attribute")
            doc = docs.setdefault(pid, AttributeDocument(pid, (row.get("category") or "all").strip() or "all",
                                                         clean_text(row["title"]), clean_text(row.get("description"))))
            if value.lower() in ("", "n/a"):
                doc.gold.setdefault(attribute, None)
            else:
                doc.gold[attribute] = [*(doc.gold.get(attribute) or []), value]
    if not docs:
        raise ValueError(f"{path}: no labelled rows")
    return list(docs.values())


def _check(files: list[Path]) -> None:
    for f in files:
        if not f.is_file():
            raise FileNotFoundError(f"{f}: data file not found (is --data-root the shared/data folder?)")


# --------------------------------------------------------------------------- alignment
def value_key(value: str) -> str:
    """How values are compared: case-folded, whitespace collapsed, outer spaces stripped."""
    return re.sub(r"\s+", " ", value.casefold()).strip()


def slot_class(gold: list[str] | None, predicted: str | None, strict: bool = False) -> str:
    """The class (NN/NV/VN/VC/VW) of one slot (see :mod:`kgmine.extract.attribute_eval`)."""
    if not gold:
        return "NN" if predicted is None else "NV"
    if predicted is None:
        return "VN"
    if strict:
        return "VC" if predicted.strip() in [g.strip() for g in gold] else "VW"
    return "VC" if value_key(predicted) in {value_key(g) for g in gold} else "VW"


def _is_specific(value: str) -> bool:
    return len(value.strip()) >= 4


def _bounded(value: str) -> re.Pattern:
    return re.compile(r"(?<![0-9A-Za-z])" + re.escape(value) + r"(?![0-9A-Za-z])", re.IGNORECASE)


_UNIT_WORDS = frozenset({*LENGTH_CM, *MASS_G, "inches", "feet", "lbs", "grams", "ounces", "pounds", "yards", "gb",
                         "mb", "tb", "kb", "w", "watts", "ghz", "mhz", "v", "rpm", "pcs", "qt", "gal", "ml", "l",
                         "'", '"', "”", "″"})


def _is_unit(token_text: str) -> bool:
    return token_text.lower().rstrip(".") in _UNIT_WORDS or token_text in ('"', "''", "”", "″")


def _snap(doc: Doc, start: int, end: int) -> tuple[int, int]:
    span = doc.char_span(start, end, alignment_mode="expand")
    return (span.start_char, span.end_char) if span is not None else (start, end)


def align_gold(doc: Doc, values: list[str], normaliser: str, max_ngram: int = 6) -> list[tuple[int, int]]:
    """Character spans of ``doc`` that express one of the gold ``values`` (rules in the module docstring).

    Spans are widened to token boundaries. Returns ``[]`` when no value is found.
    """
    text = doc.text
    found: list[tuple[int, int]] = []
    specific = any(_is_specific(v) for v in values)
    for value in values:  # 1. exact, bounded
        for m in _bounded(value).finditer(text):
            found.append(_snap(doc, m.start(), m.end()))
    if not found and normaliser != "identity":  # 2. through the normaliser
        fn = get_normaliser(normaliser)
        keys = {value_key(v) for v in values}
        numeric = any(ch.isdigit() for v in values for ch in v)
        starts = [i for i, t in enumerate(doc) if not (t.is_space or t.is_punct)
                  and (not numeric or any(ch.isdigit() for ch in t.text) or t.lower_ in NUMBER_WORDS)]
        for n in range(1, max_ngram + 1):
            for i in starts:
                if i + n > len(doc):
                    continue
                span = doc[i:i + n]
                if span[-1].is_space:
                    continue
                out = fn(span.text)
                if out is not None and value_key(out) in keys:
                    j = i + n  # take a following unit token along while the value stays the same
                    while j < len(doc) and j < i + n + 2 and _is_unit(doc[j].text) \
                            and value_key(fn(doc[i:j + 1].text) or "") == value_key(out):
                        j += 1
                    found.append((span.start_char, doc[j - 1].idx + len(doc[j - 1])))
            if found:
                break
    if not found:  # 3. inside a word
        low = text.lower()
        for value in values:
            i = low.find(value.lower())
            if i >= 0 and value.strip():
                found.append(_snap(doc, i, i + len(value)))
    found = sorted(set(found))
    if not specific and found:
        found = found[:1]
    return found
