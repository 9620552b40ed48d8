"""The JupyterLab extension in a real JupyterLab: badges, toolbar Run flow, runs sidebar.

Timing is controlled by the test: the gate task waits for a release file the test
creates, so "live during the run" is checked while the run is provably in flight.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import NotebookPage
    from playwright.sync_api import Locator

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
    nb.page.locator(".taskbook-badge[data-task='gate'][data-state='RUNNING']").wait_for()
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
