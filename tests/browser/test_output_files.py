"""A deleted output file of the example notebook, in a real JupyterLab.

The example notebook (``notebooks/01_etl.ipynb``, with its data) is run once, cell
by cell as a user would; then ``output/region_totals.csv`` is deleted on disk and
``%flow run`` runs again: the cell that wrote the file (``load``) runs and writes
it back, every other cell stays a cache hit, and ``%flow why load`` names the file.
Screenshots go to ``test-artifacts/browser/``.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
RUN = "%flow run"
WHY = "%flow why load"


def _example_project(root: Path) -> str:
    """Copy the example data next to a notebook folder; return the notebook's name."""
    project = root / "etl-effects"
    shutil.copytree(REPO / "examples" / "data", project / "examples" / "data")
    (project / "notebooks").mkdir(parents=True)
    return "etl-effects/notebooks/01_etl.ipynb"


def _status(nb: Any, index: int) -> str:
    return nb.output(index).locator(".taskbook-status").last.inner_text()


def test_deleting_an_output_file_reruns_only_the_cell_that_wrote_it(
    notebook_page: Any, lab_server: Any
) -> None:
    import nbformat

    example = nbformat.read(REPO / "notebooks" / "01_etl.ipynb", as_version=4)
    cells = [*example.cells, nbformat.v4.new_code_cell(RUN)]
    cells.append(nbformat.v4.new_code_cell(WHY))
    nb = notebook_page(cells, _example_project(lab_server.root))
    names = {
        i: c.source.split()[1]
        for i, c in enumerate(example.cells)
        if c.source.startswith("%%task")
    }
    load = next(i for i, name in names.items() if name == "load")
    run, why = len(example.cells), len(example.cells) + 1
    output = nb.path.parent / "output"

    for index in range(len(example.cells)):  # the ETL, cell by cell
        nb.run_cell(index)
    assert re.match(r"\S+ load: Completed", _status(nb, load))
    # Plain cells run by hand are IPython's; a first %flow run caches them too.
    nb.run_cell(run)
    first = nb.output(run).locator(".taskbook-summary").inner_text()
    assert re.search(r"Flow run Completed in \S+ s: ", first), first
    nb.screenshot("before-delete")
    assert (output / "region_totals.csv").is_file()
    (output / "region_totals.csv").unlink()

    nb.run_cell(run)
    nb.run_cell(why)

    summary = nb.output(run).locator(".taskbook-summary").inner_text()
    assert re.search(r"Flow run Completed in \S+ s: ", summary), summary
    assert "9 Cached" in summary, (first, summary)
    assert "1 Completed" in summary, (first, summary)
    states = {name: _status(nb, i) for i, name in names.items()}
    assert re.match(r"\S+ load: Completed in \S+ s$", states.pop("load"))
    assert all(re.match(rf"\S+ {n}: Cached", s) for n, s in states.items()), states
    assert nb.output(why).inner_text().strip() == (
        "load ran because its output file 'output/region_totals.csv' was deleted."
    )
    assert (output / "region_totals.csv").is_file()  # written back

    nb.cell(load).scroll_into_view_if_needed()
    nb.screenshot("load-reran")
    nb.cell(why).scroll_into_view_if_needed()
    nb.screenshot("flow-run-and-why")
    assert not [e for e in nb.errors() if "taskbook" in e]
