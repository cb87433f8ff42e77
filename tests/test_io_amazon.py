"""Amazon 2018 JSON-lines reader: mapping, text cleaning, edges, bad input, and the real Gift Cards files."""
import gzip
import json
from collections import Counter

import pytest

from kgmine.io import InputError, read_amazon, read_dataset
from kgmine.io.amazon import clean_html
from kgmine.io.parsing import parse_price


def write_lines(path, rows, gz=True):
    text = "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows)
    if gz:
        with gzip.open(path, "wt", encoding="utf-8") as fh:
            fh.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


REVIEWS = [
    {"reviewerID": "U1", "asin": "A1", "overall": 5.0, "reviewText": "Great card", "summary": "Five Stars",
     "unixReviewTime": 1529193600},
    {"reviewerID": "U2", "asin": "A1", "overall": 3.0, "reviewText": "ok", "unixReviewTime": 1529193601},
    {"reviewerID": "U2", "asin": "A2", "overall": "4", "reviewTime": "06 17, 2018"},
    {"reviewerID": "U2", "asin": "A2", "overall": 4.0, "reviewTime": "06 17, 2018"},  # repeated line
    {"reviewerID": "U3", "asin": "A9", "overall": 1.0, "reviewText": "no meta"},
]
META = [
    {"asin": "A1", "title": "Acme &amp; Co <b>Gift</b> Card", "description": ["<div>Nice <br/>card</div>", ""],
     "feature": ["Never expires", "Never expires"], "brand": "Acme", "price": "$1,250.00",
     "category": ["Gift Cards", "Gift Cards", "Restaurants", "No expiration, no fees.", "More"],
     "also_buy": ["A2", "A1", "A3", "A2"],
     "also_view": ["A3", "ZZ"]},
    {"asin": "A2", "title": '<span class="a-size-medium a-color-secondary"', "description": "Plain text",
     "brand": "", "details": {"Publisher:": "Hearst"}, "price": "$10.00 - $20.00", "category": [],
     "also_buy": ["A1"]},
    {"asin": "A2", "title": "", "description": [], "price": ""},  # a less complete repeat of A2
    {"asin": "A3", "title": ' Magazines" />', "price": ".a-box-inner{background-color:#fff}",
     "also_buy": ["A1"], "also_view": ["A2"]},
]


@pytest.fixture()
def files(tmp_path):
    return write_lines(tmp_path / "Shop_5.json.gz", REVIEWS), write_lines(tmp_path / "meta_Shop.json", META, gz=False)


def test_reviews_become_reviewed_interactions_and_review_rows(files):
    shop = read_amazon(*files)
    assert len(shop.interactions) == len(REVIEWS) == len(shop.reviews)
    assert set(shop.interactions["event"]) == {"reviewed"}
    assert shop.reviews["review_id"].is_unique
    assert sorted(shop.users["user_id"]) == ["U1", "U2", "U3"]
    a2 = shop.interactions[shop.interactions["product_id"] == "A2"]
    assert a2["rating"].tolist() == [4.0, 4.0]  # "4" parsed as a number
    assert a2["timestamp"].tolist() == [1529193600, 1529193600]  # from reviewTime "06 17, 2018" (UTC)
    assert shop.reviews.set_index("review_id").loc["U1:A1:1529193600", "text"] == "Great card"


def test_meta_is_cleaned_deduplicated_and_reviewed_products_kept(files):
    shop = read_amazon(*files)
    products = shop.products.set_index("product_id")
    assert sorted(products.index) == ["A1", "A2", "A9"]  # reviewed: A9 has no meta -> bare row
    a1, a2 = products.loc["A1"], products.loc["A2"]
    assert a1["title"] == "Acme & Co Gift Card"
    assert a1["description"] == "Nice\ncard\nNever expires"
    assert a1["category_path"] == "Gift Cards > Restaurants"
    assert a1["price"] == 1250.0
    assert a2["price"] == 10.0 and a2["brand"] == "Hearst" and a2["description"] == "Plain text"
    assert products["title"].isna()["A2"]  # the title was only a cut-off tag
    assert products["title"].isna()["A9"]


def test_edges_join_only_products_in_the_table(files):
    reviewed = read_amazon(*files)
    assert set(map(tuple, reviewed.item_edges[["src", "dst", "relation"]].to_numpy())) == {
        ("A1", "A2", "also_bought"), ("A2", "A1", "also_bought")}
    full = read_amazon(*files, keep_meta="all")
    assert sorted(full.products["product_id"]) == ["A1", "A2", "A3", "A9"]
    edges = set(map(tuple, full.item_edges[["src", "dst", "relation"]].to_numpy()))
    assert edges == {("A1", "A2", "also_bought"), ("A1", "A3", "also_bought"), ("A1", "A3", "also_viewed"),
                     ("A2", "A1", "also_bought"), ("A3", "A1", "also_bought"), ("A3", "A2", "also_viewed")}
    assert full.products.set_index("product_id")["title"].isna()["A3"]  # ' Magazines" />' is only junk


def test_folder_and_dispatcher_find_the_two_files(files):
    folder = files[0].parent
    shop = read_dataset("amazon", folder)
    assert shop.summary() == read_amazon(*files).summary()
    assert shop.name == "Shop_5"


def test_truncated_json_line_names_file_and_line(tmp_path):
    lines = [json.dumps(r) for r in REVIEWS[:2]] + ['{"reviewerID": "U9", "asin": "A1", "overall": 5.0, "revi']
    path = write_lines(tmp_path / "x.json.gz", lines)
    with pytest.raises(InputError) as info:
        read_amazon(path)
    err = info.value
    assert (err.file, err.line) == (str(path), 3)
    assert str(err).startswith(f"{path} line 3: truncated JSON (")
    assert "\n" not in str(err)


def test_invalid_json_and_bad_fields_are_located(tmp_path):
    path = write_lines(tmp_path / "r.json", [json.dumps(REVIEWS[0]), '{"asin": "A1" "x": 1}'], gz=False)
    with pytest.raises(InputError, match=r"line 2: invalid JSON at character \d+"):
        read_amazon(path)
    path = write_lines(tmp_path / "r2.json", [REVIEWS[0], {**REVIEWS[1], "overall": "five"}], gz=False)
    with pytest.raises(InputError) as info:
        read_amazon(path)
    assert (info.value.line, info.value.column) == (2, "overall")
    assert str(info.value) == f"{path} line 2 column 'overall': 'five' is not a number"
    path = write_lines(tmp_path / "m.json", [{"title": "no asin"}], gz=False)
    with pytest.raises(InputError, match=r"line 1 column 'asin': field 'asin' is missing"):
        read_amazon(meta_path=path)


def test_broken_gzip_stream_is_an_input_error(tmp_path):
    path = write_lines(tmp_path / "r.json.gz", REVIEWS * 50)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="broken gzip stream"):
        read_amazon(path)


def test_python_literal_lines_of_the_2014_release_are_read(tmp_path):
    path = tmp_path / "old.json"
    path.write_text("{'reviewerID': 'U1', 'asin': 'A1', 'overall': 4.0, 'unixReviewTime': 1400000000}\n")
    assert read_amazon(path).interactions["rating"].tolist() == [4.0]


@pytest.mark.parametrize("raw, expected", [("$12.99", 12.99), ("$1,250.00", 1250.0), ("$10.00 - $20.00", 10.0),
                                           ("12", 12.0), ("", None), (".a-box{color:#fff}", None), (None, None)])
def test_parse_price(raw, expected):
    got = parse_price(raw)
    assert (got != got) if expected is None else got == pytest.approx(expected)


def test_clean_html_handles_cut_off_tags_and_entities():
    assert clean_html('<span class="a-size-medium a-color-secondary"') == ""
    assert clean_html("Disney &amp; Me") == "Disney & Me"
    assert clean_html("<p>a</p><p>b&nbsp;c</p>", keep_lines=True) == "a\nb c"
    assert clean_html("<script>var x = 1;</script>Title") == "Title"


# --------------------------------------------------------------------------- real data (shared_data)


def _raw_json(path):
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def test_gift_cards_counts_and_also_buy_edges(shared_data):
    folder = shared_data / "ecommerce" / "amazon2018-gift-cards"
    reviews_path, meta_path = folder / "Gift_Cards_5.json.gz", folder / "meta_Gift_Cards.json.gz"
    shop = read_amazon(reviews_path, meta_path)
    counts = shop.summary()
    print("Gift Cards (keep_meta=reviewed):", counts)
    assert counts["users"] == 458
    assert counts["products"] == 148 == counts["interacted_products"]
    assert counts["reviews"] == 2972 == counts["interactions"]
    # the also_buy links of the meta file between reviewed products, counted here independently
    meta = {row["asin"]: row for row in _raw_json(meta_path)}
    reviewed = set(shop.products["product_id"])
    expected = {(a, b) for a in reviewed for b in meta[a]["also_buy"] if b in reviewed and b != a}
    got = shop.item_edges[shop.item_edges["relation"] == "also_bought"]
    assert len(expected) > 1000 and set(zip(got["src"], got["dst"])) == expected

    full = read_amazon(reviews_path, meta_path, keep_meta="all")
    expected_all = {(a, b) for a in meta for b in meta[a]["also_buy"] if b in meta and b != a}
    got_all = full.item_edges[full.item_edges["relation"] == "also_bought"]
    print("Gift Cards (keep_meta=all):", full.summary())
    assert len(full.products) == len(meta) and set(zip(got_all["src"], got_all["dst"])) == expected_all


def test_magazine_meta_is_deduplicated_and_titles_have_no_html(shared_data):
    folder = shared_data / "ecommerce" / "amazon2018-magazine-subscriptions"
    meta_path = folder / "meta_Magazine_Subscriptions.json.gz"
    raw = _raw_json(meta_path)
    shop = read_amazon(folder / "Magazine_Subscriptions_5.json.gz", meta_path, keep_meta="all")
    assert len(raw) > len({r["asin"] for r in raw})  # the file does repeat asins
    assert shop.products["product_id"].is_unique
    assert set(shop.products["product_id"]) >= {r["asin"] for r in raw}
    titles = shop.products["title"].dropna()
    assert len(titles) > 0 and not titles.str.contains(r"[<>]|&amp;", regex=True).any()
    depth = Counter(p.count(" > ") + 1 for p in shop.products["category_path"].dropna())
    assert min(depth) >= 1 and max(depth) >= 4
