"""RecBole atomic files: typed headers, split files, .kg/.link mapping, bad input, Luxury Beauty counts."""
import pytest

from kgmine.io import InputError, read_recbole

INTER = "user_id:token\titem_id:token\trating:float\ttimestamp:float\n"


@pytest.fixture()
def folder(tmp_path):
    (tmp_path / "shop.train.inter").write_text(INTER + "u1\ti1\t5.0\t1467244800.0\nu2\ti2\t3.0\t1414800000.5\n")
    (tmp_path / "shop.valid.inter").write_text(INTER + "u1\ti2\t4.0\t1467244801.0\n")
    (tmp_path / "shop.test.inter").write_text(INTER + "u3\ti1\t2.0\t1467244802.0\n")
    (tmp_path / "shop.link").write_text("item_id:token\tentity_id:token\ni1\tm.1\ni2\tm.2\ni3\tm.3\n")
    (tmp_path / "shop.kg").write_text("head_id:token\trelation_id:token\ttail_id:token\n"
                                      "m.1\talso_bought\tm.2\n"
                                      "m.2\tbrand\tm.acme\n"
                                      "m.acme\tlocated_in\tm.usa\n"
                                      "m.3\talso_viewed\tm.1\n")
    return tmp_path


def test_splits_kg_and_links(folder):
    shop = read_recbole(folder)
    assert shop.name == "shop"
    inter = shop.interactions
    assert inter["split"].tolist() == ["train", "train", "valid", "test"]
    assert set(inter["event"]) == {"rated"}
    assert inter["timestamp"].tolist()[:2] == [1467244800, 1414800000]  # floats floored to seconds
    assert sorted(shop.products["product_id"]) == ["i1", "i2", "i3"]  # i3 only in .link
    assert set(map(tuple, shop.item_edges.to_numpy().tolist())) == {("i1", "i2", "also_bought"),
                                                                    ("i3", "i1", "also_viewed")}
    assert shop.entity_edges.to_numpy().tolist() == [["i2", "brand", "m.acme"]]  # entity-entity triple dropped


def test_plain_inter_and_prefix_path(tmp_path):
    (tmp_path / "ml.inter").write_text("user_id:token\titem_id:token\nu1\ti1\nu1\ti2\n")
    shop = read_recbole(tmp_path / "ml")
    assert set(shop.interactions["event"]) == {"bought"} and shop.interactions["split"].isna().all()
    assert read_recbole(tmp_path, event="viewed").interactions["event"].unique().tolist() == ["viewed"]


def test_bad_header_and_bad_rating(folder):
    (folder / "shop.test.inter").write_text("user_id\titem_id:token\nu1\ti1\n")
    with pytest.raises(InputError, match=r"shop\.test\.inter line 1 column 'user_id': header field 'user_id' is not"):
        read_recbole(folder)
    (folder / "shop.test.inter").write_text(INTER + "u3\ti1\t2.0\t1\nu3\ti2\tbad\t2\n")
    with pytest.raises(InputError) as info:
        read_recbole(folder)
    assert (info.value.line, info.value.column) == (3, "rating")
    (folder / "shop.test.inter").write_text("user_id:token\trating:float\nu3\t2.0\n")
    with pytest.raises(InputError, match="missing required field 'item_id:token'"):
        read_recbole(folder)


def test_ambiguous_folder(folder):
    (folder / "other.inter").write_text("user_id:token\titem_id:token\nu1\ti1\n")
    with pytest.raises(InputError, match="expected one RecBole data set, found: other, shop"):
        read_recbole(folder)
    assert read_recbole(folder, dataset="other").summary()["interactions"] == 1


def test_luxury_beauty_counts(shared_data):
    shop = read_recbole(shared_data / "recsys" / "amazon-luxury-beauty-kg")
    counts = shop.summary()
    print("Luxury Beauty:", counts)
    assert (counts["users"], counts["products"], counts["interactions"]) == (2028, 936, 20050)
    assert counts["item_edges"] + counts["entity_edges"] == 10473
    assert set(shop.interactions["split"]) == {"train", "valid", "test"}


@pytest.mark.parametrize("suffix, header, what", [(".item", "item_id:token\ttitle:token_seq\n", "item"),
                                                  (".user", "user_id:token\tage:float\n", "user")])
def test_repeated_item_or_user_id_is_named_with_its_line(folder, suffix, header, what):
    key = "i1" if what == "item" else "u1"
    (folder / f"shop{suffix}").write_text(header + f"{key}\t1\nx9\t2\n{key}\t3\n")
    with pytest.raises(InputError, match=rf"shop\{suffix} line 4 column '{what}_id': duplicate {what} '{key}'"):
        read_recbole(folder)
    (folder / f"shop{suffix}").write_text(header + f"{key}\t1\nx9\t2\n")
    shop = read_recbole(folder)
    table = shop.products if what == "item" else shop.users
    assert {key, "x9"} <= set(table[f"{'product' if what == 'item' else 'user'}_id"])
