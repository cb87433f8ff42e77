"""Execute notebooks at full size and store their outputs in place (what ``tests/test_notebooks.py`` expects).

    python notebooks/run_full.py                      # every notebook here
    python notebooks/run_full.py 02_mining.ipynb      # one

Each runs from this folder with the python3 kernel, ``KGMINE_NOTEBOOK_SMALL`` unset, outputs under
``runs/notebooks/`` (or ``KGMINE_NOTEBOOK_OUT``); a failing cell stops with its traceback and leaves the file as it was.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def run(name: str, timeout: int = 3600) -> float:
    """Execute ``HERE/name`` top to bottom at full size and write it back with its outputs; return seconds."""
    import nbformat
    from nbclient import NotebookClient

    path = HERE / name
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=False,
                   resources={"metadata": {"path": str(HERE)}}).execute()
    nbformat.write(nb, path)
    return time.perf_counter() - start


def main(argv: list[str]) -> None:
    """Run the named notebooks (default: all ``NN_*.ipynb`` here) and print the time each took."""
    os.environ.pop("KGMINE_NOTEBOOK_SMALL", None)
    os.environ.setdefault("KGMINE_NO_PROGRESS", "1")
    names = argv or sorted(p.name for p in HERE.glob("[0-9][0-9]_*.ipynb"))
    for name in names:
        print(f"{name}: {run(name):.0f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
