"""Where the explorer's browser assets come from: nothing is fetched when a page is viewed.

* The page itself (``index.html``, ``app.js``, ``app.css``) ships inside kgmine (``kgmine/serve/static``).
* The graph-drawing library is vis-network (standalone UMD build), installed from PyPI inside the
  ``pyvis`` wheel (``pyvis/lib/vis-9.1.2/vis-network.min.js`` and ``.css``); :func:`vis_network_dir`
  finds it without importing pyvis (which would import IPython).
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

#: The vis-network build the explorer serves, as shipped by the pyvis wheel.
VIS_NETWORK_VERSION = "9.1.2"

STATIC_DIR = Path(__file__).with_name("static")


class AssetError(RuntimeError):
    """A browser asset the explorer needs is not installed; the message says what to install."""


def vis_network_dir() -> Path:
    """Directory holding ``vis-network.min.js`` and ``vis-network.css`` (from the installed pyvis wheel)."""
    spec = importlib.util.find_spec("pyvis")
    if spec is None or not spec.submodule_search_locations:
        raise AssetError("the explorer draws graphs with vis-network from the 'pyvis' package: pip install pyvis")
    for root in spec.submodule_search_locations:
        folder = Path(root) / "lib" / f"vis-{VIS_NETWORK_VERSION}"
        if (folder / "vis-network.min.js").is_file() and (folder / "vis-network.css").is_file():
            return folder
    raise AssetError(f"pyvis is installed but has no lib/vis-{VIS_NETWORK_VERSION}/vis-network.min.js; "
                     "pip install 'pyvis==0.3.2'")


__all__ = ["AssetError", "STATIC_DIR", "VIS_NETWORK_VERSION", "vis_network_dir"]
