"""``%flow run`` runs what the user sees: cells run since the last save count as run.

JupyterLab sends each cell's id with its execute request; a real kernel here gets
the same. The notebook file is written by the test (as JupyterLab saves it).
"""

from __future__ import annotations

import re

import nbformat
import pytest

pytestmark = pytest.mark.slow

CELLS = {
    "c1": "%load_ext taskbook",
    "c2": "%%task make\nx = 1\nprint('x is', x)",
    "c3": "%%task scale\ny = x * 10\nprint('y is', y)",
}


def _save(path, cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Orders")]
    for cell_id, source in cells.items():
        cell = nbformat.v4.new_code_cell(source)
        cell.id = cell_id
        nb.cells.append(cell)
    nbformat.write(nb, path)


def _states(reply) -> dict[str, str]:
    summary = next(
        str(d["text/plain"])
        for d in reversed(reply.displays)
        if str(d.get("text/plain", "")).startswith("Flow run ")
    )
    return dict(re.findall(r"^\s+\S+ ([\w-]+): (\w+)", summary, re.M))


def test_flow_run_uses_the_source_last_run_in_the_kernel_and_says_so(
    kernel_factory, tmp_path
):
    notebook = tmp_path / "orders.ipynb"
    _save(notebook, CELLS)
    kernel = kernel_factory(tmp_path, notebook)
    kernel.execute(CELLS["c1"], cell_id="c1")
    first = kernel.execute("%flow run --no-view")
    assert _states(first) == {"make": "Completed", "scale": "Completed"}
    assert "differ" not in first.text

    # Edited and run, not saved: %flow run runs the cell as the user sees it.
    edited = "%%task make\nx = 2\nprint('x is', x)"
    kernel.execute(edited, cell_id="c2")
    second = kernel.execute("%flow run --no-view")
    assert second.status == "ok", second.everything
    assert _states(second) == {"make": "Cached", "scale": "Completed"}
    assert "y is 20" in second.everything
    assert (
        "Cell 3 differs from the saved file and runs as last executed in this "
        "kernel (save the notebook to make the file match).\n"
    ) in second.text

    # A new cell run but not saved runs last, and the line says so.
    kernel.execute("%%task shift\nz = y + 1", cell_id="new-cell")
    third = kernel.execute("%flow run --no-view")
    assert _states(third)["shift"] == "Cached"
    assert (
        "Cell 3 differs from the saved file and runs as last executed in this "
        "kernel; 1 new cell, executed here but not saved, runs last (save the "
        "notebook to make the file match).\n"
    ) in third.text

    # Saved after it ran: the file is what the user sees again.
    _save(notebook, {**CELLS, "c2": edited, "c3": "%%task scale\ny = x * 100"})
    fourth = kernel.execute("%flow run --no-view")
    assert _states(fourth) == {"make": "Cached", "scale": "Completed"}
    assert "differ" not in fourth.text
    assert kernel.execute("print(y)").text.strip() == "200"
