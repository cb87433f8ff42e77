"""Fuzz suite for the five file readers: every mutated input either parses or raises one InputError.

A seeded mutator (no extra dependency) starts from small valid files generated here (never copied
from ../shared/data) and applies 1-3 of: byte flips, truncation, line duplication / deletion, an
inserted field, huge or out-of-range numbers, control characters, deep ``[`` nesting, invalid UTF-8,
stray quotes. Half of the cases are then gzip-compressed and the gzip stream damaged (truncated, a
byte flipped, garbage appended). Each case is read with the public reader; anything raised that is
not :class:`~kgmine.io.errors.InputError` fails the test with the seed and case number to replay.

Counts: ``KGMINE_FUZZ_CASES`` per reader (default 2,000 in the normal run); ``pytest -m fuzz``
runs :data:`MANY` per reader instead (or ``KGMINE_FUZZ_CASES`` when set). ``KGMINE_FUZZ_SEED``
changes the seed (default 14). Replay one case: ``replay("amazon", 14, 1234)``.
"""
from __future__ import annotations

import gzip
import json
import multiprocessing
import os
import random
import warnings
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kgmine.io import InputError, read_amazon, read_lightgcn, read_movielens, read_recbole, read_tabular
from kgmine.io.movielens import GENRES

SEED = int(os.environ.get("KGMINE_FUZZ_SEED", "14"))
DEFAULT = 2000
MANY = 20000
READERS = ("lightgcn", "movielens", "recbole", "tabular", "amazon")


# ------------------------------------------------------------------------------ valid inputs


def _valid_files(reader: str, rng: random.Random) -> dict[str, bytes]:
    """Small valid input files of ``reader`` (file name -> bytes), different per seed."""
    n_users, n_items = rng.randint(2, 6), rng.randint(2, 6)
    ts = lambda: rng.randint(880_000_000, 1_500_000_000)  # noqa: E731 - real times (after 1990)
    pairs = [(rng.randrange(n_users), rng.randrange(n_items)) for _ in range(rng.randint(3, 10))]
    if reader == "lightgcn":
        lines = [" ".join(str(x) for x in [u] + rng.sample(range(50), rng.randint(0, 5))) for u in range(n_users)]
        return {"train.txt": ("\n".join(lines) + "\n").encode(),
                "test.txt": "".join(f"{u} {rng.randrange(50)}\n" for u in range(n_users)).encode()}
    if reader == "movielens":
        items = "".join(f"{i + 1}|Movie {i + 1} (199{i % 10})|01-Jan-1995||http://x/{i}|"
                        + "|".join(rng.choice("01") for _ in GENRES) + "\n" for i in range(n_items))
        data = "".join(f"{u + 1}\t{i + 1}\t{rng.randint(1, 5)}\t{ts()}\n" for u, i in pairs)
        genre = "".join(f"{g}|{k}\n" for k, g in enumerate(GENRES)) + "\n"
        return {"u.data": data.encode(), "u.item": items.encode("latin-1"), "u.genre": genre.encode()}
    if reader == "recbole":
        inter = "user_id:token\titem_id:token\trating:float\ttimestamp:float\n" + "".join(
            f"u{u}\ti{i}\t{rng.randint(1, 5)}.0\t{ts()}.5\n" for u, i in pairs)
        return {"x.inter": inter.encode()}
    if reader == "tabular":
        catalog = "product_id,title,price\n" + "".join(
            f'p{i},"Item {i}, size {rng.randint(1, 9)}",${rng.randint(1, 99)}.99\n' for i in range(n_items))
        inter = "user_id,product_id,event,rating,timestamp,basket_id\n" + "".join(
            f"u{u},p{i},{rng.choice(['bought', 'viewed', 'rated'])},{rng.randint(1, 5)},"
            f"{rng.choice([str(ts()), '2018-06-17T10:00:00'])},b{u}\n" for u, i in pairs)
        return {"catalog.csv": catalog.encode(), "events.csv": inter.encode()}
    if reader == "amazon":
        reviews = "".join(json.dumps({"reviewerID": f"U{u}", "asin": f"A{i}", "overall": float(rng.randint(1, 5)),
                                      "reviewText": "fine <b>card</b>", "summary": "ok",
                                      "unixReviewTime": ts()}) + "\n" for u, i in pairs)
        meta = "".join(json.dumps({"asin": f"A{i}", "title": f"Card {i}", "brand": "Acme", "price": "$10.00",
                                   "category": ["Gift Cards", "Gift Cards"], "also_buy": [f"A{(i + 1) % n_items}"],
                                   "description": ["Nice"], "details": {"Publisher:": "Acme"}}) + "\n"
                       for i in range(n_items))
        return {"reviews.json": reviews.encode(), "meta_x.json": meta.encode()}
    raise ValueError(reader)


# ---------------------------------------------------------------------------------- mutations

HUGE = [b"1e20", b"-5", b"9" * 5000, b"1e308", b"1e400", b"9999-12-31", b"nan", b"inf", b"-0", b"99",
        b"18446744073709551616", b"1e18", b"0x1F", b"1_000", b"-1e-400", b"0000000000000000000001"]
CONTROL = [b"\x00", b"\x1b", b"\x7f", b"\xc2\x85", b"\r", b"\t", b"\x0b", b"\x0c", b"\x1c", b"\xe2\x80\xa8"]
SEPARATORS = [b"\t", b",", b"|", b" ", b'"', b"'", b":", b"{", b"}", b"[", b"]"]


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def _flip(data: bytes, rng: random.Random) -> bytes:
    if not data:
        return bytes([rng.randrange(256)])
    b = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        b[rng.randrange(len(b))] = rng.randrange(256)
    return bytes(b)


def _truncate(data: bytes, rng: random.Random) -> bytes:
    return data[:rng.randint(0, len(data))]


def _dup_line(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    k = rng.randrange(len(lines))
    lines.insert(k, lines[k])
    return b"\n".join(lines)


def _del_line(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    del lines[rng.randrange(len(lines))]
    return b"\n".join(lines)


def _insert_field(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    k = rng.randrange(len(lines))
    line = lines[k]
    if line.startswith(b"{") and rng.random() < 0.5:
        key = rng.choice([b"overall", b"unixReviewTime", b"asin", b"x", b"reviewerID", b"price", b"category"])
        value = rng.choice([b"1e20", b"null", b'""', b"[]", b"{}", b"true", b'"a\\u0000b"', b"-5", b"[" * 50])
        lines[k] = b'{"' + key + b'": ' + value + b", " + line[1:]
    else:
        sep = rng.choice([b"\t", b",", b"|", b" "])
        at = rng.randint(0, len(line))
        lines[k] = line[:at] + sep + rng.choice([b"x", b"", b"1", b"extra"]) + line[at:]
    return b"\n".join(lines)


def _huge_number(data: bytes, rng: random.Random) -> bytes:
    digits = [i for i, c in enumerate(data) if 48 <= c <= 57 and (i == 0 or not 48 <= data[i - 1] <= 57)]
    if not digits:
        return data + rng.choice(HUGE)
    start = rng.choice(digits)
    end = start
    while end < len(data) and (48 <= data[end] <= 57 or data[end] in b".e"):
        end += 1
    return data[:start] + rng.choice(HUGE) + data[end:]


def _control(data: bytes, rng: random.Random) -> bytes:
    at = rng.randint(0, len(data))
    return data[:at] + rng.choice(CONTROL) + data[at:]


def _deep(data: bytes, rng: random.Random) -> bytes:
    at = rng.randint(0, len(data))
    depth = rng.choice([100, 1000, 3000, 100_000])
    opener = rng.choice([b"[", b"{", b'{"a":['])
    return data[:at] + opener * depth + data[at:]


def _junk(data: bytes, rng: random.Random) -> bytes:
    at = rng.randint(0, len(data))
    junk = rng.choice([b"\xff\xfe", b"\x80", b"\xc3", b'"', b'"unterminated', b"\n\n\n", b"\\",
                       rng.choice(SEPARATORS) * rng.randint(1, 20), bytes(rng.randrange(256) for _ in range(8))])
    return data[:at] + junk + data[at:]


def _empty(data: bytes, rng: random.Random) -> bytes:
    return rng.choice([b"", b"\n", b" ", data.split(b"\n", 1)[0] + b"\n"])


MUTATIONS = [(_flip, 3), (_truncate, 2), (_dup_line, 2), (_del_line, 2), (_insert_field, 3), (_huge_number, 3),
             (_control, 2), (_deep, 1), (_junk, 2), (_empty, 0.3)]


def _damage_gzip(data: bytes, rng: random.Random) -> bytes:
    """``data`` gzip-compressed, then damaged: truncated, a byte flipped, or garbage appended."""
    packed = bytearray(gzip.compress(data, mtime=0))
    how = rng.choice(["truncate", "flip", "flip", "append", "trailer", "header"])
    if how == "truncate":
        return bytes(packed[:rng.randint(0, len(packed) - 1)])
    if how == "flip":
        at = rng.randrange(len(packed))
        packed[at] ^= rng.randrange(1, 256)
    elif how == "append":
        packed += rng.choice([b"garbage", b"\x1f\x8b\x08", b"\x00\x00\x00",
                              bytes(rng.randrange(256) for _ in range(5))])
    elif how == "trailer":  # CRC / length
        at = len(packed) - rng.randint(1, 8)
        packed[at] ^= rng.randrange(1, 256)
    else:
        packed[rng.randrange(min(10, len(packed)))] ^= rng.randrange(1, 256)
    return bytes(packed)


# -------------------------------------------------------------------------------------- cases

TARGETS = {  # which file of each reader's input is mutated (weights)
    "lightgcn": [("train.txt", 3), ("test.txt", 1)],
    "movielens": [("u.data", 3), ("u.item", 2), ("u.genre", 1)],
    "recbole": [("x.inter", 1)],
    "tabular": [("events.csv", 2), ("catalog.csv", 1)],
    "amazon": [("reviews.json", 2), ("meta_x.json", 1)],
}


@dataclass
class Case:
    reader: str
    number: int
    target: str
    mutations: list[str]
    gzipped: bool
    files: dict[str, bytes] = field(repr=False)


def make_case(reader: str, seed: int, number: int) -> Case:
    """Case ``number`` of ``reader`` under ``seed`` (deterministic)."""
    rng = random.Random(f"{seed}:{reader}:{number}")
    files = _valid_files(reader, rng)
    names, weights = zip(*TARGETS[reader])
    target = rng.choices(names, weights)[0]
    data = files[target]
    fns, fweights = zip(*MUTATIONS)
    applied = []
    for fn in rng.choices(fns, fweights, k=rng.randint(1, 3)):
        data = fn(data, rng)
        applied.append(fn.__name__.lstrip("_"))
    gzipped = number % 2 == 1  # exactly half of the cases: gzip-compressed and damaged
    if gzipped:
        data = _damage_gzip(data, rng)
        if reader in ("tabular", "amazon"):  # these name compressed files *.gz
            files = {(f + ".gz" if f == target else f): v for f, v in files.items()}
            target += ".gz"
    files[target] = data
    return Case(reader, number, target, applied, gzipped, files)


def read_case(case: Case, folder: Path) -> None:
    """Write ``case``'s files into the empty ``folder`` and read them with the case's reader."""
    for name, data in case.files.items():
        (folder / name).write_bytes(data)
    f = {name.removesuffix(".gz"): folder / name for name in case.files}
    if case.reader == "lightgcn":
        read_lightgcn(folder)
    elif case.reader == "movielens":
        read_movielens(folder)
    elif case.reader == "recbole":
        read_recbole(folder)
    elif case.reader == "tabular":
        read_tabular(f["catalog.csv"], f["events.csv"], unknown_products="add")
    else:
        read_amazon(f["reviews.json"], f["meta_x.json"])


@dataclass
class Tally:
    parsed: int = 0
    input_errors: int = 0
    gzipped: int = 0
    others: list[str] = field(default_factory=list)
    kinds: Counter = field(default_factory=Counter)


def _fuzz_numbers(reader: str, numbers: list[int], seed: int, root: Path) -> Tally:
    """Run the cases ``numbers`` of ``reader``; count parses, InputErrors and anything else (with how to replay it)."""
    tally = Tally()
    for number in numbers:
        case = make_case(reader, seed, number)
        folder = root / f"{reader}-{number}"
        folder.mkdir()
        tally.gzipped += case.gzipped
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                read_case(case, folder)
            tally.parsed += 1
        except InputError as err:
            tally.input_errors += 1
            tally.kinds[err.message.split(" (")[0][:40]] += 1
            text = str(err)
            if "\n" in text or not text.startswith(str(folder)):
                tally.others.append(f"InputError not one line naming the file: {text[:200]!r} <- "
                                    f"replay({reader!r}, {seed}, {number})")
        except Exception as err:  # noqa: BLE001 - the point: nothing but InputError may escape
            tally.others.append(f"{type(err).__name__}: {str(err)[:120]} <- replay({reader!r}, {seed}, {number}) "
                                f"{case.target} {case.mutations} gzip={case.gzipped}")
        for p in folder.iterdir():
            p.unlink()
        folder.rmdir()
    return tally


def fuzz(reader: str, n: int, seed: int, root: Path, pool: ProcessPoolExecutor | None = None) -> Tally:
    """Run ``n`` cases of ``reader`` (spread over ``pool``'s worker processes when given)."""
    if pool is None:
        return _fuzz_numbers(reader, list(range(n)), seed, root)
    chunks = [list(range(k, n, 8)) for k in range(8)]
    total = Tally()
    for part in pool.map(_fuzz_numbers, [reader] * 8, chunks, [seed] * 8, [root] * 8):
        total.parsed += part.parsed
        total.input_errors += part.input_errors
        total.gzipped += part.gzipped
        total.others += part.others
        total.kinds += part.kinds
    return total


def replay(reader: str, seed: int, number: int, folder: str | os.PathLike) -> None:
    """Re-run one case (raises what the reader raises) in ``folder`` (must be empty)."""
    read_case(make_case(reader, seed, number), Path(folder))


def _check(tally: Tally, reader: str, n: int) -> None:
    print(f"\n{reader}: {n} cases ({tally.gzipped} gzip-damaged): {tally.parsed} parsed, "
          f"{tally.input_errors} InputError, {len(tally.others)} other exceptions")
    assert tally.others == [], "\n".join(tally.others[:20])
    assert tally.parsed + tally.input_errors == n
    assert tally.gzipped == n // 2
    # the mutator must leave some inputs valid and break others, or it tests nothing
    assert tally.parsed > n // 50 and tally.input_errors > n // 4, (tally.parsed, tally.input_errors)


@pytest.fixture(scope="module")
def pool():
    """``KGMINE_FUZZ_WORKERS`` worker processes (default: 2, or 1 on a one-core machine; 1 = no pool)."""
    workers = int(os.environ.get("KGMINE_FUZZ_WORKERS", min(2, os.cpu_count() or 1)))
    if workers <= 1:
        yield None
        return
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as executor:
        yield executor


@pytest.mark.parametrize("reader", READERS)
def test_mutated_inputs_parse_or_raise_input_error(reader, tmp_path, pool):
    n = int(os.environ.get("KGMINE_FUZZ_CASES", DEFAULT))
    _check(fuzz(reader, n, SEED, tmp_path, pool), reader, n)


@pytest.mark.fuzz
@pytest.mark.parametrize("reader", READERS)
def test_many_mutated_inputs(reader, tmp_path, request, pool):
    if "fuzz" not in (request.config.getoption("-m") or ""):
        pytest.skip("run with -m fuzz")
    n = int(os.environ.get("KGMINE_FUZZ_CASES", MANY))
    _check(fuzz(reader, n, SEED + 1, tmp_path, pool), reader, n)


def test_mutator_is_seeded_and_covers_every_mutation():
    a = [make_case("amazon", 3, k) for k in range(200)]
    b = [make_case("amazon", 3, k) for k in range(200)]
    assert [(c.files, c.mutations) for c in a] == [(c.files, c.mutations) for c in b]
    assert {m for c in a for m in c.mutations} == {fn.__name__.lstrip("_") for fn, _ in MUTATIONS}
    assert sum(c.gzipped for c in a) == 100
    assert sum(c.files[c.target][:2] == b"\x1f\x8b" for c in a if c.gzipped) > 50  # most still look like gzip
