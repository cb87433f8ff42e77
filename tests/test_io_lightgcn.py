"""LightGCN train.txt / test.txt reader: pairs, splits, odd whitespace, bad tokens, and Gowalla's counts."""
import numpy as np
import pytest

from kgmine.io import InputError, read_dataset, read_lightgcn
from kgmine.io.lightgcn import read_adjacency


@pytest.fixture()
def folder(tmp_path):
    (tmp_path / "train.txt").write_text("0 1 2 3\n1 2\r\n2\t5  7 \n\n3\n")
    (tmp_path / "test.txt").write_text("0 4\n1 3\n2\n")
    return tmp_path


def reference_pairs(path):
    """The straightforward per-line parse (as in LightGCN's own loader) to compare against."""
    pairs = []
    for line in path.read_text().splitlines():
        ids = [int(x) for x in line.split()]
        pairs += [(ids[0], item) for item in ids[1:]]
    return pairs


def test_adjacency_matches_the_line_by_line_parse(folder):
    users, items, line_users = read_adjacency(folder / "train.txt")
    assert list(zip(users.tolist(), items.tolist())) == reference_pairs(folder / "train.txt")
    assert line_users.tolist() == [0, 1, 2, 3]  # user 3 has no items but is a user


def test_splits_users_and_items(folder):
    shop = read_lightgcn(folder)
    inter = shop.interactions
    assert (inter["split"] == "train").sum() == len(reference_pairs(folder / "train.txt"))
    assert (inter["split"] == "test").sum() == len(reference_pairs(folder / "test.txt"))
    assert set(inter["event"]) == {"bought"}
    assert shop.users["user_id"].tolist() == ["0", "1", "2", "3"]
    assert shop.products["product_id"].tolist() == ["1", "2", "3", "4", "5", "7"]
    assert read_lightgcn(folder, test=None).interactions["split"].unique().tolist() == ["train"]
    assert read_dataset("lightgcn", folder / "train.txt", event="viewed").interactions["event"].unique().tolist() \
        == ["viewed"]


def test_bad_token_names_the_line(tmp_path):
    (tmp_path / "train.txt").write_text("0 1 2\n1 2 x3\n")
    with pytest.raises(InputError) as info:
        read_lightgcn(tmp_path)
    assert (info.value.line, str(info.value)) == (2, f"{tmp_path / 'train.txt'} line 2: 'x3' is not an integer id")
    (tmp_path / "train.txt").write_text("0 1 2.5\n")
    with pytest.raises(InputError, match="line 1: '2.5' is not an integer id"):
        read_lightgcn(tmp_path)


def test_missing_folder(tmp_path):
    with pytest.raises(InputError, match="not found"):
        read_lightgcn(tmp_path / "nope")
    with pytest.raises(InputError, match="file not found"):
        read_lightgcn(tmp_path)  # no train.txt


def test_gowalla_counts(shared_data):
    folder = shared_data / "recsys" / "gowalla"
    shop = read_lightgcn(folder)
    counts = shop.summary()
    split = shop.interactions["split"].value_counts()
    print("Gowalla:", counts, split.to_dict())
    assert counts["users"] == 29858 and counts["products"] == 40981
    assert split["train"] == 810128 and split["test"] == 217242
    # spot-check the bulk parse against the plain parse of the first user lines
    first = folder.joinpath("train.txt").read_text().splitlines()[:50]
    expected = [(ids[0], i) for ids in ([int(x) for x in ln.split()] for ln in first) for i in ids[1:]]
    got = shop.interactions.iloc[:len(expected)]
    assert list(zip(got["user_id"].astype(int), got["product_id"].astype(int))) == expected
    assert np.all(shop.interactions["split"].iloc[:810128] == "train")
