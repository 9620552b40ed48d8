"""Live views shown by the magics, in an in-process IPython shell.

``%flow run`` and flow calls show a placeholder that becomes the widgets while the
run is in flight and the static copy when it ends; ``%%params`` shows the form;
``%flow history`` and ``%flow gantt`` show past runs. The browser tests show the
same views in a real JupyterLab; tests/jupyter/test_real_kernel.py saves them
through nbclient.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from IPython.utils.capture import capture_output

import taskbook
from taskbook.api.history import get_run, run_duration

WIDGET = "application/vnd.jupyter.widget-view+json"


@dataclass
class Shown:
    """What one cell printed and displayed."""

    success: bool
    text: str
    outputs: list[Any] = field(default_factory=list)

    def plain(self) -> str:
        """Everything printed and displayed, as text."""
        shown = (str(o.data.get("text/plain", "")) for o in self.outputs)
        return "\n".join([self.text, *shown])

    def html(self) -> list[str]:
        return [str(o.data.get("text/html", "")) for o in self.outputs]

    def statics(self) -> list[str]:
        """The static copies of runs (the final output of a live view)."""
        return [h for h in self.html() if 'class="taskbook-run"' in h]

    def widgets(self) -> list[Any]:
        return [o for o in self.outputs if WIDGET in o.data]


def run(ip: Any, source: str) -> Shown:
    with capture_output() as captured:
        result = ip.run_cell(source)
    return Shown(
        result.success, captured.stdout + captured.stderr, list(captured.outputs)
    )


def side_of(ip: Any) -> Any:
    return ip._taskbook_magics[0].side


def test_flow_run_shows_the_run_then_leaves_its_static_copy(ip: Any) -> None:
    run(ip, "a = 2")
    run(ip, "%%task double\nb = a * 2")
    shown = run(ip, "%flow run")
    assert shown.success
    (static,) = shown.statics()
    assert ">double<" in static  # the cell is a node of the graph
    assert "tb-static-gantt" in static
    # The summary's HTML is one line (the graph shows the cells); its text keeps them.
    (summary,) = [o for o in shown.outputs if "Flow run Completed" in str(o.data)]
    assert summary.data["text/html"].startswith('<p class="taskbook-summary">')
    assert "double: Cached" in summary.data["text/plain"]
    # The static copy replaced the placeholder: same display id, as an update.
    placeholder = next(
        o for o in shown.outputs if "waiting for the flow run" in str(o.data)
    )
    final = next(o for o in shown.outputs if 'class="taskbook-run"' in str(o.data))
    assert final.transient["display_id"] == placeholder.transient["display_id"]
    assert final.update


def test_a_run_still_going_after_a_frame_gets_live_widgets(ip: Any) -> None:
    run(ip, "%%task slow --no-cache\nimport time\ntime.sleep(0.6)\nx = 1")
    shown = run(ip, "%flow run")
    (widgets,) = shown.widgets()
    assert widgets.update  # replaced the placeholder while the run was in flight
    assert len(shown.statics()) == 1


def test_no_view_flag_and_the_setting_turn_the_view_off(ip: Any) -> None:
    run(ip, "%%task one\nx = 1")
    shown = run(ip, "%flow run --no-view")
    assert shown.statics() == []
    assert any("taskbook-summary" in h and "<table>" in h for h in shown.html())

    run(ip, "%config TaskbookMagics.live_view = False")
    assert run(ip, "%flow run").statics() == []
    shown = run(ip, "%%params\nn = 3")
    assert shown.widgets() == []  # no form either
    run(ip, "%config TaskbookMagics.live_view = True")
    assert len(run(ip, "%flow run").statics()) == 1


FLOW = """\
from taskbook import flow, task

@task
def inc(x):
    return x + 1

@flow
def pipeline(n=3):
    return sum(f.result() for f in inc.map(range(n)))
"""


def test_a_flow_called_by_a_cell_shows_its_run(ip: Any) -> None:
    run(ip, FLOW)
    shown = run(ip, "total = pipeline()")
    assert shown.success
    assert ip.user_ns["total"] == 6
    (static,) = shown.statics()
    assert ">inc<" in static
    assert "3 task runs" in static


def test_a_cell_calling_flows_in_a_loop_gets_a_few_views_and_a_note(ip: Any) -> None:
    from taskbook.jupyter.views import MAX_VIEWS_PER_CELL

    run(ip, FLOW)
    shown = run(ip, "totals = [pipeline(i) for i in range(8)]")
    assert len(shown.statics()) == MAX_VIEWS_PER_CELL
    assert f"{8 - MAX_VIEWS_PER_CELL} more flow run(s)" in shown.text
    # The next cell starts counting again.
    assert len(run(ip, "pipeline(1)").statics()) == 1


def test_a_flow_inside_a_task_cell_gets_no_view_of_its_own(ip: Any) -> None:
    run(ip, FLOW)
    shown = run(ip, "%%task inner\ny = pipeline(2)")
    assert shown.success
    assert ip.user_ns["y"] == 3
    assert shown.statics() == []  # a subflow of the cell's run: the status line says it


PARAMS = "%%params\nn: int = Param(3, min=1, max=10)\nlabel = 'run'"


def notebook_with_params(ip: Any) -> None:
    run(ip, PARAMS)
    run(ip, "%%task load\nrows = list(range(n))")
    run(ip, "%%task total\ns = sum(rows)")
    run(ip, "%%task other\nk = 42")
    run(ip, "%flow run")


def test_params_cell_shows_a_form_whose_run_reruns_only_the_stale_cells(
    ip: Any,
) -> None:
    notebook_with_params(ip)
    shown = run(ip, PARAMS)
    assert len(shown.widgets()) == 1
    form = side_of(ip).views.last_form
    assert set(form.controls) == {"n", "label"}
    assert form.controls["n"].max == 10

    form.set_value("n", 5)
    stale = {form.graph.node(i).name for i in form.stale}
    assert stale == {"load", "total"}
    with capture_output():
        result = form.run()
    states = {c.name: c.state_name for c in result.cells.values()}
    assert states == {
        "params": "Completed",
        "load": "Completed",
        "total": "Completed",
    }  # only the stale cells, and the parameters cell that applies the value
    assert ip.user_ns["s"] == 10
    assert ip.user_ns["k"] == 42
    assert form.stale == frozenset()

    # The form's value stays in force for the next %flow run...
    shown = run(ip, "%flow run")
    assert "with n=5" in shown.text
    assert ip.user_ns["s"] == 10
    # ...until the parameters cell is run again by itself.
    run(ip, PARAMS)
    run(ip, "%flow run")
    assert ip.user_ns["s"] == 3


def _node_states(form: Any) -> dict[str, str | None]:
    return {n["label"]: n["state_name"] for n in form.graph_model()["nodes"]}


def test_the_form_graph_shows_what_the_cells_last_runs_left(ip: Any) -> None:
    notebook_with_params(ip)
    run(ip, PARAMS)
    form = side_of(ip).views.last_form
    # Before its own Run: every cell as its last run left it, none "not run".
    assert set(_node_states(form).values()) == {"Completed"}
    form.set_value("n", 5)
    with capture_output():
        form.run()
    after = _node_states(form)
    assert after == {
        "params": "Completed",
        "load": "Completed",
        "total": "Completed",
        "other": "Completed",  # not rerun: still what its last run left
    }


def test_a_form_value_that_is_not_the_cells_is_flagged_until_reset(ip: Any) -> None:
    notebook_with_params(ip)
    run(ip, PARAMS)
    form = side_of(ip).views.last_form
    assert form.differs_note.value == ""
    form.set_value("n", 5)
    assert "n = 5 (the cell says 3)" in form.differs_note.value
    assert form.controls["n"].layout.border
    assert not form.controls["label"].layout.border
    with capture_output():
        form.run()
    assert "n = 5 (the cell says 3)" in form.differs_note.value  # still not the cell's
    form.reset()
    assert form.values["n"] == 3
    assert form.differs_note.value == ""
    assert not form.controls["n"].layout.border


def _record(shown: Any) -> Any:
    """The form's record as the cell shows it last."""
    return [o for o in shown.outputs if "taskbook-form-record" in str(o.data)][-1]


def test_the_form_leaves_a_record_a_saved_notebook_keeps_and_restores(
    ip: Any, tmp_path: Any
) -> None:
    notebook_with_params(ip)
    shown = run(ip, PARAMS)
    record = _record(shown)
    cell_id = record.metadata["taskbook"]["form"]["cell_id"]
    assert record.metadata["taskbook"]["form"]["values"] == {"n": 3, "label": "run"}
    assert "n</b></td>" in record.data["text/html"]
    form = side_of(ip).views.last_form
    form.set_value("n", 7)
    assert side_of(ip).views.last_form is form

    # The notebook saved with the record's last state, then reopened: the next
    # form of the cell starts from the saved values, flagged.
    saved = {"n": 7, "label": "run"}
    notebook = tmp_path / "saved.ipynb"
    notebook.write_text(
        json.dumps(
            {
                "cells": [
                    {
                        "id": cell_id,
                        "cell_type": "code",
                        "source": PARAMS,
                        "metadata": {},
                        "outputs": [
                            {
                                "output_type": "display_data",
                                "data": {"text/plain": "Parameter form values"},
                                "metadata": {
                                    "taskbook": {
                                        "form": {"cell_id": cell_id, "values": saved}
                                    }
                                },
                            }
                        ],
                    }
                ],
                "metadata": {},
                "nbformat": 4,
                "nbformat_minor": 5,
            }
        )
    )
    ip.user_ns["__session__"] = str(notebook)
    try:
        shown = run(ip, PARAMS)
    finally:
        del ip.user_ns["__session__"]
    restored = side_of(ip).views.last_form
    assert restored is not form
    assert restored.values["n"] == 7
    assert "n = 7 (the cell says 3)" in restored.differs_note.value
    assert _record(shown).metadata["taskbook"]["form"]["values"] == saved
    assert form.run_button.comm is None  # the cell's previous form was closed


def _alive() -> dict[str, int]:
    """Widget models alive in the kernel, by class (a reconnecting page restores them)."""
    from ipywidgets.widgets.widget import _instances

    counts: dict[str, int] = {}
    for widget in list(_instances.values()):
        name = type(widget).__name__
        counts[name] = counts.get(name, 0) + 1
    return counts


def test_views_leave_alive_only_the_widgets_still_shown(ip: Any) -> None:
    notebook_with_params(ip)  # shows the parameters cell's form
    before = _alive()
    run(ip, "%%task slow --no-cache\nimport time\ntime.sleep(0.4)\nz = 1")
    assert run(
        ip, "%flow run"
    ).widgets()  # the live view made widgets, then closed them
    run(ip, PARAMS)
    run(ip, PARAMS)  # the cell's form again: the ones before are gone from the page
    run(ip, "%flow history")
    history = ip.user_ns["_"]
    ids = [value for _label, value in history.picker.options]
    history.open(ids[0])
    history.open(ids[1])  # replaces the run opened first
    after = _alive()
    grown = {k: after.get(k, 0) - before.get(k, 0) for k in {*before, *after}}
    assert grown["GraphWidget"] == 1  # the open run's; one form as before
    assert grown["FigureWidget"] == 1  # the open run's Gantt
    assert grown["IntSlider"] == 0  # one form, one control
    history.widget.close()


def test_flow_history_lists_runs_and_gantt_shows_a_past_run(ip: Any) -> None:
    run(ip, "%%task one\nx = 1")
    run(ip, "%flow run")
    run(ip, FLOW)
    run(ip, "pipeline()")
    from taskbook.engine.session import get_session

    get_session().store.flush()
    assert run(ip, "%flow history").success
    view = ip.user_ns["_"]  # the magic's value: shown as the cell's result
    assert WIDGET in view._repr_mimebundle_()
    flows = [option[0] for option in view.picker.options]
    assert any("pipeline" in f for f in flows)
    assert any("notebook" in f for f in flows)

    run_id = side_of(ip).last_result.flow_run_id
    shown = run(ip, f"%flow gantt {run_id}")
    (static,) = shown.statics()
    assert ">one<" in static
    assert "tb-static-gantt" in static


def test_cell_preview_shows_what_a_cell_defined() -> None:
    import pandas as pd

    from taskbook.cellflow.runner import CellResult
    from taskbook.core.states import State, StateType
    from taskbook.jupyter.views import cell_preview

    frame = pd.DataFrame({"region": ["north", "south"], "total": [3.5, 1.0]})
    result = CellResult({"by_region": frame, "count": 2, "helper": len}, [])
    preview = cell_preview(
        "run-1", State(StateType.COMPLETED, "Completed", data=result)
    )
    assert preview is not None
    assert preview["type"] == "by_region, count"  # functions are left out
    assert "<b>by_region</b>" in preview["data"]
    assert "north" in preview["data"]
    assert "DataFrame 2×2" in preview["data"]
    assert "<b>count</b>" in preview["data"]


# -- one duration per run, from the run store (issue 12, item 13) ------------------------

CANCEL = "%%task stop --no-cache\nraise KeyboardInterrupt"


def _seconds(pattern: str, text: str) -> str:
    found = re.search(pattern, text)
    assert found is not None, text
    return found.group(1)


def test_summary_header_and_history_give_a_run_one_duration(ip: Any) -> None:
    run(ip, "a = 2")
    run(ip, "%%task slow --no-cache\nimport time\ntime.sleep(0.2)\nb = a * 2")
    shown = run(ip, "%flow run")
    assert shown.success
    run_id = taskbook.runs(limit=1)["id"][0]
    stored = f"{run_duration(run_id):.2f}"
    assert stored == f"{get_run(run_id).duration:.2f}"
    assert _seconds(r"Flow run Completed in ([\d.]+) s", shown.plain()) == stored
    (static,) = shown.statics()
    assert _seconds(r"Completed</span><span>([\d.]+) s</span>", static) == stored


def test_a_cancelled_cell_is_timed_from_the_store_and_gantt_shows_that_run(
    ip: Any,
) -> None:
    run(ip, "a = 2")
    assert run(ip, "%flow run").success
    run(ip, CANCEL)
    shown = run(ip, "%flow run")
    assert not shown.success
    record = get_run(taskbook.runs(limit=1)["id"][0])
    assert record.state_name == "Cancelled"
    (stop,) = [t for t in record.task_runs if t.task_name == "stop"]
    assert stop.start_time is not None
    assert stop.end_time is not None
    line = _seconds(r"stop: Cancelled in (-?[\d.]+) s", shown.plain())
    assert line == f"{stop.end_time - stop.start_time:.2f}"

    (static,) = run(ip, "%flow gantt").statics()
    assert f'data-flow-run-id="{record.id}"' in static
    assert 'class="tb-header" data-state="CANCELLED"' in static
