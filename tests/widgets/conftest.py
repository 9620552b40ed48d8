"""Helpers for the widget tests: scripted event streams and small notebook graphs."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from taskbook.api.history import RunRecord, get_run
from taskbook.core.events import (
    Event,
    FlowRunCreated,
    LogEmitted,
    StateChanged,
    TaskRunCreated,
)
from taskbook.core.graph import CellInput, NotebookGraph
from taskbook.core.graph_builder import build_notebook_graph
from taskbook.core.states import State, StateType
from taskbook.engine.session import get_session
from taskbook.widgets.viewmodel import RunFold

T0 = 1000.0

# Scripted states: "Running" or "AwaitingRetry" or "Cached"... -> (type, name)
_STATES = {
    "Pending": StateType.PENDING,
    "NotReady": StateType.PENDING,
    "Running": StateType.RUNNING,
    "Retrying": StateType.RUNNING,
    "AwaitingRetry": StateType.SCHEDULED,
    "Completed": StateType.COMPLETED,
    "Cached": StateType.COMPLETED,
    "Failed": StateType.FAILED,
    "TimedOut": StateType.FAILED,
    "Crashed": StateType.CRASHED,
    "Cancelled": StateType.CANCELLED,
}


class Script:
    """Build the events of one flow run with readable times (seconds after T0)."""

    def __init__(self, flow_run_id: str = "F", flow_name: str = "etl") -> None:
        self.flow_run_id = flow_run_id
        self.events: list[Event] = [
            FlowRunCreated(flow_run_id, flow_name, "brave-run", {"n": 3}, (), None, T0)
        ]
        self.counts: dict[str, int] = {}
        self.flow("Running", 0.0)

    def task(
        self, run_id: str, task_name: str, at: float, upstream: tuple[str, ...] = ()
    ) -> Script:
        index = self.counts.get(task_name, 0)
        self.counts[task_name] = index + 1
        self.events.append(
            TaskRunCreated(
                run_id,
                self.flow_run_id,
                task_name,
                task_name,
                f"{task_name}-{index}",
                (),
                T0 + at,
                upstream,
            )
        )
        return self

    def state(
        self,
        run_id: str,
        name: str,
        at: float,
        message: str | None = None,
        data: Any = None,
    ) -> Script:
        extra = {} if data is None else {"data": data}
        state = State(_STATES[name], name, message, ts=T0 + at, **extra)
        attempts = sum(
            1
            for e in self.events
            if isinstance(e, StateChanged)
            and e.run_id == run_id
            and e.state.type is StateType.RUNNING
        ) + (state.type is StateType.RUNNING)
        self.events.append(StateChanged(run_id, "task", state, attempts))
        return self

    def log(
        self, run_id: str | None, message: str, at: float, level: int = 20
    ) -> Script:
        self.events.append(
            LogEmitted(self.flow_run_id, run_id, level, message, T0 + at)
        )
        return self

    def flow(self, name: str, at: float) -> Script:
        self.events.append(
            StateChanged(
                self.flow_run_id, "flow", State(_STATES[name], name, ts=T0 + at)
            )
        )
        return self

    def fold(self, graph: NotebookGraph | None = None) -> RunFold:
        fold = RunFold(graph)
        for event in self.events:
            fold.apply(event)
        return fold


def notebook_graph(*cells: tuple[str, str, str]) -> NotebookGraph:
    """Build a real notebook DAG from ``(id, kind, source)`` triples."""
    return build_notebook_graph(
        [CellInput(cid, i, src, kind, cid) for i, (cid, kind, src) in enumerate(cells)]
    )


@pytest.fixture
def script() -> type[Script]:
    """The ``Script`` class: ``script().task(...).state(...).fold()``."""
    return Script


@pytest.fixture
def nb_graph() -> Any:
    """``nb_graph(("p", "params", "n = 1"), ("a", "task", "x = n"))`` -> NotebookGraph."""
    return notebook_graph


class _Recorder:
    """Keeps the bus's events (delivered on worker threads) for one fold later."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._lock = threading.Lock()

    def __call__(self, event: Event) -> None:
        with self._lock:
            self.events.append(event)


@pytest.fixture
def run_recorded(isolated_home: Any) -> Callable[[Any], tuple[RunFold, RunRecord]]:
    """``run_recorded(flow_fn)``: call the flow; return its live fold and stored record.

    The live fold follows the first top-level flow run the call published, as a
    live view would; the record is ``get_run`` of that run.
    """

    def run(fn: Any) -> tuple[RunFold, RunRecord]:
        recorder = _Recorder()
        unsubscribe = get_session().bus.subscribe(recorder)
        try:
            fn()
        finally:
            unsubscribe()
        fold = RunFold()
        for event in recorder.events:
            fold.apply(event)
        assert fold.flow_run_id is not None
        return fold, get_run(fold.flow_run_id)

    return run
