"""The live view in a real JupyterLab: graph and Gantt update while a flow runs,
and the static copy is what a saved notebook shows without a kernel.

A notebook cell defines a chain of five 1-second ``@task``s in a plain ``@flow``;
another calls the flow: with ``%load_ext taskbook`` the call shows the live view by
default. ``%flow run`` shows it for the notebook's own cells. Screenshots go to
``test-artifacts/browser/`` (mid-run, end, reloaded without a kernel).
"""

from __future__ import annotations

from typing import Any

import pytest
from five_tasks import DEFINE, NODES, node_states

pytestmark = pytest.mark.browser

LOAD = "%load_ext taskbook"
RUN = "five()"  # the extension shows the live view of a flow a cell calls


def test_graph_and_gantt_update_live_then_stay_as_static_html(
    notebook_page: Any,
) -> None:
    nb = notebook_page([LOAD, DEFINE, RUN], "live_view")
    nb.run_cell(0)
    nb.run_cell(1)
    nb.run_cell(2, wait=False)
    output = nb.output(2)

    # Mid-run: some tasks are done and the next one is running, in the live widget.
    # Which one depends on the machine's speed; a busy CI box may catch t2 or t4.
    nb.wait_in_output(
        2,
        'g.tb-node[data-state="COMPLETED"] ~ g.tb-node[data-state="RUNNING"], '
        'g.tb-node[data-state="RUNNING"]:not([data-node-id="task:t1"])',
        30_000,
    )
    mid = node_states(output)
    running_cell = nb.cell(2).evaluate(
        "(c) => c.querySelector('.jp-InputPrompt').textContent"
    )
    mid_shot = nb.screenshot("mid-run")
    assert "[*]" in running_cell  # the cell is still executing
    assert output.locator(".taskbook-live").count() == 1
    mid_states = [mid[n][0] for n in NODES]
    done = mid_states.count("COMPLETED")
    assert 1 <= done <= 3, mid_states
    assert mid_states == ["COMPLETED"] * done + ["RUNNING"] + ["PENDING"] * (4 - done)
    running_node = NODES[done]
    gantt_rows = output.locator(
        ".js-plotly-plot .yaxislayer-above .ytick text"
    ).all_text_contents()
    # Every task run has its row from the start (the flow submits all five).
    assert sorted(gantt_rows) == ["t1-0", "t2-1", "t3-2", "t4-3", "t5-4"]
    assert output.locator(".js-plotly-plot .barlayer .point").count() >= 5

    # The end: the live widget was replaced by the static copy.
    nb.wait_idle()
    nb.wait_in_output(2, ".taskbook-run svg.tb-graph")
    end = node_states(output)
    end_shot = nb.screenshot("end")
    assert output.locator(".taskbook-live").count() == 0
    assert [end[n][0] for n in NODES] == ["COMPLETED"] * 5
    changed = {n for n in NODES if mid[n] != end[n]}
    assert changed == set(NODES[done:])
    assert mid[running_node][1] == "#2563eb"  # running blue
    assert end[running_node][1] == "#16a34a"  # completed green
    assert output.locator("svg.tb-gantt g.tb-row").count() == 5
    assert mid_shot.read_bytes() != end_shot.read_bytes()
    assert "'t5'" in output.inner_text()  # the flow's value is still the cell's result

    # Saved and reopened with no kernel: the static HTML is still there.
    nb.save()
    nb.reopen_without_kernel()
    reloaded = nb.output(2)
    reloaded.locator(".taskbook-run svg.tb-graph g.tb-node").first.wait_for()
    assert node_states(reloaded) == end
    assert reloaded.locator("svg.tb-gantt g.tb-row").count() == 5
    assert reloaded.locator("details.tb-node-details").count() == 5
    nb.screenshot("reloaded-without-kernel")
    assert not [e for e in nb.errors() if "taskbook" in e]


BACKGROUND = """\
import threading
view = LiveView(host=kernel_host(get_ipython())).attach()
threading.Thread(target=five).start()
"""

OTHER_CELL = """\
time.sleep(7)
print("other cell done")
"""


def test_a_background_run_updates_its_own_cell_while_another_cell_runs(
    notebook_page: Any,
) -> None:
    nb = notebook_page([DEFINE, BACKGROUND, OTHER_CELL], "live_background")
    nb.run_cell(0)
    nb.run_cell(1)  # returns at once; the flow runs in a thread
    nb.run_cell(2, wait=False)

    # While cell 2 executes, the view in cell 1 keeps changing.
    nb.wait_in_output(1, 'g.tb-node[data-state="RUNNING"]', 20_000)
    mid = node_states(nb.output(1))
    running = nb.cell(2).evaluate(
        "(c) => c.querySelector('.jp-InputPrompt').textContent"
    )
    assert "[*]" in running
    assert [state for state, _ in mid.values()].count("RUNNING") == 1
    nb.screenshot("background-mid-run")
    assert nb.output(2).locator("g.tb-node").count() == 0  # nothing leaks into cell 2

    nb.wait_idle()
    nb.wait_in_output(1, ".taskbook-run svg.tb-graph", 20_000)
    assert [node_states(nb.output(1))[n][0] for n in NODES] == ["COMPLETED"] * 5
    # The flow's own log lines come from a thread the user started, which has no
    # cell of its own (ipykernel sends them to the latest cell); the view did not.
    assert nb.output(2).inner_text().strip().endswith("other cell done")
    nb.screenshot("background-end")


NOTEBOOK_FLOW = [
    LOAD,
    "%%task first\nimport time\ntime.sleep(1)\na = 1",
    "%%task second\ntime.sleep(1)\nb = a + 1",
    "%%task third\ntime.sleep(1)\nc = b + 1",
    "%flow run",
]


def test_flow_run_shows_the_notebook_graph_live_by_default(notebook_page: Any) -> None:
    nb = notebook_page(NOTEBOOK_FLOW, "flow_run_view")
    nb.run_cell(0)
    nb.run_cell(
        4, wait=False
    )  # the cells were never run here: %flow run reads the file
    output = nb.output(4)
    nb.wait_in_output(4, '.taskbook-live g.tb-node[data-state="RUNNING"]', 30_000)
    labels = output.evaluate(
        """(root) => Object.fromEntries(Array.from(root.querySelectorAll('g.tb-node'))
            .map((g) => [g.querySelector('text.tb-label').textContent, g.dataset.state]))"""
    )
    assert {"first", "second", "third"} <= set(labels)
    assert list(labels.values()).count("RUNNING") == 1
    nb.screenshot("mid-run")

    nb.wait_idle()
    nb.wait_in_output(4, ".taskbook-run svg.tb-graph")
    assert output.locator(".taskbook-live").count() == 0
    done = output.evaluate(
        """(root) => Array.from(root.querySelectorAll('.taskbook-run g.tb-node'))
            .map((g) => g.dataset.state)"""
    )
    assert done.count("COMPLETED") == 3
    assert output.locator("svg.tb-gantt g.tb-row").count() == 3
    assert "Flow run Completed" in output.inner_text()
    nb.screenshot("end")
