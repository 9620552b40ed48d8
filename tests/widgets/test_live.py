"""The widgets themselves, without a front end: what they hold after real runs.

ipywidgets opens no comm without a kernel, so these check the widget state the
front end would receive; tests/browser checks what a browser shows.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

pytest.importorskip("ipywidgets", reason="the widget layer needs ipywidgets")
pytest.importorskip("anywidget", reason="plotly's FigureWidget needs anywidget")

from taskbook import flow, task
from taskbook.core.parameter_parsing import parse_parameters
from taskbook.widgets import LiveView, ParameterForm, history_view, show_run
from taskbook.widgets.bridge import NullHost
from taskbook.widgets.run_view import RunView


class RecordingHost(NullHost):
    """A host that keeps what it was asked to display."""

    def __init__(self) -> None:
        self.displays: list[tuple[str, bool, dict[str, Any]]] = []

    def display(
        self,
        bundle: dict[str, Any],
        display_id: str,
        update: bool = False,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self.displays.append((display_id, update, bundle))


@task
def extract(n: int, pause: float = 0.05) -> list[int]:
    time.sleep(pause)
    return list(range(n))


@task
def square(x: int) -> int:
    return x * x


@task
def explode(values: list[int]) -> int:
    raise ValueError(f"cannot load {len(values)} rows")


@flow
def etl(n: int = 4, pause: float = 0.05) -> int:
    values = extract(n, pause)
    squares = square.map(values)
    explode.submit(values).wait()
    return sum(s.result() for s in squares)


def test_live_view_follows_a_run_and_leaves_static_output(isolated_home: Any) -> None:
    host = RecordingHost()
    view = LiveView(host=host).attach()
    assert etl(4, pause=0.5) == 14
    assert view.wait(10)

    # A placeholder, the widgets once the run is seen in flight, the static copy.
    placeholder, widgets, final = host.displays
    assert {d[0] for d in host.displays} == {view.display_id}
    assert [d[1] for d in host.displays] == [False, True, True]
    assert "waiting for the flow run" in placeholder[2]["text/plain"]
    assert "application/vnd.jupyter.widget-view+json" in widgets[2]
    assert set(final[2]) == {"text/html", "image/svg+xml", "text/plain"}
    assert view.bridge.applies >= 2

    states = json.loads(view.view.graph.states)
    assert {k: v["state_name"] for k, v in states.items()} == {
        "task:extract": "Completed",
        "task:square": "Completed",
        "task:explode": "Failed",
    }
    assert states["task:square"]["sub"] == "✓4"
    bars = {trace.name: len(trace.y) for trace in view.view.gantt.figure.data}
    assert bars["waiting"] == 6
    assert bars["Completed"] == 5
    assert bars["Failed"] == 1
    assert "Completed" in view.view.header.value


def test_a_run_over_before_its_first_frame_never_opens_widgets(
    isolated_home: Any,
) -> None:
    host = RecordingHost()
    view = LiveView(host=host).attach()
    etl(2, pause=0.0)
    assert view.finish()  # what the caller does when its run returns

    placeholder, final = host.displays
    assert "waiting" in placeholder[2]["text/plain"]
    assert final[1] is True
    assert "Flow run" in final[2]["text/plain"]
    assert view._view is None  # no widget, no comm: only the static copy
    assert view.final_bundle == final[2]


def test_clicking_a_node_opens_its_details(isolated_home: Any) -> None:
    view = LiveView(host=RecordingHost()).attach()
    etl(2)
    assert view.wait(10)
    view.view.graph.selected = "task:explode"  # what the front end sets on a click
    html = view.view.details.value
    assert "explode-0" in html
    assert "ValueError" in html
    assert "cannot load 2 rows" in html
    assert json.loads(view.view.graph.states)["task:explode"]["stroke"] == "#111827"


def test_a_past_run_opens_with_the_same_graph_and_timeline(isolated_home: Any) -> None:
    view = LiveView(host=RecordingHost(), static=False).attach()
    etl(3)
    assert view.wait(10)
    from taskbook.engine.session import get_session

    get_session().store.flush()
    past = show_run(view.fold.flow_run_id or "")
    assert isinstance(past, RunView)
    # Equal but for the per-view id prefix of the SVG's arrow marker.
    assert past.graph.svg.replace(past.uid, "ID") == view.view.graph.svg.replace(
        view.view.uid, "ID"
    )
    assert json.loads(past.graph.states) == json.loads(view.view.graph.states)
    assert [t.y.tolist() for t in past.gantt.figure.data] == [
        t.y.tolist() for t in view.view.gantt.figure.data
    ]


def test_history_lists_runs_and_opens_one(isolated_home: Any) -> None:
    etl(2)
    etl(3)
    from taskbook.engine.session import get_session

    get_session().store.flush()
    history = history_view("etl")
    assert len(history.picker.options) == 2
    assert "success rate <b>100%</b>" in history.table.value
    history.picker.value = history.picker.options[1][1]
    (opened,) = history.opened.children
    assert "taskbook-live" in opened._dom_classes


PARAMS = "n: int = Param(10, min=1, max=100)\nlabel = 'run'\ncities = ['Oslo']\n"


def test_parameter_form_marks_downstream_cells_stale_and_runs_them(
    nb_graph: Any,
) -> None:
    graph = nb_graph(
        ("params", "params", PARAMS),
        ("load", "task", "rows = list(range(n))"),
        ("total", "task", "s = sum(rows)"),
        ("where", "task", "c = len(cities)"),
        ("report", "cell", "text = f'{label}: {s}'"),
    )
    changes: list[dict[str, Any]] = []
    runs: list[tuple[dict[str, Any], tuple[str, ...]]] = []
    form = ParameterForm(
        parse_parameters(PARAMS),
        graph,
        on_run=lambda values, stale: runs.append((values, stale)),
        on_change=changes.append,
    )
    assert type(form.controls["n"]).__name__ == "IntSlider"
    assert type(form.controls["cities"]).__name__ == "Text"

    form.set_value("n", 20)
    assert form.stale == {"load", "total", "report"}
    assert "Will rerun: load, total, report" in form.stale_note.value
    painted = json.loads(form.graph_view.states)  # type: ignore[union-attr]
    assert {k for k, v in painted.items() if v["sub"].startswith("stale")} == {
        "load",
        "total",
        "report",
    }
    assert changes[-1]["n"] == 20

    form.controls["cities"].value = "not a list ["  # what a user might type
    assert "cities" in form.error.value
    assert form.values["cities"] == ["Oslo"]

    form.set_value("cities", ["Oslo", "Lima"])
    assert form.error.value == ""
    assert form.stale == {"load", "total", "report", "where"}

    form.run_button.click()
    assert runs == [
        (
            {"n": 20, "label": "run", "cities": ["Oslo", "Lima"]},
            ("load", "total", "where", "report"),
        )
    ]
    assert form.stale == frozenset()
    assert "Nothing is stale" in form.stale_note.value


def test_a_failing_run_callback_is_shown_and_keeps_the_stale_marks(
    nb_graph: Any, capsys: Any
) -> None:
    graph = nb_graph(("params", "params", "n = 1"), ("load", "task", "rows = n"))

    def on_run(values: dict[str, Any], stale: tuple[str, ...]) -> None:
        raise RuntimeError("kernel busy")

    form = ParameterForm(parse_parameters("n = 1"), graph, on_run=on_run)
    form.set_value("n", 2)
    form.run_button.click()
    assert "Run failed: RuntimeError: kernel busy" in form.error.value
    assert form.stale == {"load"}
    assert "RuntimeError: kernel busy" in capsys.readouterr().err


NO_PANDAS = """
import sys
sys.modules["pandas"] = None  # as if pandas were not installed
from taskbook import flow
from taskbook.engine.session import get_session
from taskbook.widgets import history_view

@flow
def tiny(x: int = 1) -> int:
    return x

tiny(); tiny(2)
get_session().store.flush()
view = history_view("tiny")
print(len(view.picker.options), "success rate <b>100%</b>" in view.table.value)
"""


def test_history_needs_no_pandas(tmp_path: Any) -> None:
    import os
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", NO_PANDAS],
        capture_output=True,
        text=True,
        env={**os.environ, "TASKBOOK_HOME": str(tmp_path / "home")},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["2", "True"]
