"""Each tutorial in ``notebooks/``, opened in JupyterLab and run with Run All Cells.

Every cell must finish without an error output and the page must show the lines
the tutorial prints (``tests/notebooks/tutorials.py``). A screenshot of each goes
to ``test-artifacts/browser/``; the one of tutorial 3's ``%flow run`` output
(live graph + Gantt, ``tutorial-03-graph-and-gantt.png``) is the README's
(``scripts/refresh_readme_screenshot.py`` copies it to ``docs/images/``).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
README_SHOT = "tutorial-03-graph-and-gantt.png"


def _tutorials() -> ModuleType:
    # By path: tests/browser is not a package, and `tests` is not importable.
    path = REPO / "tests" / "notebooks" / "tutorials.py"
    spec = importlib.util.spec_from_file_location("_tutorials_expected", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


TUTORIALS = _tutorials()


@pytest.fixture(scope="module")
def project(lab_server: Any) -> Path:
    """The tutorials and their data, copied into the server's root once."""
    return TUTORIALS.copy_project(lab_server.root / "tutorials")


@pytest.mark.parametrize("name", TUTORIALS.tutorials())
def test_tutorial_runs_all_cells_in_jupyterlab(
    name: str, project: Path, notebook_page: Any, artifacts_dir: Path
) -> None:
    import nbformat

    tutorial = nbformat.read(project / name, as_version=4)
    nb = notebook_page(tutorial.cells, f"tutorials/notebooks/{name}")

    nb.run_all()

    code = [i for i, c in enumerate(tutorial.cells) if c.cell_type == "code"]
    shown = "\n".join(nb.output(i).inner_text() for i in code)
    # The page's text is compared stripped, so the expected lines are too
    # (tutorials 6 and 7 print indented lines).
    lines = [ln.strip() for ln in shown.splitlines()]
    expected = [ln.strip() for ln in TUTORIALS.PRINTED[name]]
    assert TUTORIALS.in_order(expected, lines), shown
    errors = nb.panel().locator("[data-mime-type='application/vnd.jupyter.error']")
    assert errors.count() == 0, shown
    assert nb.errors() == []
    nb.cell(code[-1]).scroll_into_view_if_needed()
    nb.screenshot("end")

    run_cells = [i for i in code if tutorial.cells[i].source.startswith("%flow run")]
    for index in run_cells:
        view = nb.wait_in_output(index, ".taskbook-run")
        assert view.locator("svg").count() >= 2  # the graph and the Gantt
        summary = nb.output(index).inner_text()
        assert "Flow run Completed" in summary, summary
    if name == "03_parallel.ipynb":
        (index,) = run_cells
        nb.page.wait_for_timeout(500)
        # The view alone: the lines around it name the server's temporary folder.
        view = nb.output(index).locator(".taskbook-run").first
        view.screenshot(path=artifacts_dir / README_SHOT)
        assert (artifacts_dir / README_SHOT).stat().st_size > 10_000
        cells = json.dumps(nb.output(index).inner_text())
        for task in ("temperatures", "humidity", "wind", "comfort"):
            assert task in cells
