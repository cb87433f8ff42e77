"""The notebooks under notebooks/: stored with the outputs of one full-size run (so they read on GitHub without
running them), and each runs top to bottom again here (nbclient, the python3 kernel of this environment) at
reduced size (``KGMINE_NOTEBOOK_SMALL=1``), writing only under a temporary directory.

To refresh the stored outputs after changing a notebook: ``python notebooks/run_full.py NAME.ipynb`` (full size,
outputs written back in place)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = ["01_build_kg_amazon.ipynb", "02_mining.ipynb", "03_recommend_explain.ipynb", "04_your_own_data.ipynb"]


def _read(name: str):
    import nbformat

    return nbformat.read(NOTEBOOK_DIR / name, as_version=4)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_is_stored_with_outputs_of_a_full_run(name):
    """Every code cell was executed, in order, by one full-size run (the first cell prints ``small run: False``)
    and none stopped with an error."""
    import nbformat

    nb = _read(name)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, f"{name} has no code cells"
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# "), f"{name} needs a title cell"
    counts = [c.execution_count for c in code]
    assert None not in counts, f"{name}: code cell {counts.index(None)} was stored without being executed"
    assert counts == sorted(counts) and len(set(counts)) == len(counts), f"{name}: cells not run top to bottom: {counts}"
    errors = [i for i, c in enumerate(code) for o in c.outputs if o.output_type == "error"]
    assert not errors, f"{name}: code cell {errors[0]} was stored with an error"
    first = "".join(o.get("text", "") for o in code[0].outputs if o.output_type == "stream")
    assert "small run: False" in first, f"{name}: stored outputs are not from a full-size run ({first.strip()!r})"


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
