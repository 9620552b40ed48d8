"""The extension's Export as flow… and Schedule… in a real JupyterLab.

Each test clicks the toolbar button (or runs the palette's command), fills the
dialog, and checks the result where it lands: the module on disk, the schedule
in the store, and the notification that tells the user.
"""

from __future__ import annotations

import os
import py_compile
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Locator

    from conftest import LabServer, NotebookPage

pytestmark = pytest.mark.timeout(300)

CELLS = [
    "%%task load\nrows = [1, 2, 3]",
    "%%task total\nresult = sum(rows)\nprint('total is', result)",
]


def toolbar_button(nb: NotebookPage, command: str) -> Locator:
    return nb.panel().locator(f".taskbook-toolbar-button[data-command='{command}']")


def toast(nb: NotebookPage, kind: str, text: str) -> Locator:
    """The ``kind`` (success, error) notification containing ``text``, once shown."""
    found = nb.page.locator(f".Toastify__toast--{kind}", has_text=text).first
    found.wait_for()
    return found


def run_palette_command(nb: NotebookPage, label: str) -> None:
    nb.page.keyboard.press("Control+Shift+C")
    palette = nb.page.locator("#command-palette")
    palette.locator("input").fill(label)
    palette.locator(".lm-CommandPalette-item", has_text=label).first.click()


def test_toolbar_export_writes_the_editors_cells_as_a_module_next_to_the_notebook(
    notebook_page, lab_server
):
    nb = notebook_page(CELLS, "ext_export")
    # An unsaved edit and cells never run: the export takes the editor's cells.
    nb._js(
        "panel.content.model.cells.get(1).sharedModel.setSource("
        "\"%%task total\\nresult = sum(rows) * 2\\nprint('total is', result)\");"
    )
    toolbar_button(nb, "taskbook:export").click()
    dialog = nb.page.locator(".jp-Dialog")
    form = dialog.locator(".taskbook-export-form")
    form.wait_for()
    assert form.locator("input[name='path']").input_value() == "ext_export.py"
    assert form.locator("select[name='target']").input_value() == "taskbook"
    nb.screenshot("ext-export-dialog")
    dialog.get_by_role("button", name="Export").click()
    dialog.wait_for(state="detached")

    module = lab_server.root / "ext_export.py"
    toast(nb, "success", "Exported ext_export.ipynb (taskbook) to ext_export.py")
    nb.screenshot("ext-export-done")
    py_compile.compile(str(module), doraise=True)
    text = module.read_text()
    assert "from taskbook import flow, task" in text
    assert '@task(name="load"' in text
    assert '@task(name="total"' in text
    assert "sum(rows) * 2" in text  # the unsaved edit
    assert "sum(rows) * 2" not in (lab_server.root / "ext_export.ipynb").read_text()
    assert nb.errors() == []


def test_palette_export_to_prefect_takes_paths_relative_to_the_server_root(
    notebook_page, lab_server
):
    (lab_server.root / "ext_sub").mkdir()
    nb = notebook_page(CELLS, "ext_sub/ext_export_prefect")
    run_palette_command(nb, "Export as flow…")
    form = nb.page.locator(".jp-Dialog .taskbook-export-form")
    path = form.locator("input[name='path']")
    assert path.input_value() == "ext_sub/ext_export_prefect.py"
    form.locator("select[name='target']").select_option("prefect")
    path.fill("ext_prefect_flow.py")  # the root, outside the notebook's folder
    nb.page.locator(".jp-Dialog").get_by_role("button", name="Export").click()

    module = lab_server.root / "ext_prefect_flow.py"
    toast(nb, "success", "(prefect) to ext_prefect_flow.py")
    py_compile.compile(str(module), doraise=True)
    text = module.read_text()
    assert "from prefect import flow, task" in text
    assert '@task(name="load"' in text
    assert '@task(name="total"' in text
    assert not (lab_server.root / "ext_sub" / "ext_prefect_flow.py").exists()


def export_to(nb: NotebookPage, path: str) -> None:
    toolbar_button(nb, "taskbook:export").click()
    form = nb.page.locator(".jp-Dialog .taskbook-export-form")
    form.locator("input[name='path']").fill(path)
    nb.page.locator(".jp-Dialog").get_by_role("button", name="Export").click()


def test_an_export_outside_the_root_or_into_a_missing_folder_shows_why(notebook_page):
    nb = notebook_page(CELLS, "ext_export_error")
    export_to(nb, "../outside.py")
    toast(nb, "error", '"../outside.py" is not a file in the server root')
    assert not (nb.lab.root.parent / "outside.py").exists()

    export_to(nb, "no_such_folder/flow.py")
    failed = toast(nb, "error", "Export failed: Cannot write 'no_such_folder/flow.py'")
    assert "UsageError" not in failed.inner_text()
    nb.screenshot("ext-export-error")
    # The toast cuts long messages; Details shows the whole one.
    failed.get_by_role("button", name="Details").click()
    details = nb.page.locator(".jp-Dialog")
    details.get_by_text("does not exist").wait_for()
    assert "no_such_folder" in details.inner_text()
    assert not (nb.lab.root / "no_such_folder").exists()


def schedule_ls(lab: LabServer) -> str:
    env = {**os.environ, "TASKBOOK_HOME": str(lab.taskbook_home)}
    done = subprocess.run(
        [sys.executable, "-m", "taskbook.cli", "schedule", "ls"],
        env=env, cwd=lab.root, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout


def test_toolbar_schedule_adds_the_notebook_to_the_store(notebook_page, lab_server):
    nb = notebook_page(CELLS, "ext_schedule")
    toolbar_button(nb, "taskbook:schedule").click()
    form = nb.page.locator(".jp-Dialog .taskbook-schedule-form")
    assert form.locator("input[name='name']").input_value() == "ext_schedule"
    form.locator("input[name='when']").fill("0 6 * * *")
    form.locator("input[name='name']").fill("ext-nightly")
    nb.screenshot("ext-schedule-dialog")
    nb.page.locator(".jp-Dialog").get_by_role("button", name="Schedule").click()

    done = toast(nb, "success", "Scheduled ext-nightly. Next runs:")
    assert done.inner_text().count("06:00 UTC") == 3
    nb.screenshot("ext-schedule-done")
    listing = schedule_ls(lab_server)
    assert "ext-nightly" in listing
    assert "ext_schedule.ipynb" in listing


def test_a_bad_cron_expression_shows_the_error_and_stores_nothing(
    notebook_page, lab_server
):
    nb = notebook_page(CELLS, "ext_schedule_bad")
    toolbar_button(nb, "taskbook:schedule").click()
    form = nb.page.locator(".jp-Dialog .taskbook-schedule-form")
    form.locator("input[name='when']").fill("61 * * * *")
    form.locator("input[name='name']").fill("ext-bad")
    nb.page.locator(".jp-Dialog").get_by_role("button", name="Schedule").click()
    failed = toast(nb, "error", "Schedule failed")
    assert "Invalid cron expression '61 * * * *'" in failed.inner_text()
    assert "ext-bad" not in schedule_ls(lab_server)
