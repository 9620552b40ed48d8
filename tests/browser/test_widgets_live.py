"""The live view in a real JupyterLab: graph and Gantt update while a flow runs,
and the static copy is what a saved notebook shows without a kernel.

A notebook cell defines a chain of five ``@task``s in a plain ``@flow``, each
waiting until the test releases it; another calls the flow: with ``%load_ext
taskbook`` the call shows the live view by default. ``%flow run`` shows it for the notebook's own cells. Screenshots go to
``test-artifacts/browser/`` (mid-run, end, reloaded without a kernel).
"""

from __future__ import annotations

from typing import Any

import pytest
from five_tasks import NODES, Gates, node_states, states_selector

pytestmark = pytest.mark.browser

LOAD = "%load_ext taskbook"
RUN = "five()"  # the extension shows the live view of a flow a cell calls


def test_graph_and_gantt_update_live_then_stay_as_static_html(
    notebook_page: Any, lab_server: Any
) -> None:
    gates = Gates(lab_server.root, "live_view")
    nb = notebook_page([LOAD, gates.define, RUN], "live_view")
    nb.run_cell(0)
    nb.run_cell(1)
    nb.run_cell(2, wait=False)
    output = nb.output(2)

    # Mid-run: t1 and t2 released and done, t3 running, in the live widget.
    done = 2
    gates.release("t1", "t2")
    nb.wait_in_output(2, states_selector(done, ".taskbook-live"))
    mid = node_states(output)
    running_cell = nb.cell(2).evaluate(
        "(c) => c.querySelector('.jp-InputPrompt').textContent"
    )
    mid_shot = nb.screenshot("mid-run")
    assert "[*]" in running_cell  # the cell is still executing
    assert output.locator(".taskbook-live").count() == 1
    mid_states = [mid[n][0] for n in NODES]
    assert mid_states == ["COMPLETED"] * done + ["RUNNING"] + ["PENDING"] * (4 - done)
    running_node = NODES[done]
    gantt_rows = output.locator(
        ".js-plotly-plot .yaxislayer-above .ytick text"
    ).all_text_contents()
    # Every task run has its row from the start (the flow submits all five).
    assert sorted(gantt_rows) == ["t1", "t2", "t3", "t4", "t5"]
    assert output.locator(".js-plotly-plot .barlayer .point").count() >= 5

    # The end: the live widget was replaced by the static copy.
    gates.release_all()
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
while not (GATES / "other").exists():  # released by the test
    time.sleep(0.02)
print("other cell done")
"""


def test_a_background_run_updates_its_own_cell_while_another_cell_runs(
    notebook_page: Any, lab_server: Any
) -> None:
    gates = Gates(lab_server.root, "live_background")
    nb = notebook_page([gates.define, BACKGROUND, OTHER_CELL], "live_background")
    nb.run_cell(0)
    nb.run_cell(1)  # returns at once; the flow runs in a thread
    nb.run_cell(2, wait=False)

    # While cell 2 executes, the view in cell 1 keeps changing.
    nb.wait_in_output(1, states_selector(0))
    gates.release("t1")
    nb.wait_in_output(1, states_selector(1))
    mid = node_states(nb.output(1))
    assert nb.is_running(2)
    assert [state for state, _ in mid.values()].count("RUNNING") == 1
    nb.screenshot("background-mid-run")
    assert nb.output(2).locator("g.tb-node").count() == 0  # nothing leaks into cell 2

    # The run ends while cell 2 still runs: the view turns static all the same.
    gates.release_all()
    nb.wait_in_output(1, ".taskbook-run svg.tb-graph")
    assert nb.is_running(2)
    gates.release("other")
    nb.wait_idle()
    assert [node_states(nb.output(1))[n][0] for n in NODES] == ["COMPLETED"] * 5
    # The flow's own log lines come from a thread the user started, which has no
    # cell of its own (ipykernel sends them to the latest cell); the view did not.
    assert nb.output(2).inner_text().strip().endswith("other cell done")
    nb.screenshot("background-end")


def gated_cell(name: str, gates: Gates, body: str) -> str:
    """A task cell that waits until the test releases it, then runs ``body``."""
    return (
        f"%%task {name}\nimport pathlib, time\n"
        f"while not pathlib.Path({str(gates.folder / name)!r}).exists():\n"
        f"    time.sleep(0.02)\n{body}"
    )


def test_flow_run_shows_the_notebook_graph_live_by_default(
    notebook_page: Any, lab_server: Any
) -> None:
    gates = Gates(lab_server.root, "flow_run_view")
    cells = [
        LOAD,
        gated_cell("first", gates, "a = 1"),
        gated_cell("second", gates, "b = a + 1"),
        gated_cell("third", gates, "c = b + 1"),
        "%flow run",
    ]
    nb = notebook_page(cells, "flow_run_view")
    nb.run_cell(0)
    # The cells were never run here: %flow run reads the file.
    nb.run_cell(4, wait=False)
    output = nb.output(4)
    nb.wait_in_output(4, '.taskbook-live g.tb-node[data-state="RUNNING"]')
    labels = output.evaluate(
        """(root) => Object.fromEntries(Array.from(root.querySelectorAll('g.tb-node'))
            .map((g) => [g.querySelector('text.tb-label').textContent, g.dataset.state]))"""
    )
    assert {"first", "second", "third"} <= set(labels)
    assert labels["first"] == "RUNNING"
    assert list(labels.values()).count("RUNNING") == 1
    nb.screenshot("mid-run")
    gates.release("first", "second", "third")

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
