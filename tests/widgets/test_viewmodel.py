from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass, field
from typing import Any

import pytest
from inline_snapshot import snapshot

from taskbook import flow, task
from taskbook.api.history import get_run
from taskbook.core.events import FlowRunCreated, StateChanged, TaskRunCreated
from taskbook.core.states import State, StateType
from taskbook.engine.session import get_session
from taskbook.widgets.records import fold_record
from taskbook.widgets.viewmodel import RunFold

# -- a whole small run, compared whole ------------------------------------------------


def small_run(script: Any) -> Any:
    s = script()
    s.task("e", "extract", 0.0).state("e", "Running", 0.5).state("e", "Completed", 1.5)
    for i in range(3):  # a mapped task: three runs, one node
        rid = f"m{i}"
        s.task(rid, "transform", 1.5, upstream=("e",)).state(rid, "Running", 2.0)
    s.state("m0", "Completed", 2.5).state("m1", "Cached", 2.0)
    s.task("l", "load", 2.5, upstream=("m0", "m1", "m2"))
    s.state("l", "Running", 3.0).state("l", "AwaitingRetry", 3.5).state(
        "l", "Retrying", 4.0
    )
    return s


def test_graph_model_of_a_run_in_flight(script: Any) -> None:
    graph = small_run(script).fold().graph_model()
    assert graph == snapshot(
        {
            "title": "etl",
            "nodes": [
                {
                    "id": "task:extract",
                    "label": "extract",
                    "kind": "task",
                    "state": "COMPLETED",
                    "state_name": "Completed",
                    "fill": "#16a34a",
                    "text": "#ffffff",
                    "counts": {"Completed": 1},
                    "runs": 1,
                    "badge": "",
                    "stale": False,
                    "x": 12.0,
                    "y": 12.0,
                    "cell": None,
                },
                {
                    "id": "task:transform",
                    "label": "transform",
                    "kind": "task",
                    "state": "RUNNING",
                    "state_name": "Running",
                    "fill": "#2563eb",
                    "text": "#ffffff",
                    "counts": {"Completed": 1, "Cached": 1, "Running": 1},
                    "runs": 3,
                    "badge": "▶1 ✓1 ↻1",
                    "stale": False,
                    "x": 218.0,
                    "y": 12.0,
                    "cell": None,
                },
                {
                    "id": "task:load",
                    "label": "load",
                    "kind": "task",
                    "state": "RUNNING",
                    "state_name": "Retrying",
                    "fill": "#7c3aed",
                    "text": "#ffffff",
                    "counts": {"Retrying": 1},
                    "runs": 1,
                    "badge": "",
                    "stale": False,
                    "x": 424.0,
                    "y": 12.0,
                    "cell": None,
                },
            ],
            "edges": [
                {
                    "from": "task:extract",
                    "to": "task:transform",
                    "kind": "data",
                    "names": [],
                },
                {
                    "from": "task:transform",
                    "to": "task:load",
                    "kind": "data",
                    "names": [],
                },
            ],
            "width": 586.0,
            "height": 60.0,
            "node_width": 150.0,
            "node_height": 36.0,
            "truncated": 0,
        }
    )
    assert json.loads(json.dumps(graph)) == graph  # JSON-able as it is


def test_summary_model_of_a_run_in_flight(script: Any) -> None:
    fold = small_run(script).log("l", "loading 3 rows", 3.25).fold()
    assert fold.summary_model(now=1000.0 + 5.0) == snapshot(
        {
            "flow_run_id": "F",
            "flow_name": "etl",
            "name": "brave-run",
            "state": "RUNNING",
            "state_name": "Running",
            "message": None,
            "fill": "#2563eb",
            "counts": {"Completed": 2, "Cached": 1, "Running": 1, "Retrying": 1},
            "total": 5,
            "duration": 5.0,
            "done": False,
            "parameters": {"n": "3"},
            "logs": [
                {"t": 3.25, "level": 20, "run": "load-0", "message": "loading 3 rows"}
            ],
        }
    )


def test_timeline_model_cuts_waiting_running_retrying(script: Any) -> None:
    timeline = small_run(script).fold().timeline_model(now=1000.0 + 5.0)
    rows = {
        r["label"]: [(s["kind"], s["start"], s["end"]) for s in r["segments"]]
        for r in timeline["rows"]
    }
    assert rows == snapshot(
        {
            "extract-0": [("waiting", 0.0, 0.5), ("running", 0.5, 1.5)],
            "transform-0": [("waiting", 1.5, 2.0), ("running", 2.0, 2.5)],
            "transform-1": [
                ("waiting", 1.5, 2.0),
                ("running", 2.0, 2.0),
                ("cached", 2.0, 2.0),
            ],
            "transform-2": [("waiting", 1.5, 2.0), ("running", 2.0, 5.0)],
            "load-0": [
                ("waiting", 2.5, 3.0),
                ("running", 3.0, 3.5),
                ("retrying", 3.5, 4.0),
                ("running", 4.0, 5.0),
            ],
        }
    )
    assert timeline["end"] == 5.0


# -- segments, one table ----------------------------------------------------------------


@dataclass(frozen=True)
class SegmentCase:
    name: str
    states: tuple[tuple[str, float], ...]
    segments: tuple[tuple[str, float, float], ...]
    end: float | None
    now: float | None = None


SEGMENT_CASES = [
    SegmentCase("created only, in flight", (), (("waiting", 0.0, 2.0),), None, now=2.0),
    SegmentCase("created only, no clock", (), (("waiting", 0.0, 0.0),), None),
    SegmentCase(
        "cache hit skips running, ends in a cached instant",
        (("Cached", 0.25),),
        (("waiting", 0.0, 0.25), ("cached", 0.25, 0.25)),
        0.25,
    ),
    SegmentCase(
        "failed after running",
        (("Running", 1.0), ("Failed", 3.0)),
        (("waiting", 0.0, 1.0), ("running", 1.0, 3.0)),
        3.0,
    ),
    SegmentCase(
        "retry without delay has no retrying segment",
        (("Running", 1.0), ("Retrying", 2.0), ("Completed", 3.0)),
        (("waiting", 0.0, 1.0), ("running", 1.0, 2.0), ("running", 2.0, 3.0)),
        3.0,
    ),
    SegmentCase(
        "awaiting retry in flight",
        (("Running", 1.0), ("AwaitingRetry", 2.0)),
        (("waiting", 0.0, 1.0), ("running", 1.0, 2.0), ("retrying", 2.0, 4.0)),
        None,
        now=4.0,
    ),
    SegmentCase(
        "not ready ends the wait",
        (("NotReady", 1.5),),
        (("waiting", 0.0, 1.5),),
        1.5,
    ),
    SegmentCase(
        "cancelled while running",
        (("Running", 1.0), ("Cancelled", 1.5)),
        (("waiting", 0.0, 1.0), ("running", 1.0, 1.5)),
        1.5,
    ),
]


@pytest.mark.parametrize("case", SEGMENT_CASES, ids=lambda c: c.name)
def test_timeline_segments(case: SegmentCase, script: Any) -> None:
    s = script().task("r", "t", 0.0)
    for name, at in case.states:
        s.state("r", name, at)
    now = None if case.now is None else 1000.0 + case.now
    (row,) = s.fold().timeline_model(now)["rows"]
    assert [(g["kind"], g["start"], g["end"]) for g in row["segments"]] == list(
        case.segments
    )
    assert row["end"] == case.end


# -- the state a group of runs shows, one table ---------------------------------------


@dataclass(frozen=True)
class NodeCase:
    name: str
    finals: tuple[str | None, ...]  # last state of each run; None = just created
    shown: str
    badge: str


NODE_CASES = [
    NodeCase("one run", ("Completed",), "Completed", ""),
    NodeCase("one pending", (None,), "Pending", ""),
    NodeCase(
        "running wins over done", ("Completed", "Running", None), "Running", "▶1 …1 ✓1"
    ),
    NodeCase(
        "a failure wins over successes", ("Completed", "Failed"), "Failed", "✗1 ✓1"
    ),
    NodeCase("all cached stays cached", ("Cached", "Cached"), "Cached", "↻2"),
    NodeCase(
        "cached and fresh show completed", ("Cached", "Completed"), "Completed", "✓1 ↻1"
    ),
    NodeCase("not ready over pending", ("NotReady", None), "NotReady", "…1 …1"),
    NodeCase(
        "awaiting retry over failure",
        ("AwaitingRetry", "Failed"),
        "AwaitingRetry",
        "◷1 ✗1",
    ),
]


@pytest.mark.parametrize("case", NODE_CASES, ids=lambda c: c.name)
def test_node_shows_the_most_telling_state_of_its_runs(
    case: NodeCase, script: Any
) -> None:
    s = script()
    for i, final in enumerate(case.finals):
        s.task(f"r{i}", "t", 0.0)
        if final is not None:
            s.state(f"r{i}", final, 1.0)
    (node,) = s.fold().graph_model()["nodes"]
    assert (node["state_name"], node["badge"]) == (case.shown, case.badge)
    assert node["runs"] == len(case.finals)


# -- which flow run a fold follows ------------------------------------------------------


def _flow(fid: str, parent: str | None = None, at: float = 0.0) -> FlowRunCreated:
    return FlowRunCreated(fid, f"flow-{fid}", fid, {}, (), parent, 1000.0 + at)


def _task(rid: str, fid: str) -> TaskRunCreated:
    return TaskRunCreated(rid, fid, "t", "t", f"t-{rid}", (), 1000.0)


@dataclass(frozen=True)
class FollowCase:
    name: str
    events: tuple[Any, ...]
    runs: tuple[str, ...]
    flow_run_id: str | None = None
    follows: str | None = None


FOLLOW_CASES = [
    FollowCase(
        "the next top-level run", (_flow("A"), _task("a1", "A")), ("a1",), follows="A"
    ),
    FollowCase(
        "a later top-level run is ignored",
        (_flow("A"), _flow("B", at=1), _task("b1", "B"), _task("a1", "A")),
        ("a1",),
        follows="A",
    ),
    FollowCase(
        "a subflow and its tasks join the view",
        (_flow("A"), _flow("S", parent="A"), _task("s1", "S")),
        ("S", "s1"),
        follows="A",
    ),
    FollowCase(
        "a subflow seen first is not followed",
        (_flow("S", parent="X"), _flow("A"), _task("s1", "S")),
        (),
        follows="A",
    ),
    FollowCase(
        "an explicit run id skips the others",
        (_flow("A"), _task("a1", "A"), _flow("B"), _task("b1", "B")),
        ("b1",),
        flow_run_id="B",
        follows="B",
    ),
    FollowCase("tasks outside any flow are ignored", (_task("x", None),), ()),  # type: ignore[arg-type]
]


@pytest.mark.parametrize("case", FOLLOW_CASES, ids=lambda c: c.name)
def test_fold_follows_one_flow_run(case: FollowCase) -> None:
    fold = RunFold(flow_run_id=case.flow_run_id)
    for event in case.events:
        fold.apply(event)
    assert tuple(fold.runs) == case.runs
    assert fold.flow_run_id == case.follows


def test_events_of_other_runs_do_not_change_the_version(script: Any) -> None:
    fold = script().task("r", "t", 0.0).fold()
    version = fold.version
    assert not fold.apply(
        StateChanged("other", "task", State(StateType.RUNNING, ts=1.0))
    )
    assert fold.version == version


# -- frames built incrementally equal frames built from scratch ------------------------


def test_incremental_frames_equal_fresh_folds(script: Any) -> None:
    rng = random.Random(7)
    s = script()
    for i in range(40):
        s.task(
            f"r{i}",
            f"t{i % 9}",
            i * 0.1,
            upstream=(f"r{rng.randrange(i)}",) if i else (),
        )
    for i in range(40):
        s.state(f"r{i}", "Running", 5 + i * 0.1)
        s.state(f"r{i}", rng.choice(["Completed", "Failed", "Cached"]), 9 + i * 0.1)
    s.flow("Completed", 20.0)
    live = RunFold()
    stale: set[str] = set()
    for k, event in enumerate(s.events):
        live.apply(event)
        if k % 7 == 0:
            stale ^= {f"task:t{k % 9}"}
            fresh = RunFold()
            for earlier in s.events[: k + 1]:
                fresh.apply(earlier)
            now = 1000.0 + k * 0.05
            assert live.frame(now, stale) == fresh.frame(now, stale)


# -- a real run on a real session, live and from the store -------------------------------


@dataclass
class Recorder:
    fold: RunFold = field(default_factory=RunFold)

    def __call__(self, event: Any) -> None:
        self.fold.apply(event)


def test_live_fold_of_a_real_flow_equals_the_fold_replayed_from_the_store(
    isolated_home: Any,
) -> None:
    @task
    def extract(n: int) -> list[int]:
        return list(range(n))

    @task
    def square(x: int) -> int:
        time.sleep(0.01)
        return x * x

    @task(retries=1, retry_delay_seconds=0.01)
    def flaky(values: list[int]) -> int:
        raise ValueError(f"bad values {values[:2]}")

    @flow
    def etl(n: int = 3) -> int:
        values = extract(n)
        squares = square.map(values)
        flaky.submit(values).wait()
        return sum(s.result() for s in squares)

    recorder = Recorder()
    session = get_session()
    unsubscribe = session.bus.subscribe(recorder)
    assert etl(3) == 5
    unsubscribe()
    session.store.flush()
    live = recorder.fold
    assert live.done
    nodes = {
        n["label"]: (n["state_name"], n["runs"]) for n in live.graph_model()["nodes"]
    }
    assert nodes == {
        "extract": ("Completed", 1),
        "square": ("Completed", 3),
        "flaky": ("Failed", 1),
    }
    flaky_row = next(r for r in live.timeline_model()["rows"] if r["task"] == "flaky")
    assert [s["kind"] for s in flaky_row["segments"]] == [
        "waiting",
        "running",
        "retrying",
        "running",
    ]

    stored = fold_record(get_run(live.flow_run_id))
    assert stored.graph_model() == live.graph_model()
    assert stored.timeline_model() == live.timeline_model()
    summary, stored_summary = live.summary_model(), stored.summary_model()
    assert stored_summary == summary


# -- notebook flows: cells are the nodes --------------------------------------------------


def test_notebook_graph_nodes_take_the_states_of_their_task_runs(
    script: Any, nb_graph: Any
) -> None:
    graph = nb_graph(
        ("p", "params", "n = 3"),
        ("load", "task", "rows = list(range(n))"),
        ("total", "task", "s = sum(rows)"),
        ("note", "cell", "print('done')"),
    )
    s = script().task("r1", "load", 0.0).state("r1", "Running", 0.5)
    s.state("r1", "Completed", 1.0).task("r2", "total", 1.0).state("r2", "Running", 1.5)
    s.task("r3", "helper", 1.5)  # a @task called inside a cell: a node of its own
    model = s.fold(graph).graph_model(stale={"total"})
    nodes = {n["id"]: (n["kind"], n["state_name"], n["stale"]) for n in model["nodes"]}
    assert nodes == {
        "p": ("params", None, False),
        "load": ("task", "Completed", False),
        "total": ("task", "Running", True),
        "note": ("cell", None, False),
        "task:helper": ("task", "Pending", False),
    }
    edges = {(e["from"], e["to"], e["kind"], tuple(e["names"])) for e in model["edges"]}
    assert ("p", "load", "data", ("n",)) in edges
    assert ("load", "total", "data", ("rows",)) in edges
