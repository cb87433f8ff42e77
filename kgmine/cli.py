"""The ``kgmine`` command line. Commands are thin: parse options, call the library, print a table.

Each command group lives in ``kgmine/commands/<group>.py`` and adds itself with ``register(app)``.
"""
from __future__ import annotations

import typer

from kgmine.commands import eval as eval_commands
from kgmine.commands import graph as graph_commands
from kgmine.commands import init as init_commands
from kgmine.commands import match as match_commands
from kgmine.commands import mine as mine_commands
from kgmine.commands import pipeline as pipeline_commands
from kgmine.commands import recommend as recommend_commands
from kgmine.commands import report as report_commands
from kgmine.commands import serve as serve_commands
from kgmine.commands import train as train_commands

app = typer.Typer(
    name="kgmine",
    help="Build product knowledge graphs from e-commerce text and behaviour, mine them, recommend with GNNs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for module in (pipeline_commands, init_commands, graph_commands, mine_commands, recommend_commands, eval_commands,
               match_commands, report_commands, serve_commands, train_commands):
    module.register(app)


def main() -> None:  # pragma: no cover - entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
