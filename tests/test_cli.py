"""The command line itself: lazy command loading, help output, choice options, start-up imports, and the
store-related messages and titles of ``mine rules`` / ``recommend``."""
from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys
from typing import get_args

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

import kgmine.commands
from kgmine.cli import COMMAND_MODULES, app
from kgmine.commands import choices

WIDE = {"TERMINAL_WIDTH": "200", "COLUMNS": "200"}


def invoke(*args: str):
    return CliRunner().invoke(app, list(args), env=WIDE)


def registered_commands() -> dict[str, str]:
    """Command name -> module, from registering every command module on a fresh Typer app."""
    found = {}
    for info in pkgutil.iter_modules(kgmine.commands.__path__):
        module = importlib.import_module(f"kgmine.commands.{info.name}")
        if hasattr(module, "register"):
            sub = typer.Typer()
            module.register(sub)
            found.update(dict.fromkeys(typer.main.get_group(sub).commands, info.name))
    return found


def test_command_table_names_every_command_and_its_module():
    assert registered_commands() == COMMAND_MODULES


def test_help_lists_every_command():
    result = invoke("--help")
    assert result.exit_code == 0, result.output
    listed = {line.strip("│ ").split(" ")[0] for line in result.output.splitlines()}
    assert set(COMMAND_MODULES) <= listed
    assert "<bool>" not in result.output


def test_choice_options_list_their_choices_and_refuse_others():
    result = invoke("mine", "rules", "--help")
    assert result.exit_code == 0, result.output
    assert "<ladybug|neo4j>" in result.output and "<basket|user|window>" in result.output
    assert "One of: fpgrowth, eclat, apriori, relim, sam." in result.output  # a long list goes into the help
    assert "<bool>" not in result.output and "<str>  Store kind" not in result.output
    bad = invoke("mine", "rules", "--baskets", "x.csv", "--sort-by", "price")
    assert bad.exit_code == 2 and "'price' is not one of" in bad.output and "'conviction'" in bad.output


def test_help_names_arguments_in_capitals_and_keeps_brackets_in_text():
    result = invoke("run", "--help")
    assert result.exit_code == 0, result.output
    assert "run [OPTIONS] PIPELINE" in result.output and "{pipeline}" not in result.output
    assert "kgmine[spark]" in result.output  # help text is not read as Rich markup


def test_help_is_wider_than_80_columns_off_a_terminal():
    result = CliRunner().invoke(app, ["mine", "rules", "--help"], env={"TERMINAL_WIDTH": "", "COLUMNS": ""})
    assert result.exit_code == 0
    assert max(len(line) for line in result.output.splitlines()) == 100


@pytest.mark.parametrize("literal, library", [
    (choices.StoreKind, ("kgmine.graph.stores.config", "STORE_KINDS")),
    (choices.RunEngine, ("kgmine.config", "ENGINES")),
    (choices.RulesEngine, ("kgmine.mine.rules", "ENGINES")),
    (choices.RulesAlgorithm, ("kgmine.mine.rules", "PYFIM_ALGORITHMS")),
    (choices.GroupBy, ("kgmine.mine.baskets", "GROUP_BY")),
    (choices.Community, ("kgmine.mine.analytics", "COMMUNITY_METHODS")),
    (choices.GraphBackend, ("kgmine.mine.analytics", "BACKENDS")),
    (choices.ClusterSelection, ("kgmine.mine.clusters", "SELECTIONS")),
])
def test_repeated_choice_sets_equal_the_library_ones(literal, library):
    module, name = library
    assert get_args(literal) == tuple(getattr(importlib.import_module(module), name))


def test_rule_sort_choices_are_the_ones_rules_can_be_sorted_by():
    from kgmine.mine.rules import AssociationRules

    model = AssociationRules(0.25, 0.1).fit([["a", "b"], ["a", "b", "c"], ["a"], ["b", "c"]])
    for key in get_args(choices.RulesSort):
        assert len(model.top(3, by=key)) == 3
    with pytest.raises(ValueError):
        model.top(3, by="price")


def test_help_of_every_command_imports_nothing_heavy():
    code = (
        "import json, sys\n"
        "import kgmine.cli\n"
        "after_import = sorted(sys.modules)\n"
        "from typer.testing import CliRunner\n"
        "runs = [[], *[[n] for n in kgmine.cli.COMMAND_MODULES], ['mine', 'rules'], ['eval', 'extract']]\n"
        "codes = [CliRunner().invoke(kgmine.cli.app, [*a, '--help']).exit_code for a in runs]\n"
        "print(json.dumps({'import': after_import, 'help': sorted(sys.modules), 'codes': codes}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = json.loads(done.stdout)
    assert set(loaded["codes"]) == {0}
    heavy = {"torch", "torch_geometric", "spacy", "pyspark", "sklearn", "pandas", "numpy", "ladybug", "neo4j"}
    for stage in ("import", "help"):
        assert not heavy & {m.split(".")[0] for m in loaded[stage]}, stage
    assert "kgmine.commands.graph" not in loaded["import"]  # command modules load when asked for


def test_python_dash_m_kgmine_runs_the_cli():
    done = subprocess.run([sys.executable, "-m", "kgmine", "query", "--help"], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0 and "Cypher" in done.stdout


@pytest.fixture(scope="module")
def shop_store(tmp_path_factory):
    """Three users who all bought the same mug and saucer (and one of them tea)."""
    pytest.importorskip("ladybug")
    from kgmine.graph.stores.ladybug_store import LadybugStore
    from kgmine.graph.tables import KGTables

    tables = KGTables()
    tables.add_nodes("Product", pd.DataFrame({"id": ["p1", "p2", "p3"],
                                              "title": ["Red mug [large]", "Blue saucer", "Tea"]}))
    tables.add_nodes("User", pd.DataFrame({"id": ["u1", "u2", "u3"]}))
    tables.add_edges("BOUGHT", "User", "Product", pd.DataFrame({"src": ["u1", "u1", "u2", "u2", "u3", "u3", "u3"],
                                                                "dst": ["p1", "p2", "p1", "p2", "p1", "p2", "p3"]}))
    path = tmp_path_factory.mktemp("cli") / "store"
    with LadybugStore(path) as store:
        store.load(tables, progress=False)
    return path


def test_rules_from_a_store_show_titles_and_keep_ids(shop_store):
    result = invoke("mine", "rules", "--store", str(shop_store), "--group-by", "user", "-s", "0.6", "-c", "0.9",
                    "--min-len", "2")
    assert result.exit_code == 0, result.output
    rows = [line for line in result.output.splitlines() if "=>" in line]
    assert rows and all("{p" in row for row in rows)  # the ids column
    assert any("{Red mug [large]} => {Blue saucer}" in row and "{p1} => {p2}" in row for row in rows), rows


def test_recommend_on_a_missing_store_names_the_store_and_how_to_make_it(tmp_path):
    missing = tmp_path / "run" / "store"
    result = invoke("recommend", "--store", str(missing), "--user", "u1")
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and str(missing) in lines[0] and f"kgmine demo --out {missing.parent}" in lines[0]
    assert "no trained" not in result.output
