"""The views state a run's facts as the run store does (issue 12, item 13).

Durations count from the flow run's first Running state to its final state (the
store's ``start_time``/``end_time``), in the header, the timeline and history; a
cache hit is a bar of its own; Gantt rows are named by their task; the static
Gantt has a legend; a cancelled run is no failure; a subflow is a node, and its
tasks are apart from the caller's.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest

from taskbook import flow, task
from taskbook.api.history import run_rows
from taskbook.cache_policies import INPUTS
from taskbook.core.events import FlowRunCreated, StateChanged, TaskRunCreated
from taskbook.core.states import State, StateType
from taskbook.widgets.gantt_widget import gantt_traces
from taskbook.widgets.panels import history_html
from taskbook.widgets.records import fold_record, history_model
from taskbook.widgets.svg import timeline_svg
from taskbook.widgets.viewmodel import RunFold

SVG = "{http://www.w3.org/2000/svg}"


# -- durations: one source ------------------------------------------------------------


def test_a_run_is_timed_from_its_first_running_state_as_the_store_times_it() -> None:
    # Created at 0, Running only at 1.0 (a slow engine start), done at 3.0.
    fold = RunFold()
    for event in (
        FlowRunCreated("F", "etl", "run", {}, (), None, 100.0),
        StateChanged("F", "flow", State(StateType.PENDING, ts=100.0)),
        StateChanged("F", "flow", State(StateType.RUNNING, ts=101.0)),
        TaskRunCreated("t", "F", "load", "load", "load-0", (), 101.5),
        StateChanged("t", "task", State(StateType.RUNNING, ts=102.0), 1),
        StateChanged("t", "task", State(StateType.COMPLETED, ts=103.0), 1),
        StateChanged("F", "flow", State(StateType.COMPLETED, ts=103.0)),
    ):
        fold.apply(event)
    assert fold.summary_model()["duration"] == 2.0
    (row,) = fold.timeline_model()["rows"]
    assert [(s["start"], s["end"]) for s in row["segments"]] == [
        (0.5, 1.0),
        (1.0, 2.0),
    ]


def test_the_live_header_and_history_give_a_real_run_the_same_duration(
    run_recorded: Any,
) -> None:
    @task
    def step() -> int:
        return 1

    @flow(name="timed")
    def timed() -> int:
        return step()

    live, record = run_recorded(timed)
    (row,) = run_rows("timed")
    assert live.summary_model()["duration"] == record.duration == row["duration"]
    assert fold_record(record).summary_model()["duration"] == record.duration


# -- the Gantt: cache hits, row names, legend --------------------------------------------


def test_a_cache_hit_is_a_bar_of_its_own_and_rows_are_named_by_their_task(
    run_recorded: Any,
) -> None:
    @task(cache_policy=INPUTS)
    def slow(x: int) -> int:
        return x

    @task
    def double(x: int) -> int:
        return 2 * x

    @flow(name="cached")
    def cached() -> list[int]:
        return [slow(1), *double.map([1, 2])]

    cached()
    live, _record = run_recorded(cached)
    model = live.timeline_model()
    labels, traces = gantt_traces(model)
    assert labels == ["slow", "double-0", "double-1"]  # "slow", not "slow-0"
    hit = traces["Cached"]
    assert hit["y"] == ["slow"]
    assert hit["x"][0] > 0  # a sliver, visible: not the waiting bar alone
    assert "slow" not in traces["Completed"]["y"]

    svg = ET.fromstring(timeline_svg(model))
    names = [t.text for t in svg.iter(f"{SVG}text") if t.text]
    legend = svg.find(f"{SVG}g[@class='tb-legend']")
    assert legend is not None
    keys = [t.text for t in legend.iter(f"{SVG}text")]
    assert keys == ["waiting", "Cached", "Completed"]
    assert {"slow", "double-0", "double-1"} <= set(names)
    assert not any(name.endswith("-0") and name.startswith("slow") for name in names)
    kinds = [r.get("data-kind") for r in svg.iter(f"{SVG}rect") if r.get("data-kind")]
    assert "cached" in kinds


# -- history ---------------------------------------------------------------------------


def _row(run_id: str, type_: str, name: str) -> dict[str, Any]:
    return {
        "id": run_id,
        "flow_name": "etl",
        "name": run_id,
        "state_type": type_,
        "state_name": name,
        "start_time": None,
        "duration": 1.0,
        "task_runs": 1,
    }


def test_history_does_not_count_a_cancelled_run_as_a_failure() -> None:
    model = history_model(
        [
            _row("4", "CANCELLED", "Cancelled"),
            _row("3", "COMPLETED", "Completed"),
            _row("2", "CANCELLED", "Cancelled"),
            _row("1", "FAILED", "Failed"),
        ]
    )
    assert model["success_rate"] == pytest.approx(0.5)
    assert model["cancelled"] == 2
    html = history_html(model)
    assert "success rate <b>50%</b> of 2 finished, 2 cancelled" in html


# -- Python-API flows: subflows and mapped tasks ---------------------------------------


@task
def double(x: int) -> int:
    return 2 * x


@task
def total(values: list[int]) -> int:
    return sum(values)


@flow(name="inner")
def inner(value: int) -> int:
    return double(value)


@flow(name="outer")
def outer() -> int:
    doubled = double.map([1, 2, 3])
    return inner(total(doubled))


def test_a_subflow_is_a_node_and_its_tasks_are_apart_from_the_callers(
    run_recorded: Any,
) -> None:
    live, _record = run_recorded(outer)
    graph = live.graph_model()
    nodes = {
        n["id"]: (n["label"], n["kind"], n["runs"], n["state_name"])
        for n in graph["nodes"]
    }
    assert nodes == {
        "task:double": ("double", "task", 3, "Completed"),  # the mapped runs, once
        "task:total": ("total", "task", 1, "Completed"),
        "flow:inner": ("inner", "flow", 1, "Completed"),
        "flow:inner/double": ("inner › double", "task", 1, "Completed"),
    }
    edges = {(e["from"], e["to"], e["kind"]) for e in graph["edges"]}
    assert edges == {
        ("task:double", "task:total", "data"),
        ("flow:inner", "flow:inner/double", "subflow"),
    }
    labels, _traces = gantt_traces(live.timeline_model())
    assert labels == [
        "double-0",
        "double-1",
        "double-2",
        "total",
        "inner",
        "inner › double",
    ]
    summary = live.summary_model()
    assert summary["total"] == 5  # task runs; the subflow's run is not one


def test_gantt_ticks_of_a_short_run_are_told_apart() -> None:
    rows = [
        {
            "id": "r1",
            "label": "a-0",
            "task": "a",
            "node": "task:a",
            "state": "COMPLETED",
            "state_name": "Completed",
            "fill": "#16a34a",
            "segments": [{"kind": "running", "start": 0.0, "end": 0.0024}],
        }
    ]
    svg = ET.fromstring(timeline_svg({"rows": rows, "end": 0.0024}))
    ticks = [
        t.text
        for t in svg.iter(f"{SVG}text")
        if t.get("text-anchor") == "middle" and t.text
    ]
    assert ticks == ["0s", "0.5ms", "1ms", "1.5ms", "2ms"]
