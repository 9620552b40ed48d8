"""The JupyterLab extension in a real JupyterLab: badges, toolbar Run flow, runs sidebar.

Timing is controlled by the test: the gate task waits for a release file the test
creates, so "live during the run" is checked while the run is provably in flight.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Locator

    from conftest import NotebookPage

# A whole flow plus teardown on a loaded 2-core machine can pass 120 s.
pytestmark = pytest.mark.timeout(300)

FILLERS = 40  # enough cells that the last task is far out of view


def gate_cell(release: Path) -> str:
    return (
        "%%task gate\n"
        "import os, time\n"
        f"while not os.path.exists({str(release)!r}):\n"
        "    time.sleep(0.02)\n"
        "gated = 1\n"
    )


def badge(nb: NotebookPage, index: int) -> Locator:
    return nb.cell(index).locator(":scope > .taskbook-badge")


def toolbar_button(nb: NotebookPage, command: str) -> Locator:
    return nb.panel().locator(f".taskbook-toolbar-button[data-command='{command}']")


def set_windowing_full(nb: NotebookPage) -> None:
    nb._js(
        "panel.content.notebookConfig = "
        "{...panel.content.notebookConfig, windowingMode: 'full'};"
    )


def scroll_to_cell(nb: NotebookPage, index: int) -> None:
    nb._js(
        "await panel.content.scrollToItem(arg, 'center');"
        "panel.content.activeCellIndex = arg;",
        index,
    )


def test_badges_change_live_and_survive_scrolling_in_full_windowing_mode(
    notebook_page, tmp_path
):
    release = tmp_path / "release"
    fillers = [f"filler_{i} = {i}" for i in range(FILLERS)]
    nb = notebook_page(
        ["%load_ext taskbook", gate_cell(release), *fillers, "%%task tail\nt = gated"],
        "ext_badges",
    )
    tail = 2 + FILLERS
    set_windowing_full(nb)
    nb.run_cell(0)
    # The kernel sent the registry: task cells show a badge before any run.
    badge(nb, 1).wait_for()
    assert badge(nb, 1).get_attribute("data-state") == "NONE"
    assert badge(nb, 1).get_attribute("data-task") == "gate"

    toolbar_button(nb, "taskbook:run-flow").click()
    nb.page.locator(
        ".taskbook-badge[data-task='gate'][data-state='RUNNING']"
    ).wait_for()
    nb.screenshot("ext-badges-running")
    # Scroll the gate cell out of view and back: JupyterLab detaches it.
    scroll_to_cell(nb, tail)
    nb._wait_js("return !panel.content.widgets[1].inViewport;")
    assert badge(nb, tail).get_attribute("data-state") in ("NONE", "PENDING")
    scroll_to_cell(nb, 1)
    gate = badge(nb, 1)
    gate.wait_for()
    assert gate.get_attribute("data-state") == "RUNNING"

    release.write_text("go")
    nb.page.locator(
        ".taskbook-badge[data-task='gate'][data-state='COMPLETED']"
    ).wait_for()
    assert re.search(r"Completed · \d", gate.inner_text())
    scroll_to_cell(nb, tail)
    nb.page.locator(
        ".taskbook-badge[data-task='tail'][data-state='COMPLETED']"
    ).wait_for()
    nb.screenshot("ext-badges-completed-after-scroll")
    scroll_to_cell(nb, 1)
    assert badge(nb, 1).get_attribute("data-state") == "COMPLETED"
    assert nb.errors() == []


def test_toolbar_run_flow_runs_never_executed_cells_with_the_editors_unsaved_source(
    notebook_page, lab_server
):
    nb = notebook_page(
        [
            "base = 20",
            "%%task edited\nvalue = base + 1\nprint('value is', value)",
            "%%task after\nprint('after sees', value * 2)",
        ],
        "ext_unsaved",
    )
    # Edit the task in the editor, as typing would, and do not save.
    nb._js(
        "panel.content.model.cells.get(1).sharedModel.setSource("
        "\"%%task edited\\nvalue = base + 2\\nprint('value is', value)\");"
    )
    assert "base + 1" in (lab_server.root / "ext_unsaved.ipynb").read_text()
    toolbar_button(nb, "taskbook:run-flow").click()
    log = nb.page.locator("#taskbook-runs .taskbook-run-log")
    log.get_by_text("after sees 44").wait_for()
    text = log.inner_text()
    assert "value is 22" in text
    assert "the editor's cells, saved or not" in text
    for task in ("edited", "after"):
        nb.page.locator(
            f".taskbook-badge[data-task='{task}'][data-state='COMPLETED']"
        ).wait_for()
    nb.screenshot("ext-toolbar-run-unsaved")
    # Nothing was saved by the run.
    assert "base + 1" in (lab_server.root / "ext_unsaved.ipynb").read_text()
    assert nb.errors() == []


def test_the_runs_sidebar_lists_past_runs_after_a_page_reload(notebook_page):
    nb = notebook_page(["%%task one\nx = 1", "%%task two\ny = x + 1"], "ext_sidebar")
    toolbar_button(nb, "taskbook:run-flow").click()
    nb.page.locator(
        ".taskbook-badge[data-task='two'][data-state='COMPLETED']"
    ).wait_for()
    nb.open()  # a page reload: the same notebook, the kernel still running
    nb.page.evaluate("() => window.jupyterapp.commands.execute('taskbook:show-runs')")
    runs = nb.page.locator("#taskbook-runs li[data-run-id]")
    runs.first.wait_for()
    assert "Runs of ext_sidebar.ipynb" in nb.page.locator("#taskbook-runs").inner_text()
    assert runs.first.get_attribute("data-state") == "COMPLETED"
    assert "2 task runs" in runs.first.inner_text()
    # The badges came back too: from the kernel (still running) or the store.
    nb.page.locator(
        ".taskbook-badge[data-task='two'][data-state='COMPLETED']"
    ).wait_for()
    nb.screenshot("ext-sidebar-after-reload")
    assert nb.errors() == []


def completed(nb: NotebookPage, task: str) -> Locator:
    return nb.page.locator(
        f".taskbook-badge[data-task='{task}'][data-state='COMPLETED']"
    )


def test_an_edit_marks_the_task_stale_and_run_downstream_runs_from_the_active_cell(
    notebook_page,
):
    nb = notebook_page(
        [
            "%%task first\nprint('first ran')\na = 1",
            "%%task second\nb = a + 1",
            "%%task third\nprint('third sees', b + 1)",
        ],
        "ext_stale",
    )
    toolbar_button(nb, "taskbook:run-flow").click()
    completed(nb, "third").wait_for()
    assert badge(nb, 1).get_attribute("data-stale") == "false"
    nb._js(
        "panel.content.model.cells.get(1).sharedModel.setSource("
        "'%%task second\\nb = a + 10');"
    )
    nb.page.locator(".taskbook-badge[data-task='second'][data-stale='true']").wait_for()
    assert "stale" in badge(nb, 1).inner_text()
    assert badge(nb, 2).get_attribute("data-stale") == "false"
    nb.screenshot("ext-stale-after-edit")
    badge(nb, 1).click()  # the task's details
    dialog = nb.page.locator(".jp-Dialog")
    dialog.get_by_text("taskbook: second").wait_for()
    assert "Stale: yes" in dialog.inner_text()
    dialog.get_by_role("button", name="Ok").click()
    dialog.wait_for(state="detached")
    nb._js("panel.content.activeCellIndex = 1;")
    toolbar_button(nb, "taskbook:run-downstream").click()
    log = nb.page.locator("#taskbook-runs .taskbook-run-log")
    log.get_by_text("third sees 12").wait_for()
    assert "first ran" not in log.inner_text()  # upstream of the active cell
    nb.page.locator(
        ".taskbook-badge[data-task='second'][data-stale='false']"
    ).wait_for()
    assert nb.errors() == []


def test_after_a_kernel_restart_badges_show_the_last_recorded_states(notebook_page):
    nb = notebook_page(["%%task kept\nk = 1", "%%task also\nm = k + 1"], "ext_restart")
    toolbar_button(nb, "taskbook:run-flow").click()
    completed(nb, "also").wait_for()
    nb._js(
        "window.__restarted = false;"
        "panel.sessionContext.statusChanged.connect((_, s) => {"
        "  if (s === 'restarting') window.__restarted = true; });"
        "await panel.sessionContext.session.kernel.restart();"
    )
    nb.wait_idle()
    assert nb.page.evaluate("window.__restarted")
    # The new kernel has not loaded taskbook: the states come from the store.
    completed(nb, "kept").wait_for()
    completed(nb, "also").wait_for()
    nb.screenshot("ext-badges-after-restart")
    assert nb.errors() == []


def test_notebook7_shows_the_badges_and_the_run_flow_button(notebook7_page):
    nb = notebook7_page(["%%task one\nx = 1", "%%task two\ny = x + 1"], "nb7_ext")
    assert nb.page.evaluate("() => window.jupyterapp.name") == "Jupyter Notebook"
    # Before any run: the saved file's tasks, from the server extension.
    badge(nb, 0).wait_for()
    assert badge(nb, 0).get_attribute("data-state") == "NONE"
    toolbar_button(nb, "taskbook:run-flow").click()
    completed(nb, "two").wait_for()
    completed(nb, "one").wait_for()
    nb.screenshot("ext-notebook7-badges")
    # Notebook 7.6 itself logs "reading 'schema'" on load, with or without taskbook.
    assert not [e for e in nb.errors() if "taskbook" in e.lower()]
