"""MovieLens-100K reader: ratings, genres as category path and entity edges, bad input, real counts."""
import pytest

from kgmine.io import InputError, read_movielens
from kgmine.io.movielens import GENRES

FLAGS = {"1": ["Animation", "Children's", "Comedy"], "2": ["Action"], "3": ["unknown"]}


def flags(names):
    return "|".join("1" if g in names else "0" for g in GENRES)


@pytest.fixture()
def folder(tmp_path):
    items = "".join(f"{i}|Movie {i} (1995)|01-Jan-1995||http://x|{flags(g)}\n" for i, g in FLAGS.items())
    (tmp_path / "u.item").write_bytes(items.replace("Movie 2", "Mov\u00e9 2").encode("latin-1"))
    (tmp_path / "u.data").write_text("1\t1\t5\t881250949\n2\t2\t3\t891717742\n1\t3\t4\t878887116\n")
    (tmp_path / "u.user").write_text("1|24|M|technician|85711\n2|53|F|other|94043\n3|23|M|writer|32067\n")
    (tmp_path / "u1.base").write_text("1\t1\t5\t881250949\n2\t2\t3\t891717742\n")
    (tmp_path / "u1.test").write_text("1\t3\t4\t878887116\n")
    return tmp_path


def test_ratings_titles_and_genres(folder):
    shop = read_movielens(folder)
    assert len(shop.interactions) == 3 and set(shop.interactions["event"]) == {"rated"}
    assert shop.interactions["rating"].tolist() == [5.0, 3.0, 4.0]
    products = shop.products.set_index("product_id")
    assert products.loc["2", "title"] == "Mov\u00e9 2 (1995)"  # Latin-1 decoded
    assert products.loc["1", "category_path"] == "Movies > Animation"
    assert products.loc["3", "category_path"] == "Movies > unknown"
    genres = shop.entity_edges.groupby("product_id")["entity"].apply(list).to_dict()
    assert genres == FLAGS and set(shop.entity_edges["relation"]) == {"has_genre"}
    assert len(shop.users) == 3  # u.user has a user without ratings


def test_fixed_split(folder):
    shop = read_movielens(folder, split="u1")
    assert shop.interactions["split"].tolist() == ["train", "train", "test"]


def test_bad_rating_and_unknown_movie(folder):
    (folder / "u.data").write_text("1\t1\t5\t881250949\n2\t2\tthree\t891717742\n")
    with pytest.raises(InputError, match=r"u\.data line 2 column 'rating': 'three' is not a number"):
        read_movielens(folder)
    (folder / "u.data").write_text("1\t1\t5\t881250949\n2\t9\t3\t891717742\n")
    with pytest.raises(InputError, match=r"u\.data line 2 column 'item id': '9' is not a known movie id"):
        read_movielens(folder)


def test_bad_genre_flag(folder):
    text = (folder / "u.item").read_bytes().decode("latin-1").replace("|0|1|1|1|", "|0|1|2|1|", 1)
    (folder / "u.item").write_bytes(text.encode("latin-1"))
    with pytest.raises(InputError, match=r"u\.item line 1 column .*: genre flag '2' is not 0 or 1"):
        read_movielens(folder)


def test_movielens_100k_counts(shared_data):
    shop = read_movielens(shared_data / "recsys" / "movielens-100k")
    counts = shop.summary()
    print("MovieLens-100K:", counts)
    assert (counts["users"], counts["products"], counts["interactions"]) == (943, 1682, 100000)
    assert shop.products["category_path"].str.startswith("Movies").all()
    assert shop.entity_edges["product_id"].nunique() == 1682
