"""A saved notebook reopened: its views come back whole, without console errors.

The notebook shows a parameter form (a value changed twice, the cell's form shown
again), runs ``%flow run`` with its live view, and opens runs in ``%flow
history``. Reopened while its kernel runs, the page restores only the widgets
still shown (issue 12, item 15: a reopened notebook logged "[anywidget] Failed
to initialize model."); reopened after the kernel stopped, the form's record
shows the values, and running the parameters cell again brings the form back
with the values the notebook saved (item 12).
"""

from __future__ import annotations

from typing import Any

import pytest
from controls import set_slider

pytestmark = pytest.mark.browser

CELLS = [
    "%load_ext taskbook",
    "%%params\nn: int = Param(3, min=1, max=10)",
    "%%task load\nrows = list(range(n))",
    "%flow run",
    "%flow history",
]


def widget_errors(nb: Any) -> list[str]:
    return [m for m in nb.errors() if "widget" in m.lower() or "model" in m.lower()]


def test_a_reopened_notebook_restores_its_views_and_form_values(
    notebook_page: Any, lab_server: Any
) -> None:
    nb = notebook_page(CELLS, "reopen")
    for index in range(3):
        nb.run_cell(index)
    nb.run_cell(1)  # the cell's form again: the first one is closed
    form = nb.output(1)
    nb.wait_in_output(1, ".taskbook-params g.tb-node")
    set_slider(form, 7)
    form.locator(".tb-differs-note", has_text="n = 7 (the cell says 3)").wait_for()
    nb.run_cell(3)
    nb.wait_in_output(3, ".taskbook-run svg.tb-graph")
    nb.run_cell(4)
    history = nb.output(4)
    picker = history.locator(".widget-select select")
    picker.select_option(index=0)
    nb.wait_in_output(4, ".js-plotly-plot")
    picker.select_option(index=1)
    nb.wait_in_output(4, ".taskbook-live .tb-graph-box svg")
    nb.save()
    assert widget_errors(nb) == []

    # Reopened while the kernel runs: the form and the open run come back.
    nb.page.reload()
    nb.open()
    nb.wait_in_output(1, ".taskbook-params .widget-slider")
    nb.wait_in_output(1, ".taskbook-params g.tb-node")
    nb.wait_in_output(4, ".taskbook-live .tb-graph-box svg")
    nb.page.wait_for_timeout(2500)  # anywidget's own deadline to initialise a model
    nb.screenshot("reopened")
    assert widget_errors(nb) == []

    # Reopened after the kernel stopped, then the parameters cell run again.
    nb.lab.shutdown_kernels()
    nb.page.reload()
    nb.open()
    record = nb.output(1).locator(".taskbook-form-record tr[data-differs='true']")
    assert record.inner_text().startswith("n\t7")
    nb.run_cell(0)
    nb.run_cell(1)
    nb.wait_in_output(1, ".taskbook-params .widget-slider")
    readout = nb.output(1).locator(".widget-slider .widget-readout").first
    assert readout.inner_text() == "7"
    nb.output(1).locator(
        ".tb-differs-note", has_text="n = 7 (the cell says 3)"
    ).wait_for()
    nb.screenshot("form-restored")
