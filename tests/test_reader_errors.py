"""Regression tests of issue 14 items 3 and 4: each hostile input found by the probe is one InputError
naming file, line and field (it crashed with another exception, or was accepted silently, before)."""
from __future__ import annotations

import gzip
import json

import pytest

from kgmine.io import InputError, read_amazon, read_lightgcn, read_movielens, read_recbole, read_tabular
from kgmine.io.movielens import GENRES

INTER_HEADER = "user_id:token\titem_id:token\trating:float\ttimestamp:float\n"
CSV_HEADER = "user_id,product_id,rating,timestamp\n"


def raises(fn, file, line=None, column=None, match=""):
    """Run ``fn``; it must raise one InputError at (file, line, column) whose message contains ``match``."""
    with pytest.raises(InputError) as info:
        fn()
    err = info.value
    assert (err.file, err.line, err.column) == (str(file), line, column), str(err)
    assert match in err.message and "\n" not in str(err), str(err)
    return err


def flags(names):
    return "|".join("1" if g in names else "0" for g in GENRES)


@pytest.fixture()
def ml(tmp_path):
    """A valid MovieLens folder: two movies (GoldenEye is Action/Adventure/Thriller), u.genre, two ratings."""
    tmp_path = tmp_path / "ml-100k"
    tmp_path.mkdir()
    (tmp_path / "u.item").write_text(
        f"1|Toy Story (1995)|01-Jan-1995||http://x|{flags(['Animation', 'Comedy'])}\n"
        f"2|GoldenEye (1995)|01-Jan-1995||http://x|{flags(['Action', 'Adventure', 'Thriller'])}\n")
    (tmp_path / "u.genre").write_text("".join(f"{g}|{k}\n" for k, g in enumerate(GENRES)) + "\n")
    (tmp_path / "u.data").write_text("1\t1\t5\t881250949\n2\t2\t3\t891717742\n")
    assert len(read_movielens(tmp_path).interactions) == 2
    return tmp_path


def gzip_damaged(text: str, how: str) -> bytes:
    packed = bytearray(gzip.compress(text.encode() * 40, mtime=0))
    if how == "truncated":
        return bytes(packed[:-30])
    packed[len(packed) // 2] ^= 0xFF  # corrupted: a flipped byte in the deflate stream
    return bytes(packed)


# ------------------------------------------------------------------- item 3: crashes -> InputError


@pytest.mark.parametrize("how", ["truncated", "corrupted"])
def test_damaged_gzip_of_every_delimited_reader(tmp_path, ml, how):
    """Before: EOFError / zlib.error (through `kgmine run` only "Aborted.")."""
    lg = tmp_path / "lg"
    lg.mkdir()
    (lg / "train.txt").write_bytes(gzip_damaged("0 1 2 3\n1 2\n", how))
    (ml / "u.data").write_bytes(gzip_damaged("1\t1\t5\t881250949\n", how))
    rb = tmp_path / "rb"
    rb.mkdir()
    (rb / "x.inter").write_bytes(gzip_damaged(INTER_HEADER + "u1\ti1\t5\t881250949\n", how))
    csv = tmp_path / "events.csv.gz"
    csv.write_bytes(gzip_damaged(CSV_HEADER + "u1,p1,5,881250949\n", how))
    for fn, file in ((lambda: read_lightgcn(lg), lg / "train.txt"), (lambda: read_movielens(ml), ml / "u.data"),
                     (lambda: read_recbole(rb), rb / "x.inter"), (lambda: read_tabular(interactions=csv), csv)):
        with pytest.raises(InputError) as info:
            fn()
        err = info.value
        assert err.file == str(file) and err.line >= 1 and "broken gzip stream" in err.message, str(err)


def test_gzip_named_file_that_is_not_gzip(tmp_path):
    """A *.csv.gz whose first bytes are not gzip is read as plain text (before: BadGzipFile)."""
    csv = tmp_path / "events.csv.gz"
    csv.write_text(CSV_HEADER + "u1,p1,5,881250949\n")
    assert read_tabular(interactions=csv).interactions["user_id"].tolist() == ["u1"]


def test_timestamp_1e20(tmp_path, ml):
    """Before: TypeError: cannot safely cast non-equivalent float64 to int64."""
    (ml / "u.data").write_text("1\t1\t5\t881250949\n2\t2\t3\t1e20\n")
    raises(lambda: read_movielens(ml), ml / "u.data", 2, "timestamp", "outside the timestamp window")
    (tmp_path / "x.inter").write_text(INTER_HEADER + "u1\ti1\t5\t1e20\n")
    raises(lambda: read_recbole(tmp_path), tmp_path / "x.inter", 2, "timestamp", "outside the timestamp window")


def test_iso_year_9999(tmp_path):
    """Before: OutOfBoundsDatetime."""
    csv = tmp_path / "events.csv"
    csv.write_text(CSV_HEADER + "u1,p1,5,2018-06-17\nu1,p2,5,9999-12-31\n")
    raises(lambda: read_tabular(interactions=csv), csv, 3, "timestamp", "'9999-12-31' is outside the timestamp window")
    csv.write_text(CSV_HEADER + "u1,p1,5,10000-01-01\n")
    raises(lambda: read_tabular(interactions=csv), csv, 2, "timestamp", "is not a timestamp")


def test_duplicated_line_in_u_genre(ml):
    """Before: ValueError: Duplicate names are not allowed."""
    lines = (ml / "u.genre").read_text().splitlines(keepends=True)
    (ml / "u.genre").write_text("".join(lines[:3] + lines[2:]))
    raises(lambda: read_movielens(ml), ml / "u.genre", 4, "genre", "'Adventure' is listed twice (first at line 3)")


def test_amazon_review_time_1e20(tmp_path):
    """Before: OverflowError: Python int too large to convert to C long."""
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"reviewerID": "u1", "asin": "a1", "overall": 5.0, "unixReviewTime": 1e20}) + "\n")
    raises(lambda: read_amazon(path), path, 1, "unixReviewTime", "outside the timestamp window")


@pytest.mark.parametrize("text", ["[" * 100_000, '{"asin": ' + "[" * 100_000])
def test_amazon_deep_nesting(tmp_path, text):
    """Before: RecursionError."""
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"reviewerID": "u1", "asin": "a1", "overall": 5.0}) + "\n" + text + "\n")
    raises(lambda: read_amazon(path), path, 2, None, "nested too deeply")


def test_5000_digit_integer(tmp_path, ml):
    """Before: ValueError: Exceeds the limit (4300 digits) (Amazon); the other readers now keep the
    message one short line instead of echoing all 5,000 digits."""
    path = tmp_path / "r.json"
    path.write_text('{"reviewerID": "u1", "asin": "a1", "overall": 5.0, "unixReviewTime": ' + "9" * 5000 + "}\n")
    raises(lambda: read_amazon(path), path, 1, None, "4300 digits")
    (ml / "u.data").write_text("1\t1\t5\t" + "9" * 5000 + "\n")
    err = raises(lambda: read_movielens(ml), ml / "u.data", 1, "timestamp", "outside the timestamp window")
    assert len(str(err)) < len(str(ml)) + 150
    (tmp_path / "train.txt").write_text("0 1 " + "9" * 5000 + "\n")
    err = raises(lambda: read_lightgcn(tmp_path), tmp_path / "train.txt", 1, None, "too large for an id")
    assert len(str(err)) < len(str(tmp_path)) + 150


# --------------------------------------------------------- item 4: garbage accepted -> InputError


def test_missing_line_in_u_genre(ml):
    """Before: GoldenEye became Adventure/Animation/War with only a pandas ParserWarning."""
    lines = (ml / "u.genre").read_text().splitlines(keepends=True)
    (ml / "u.genre").write_text("".join(lines[:1] + lines[2:]))  # 'Action|1' missing
    raises(lambda: read_movielens(ml), ml / "u.genre", 18, "index", "genre index 1 is missing")


def test_u_item_has_more_genre_columns_than_u_genre(ml):
    """u.genre with consistent indices but one genre fewer than u.item's flags (checked against each other)."""
    kept = [g for g in GENRES if g != "Western"]
    (ml / "u.genre").write_text("".join(f"{g}|{k}\n" for k, g in enumerate(kept)))
    raises(lambda: read_movielens(ml), ml / "u.item", 1, None, "more genre flags than the 18 genres of u.genre")


def test_extra_field_on_the_first_data_row(tmp_path):
    """Before: the extra field of row 1 was silently taken for an index (on line 4 it was an error)."""
    csv = tmp_path / "events.csv"
    csv.write_text(CSV_HEADER + "u1,p1,5,881250949,extra\nu2,p2,4,881250949\n")
    raises(lambda: read_tabular(interactions=csv), csv, 2, None, "wrong number of fields")
    csv.write_text(CSV_HEADER + "u1,p1,5,881250949\nu2,p2,4,881250949\nu3,p3,4,881250949,x\n")
    raises(lambda: read_tabular(interactions=csv), csv, 4, None, "wrong number of fields")
    (tmp_path / "x.inter").write_text(INTER_HEADER + "u1\ti1\t5\t881250949\tx\n")
    raises(lambda: read_recbole(tmp_path), tmp_path / "x.inter", 2, None, "wrong number of fields")


def test_extra_field_on_the_first_line_of_a_headerless_file(ml):
    (ml / "u.data").write_text("1\t1\t5\t881250949\t7\n2\t2\t3\t891717742\n")
    raises(lambda: read_movielens(ml), ml / "u.data", 1, None, "5 fields, expected 4")


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x7f"])
def test_control_characters_in_ids(tmp_path, ml, char):
    csv = tmp_path / "events.csv"
    csv.write_text(CSV_HEADER + f"u1,p{char}1,5,881250949\n")
    raises(lambda: read_tabular(interactions=csv), csv, 2, "product_id", f"U+{ord(char):04X}")
    (ml / "u.data").write_text(f"1{char}\t1\t5\t881250949\n")
    raises(lambda: read_movielens(ml), ml / "u.data", 1, "user id", "control character")
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"reviewerID": f"u{char}", "asin": "a1", "overall": 5.0}) + "\n")
    raises(lambda: read_amazon(path), path, 1, "reviewerID", "control character")


@pytest.mark.parametrize("value", ["-5", "1e18"])
def test_timestamps_outside_the_window(tmp_path, value):
    csv = tmp_path / "events.csv"
    csv.write_text(CSV_HEADER + f"u1,p1,5,100\nu1,p2,5,{value}\n")  # 100: ordinal times are fine here
    raises(lambda: read_tabular(interactions=csv), csv, 3, "timestamp", "1970-01-01 .. now + 1 day")


def test_movielens_times_before_1990(ml):
    (ml / "u.data").write_text("1\t1\t5\t100\n")
    raises(lambda: read_movielens(ml), ml / "u.data", 1, "timestamp", "1990-01-01 .. now + 1 day")


@pytest.mark.parametrize("rating", ["99", "0", "-1"])
def test_movielens_rating_outside_1_to_5(ml, rating):
    (ml / "u.data").write_text(f"1\t1\t5\t881250949\n2\t2\t{rating}\t891717742\n")
    raises(lambda: read_movielens(ml), ml / "u.data", 2, "rating", "outside the MovieLens scale 1..5")


def test_amazon_missing_or_out_of_scale_overall(tmp_path):
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"reviewerID": "u1", "asin": "a1", "unixReviewTime": 1529193600}) + "\n")
    raises(lambda: read_amazon(path), path, 1, "overall", "field 'overall' is missing")
    path.write_text(json.dumps({"reviewerID": "u1", "asin": "a1", "overall": 7}) + "\n")
    raises(lambda: read_amazon(path), path, 1, "overall", "outside the Amazon star scale 1..5")

