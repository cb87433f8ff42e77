"""Where the explorer's browser assets come from: nothing is fetched when a page is viewed.

* The page itself (``index.html``, ``app.js``, ``app.css``) ships inside kgmine (``kgmine/serve/static``).
* The graph-drawing library is vis-network (standalone UMD build), installed from PyPI inside the
  ``pyvis`` wheel (``pyvis/lib/vis-9.1.2/vis-network.min.js`` and ``.css`` in pyvis 0.3.2);
  :func:`vis_network_dir` finds it without importing pyvis (which would import IPython).
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

STATIC_DIR = Path(__file__).with_name("static")


class AssetError(RuntimeError):
    """A browser asset the explorer needs is not installed; the message says what to install."""


def _version(folder: Path) -> tuple[int, ...]:
    digits = folder.name.removeprefix("vis-").split(".")
    return tuple(int(d) if d.isdigit() else -1 for d in digits)


def vis_network_dir() -> Path:
    """Directory holding ``vis-network.min.js`` and ``vis-network.css`` in the installed pyvis wheel
    (``pyvis/lib/vis-<version>/``; the newest when it ships several, 9.1.2 in pyvis 0.3.2)."""
    spec = importlib.util.find_spec("pyvis")
    if spec is None or not spec.submodule_search_locations:
        raise AssetError("the explorer draws graphs with vis-network from the 'pyvis' package: pip install pyvis")
    found = [folder for root in spec.submodule_search_locations for folder in (Path(root) / "lib").glob("vis-*")
             if (folder / "vis-network.min.js").is_file() and (folder / "vis-network.css").is_file()]
    if not found:
        raise AssetError("pyvis is installed but ships no lib/vis-*/vis-network.min.js; pip install 'pyvis==0.3.2'")
    return max(found, key=_version)


__all__ = ["STATIC_DIR", "AssetError", "vis_network_dir"]
