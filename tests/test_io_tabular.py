"""Generic CSV / Parquet reader: column mapping, typed parsing, and bad input named by file, line, column."""
import pandas as pd
import pytest

from kgmine.io import InputError, read_dataset, read_tabular

MAPPING = {"product_id": "sku", "title": "name", "category_path": ["cat1", "cat2"], "price": "cost",
           "user_id": "customer", "timestamp": "when"}


@pytest.fixture()
def catalog(tmp_path):
    path = tmp_path / "catalog.csv"
    path.write_text('sku,name,cat1,cat2,cost,brand\n'
                    'P1,"Red ""cotton"" shirt\nwith a line break",Clothing,Shirts,$12.99,Acme\n'
                    'P2,Blue mug,Home,,3.5,\n'
                    'P3,Oak chair,Home,Chairs,,Woodco\n')
    return path


def write_interactions(tmp_path, body, name="ratings.csv", header="customer,sku,rating,when,basket_id"):
    path = tmp_path / name
    path.write_text(header + "\n" + body)
    return path


def test_mapping_and_types(catalog, tmp_path):
    inter = write_interactions(tmp_path, "u1,P1,5,1529193600,b1\nu2,P2,4.5,2018-06-17T00:00:00Z,b2\n"
                                         "u1,P3,,,b1\n")
    shop = read_tabular(catalog, inter, mapping=MAPPING, event="bought")
    products = shop.products.set_index("product_id")
    assert products.loc["P1", "title"] == 'Red "cotton" shirt\nwith a line break'
    assert products.loc["P1", "category_path"] == "Clothing > Shirts"
    assert products.loc["P2", "category_path"] == "Home"
    assert products.loc["P1", "price"] == 12.99 and products.loc["P2", "price"] == 3.5
    assert pd.isna(products.loc["P3", "price"]) and pd.isna(products.loc["P2", "brand"])
    assert products.loc["P3", "brand"] == "Woodco"  # unmapped fields are found under their own name
    inter_df = shop.interactions
    assert inter_df["timestamp"].tolist()[:2] == [1529193600, 1529193600]
    assert inter_df["rating"].tolist()[:2] == [5.0, 4.5] and pd.isna(inter_df["rating"].iloc[2])
    assert set(inter_df["event"]) == {"bought"}
    assert sorted(shop.baskets()["basket_id"].unique()) == ["b1", "b2"]
    assert sorted(shop.users["user_id"]) == ["u1", "u2"]


def test_parquet_and_event_column(tmp_path):
    cat = tmp_path / "c.parquet"
    pd.DataFrame({"product_id": ["P1", "P2"], "price": [1.0, 2.0]}).to_parquet(cat)
    inter = tmp_path / "i.parquet"
    pd.DataFrame({"user_id": ["u1", "u1"], "product_id": ["P1", "P2"], "event": ["viewed", "Rated"],
                  "rating": [None, 4.0], "split": ["train", "test"]}).to_parquet(inter)
    shop = read_dataset("tabular", cat, interactions=inter)
    assert shop.interactions["event"].tolist() == ["viewed", "rated"]
    assert shop.interactions["split"].tolist() == ["train", "test"]
    assert shop.products["price"].tolist() == [1.0, 2.0]


def test_missing_required_column(tmp_path):
    path = tmp_path / "catalog.csv"
    path.write_text("name,price\nshirt,1\n")
    with pytest.raises(InputError) as info:
        read_tabular(catalog=path)
    assert str(info.value) == f"{path}: missing required column 'product_id'"
    assert info.value.column == "product_id" and info.value.line is None
    with pytest.raises(InputError, match=r"missing required column 'sku' \(kgmine field 'product_id'\)"):
        read_tabular(catalog=path, mapping={"product_id": "sku"})


def test_rating_that_is_not_a_number_names_file_line_and_column(catalog, tmp_path):
    # a blank line and a quoted line break (in a basket id: ids may not hold control characters) before
    # the bad row: the physical line is still right
    inter = write_interactions(tmp_path, 'u1,P1,5,1,b1\n\nu2,"P2",4,2,"b\n2"\nu3,P1,abc,3,b3\n')
    with pytest.raises(InputError) as info:
        read_tabular(catalog, inter, mapping=MAPPING)
    err = info.value
    assert (err.file, err.line, err.column) == (str(inter), 6, "rating")
    assert str(err) == f"{inter} line 6 column 'rating': 'abc' is not a number"


def test_parquet_errors_name_the_row(tmp_path):
    inter = tmp_path / "i.parquet"
    pd.DataFrame({"user_id": ["u1", "u2"], "product_id": ["P1", "P2"], "rating": ["5", "x"]}).to_parquet(inter)
    with pytest.raises(InputError, match=r"i\.parquet row 2 column 'rating': 'x' is not a number"):
        read_tabular(interactions=inter)


@pytest.mark.parametrize("body, message", [
    ("u1,P1,5,yesterday,b1\n", r"line 2 column 'when': 'yesterday' is not a timestamp"),
    ("u1,,5,1,b1\n", r"line 2 column 'sku': missing id"),
    ("u1,P1,inf,1,b1\n", r"line 2 column 'rating': 'inf' is not a finite number"),
])
def test_other_bad_cells(catalog, tmp_path, body, message):
    inter = write_interactions(tmp_path, body)
    with pytest.raises(InputError, match=message):
        read_tabular(catalog, inter, mapping=MAPPING)


def test_bad_event_duplicate_id_and_price(tmp_path):
    inter = write_interactions(tmp_path, "u1,P1,clicked\n", header="user_id,product_id,event")
    with pytest.raises(InputError, match=r"line 2 column 'event': 'clicked' is not one of"):
        read_tabular(interactions=inter)
    cat = tmp_path / "dup.csv"
    cat.write_text("product_id,price\nP1,1\nP2,2\nP1,3\n")
    with pytest.raises(InputError, match=r"line 4 column 'product_id': duplicate product id 'P1' \(first at line 2\)"):
        read_tabular(catalog=cat)
    cat.write_text("product_id,price\nP1,cheap\n")
    with pytest.raises(InputError, match=r"line 2 column 'price': 'cheap' is not a price"):
        read_tabular(catalog=cat)


def test_unknown_products(catalog, tmp_path):
    inter = write_interactions(tmp_path, "u1,P1,5,1,b1\nu2,P9,4,2,b2\n")
    with pytest.raises(InputError, match=r"line 3 column 'sku': product 'P9' is not in the catalog"):
        read_tabular(catalog, inter, mapping=MAPPING)
    added = read_tabular(catalog, inter, mapping=MAPPING, unknown_products="add")
    assert "P9" in set(added.products["product_id"]) and len(added.interactions) == 2
    dropped = read_tabular(catalog, inter, mapping=MAPPING, unknown_products="drop")
    assert "P9" not in set(dropped.products["product_id"]) and len(dropped.interactions) == 1


def test_bad_arguments_are_value_errors(catalog):
    with pytest.raises(ValueError, match="unknown kgmine field"):
        read_tabular(catalog, mapping={"colour": "c"})
    with pytest.raises(ValueError, match="event must be one of"):
        read_tabular(interactions=catalog, event="clicked")
    with pytest.raises(InputError, match="file not found"):
        read_tabular(catalog.parent / "nope.csv")
