"""read_dataset dispatch, InputError formatting, and `python -m kgmine.io` on bad input."""
import os
import pickle
import subprocess
import sys

import pytest

from kgmine.io import READERS, InputError, describe, read_dataset


def test_input_error_location_and_fields():
    err = InputError("ratings.csv", "'abc' is not a number", line=4, column="rating")
    assert str(err) == "ratings.csv line 4 column 'rating': 'abc' is not a number"
    assert isinstance(err, ValueError) and (err.file, err.line, err.column) == ("ratings.csv", 4, "rating")
    assert str(InputError("catalog.csv", "missing required column 'product_id'", column="product_id")) \
        == "catalog.csv: missing required column 'product_id'"
    assert str(InputError("x.parquet", "bad", row=3, column="c")) == "x.parquet row 3 column 'c': bad"
    assert str(InputError("x", "two\nlines")) == "x: two lines"
    again = pickle.loads(pickle.dumps(err))
    assert (str(again), again.line, again.column) == (str(err), 4, "rating")


def test_unknown_kind():
    with pytest.raises(ValueError, match="unknown data kind 'xml'"):
        read_dataset("xml", "x")
    assert {"amazon", "tabular", "movielens", "lightgcn", "recbole", "demo"} <= set(READERS)


def test_describe_counts(tmp_path):
    (tmp_path / "train.txt").write_text("0 1 2\n1 2\n")
    table = describe(read_dataset("lightgcn", tmp_path)).set_index("table")["rows"]
    assert table["interactions"] == 3 and table["interactions[split=train]"] == 3


def test_module_cli_prints_counts(tmp_path, capsys):
    from kgmine.io.__main__ import main

    (tmp_path / "train.txt").write_text("0 1 2\n1 2\n")
    assert main(["lightgcn", str(tmp_path), "event=viewed"]) == 0
    out = capsys.readouterr().out
    assert "interactions[viewed]" in out and "3" in out


def test_module_cli_fails_in_one_line_with_status_1(tmp_path):
    bad = tmp_path / "catalog.csv"
    bad.write_text("name\nshirt\n")
    run = subprocess.run([sys.executable, "-m", "kgmine.io", "tabular", str(bad)], capture_output=True, text=True,
                         env={**os.environ, "KGMINE_NO_PROGRESS": "1"})
    assert run.returncode == 1
    assert run.stderr.strip().splitlines() == [f"error: {bad}: missing required column 'product_id'"]
