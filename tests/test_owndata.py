"""Your own data: the tabular template, `kgmine init`, reader options checked before any stage, paths
relative to the YAML, no empty run folders, and `mine rules` on order tables, binary files and explosions."""
from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from kgmine.cli import app
from kgmine.config import ConfigError, load_config, merge_config

ROOT = Path(__file__).resolve().parents[1]
KINDS = [("Backpack", "Outdoor > Bags", "nylon"), ("Water Bottle", "Kitchen > Drinkware", "stainless steel"),
         ("Desk Lamp", "Home > Lighting", "aluminium"), ("Mug", "Kitchen > Drinkware", "ceramic")]
BRANDS = ["Trailhead", "Voltix", "Lumen"]
COLOURS = ["red", "blue", "black", "white", "green"]


def write_shop(folder: Path, catalog_cols: list[str], order_cols: list[str], n_products: int = 24,
               n_orders: int = 60, seed: int = 0) -> tuple[Path, Path]:
    """A small catalog (id, title, description, brand, category, price) and an order table (order, user,
    product, date[, extra]) under the given column names; returns both paths."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    catalog, orders = folder / "catalog.csv", folder / "orders.csv"
    with catalog.open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(catalog_cols)
        for i in range(n_products):
            kind, category, material = KINDS[i % len(KINDS)]
            brand, colour = BRANDS[i % len(BRANDS)], COLOURS[i % len(COLOURS)]
            row = [f"SKU{i:03d}", f"{brand} {colour.title()} {kind} {i}",
                   f"A {colour} {kind.lower()} made of {material}, {10 + i} cm tall.", brand, category, f"${5 + i}.99"]
            out.writerow(row[:len(catalog_cols)])
    with orders.open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(order_cols)
        for o in range(n_orders):
            for _ in range(rng.randint(1, 4)):
                row = [f"O{o:04d}", f"C{o % 15:02d}", f"SKU{rng.randrange(n_products):03d}",
                       f"2024-{1 + o % 12:02d}-{1 + o % 28:02d}T10:00:00", "bought"]
                out.writerow(row[:len(order_cols)])
    return catalog, orders


TEMPLATE_CATALOG = ["sku", "name", "details", "brand", "category", "price"]
TEMPLATE_ORDERS = ["order_id", "customer", "sku", "order_date"]


def _fast(cfg: dict) -> dict:
    """``cfg`` with the slow stages off (extraction, clusters, analytics, the report; a popularity model)."""
    cfg = dict(cfg)
    cfg["extract"] = {"enabled": False}
    cfg["mine"] = {**cfg["mine"], "clusters": {"enabled": False}, "analytics": {"enabled": False}}
    cfg["recommend"] = {"model": "popularity", "baselines": [], "split": "random"}
    cfg["report"] = {"enabled": False}
    return cfg


# ---------------------------------------------------------------------------------- the template


def test_the_tabular_template_runs_on_a_catalog_and_an_orders_csv(tmp_path):
    shop = tmp_path / "shop"
    write_shop(shop, TEMPLATE_CATALOG, TEMPLATE_ORDERS)
    template = yaml.safe_load((ROOT / "pipelines" / "tabular.yaml").read_text())
    (shop / "tabular.yaml").write_text(yaml.safe_dump(_fast(template)))  # the data section exactly as shipped
    out = tmp_path / "runs" / "my-shop"
    result = CliRunner().invoke(app, ["run", str(shop / "tabular.yaml"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["data"]["products"] == 24 and metrics["data"]["users"] == 15
    assert metrics["mine"]["baskets"] == 60 and metrics["mine"]["rules"] > 0
    assert metrics["graph"]["Product"] == 24 and metrics["graph"]["BOUGHT"] > 60


def test_the_template_names_only_options_the_reader_takes():
    cfg = load_config(ROOT / "pipelines" / "tabular.yaml")
    options = cfg["data"]["options"]
    assert Path(options["catalog"]) == ROOT / "pipelines" / "catalog.csv"  # relative to the YAML file
    assert {"product_id", "user_id", "basket_id", "timestamp"} <= set(options["mapping"])


# ------------------------------------------------------------- config checked before any stage

def _typo(cfg: dict) -> None:
    cfg["data"]["options"]["catalogue"] = cfg["data"]["options"].pop("catalog")


BAD_RUNS = [
    (_typo, "data.options.catalogue", "'catalog'"),
    (lambda cfg: cfg["data"]["options"]["mapping"].update(titel="name"), "data.options.mapping.titel", "title"),
    (lambda cfg: cfg["data"]["options"].update(event="purchase"), "data.options.event", "bought"),
    (lambda cfg: cfg.update(recommend={"model": "lightgnc"}), "recommend.model", "lightgcn"),
    (lambda cfg: cfg.update(store={"kind": "postgres"}), "store.kind", "ladybug"),
]


@pytest.mark.parametrize("spoil, key, detail", BAD_RUNS, ids=[b[1] for b in BAD_RUNS])
def test_a_bad_choice_fails_in_one_line_before_any_artifact(tmp_path, spoil, key, detail):
    write_shop(tmp_path, TEMPLATE_CATALOG, TEMPLATE_ORDERS)
    cfg = {"name": "bad", "data": {"kind": "tabular", "options": {
        "catalog": "catalog.csv", "interactions": "orders.csv",
        "mapping": {"product_id": "sku", "user_id": "customer"}}}}
    spoil(cfg)
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(cfg))
    out = tmp_path / "runs" / "bad"
    result = CliRunner().invoke(app, ["run", str(tmp_path / "bad.yaml"), "--out", str(out)])
    message = result.output.strip()
    assert result.exit_code == 1 and len(message.splitlines()) == 1, message
    assert message.startswith("error:") and key in message and detail in message, message
    assert "Traceback" not in message and not (tmp_path / "runs").exists()


def test_reader_options_are_checked_against_the_reader_signature():
    with pytest.raises(ConfigError, match=r"data.options.path: required by the 'movielens' reader"):
        merge_config({"data": {"kind": "movielens"}})
    with pytest.raises(ConfigError, match=r"data.options.keep_meta: must be one of \['reviewed', 'all'\]"):
        merge_config({"data": {"kind": "amazon", "options": {"reviews_path": "r.json", "keep_meta": "some"}}})
    with pytest.raises(ConfigError, match="needs data.options.catalog, data.options.interactions or both"):
        merge_config({"data": {"kind": "tabular", "options": {"event": "bought"}}})
    with pytest.raises(ConfigError, match="data.options.n_products: data kind 'demo' takes no options"):
        merge_config({"data": {"kind": "demo", "options": {"n_products": 5}}})
    with pytest.raises(ConfigError, match="data.options.sep: must be a string, not 5"):
        merge_config({"data": {"kind": "tabular", "options": {"catalog": "c.csv", "sep": 5}}})
    with pytest.raises(ConfigError, match="data.options.include_summary: must be true or false"):
        merge_config({"data": {"kind": "amazon", "options": {"reviews_path": "r.json", "include_summary": "yes"}}})
    ok = merge_config({"data": {"kind": "lightgcn", "options": {"path": "x", "train": "train.txt"}}})
    assert ok["data"]["options"] == {"path": "x", "train": "train.txt"}


def test_relative_paths_are_relative_to_the_yaml_file(tmp_path, monkeypatch):
    write_shop(tmp_path / "data", TEMPLATE_CATALOG, TEMPLATE_ORDERS)
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "p.yaml").write_text(yaml.safe_dump({"data": {"kind": "tabular", "options": {
        "catalog": "../data/catalog.csv", "interactions": str(tmp_path / "data" / "orders.csv"),
        "mapping": {"product_id": "sku"}}}, "store": {"path": "stores/s"}}))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    cfg = load_config(Path("..") / "conf" / "p.yaml")
    assert cfg["data"]["options"]["catalog"] == str(tmp_path / "data" / "catalog.csv")
    assert cfg["data"]["options"]["interactions"] == str(tmp_path / "data" / "orders.csv")  # absolute stays
    assert cfg["data"]["options"]["mapping"] == {"product_id": "sku"}  # not a path: unchanged
    assert cfg["store"]["path"] == str(conf / "stores" / "s")


def test_a_run_whose_input_fails_leaves_no_run_folder(tmp_path):
    from kgmine.io.errors import InputError
    from kgmine.pipeline import run_pipeline

    catalog, orders = write_shop(tmp_path, TEMPLATE_CATALOG, TEMPLATE_ORDERS)
    with catalog.open("a") as fh:
        fh.write("SKU000,duplicate,,,,\n")
    cfg = _fast(merge_config({"data": {"kind": "tabular", "options": {
        "catalog": str(catalog), "interactions": str(orders),
        "mapping": {"product_id": "sku", "user_id": "customer"}}}}))
    with pytest.raises(InputError, match="duplicate product id 'SKU000'"):
        run_pipeline(merge_config(cfg), tmp_path / "runs" / "a" / "b")
    assert not (tmp_path / "runs").exists()
    (tmp_path / "kept").mkdir()
    with pytest.raises(InputError):
        run_pipeline(merge_config(cfg), tmp_path / "kept")
    assert (tmp_path / "kept").is_dir() and not any((tmp_path / "kept").iterdir())  # existed before: kept


@pytest.mark.parametrize("interactions, split, key", [(False, "random", "recommend.enabled"),
                                                     (True, "given", "recommend.split")], ids=["no-orders", "given"])
def test_settings_the_data_cannot_serve_fail_after_reading_before_writing(tmp_path, interactions, split, key):
    from kgmine.pipeline import run_pipeline

    catalog, orders = write_shop(tmp_path, TEMPLATE_CATALOG, TEMPLATE_ORDERS)
    cfg = _fast(merge_config({"data": {"kind": "tabular", "options": {
        "catalog": str(catalog), "interactions": str(orders) if interactions else None,
        "mapping": {"product_id": "sku", "user_id": "customer"}}}}))
    cfg["recommend"]["split"] = split
    with pytest.raises(ConfigError, match=key):
        run_pipeline(merge_config(cfg), tmp_path / "runs" / "x")
    assert not (tmp_path / "runs").exists()


# ------------------------------------------------------------------------------------ kgmine init


def test_init_proposes_the_mapping_and_writes_a_pipeline_the_reader_accepts(tmp_path):
    from kgmine.config import pipeline_config
    from kgmine.pipeline import read_data

    catalog, orders = write_shop(tmp_path / "files", ["asin", "product_title", "long_description", "manufacturer",
                                                      "department", "unit_price"],
                                 ["invoice_no", "customer_id", "asin", "created_at"])
    out = tmp_path / "conf" / "pipeline.yaml"
    result = CliRunner().invoke(app, ["init", "--catalog", str(catalog), "--interactions", str(orders),
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "proposed mapping" in result.output and "manufacturer" in result.output
    cfg = load_config(out)
    options = cfg["data"]["options"]
    assert options["mapping"] == {"product_id": "asin", "title": "product_title", "description": "long_description",
                                  "brand": "manufacturer", "category_path": "department", "price": "unit_price",
                                  "user_id": "customer_id", "basket_id": "invoice_no", "timestamp": "created_at"}
    assert options["catalog"] == str(catalog) and options["event"] == "bought"
    assert "catalog: ../files/catalog.csv" in out.read_text()  # written relative to the YAML's folder
    data = read_data(pipeline_config(cfg))
    assert len(data.products) == 24 and data.products["brand"].notna().all()
    assert data.interactions["timestamp"].notna().all() and data.interactions["basket_id"].nunique() == 60
    again = CliRunner().invoke(app, ["init", "--catalog", str(catalog), "--out", str(out)])
    assert again.exit_code == 1 and "--force" in again.output


def test_init_finds_unnamed_columns_by_their_values_and_reports_what_it_cannot_map(tmp_path):
    from kgmine.io.propose import propose_mapping

    catalog, orders = write_shop(tmp_path, ["ref", "headline"], ["o", "shopper_id", "ref", "when", "action"])
    rows = orders.read_text().replace(",bought", ",purchase")
    orders.write_text(rows)
    proposal = propose_mapping(catalog, orders)
    chosen = {(c.file, c.field): c.column for c in proposal.choices}
    assert chosen[("catalog.csv", "product_id")] == "ref" and chosen[("catalog.csv", "title")] == "headline"
    assert chosen[("orders.csv", "timestamp")] == "when" and chosen[("orders.csv", "user_id")] == "shopper_id"
    assert ("orders.csv", "event") not in chosen  # 'purchase' is no kgmine event
    assert any("'purchase'" in n for n in proposal.notes) and proposal.event == "bought"


def test_init_says_when_the_two_files_name_the_product_id_differently(tmp_path):
    from kgmine.io.propose import propose_mapping

    catalog, orders = write_shop(tmp_path, TEMPLATE_CATALOG, ["order_id", "customer", "item_id", "order_date"])
    proposal = propose_mapping(catalog, orders)
    assert any("'sku'" in n and "'item_id'" in n and "rename" in n for n in proposal.notes), proposal.notes


# ------------------------------------------------------------------------------- mine rules input


def _rules(*args: str):
    return CliRunner().invoke(app, ["mine", "rules", *args])


def test_mine_rules_on_an_order_table_says_how_to_group_it_and_does(tmp_path):
    _, orders = write_shop(tmp_path, TEMPLATE_CATALOG, ["order_id", "user_id", "product_id", "timestamp"])
    refused = _rules("--baskets", str(orders))
    message = refused.output.strip()
    assert refused.exit_code == 1 and len(message.splitlines()) == 1, message
    assert "looks like a table" in message and "--basket-column order_id --item-column product_id" in message
    grouped = _rules("--baskets", str(orders), "--basket-column", "order_id", "--item-column", "product_id",
                     "--min-support", "0.02", "--min-len", "2", "--json")
    assert grouped.exit_code == 0, grouped.output
    out = json.loads(grouped.output)
    assert out["summary"]["baskets"] == 60 and out["rules"]
    items = {i for r in out["rules"] for i in r["antecedent"] + r["consequent"]}
    assert all(i.startswith("SKU") for i in items), items  # products, not dates or order ids
    missing = _rules("--baskets", str(orders), "--basket-column", "order", "--item-column", "product_id")
    assert missing.exit_code == 1 and "no column 'order'" in missing.output and "order_id" in missing.output


def test_a_baskets_file_without_a_header_is_still_one_basket_a_line(tmp_path):
    from kgmine.mine.baskets import Baskets

    path = tmp_path / "b.csv"
    path.write_text("milk,bread,eggs\nbread,butter,jam\nmilk,jam,tea\n")  # same width, but no column words
    assert Baskets.from_file(path).transactions[0] == [b"milk", b"bread", b"eggs"]


def test_a_tsv_order_table_with_spaces_in_its_cells_is_recognised(tmp_path):
    from kgmine.mine.baskets import Baskets, TableShaped

    path = tmp_path / "o.tsv"
    path.write_text("basket\tuser\tarticle\tts\nB1\tU1\tP1\t2024-01-01 10:00\nB1\tU1\tP2\t2024-01-01 10:00\n")
    with pytest.raises(TableShaped) as err:
        Baskets.from_file(path)
    assert (err.value.basket_column, err.value.item_column) == ("basket", "article")
    assert Baskets.from_table(path, "basket", "article").transactions == [["P1", "P2"]]


@pytest.mark.parametrize("data, detail", [
    (bytes(random.Random(3).randrange(256) for _ in range(5000)) + b"\x00", "NUL byte"),
    (b"a b c\n" + bytes(range(0x80, 0x100)) * 20, "not UTF-8 text"),
], ids=["nul", "undecodable"])
def test_mine_rules_refuses_binary_input_in_one_line(tmp_path, data, detail):
    path = tmp_path / "junk.bin"
    path.write_bytes(data)
    result = _rules("--baskets", str(path))
    message = result.output.strip()
    assert result.exit_code == 1 and len(message.splitlines()) == 1 and detail in message, message


def test_one_huge_basket_is_refused_before_mining(tmp_path):
    path = tmp_path / "one.txt"
    path.write_text(" ".join(f"i{k}" for k in range(50_000)) + "\n")
    result = _rules("--baskets", str(path))
    message = result.output.strip()
    assert result.exit_code == 1 and len(message.splitlines()) == 1, message
    assert "more than 5,000,000 frequent itemsets" in message and "--max-len" in message
    assert "50,000 distinct items" in message


def test_the_itemset_budget_is_exact_when_it_has_to_count():
    from kgmine.mine.baskets import Baskets
    from kgmine.mine.rules import AssociationRules, TooManyItemsets, _count_itemsets, check_itemset_budget

    rng = np.random.default_rng(5)
    baskets = Baskets.from_lists([[f"i{j}" for j in range(16) if rng.random() < 0.7] for _ in range(300)])
    mined = AssociationRules(min_support=30, min_confidence=0.5, max_itemsets=None).fit(baskets)
    true = len(mined.itemsets_)
    assert true > 5_000 and _count_itemsets(baskets.transactions, 30, None, 10 ** 9) == true
    check_itemset_budget(baskets, 30, None, limit=true)  # exactly at the limit: mined
    with pytest.raises(TooManyItemsets, match=f"more than {true // 2:,} frequent itemsets"):
        check_itemset_budget(baskets, 30, None, limit=true // 2)
    with pytest.raises(TooManyItemsets):
        AssociationRules(min_support=30, max_itemsets=true // 2).fit(baskets)
    small = AssociationRules(min_support=30, max_len=2, max_itemsets=true // 2).fit(baskets)  # fewer: fits
    assert 0 < len(small.itemsets_) <= true // 2
