"""The ``kgmine`` command line. Commands are thin: parse options, call the library, print a table.

Each command group lives in ``kgmine/commands/<module>.py`` and adds itself with ``register(app)``.
The top-level group loads those modules lazily (:class:`LazyGroup`): ``kgmine query ...`` imports only
``kgmine.commands.graph``, and nothing heavy (torch, spaCy, pandas, the stores) is imported until a command
runs. A new module is found by itself; name its commands in :data:`COMMAND_MODULES` so that running one of
them does not load every module (``tests/test_cli.py`` checks the table).
"""
from __future__ import annotations

import importlib
import inspect
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

#: Command name -> module of ``kgmine.commands`` that registers it (listed in ``--help`` in this order).
COMMAND_MODULES = {
    "demo": "pipeline", "run": "pipeline",
    "init": "init",
    "query": "graph", "repair": "graph",
    "mine": "mine",
    "recommend": "recommend", "similar": "recommend", "fit-recommender": "recommend",
    "eval": "eval",
    "match": "match",
    "report": "report",
    "serve": "serve",
    "train": "train",
}

HELP_WIDTH_OFF_TERMINAL = 100  # help width into a pipe or a file
HELP_WIDTH_MAX = 120  # the most used on a wider terminal


def help_width() -> int:
    """Columns for ``--help``: ``$TERMINAL_WIDTH`` if set, else the terminal's (``$COLUMNS``) width up to
    120, or 100 when the output is not a terminal (a pipe, a file)."""
    import shutil

    if os.environ.get("TERMINAL_WIDTH", "").isdigit():
        return int(os.environ["TERMINAL_WIDTH"])
    return min(shutil.get_terminal_size((HELP_WIDTH_OFF_TERMINAL, 24)).columns, HELP_WIDTH_MAX)


@contextmanager
def _help_console_width() -> Iterator[None]:
    """Typer's Rich help console takes its width from ``typer.rich_utils.MAX_WIDTH`` (else 80 off a terminal)."""
    from typer import rich_utils

    saved = rich_utils.MAX_WIDTH
    rich_utils.MAX_WIDTH = help_width()
    try:
        yield
    finally:
        rich_utils.MAX_WIDTH = saved


CHOICES_INLINE = 24  # a longer list of choices than ``<a|b|c>`` goes into the help text


def _tidy(param: Any) -> None:
    """Help display of one parameter: a flag shows no ``<bool>`` type; a choice shows its values, as
    ``<a|b|c>`` or, when long, as "One of: a, b, c." after its help; an argument is named in capitals
    (``PIPELINE``); help text is shown as written (``kgmine[spark]`` is not Rich markup)."""
    from rich.markup import escape

    help_text = escape(param.help or "")
    if isinstance(param, TyperOption) and param.is_flag and not param.count:
        param.metavar = ""
    choices = getattr(getattr(param, "type_descriptor", None), "choices", None)
    if choices and param.metavar is None:
        values = [str(getattr(c, "value", c)) for c in choices]
        if len("|".join(values)) > CHOICES_INLINE:
            param.metavar = "<choice>"
            help_text = f"{help_text} One of: {', '.join(values)}.".strip()
    if isinstance(param, TyperArgument) and param.metavar is None:
        param.metavar = (param.name or "").upper()
    param.help = help_text or None


def _reflow(text: str) -> str:
    """A docstring as help text: each paragraph on one line (Rich would keep the docstring's line breaks),
    not read as Rich markup; a paragraph starting with ``\\b`` is kept as written."""
    from rich.markup import escape

    paragraphs = inspect.cleandoc(text).split("\n\n")
    return escape("\n\n".join(p if p.startswith("\b") else " ".join(p.split()) for p in paragraphs))


class _Help:
    """Help formatting shared by kgmine's commands and groups (mixed into Typer's classes)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.help:
            self.help = _reflow(self.help)
        for param in self.params:
            _tidy(param)

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)
        if option is not None:
            _tidy(option)
        return option

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        """``[OPTIONS] PIPELINE`` (an optional argument in brackets) instead of Typer's ``{pipeline}``."""
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if isinstance(param, TyperArgument):
                name = param.metavar or (param.name or "").upper()
                name = name if param.required else f"[{name}]"
                pieces.append(name + ("..." if param.nargs != 1 else ""))
            else:
                pieces.extend(param.get_usage_pieces(ctx))
        if isinstance(self, TyperGroup):
            pieces.append(self.subcommand_metavar)
        return pieces

    def format_help(self, ctx: Any, formatter: Any) -> None:
        with _help_console_width():
            super().format_help(ctx, formatter)


class Command(_Help, TyperCommand):
    """A kgmine command (:class:`_Help` formatting)."""


class Group(_Help, TyperGroup):
    """A kgmine command group (:class:`_Help` formatting)."""


def _use_kgmine_classes(typer_app: typer.Typer) -> None:
    """Build ``typer_app``'s commands and groups (recursively) as :class:`Command` / :class:`Group`."""
    for info in typer_app.registered_commands:
        if info.cls in (None, TyperCommand):
            info.cls = Command
    for group in typer_app.registered_groups:
        if not isinstance(group.cls, type) or group.cls is TyperGroup:  # unset: Typer's default placeholder
            group.cls = Group
        _use_kgmine_classes(group.typer_instance)


APP_SETTINGS: dict[str, Any] = dict(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)


class LazyGroup(Group):
    """The top-level group: a command module is imported when one of its commands is asked for."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._loaded: set[str] = set()

    def _load(self, module: str) -> None:
        if module in self._loaded:
            return
        self._loaded.add(module)
        sub = typer.Typer(**APP_SETTINGS)
        importlib.import_module(f"kgmine.commands.{module}").register(sub)
        _use_kgmine_classes(sub)
        self.commands.update(typer.main.get_group(sub).commands)

    def _load_all(self) -> None:
        import pkgutil

        import kgmine.commands

        known = dict.fromkeys(COMMAND_MODULES.values())
        found = [m.name for m in pkgutil.iter_modules(kgmine.commands.__path__)]
        for module in [*known, *sorted(set(found) - set(known))]:
            if module in found and hasattr(importlib.import_module(f"kgmine.commands.{module}"), "register"):
                self._load(module)

    def list_commands(self, ctx: Any) -> list[str]:
        self._load_all()
        order = list(COMMAND_MODULES)
        return sorted(self.commands, key=lambda n: order.index(n) if n in order else len(order))

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in self.commands:
            if cmd_name in COMMAND_MODULES:
                self._load(COMMAND_MODULES[cmd_name])
            else:  # a new module not in the table yet, or a typo (then every name is there to suggest)
                self._load_all()
        return self.commands.get(cmd_name)


app = typer.Typer(
    name="kgmine",
    help="Build product knowledge graphs from e-commerce text and behaviour, mine them, recommend with GNNs.",
    cls=LazyGroup,
    **APP_SETTINGS,
)


@app.callback()
def _root() -> None:
    """The top-level group has no options of its own (its commands come from :class:`LazyGroup`)."""


def main() -> None:  # pragma: no cover - entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
