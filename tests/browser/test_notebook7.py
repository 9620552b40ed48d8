"""The live view in Notebook 7 (``jupyter notebook``), not only in JupyterLab.

DESIGN §6: the views are plain ipywidgets, anywidget and plotly, so they work in
Notebook 7 too. A cell defines a chain of five ``@task``s in a ``@flow``, each
waiting until the test releases it; the next cell attaches a ``LiveView``
explicitly (no ``%load_ext``) and calls the flow, run with Shift+Enter as a user
would. Screenshots go to ``test-artifacts/browser/`` (mid-run, end, reopened
without a kernel).
"""

from __future__ import annotations

from typing import Any

import pytest
from five_tasks import NODES, Gates, node_states, states_selector

pytestmark = pytest.mark.browser

RUN = """\
from taskbook.widgets import LiveView, kernel_host
LiveView(host=kernel_host(get_ipython())).attach()
five()
"""


def test_live_graph_and_gantt_then_static_copy_in_notebook7(
    notebook7_page: Any, notebook7_server: Any
) -> None:
    gates = Gates(notebook7_server.root, "nb7_live_view")
    nb = notebook7_page([gates.define, RUN], "nb7_live_view")
    # Notebook 7's own page, not JupyterLab: its URL and its application.
    assert "/notebooks/nb7_live_view.ipynb" in nb.page.url
    assert nb.page.evaluate("() => window.jupyterapp.name") == "Jupyter Notebook"
    nb.run_cell(0)
    # The run cell: select it, then Shift+Enter in its editor.
    nb.cell(1).locator(".jp-InputArea-editor").click()
    nb.page.keyboard.press("Shift+Enter")
    nb.page.mouse.move(0, 0)  # no hover toolbar over the Gantt in the screenshots
    output = nb.output(1)

    # Mid-run, in the live anywidget graph: t1 and t2 released and done, t3 running.
    gates.release("t1", "t2")
    done = 2
    nb.wait_in_output(1, states_selector(done, ".taskbook-live"))
    mid = node_states(output)
    assert nb.is_running(1)
    assert output.locator(".taskbook-live svg.tb-graph").count() == 1
    mid_states = [mid[n][0] for n in NODES]
    assert mid_states == ["COMPLETED"] * done + ["RUNNING"] + ["PENDING"] * (4 - done)
    # The plotly FigureWidget Gantt has a row per task run and its bars.
    output.locator(".js-plotly-plot .barlayer .point").first.wait_for()
    gantt_rows = output.locator(
        ".js-plotly-plot .yaxislayer-above .ytick text"
    ).all_text_contents()
    assert sorted(gantt_rows) == ["t1", "t2", "t3", "t4", "t5"]
    assert output.locator(".js-plotly-plot .barlayer .point").count() >= 5
    # Notebook 7 scrolls inside its panel, not the page: bring the cell into view.
    nb.cell(1).evaluate("(c) => c.scrollIntoView({block: 'start'})")
    mid_shot = nb.screenshot("mid-run")

    # The end: the live widgets were replaced by the static copy.
    gates.release_all()
    nb.wait_idle()
    nb.wait_in_output(1, ".taskbook-run svg.tb-graph")
    end = node_states(output)
    assert output.locator(".taskbook-live").count() == 0
    assert output.locator(".js-plotly-plot").count() == 0
    assert [end[n][0] for n in NODES] == ["COMPLETED"] * 5
    assert {n for n in NODES if mid[n] != end[n]} == set(NODES[done:])
    assert mid[NODES[done]][1] == "#2563eb"  # running blue
    assert end[NODES[done]][1] == "#16a34a"  # completed green
    assert output.locator(".tb-static-gantt svg.tb-gantt g.tb-row").count() == 5
    assert "'t5'" in output.inner_text()  # the flow's value is the cell's result
    nb.cell(1).evaluate("(c) => c.scrollIntoView({block: 'start'})")
    end_shot = nb.screenshot("end")
    assert mid_shot.read_bytes() != end_shot.read_bytes()

    # Saved and reopened in Notebook 7 with no kernel: the static copy is there.
    nb.save()
    nb.reopen_without_kernel()
    assert nb.lab.api("GET", "/api/sessions") == []
    reloaded = nb.output(1)
    reloaded.locator(".taskbook-run svg.tb-graph g.tb-node").first.wait_for()
    assert node_states(reloaded) == end
    assert reloaded.locator("svg.tb-gantt g.tb-row").count() == 5
    assert reloaded.locator("details.tb-node-details").count() == 5
    nb.cell(1).evaluate("(c) => c.scrollIntoView({block: 'start'})")
    nb.screenshot("reloaded-without-kernel")
    assert not [e for e in nb.errors() if "taskbook" in e.lower()]
