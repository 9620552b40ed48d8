"""Errors where they belong, in a real JupyterLab (issue 12, items 2, 4, 5, 6, 8).

- A bad ``%%task`` line fails its own cell, named by the number JupyterLab's status
  bar shows for it ("Cell N/M"); the other cells and ``%flow run`` still work.
- Status lines end in the final state and its reason (interrupt, cycle, missing
  input), never "Running".
- ``%flow run`` after editing and running a cell without saving runs what the user
  sees (the extension sends the editor's cells, and the run says so).
- INFO log lines are not shown in the stderr style; a failing flow's traceback has
  the user's frames only.
Screenshots go to ``test-artifacts/browser/``.
"""

from __future__ import annotations

import re
from typing import Any

import nbformat
import pytest

pytestmark = pytest.mark.browser

LOAD = "%load_ext taskbook"
STDERR = '[data-mime-type="application/vnd.jupyter.stderr"]'
STDOUT = '[data-mime-type="application/vnd.jupyter.stdout"]'


def status(nb: Any, index: int, name: str, state: str) -> Any:
    """Wait until cell ``index`` shows task ``name``'s status line in ``state``."""
    selector = f'.taskbook-status[data-name="{name}"][data-state="{state}"]'
    return nb.wait_in_output(index, selector)


def position_shown(nb: Any, index: int) -> str:
    """Make cell ``index`` active; return what JupyterLab's status bar shows."""
    nb.page.evaluate(
        """([path, index]) => {
            const panel = Array.from(window.jupyterapp.shell.widgets('main')).find(
                (w) => w.context && w.context.path === path);
            panel.content.activeCellIndex = index;
        }""",
        [nb.name, index],
    )
    item = nb.page.locator("#jp-main-statusbar").get_by_text(
        re.compile(r"^Cell \d+/\d+$")
    )
    return str(item.inner_text())


def test_a_bad_task_line_fails_its_own_cell_named_as_jupyterlab_numbers_it(
    notebook_page: Any,
) -> None:
    nb = notebook_page(
        [
            LOAD,
            nbformat.v4.new_markdown_cell("# Orders"),
            "base = 2",
            "%%task broken --retires 2\nbad = base + 1",
            "%%task fine\ngood = base * 10",
            "%flow run --no-view",
        ],
        "bad_header",
    )
    for index in (0, 2, 3, 4, 5):
        nb.run_cell(index)

    line = status(nb, 3, "broken", "FAILED").inner_text()
    assert "Cell 4 (%%task broken --retires 2): Unknown option '--retires'" in line
    assert "Did you mean --retries?" in line
    assert "Pass --after" not in line
    status(nb, 4, "fine", "COMPLETED")
    summary = nb.output(5).inner_text()
    assert "Flow run Failed" in summary
    assert re.search(r"fine\s+\S+ Cached", summary), summary
    assert re.search(r"broken\s+\S+ Failed", summary), summary
    # "Cell 4" is the number JupyterLab's status bar shows for that cell.
    assert position_shown(nb, 3) == "Cell 4/6"
    nb.screenshot("bad-header")


def test_status_lines_end_in_the_final_state_and_its_reason(
    notebook_page: Any, lab_server: Any
) -> None:
    # A cycle: each cell's line ends Failed, naming it.
    cycle = notebook_page(
        [LOAD, "%%task a --after b\nx = 1", "%%task b --after a\ny = 1"], "cycle"
    )
    for index in range(3):
        cycle.run_cell(index)
    for index, name in ((1, "a"), (2, "b")):
        line = status(cycle, index, name, "FAILED").inner_text()
        assert "DependencyCycleError: Dependency cycle detected: a -> b -> a." in line
    cycle.screenshot("cycle")

    # A missing input ends NotReady with its reason; an interrupt, Cancelled.
    started = lab_server.root / "slow.started"
    nb = notebook_page(
        [
            LOAD,
            "%%task use\ndoubled = nothing_here * 2",
            "%%task slow --no-cache\nimport pathlib, time\n"
            f"pathlib.Path({str(started)!r}).touch()\n"
            "for _ in range(600):\n    time.sleep(0.1)",
        ],
        "final_states",
    )
    nb.run_cell(0)
    nb.run_cell(1)
    nb.run_cell(2, wait=False)
    status(nb, 2, "slow", "RUNNING")
    for _ in range(600):  # until the task's code runs (a busy machine is slow)
        if started.exists():
            break
        nb.page.wait_for_timeout(100)
    assert started.exists(), "the slow task never started"
    nb.page.evaluate(
        "() => window.jupyterapp.commands.execute('notebook:interrupt-kernel')"
    )
    nb.wait_idle()

    line = status(nb, 2, "slow", "CANCELLED").inner_text()
    assert "slow: Cancelled — The task run was cancelled by an interrupt." in line
    line = status(nb, 1, "use", "PENDING").inner_text()
    assert "use: not run — Task 'use' (cell 2) reads 'nothing_here'" in line
    for index in (1, 2):
        assert "Running" not in nb.output(index).inner_text()
    nb.screenshot("final-states")


def words(text: str) -> str:
    """Text with runs of whitespace as one space (a print may span output blocks)."""
    return " ".join(text.split())


def set_source(nb: Any, index: int, text: str) -> None:
    """Replace cell ``index``'s text in the editor, as typing would (not saved)."""
    nb.page.evaluate(
        """([path, index, text]) => {
            const panel = Array.from(window.jupyterapp.shell.widgets('main')).find(
                (w) => w.context && w.context.path === path);
            panel.content.widgets[index].model.sharedModel.setSource(text);
        }""",
        [nb.name, index, text],
    )


def test_flow_run_runs_the_cells_as_edited_and_run_and_says_where_they_came_from(
    notebook_page: Any,
) -> None:
    nb = notebook_page(
        [
            LOAD,
            nbformat.v4.new_markdown_cell("# Orders"),
            "%%task make\nx = 1\nprint('x is', x)",
            "%%task scale\ny = x * 10\nprint('y is', y)",
            "%flow run --no-view",
        ],
        "unsaved_edit",
    )
    nb.run_all()
    assert "y is 10" in words(nb.output(3).inner_text())
    saved = nb.path.read_text()

    # Edit the first task and run it, without saving; then run the flow.
    set_source(nb, 2, "%%task make\nx = 2\nprint('x is', x)")
    nb.run_cell(2)
    nb.run_cell(4)

    flow = nb.output(4).inner_text()
    # The extension sends the editor's cells with the run; without it the kernel
    # merges the saved file with what it last ran (tests/jupyter/test_unsaved_cells).
    assert (
        "Running the notebook's cells from the notebook open in JupyterLab "
        "(the editor's cells, saved or not)."
    ) in flow
    assert re.search(r"make\s+\S+ Cached", flow), flow  # as just run by hand
    assert re.search(r"scale\s+\S+ Completed", flow), flow  # reran on x = 2
    assert "y is 20" in words(nb.output(3).inner_text())  # in the task's own cell
    assert nb.path.read_text() == saved  # nothing was saved
    nb.screenshot("unsaved-edit")


FAILING_FLOW = (
    "from taskbook import flow, task, get_run_logger\n"
    "@task\n"
    "def load():\n"
    "    get_run_logger().info('loaded %d rows', 3)\n"
    "    return [1, 2, 'x']\n"
    "@task\n"
    "def total(rows):\n"
    "    return sum(rows)\n"
    "@flow\n"
    "def etl():\n"
    "    return total(load())\n"
    "etl()"
)


def test_errors_show_where_and_as_jupyter_shows_them(notebook_page: Any) -> None:
    nb = notebook_page(
        [
            LOAD,
            "%%task a\nx = 1",
            "%flow run --only nosuch",
            "%%params\nn: int = 'abc'",
            "%config TaskbookMagics.live_view = False\n" + FAILING_FLOW,
        ],
        "shown_errors",
    )
    for index in range(5):
        nb.run_cell(index)

    # --only nosuch: the error, and nothing drawn before it.
    only = nb.output(2)
    assert "UnknownTaskError: No task named 'nosuch'" in only.inner_text()
    assert only.locator(".taskbook-live, .js-plotly-plot, svg").count() == 0
    assert "Running the notebook" not in only.inner_text()
    # A parameter value that does not fit its declaration: one error, no traitlets.
    params = nb.output(3).inner_text()
    assert "ParameterValueError: The parameters cell sets n = 'abc'" in params
    assert "TraitError" not in params
    # The failing flow: INFO lines in the normal style, the user's frames only.
    flow = nb.output(4)
    info = re.compile(r"\| INFO +\| Task run 'load-0' - loaded 3 rows")
    assert flow.locator(STDERR, has_text=re.compile(r"\| INFO ")).count() == 0
    assert flow.locator(STDERR, has_text=re.compile(r"\| ERROR ")).count() == 1
    assert flow.locator(STDOUT, has_text=info).count() == 1
    text = flow.inner_text()
    assert "in total(rows)" in text
    assert "TypeError: unsupported operand type(s) for +: 'int' and 'str'" in text
    assert "taskbook/" not in text
    assert "frames inside taskbook hidden; %xmode --show shows them" in text
    nb.screenshot("shown-errors")
    flow.get_by_text("frames inside taskbook hidden").scroll_into_view_if_needed()
    nb.screenshot("shown-errors-traceback")
