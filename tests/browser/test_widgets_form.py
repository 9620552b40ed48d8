"""The parameter form in a real JupyterLab: a changed value marks the cells it
reaches stale in the graph, and Run reruns exactly those through ``%flow run``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from controls import set_slider

pytestmark = pytest.mark.browser

FORM_ONLY = """\
from taskbook.core.graph import CellInput
from taskbook.core.graph_builder import build_notebook_graph
from taskbook.core.parameter_parsing import parse_parameters
from taskbook.widgets import ParameterForm

PARAMS = "n: int = Param(3, min=1, max=10)\\nlabel = 'run'\\n"
cells = [
    ("params", "params", PARAMS),
    ("load", "task", "rows = list(range(n))"),
    ("total", "task", "s = sum(rows)"),
    ("other", "task", "k = 42"),
    ("report", "task", "text = f'{label}: {s}'"),
]
graph = build_notebook_graph(
    [CellInput(cid, i, src, kind, cid) for i, (cid, kind, src) in enumerate(cells)]
)
form = ParameterForm(
    parse_parameters(PARAMS),
    graph,
    on_run=lambda values, stale: print("on_run", values, stale),
)
form
"""

SUB_TEXTS = """(root) => Object.fromEntries(
    Array.from(root.querySelectorAll('g.tb-node')).map(
        (g) => [g.dataset.nodeId, g.querySelector('text.tb-sub').textContent]))"""


def test_changing_a_parameter_marks_the_cells_it_reaches_stale(
    notebook_page: Any,
) -> None:
    nb = notebook_page([FORM_ONLY], "form")
    nb.run_cell(0)
    output = nb.output(0)
    nb.wait_in_output(0, "g.tb-node")
    assert output.locator(".tb-stale-note").inner_text() == "Nothing is stale."

    set_slider(output, 7)
    note = output.locator(".tb-stale-note", has_text="Will rerun")
    note.wait_for()
    assert note.inner_text() == "Will rerun: load, total, report"
    subs = output.evaluate(SUB_TEXTS)
    assert {k for k, v in subs.items() if v.startswith("stale")} == {
        "load",
        "total",
        "report",
    }
    dashed = output.locator('g.tb-node[data-node-id="load"] rect[stroke-dasharray]')
    assert dashed.count() == 1
    nb.screenshot("stale")

    output.get_by_role("button", name="Run").click()
    printed = output.locator(".jp-OutputArea-output", has_text="on_run")
    printed.wait_for()
    assert "'n': 7" in printed.inner_text()
    assert "('load', 'total', 'report')" in printed.inner_text()
    output.locator(".tb-stale-note", has_text="Nothing is stale.").wait_for()


NOTEBOOK = [
    "%load_ext taskbook",
    "%%params\nn = 3",
    "%%task load\nimport time\ntime.sleep(1)\nrows = list(range(n))",
    "%%task total\ns = sum(rows)",
    "%%task other\nk = 42",
    'print("s =", s, "k =", k)',
]


def test_run_reruns_only_the_stale_cells_with_the_new_value(notebook_page: Any) -> None:
    nb = notebook_page(NOTEBOOK, "form_flow")
    for index in range(len(NOTEBOOK) - 1):
        nb.run_cell(index)
    # The %%params cell shows its form under its status line.
    form = nb.output(1)
    nb.wait_in_output(1, "g.tb-node")
    nb.screenshot("form")

    field = form.locator(".widget-text input").first
    field.fill("5")
    field.press("Enter")
    form.locator(".tb-stale-note", has_text="Will rerun: load, total").wait_for()

    form.get_by_role("button", name="Run").click()
    # The live view of the rerun appears under the form, then turns static.
    graph = form.locator(".taskbook-run svg.tb-graph")
    graph.wait_for(timeout=60_000)
    states = form.evaluate(
        """(root) => Object.fromEntries(Array.from(
            root.querySelectorAll('.taskbook-run g.tb-node')).map(
            (g) => [g.querySelector('text.tb-label').textContent, g.dataset.state]))"""
    )
    # Stale: load and total (they read n) and the last cell (it prints s); the
    # parameters cell runs too, to apply the form's value.
    ran = {name for name, state in states.items() if state}
    assert ran == {"params", "load", "total", "cell-6"}
    assert states["other"] == ""  # reads no parameter: not part of the rerun
    assert (
        "4 task runs: 4 Completed"
        in form.locator(".taskbook-run .tb-header").inner_text()
    )
    # The form's own graph shows what the cells' last runs left, none "not run";
    # its record (saved with the notebook) flags n as not the cell's value.
    form_nodes = form.evaluate(
        """(root) => Object.fromEntries(Array.from(
            root.querySelectorAll('.taskbook-params g.tb-node')).map(
            (g) => [g.querySelector('text.tb-label').textContent, g.dataset.state]))"""
    )
    assert set(form_nodes) == {"params", "load", "total", "other", "cell-6"}
    assert set(form_nodes.values()) == {"COMPLETED"}, form_nodes
    assert "n = 5 (the cell says 3)" in form.locator(".tb-differs-note").inner_text()
    record = form.locator(".taskbook-form-record tr[data-differs='true']")
    assert record.inner_text().startswith("n\t5")
    nb.screenshot("rerun")

    # Saved, the notebook keeps the record with the form's values in its metadata
    # (the next form of the cell starts from them: tests/jupyter/test_views.py).
    saved = json.loads(nb.save().read_text())
    records = [
        output["metadata"]["taskbook"]["form"]["values"]
        for output in saved["cells"][1]["outputs"]
        if "taskbook" in output.get("metadata", {})
    ]
    assert records == [{"n": 5}]

    # The kernel agrees: total was recomputed from n = 5, other kept its value.
    nb.run_cell(5)
    assert nb.output(5).inner_text().strip() == "s = 10 k = 42"
