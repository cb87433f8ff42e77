"""Progress bars for long steps (rich), switched off with ``KGMINE_NO_PROGRESS=1`` or ``disable=True``."""
from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import TypeVar

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

T = TypeVar("T")


def progress_disabled() -> bool:
    """True when progress output is switched off by the environment."""
    return os.environ.get("KGMINE_NO_PROGRESS", "") not in ("", "0")


def make_progress(disable: bool = False) -> Progress:
    """A rich Progress with a description, bar, counts and elapsed time."""
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), disable=disable or progress_disabled(), transient=False)


def track(items: Iterable[T], description: str, total: int | None = None, disable: bool = False) -> Iterator[T]:
    """Iterate ``items`` with a progress bar labelled ``description``."""
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    with make_progress(disable) as progress:
        task = progress.add_task(description, total=total)
        for item in items:
            yield item
            progress.advance(task)
