"""The notebooks under notebooks/: stored without outputs, and each runs top to bottom (nbclient, the
python3 kernel of this environment) at reduced size (``KGMINE_NOTEBOOK_SMALL=1``), writing only under
a temporary directory."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = ["01_build_kg_amazon.ipynb", "02_mining.ipynb", "03_recommend_explain.ipynb"]


def _read(name: str):
    import nbformat

    return nbformat.read(NOTEBOOK_DIR / name, as_version=4)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_is_stored_without_outputs(name):
    import nbformat

    nb = _read(name)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, f"{name} has no code cells"
    for i, cell in enumerate(code):
        assert cell.outputs == [] and cell.execution_count is None, f"{name}: code cell {i} was stored with outputs"
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# "), f"{name} needs a title cell"


@pytest.mark.slow  # 30-90 s each on 2 cores; still part of the default run (and of CI)
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_top_to_bottom(name, tmp_path, monkeypatch):
    pytest.importorskip("ipykernel", reason="executing notebooks needs ipykernel in this environment")
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    monkeypatch.setenv("KGMINE_NOTEBOOK_SMALL", "1")
    monkeypatch.setenv("KGMINE_NOTEBOOK_OUT", str(tmp_path))
    monkeypatch.setenv("KGMINE_NO_PROGRESS", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    if "KGMINE_SHARED_DATA" not in os.environ:
        from conftest import SHARED_DATA  # the same location the shared_data fixture uses

        monkeypatch.setenv("KGMINE_SHARED_DATA", str(SHARED_DATA))
    nb = _read(name)
    client = NotebookClient(nb, timeout=900, kernel_name="python3", allow_errors=False,
                            resources={"metadata": {"path": str(NOTEBOOK_DIR)}})
    try:
        client.execute()
    except CellExecutionError as exc:  # the message holds the failing cell and its traceback
        pytest.fail(f"{name} failed:\n{str(exc)[-3000:]}")
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any(o.output_type in ("execute_result", "display_data") for o in outputs), f"{name} showed nothing"
    assert list(tmp_path.iterdir()), f"{name} wrote nothing under KGMINE_NOTEBOOK_OUT"
