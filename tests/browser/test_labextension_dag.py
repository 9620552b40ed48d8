"""The runs sidebar's DAG in a real JupyterLab: the active notebook's, refreshed by events.

The DAG is drawn by the server extension from the saved file; the sidebar shows
it above the run list, as wide as the panel. Each wait is for a condition in the
page (a node in a state, the DAG of a path), never a fixed time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from taskbook.core.palette import state_style

if TYPE_CHECKING:
    from playwright.sync_api import Locator

    from conftest import NotebookPage

pytestmark = pytest.mark.timeout(300)

FIRST = [
    "%%task load\nrows = [1, 2, 3]",
    "%%task double\ndoubled = [r * 2 for r in rows]",
    "%%task total\nresult = sum(doubled)",
]
SECOND = ["%%task fetch\nitems = 'abc'", "%%task count\nn = len(items)"]


def dag(nb: NotebookPage, path: str) -> Locator:
    """The sidebar's DAG once it shows ``path``'s drawing."""
    return nb.page.locator(
        f"#taskbook-runs .taskbook-dag[data-path='{path}'][data-status='ok'] svg"
    )


def node(nb: NotebookPage, path: str, task: str, state: str = "") -> Locator:
    state_filter = f"[data-state='{state}']" if state else ""
    return dag(nb, path).locator(f"g.tb-node[data-name='{task}']{state_filter}")


def names(nb: NotebookPage, path: str) -> list[str]:
    return (
        dag(nb, path)
        .locator("g.tb-node")
        .evaluate_all("(nodes) => nodes.map((n) => n.dataset.name)")
    )


def show_sidebar(nb: NotebookPage) -> None:
    nb.page.evaluate("() => window.jupyterapp.commands.execute('taskbook:show-runs')")


def test_the_sidebar_dag_shows_the_run_states_and_follows_the_active_notebook(
    notebook_page, lab_server
):
    nb = notebook_page(FIRST, "dag_first")
    show_sidebar(nb)
    # Before any run: the saved file's tasks, none in a state.
    node(nb, "dag_first.ipynb", "total").wait_for()
    assert names(nb, "dag_first.ipynb") == ["load", "double", "total"]
    assert node(nb, "dag_first.ipynb", "load", "COMPLETED").count() == 0

    nb.panel().locator(
        ".taskbook-toolbar-button[data-command='taskbook:run-flow']"
    ).click()
    # The run's end refreshes the drawing: every node in the completed colour.
    completed = state_style("COMPLETED", "Completed").color
    for task in ("load", "double", "total"):
        box = node(nb, "dag_first.ipynb", task, "COMPLETED").locator("rect")
        box.wait_for()
        assert box.get_attribute("fill") == completed
    svg = dag(nb, "dag_first.ipynb")
    assert svg.get_attribute("width") == "100%"
    assert svg.get_attribute("viewBox")
    panel_width = nb.page.locator("#taskbook-runs").evaluate("(e) => e.clientWidth")
    assert 0 < svg.evaluate("(e) => e.getBoundingClientRect().width") <= panel_width
    nb.screenshot("dag-first-completed")

    # A second notebook opened beside the first: the sidebar draws its DAG.
    import nbformat

    second = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(source) for source in SECOND]
    )
    # With a kernelspec JupyterLab starts the kernel without asking.
    second.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nbformat.write(second, lab_server.root / "dag_second.ipynb")
    nb.page.evaluate(
        "() => window.jupyterapp.commands.execute("
        "'docmanager:open', {path: 'dag_second.ipynb'})"
    )
    node(nb, "dag_second.ipynb", "count").wait_for()
    assert names(nb, "dag_second.ipynb") == ["fetch", "count"]
    assert node(nb, "dag_second.ipynb", "fetch", "COMPLETED").count() == 0
    nb.screenshot("dag-second-notebook")

    # Back to the first tab: its DAG again, still in the recorded states.
    nb._js("app.shell.activateById(panel.id);")
    node(nb, "dag_first.ipynb", "total", "COMPLETED").wait_for()
    assert names(nb, "dag_first.ipynb") == ["load", "double", "total"]
    assert nb.errors() == []


def test_a_notebook_without_task_cells_and_an_unreadable_one_show_one_line(
    notebook_page, lab_server
):
    import nbformat

    nb = notebook_page([nbformat.v4.new_markdown_cell("# notes only")], "dag_notes")
    show_sidebar(nb)
    note = nb.page.locator(
        "#taskbook-runs .taskbook-dag[data-path='dag_notes.ipynb'][data-status='empty']"
    )
    note.wait_for()
    assert note.inner_text().strip() == "No task cells in this notebook."
    nb.screenshot("dag-no-task-cells")

    # The file on disk turns unreadable; a save-less refresh (kernel restart) shows it.
    (lab_server.root / "dag_notes.ipynb").write_text("{not json")
    nb._js("await panel.sessionContext.session.kernel.restart();")
    error = nb.page.locator(
        "#taskbook-runs .taskbook-dag[data-path='dag_notes.ipynb'][data-status='error']"
    )
    error.wait_for()
    text = error.inner_text().strip()
    assert text.startswith("Could not draw the DAG:")
    assert "dag_notes.ipynb" in text
    assert "\n" not in text
    assert "Traceback" not in text
    # One line in the panel: the rest of a long message is on hover.
    line = error.locator(".taskbook-dag-note")
    assert line.evaluate("(e) => getComputedStyle(e).whiteSpace") == "nowrap"
    assert line.get_attribute("title") == text
    nb.screenshot("dag-unreadable")
