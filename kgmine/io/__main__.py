"""``python -m kgmine.io KIND [PATH] [key=value ...]``: read a data set and print its row counts.

Options are the reader's keyword arguments (values parsed as YAML: ``keep_meta=all``,
``mapping={product_id: asin}``). Bad input prints one ``error:`` line and exits with status 1.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import yaml

from kgmine.io import READERS, InputError, describe, read_dataset


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, read the data set, print counts; return the exit status."""
    parser = argparse.ArgumentParser(prog="python -m kgmine.io", description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=sorted(READERS))
    parser.add_argument("path", nargs="?", default=None)
    parser.add_argument("options", nargs="*", metavar="key=value")
    args = parser.parse_args(argv)
    path, options = args.path, list(args.options)
    if path is not None and "=" in path:
        options.insert(0, path)
        path = None
    opts = {}
    for item in options:
        key, sep, value = item.partition("=")
        if not sep:
            parser.error(f"option {item!r} is not key=value")
        opts[key] = yaml.safe_load(value)
    start = time.perf_counter()
    try:
        shop = read_dataset(args.kind, path, **opts)
    except InputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    seconds = time.perf_counter() - start
    try:
        print(f"{shop.name}{' (synthetic)' if shop.synthetic else ''}: read in {seconds:.2f} s")
        print(describe(shop).to_string(index=False), flush=True)
    except BrokenPipeError:  # e.g. piped into `head`
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
