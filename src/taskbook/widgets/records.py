"""Past runs as view models: a stored run is replayed as the events it was made of.

Pure. ``record_events`` turns a ``taskbook.get_run`` record into the engine's
events, so ``fold_record`` gives exactly the fold a live view had at the end of
the run. ``fold_states`` draws a notebook's cells in the states their last runs
ended in, across runs (the parameter form's graph). ``history_model`` summarises ``taskbook.runs()`` rows: status, duration,
success rate (a cancelled run is neither a success nor a failure) and the
duration trend. Records are read by attribute (duck typing),
so anything shaped like ``RunRecord`` works.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from taskbook.core import events
from taskbook.core.graph import NotebookGraph
from taskbook.core.palette import state_style
from taskbook.core.states import State, StateType
from taskbook.widgets.viewmodel import RunFold

__all__ = ("fold_record", "fold_states", "history_model", "record_events")


def _state(entry: Any) -> State:
    try:
        type_ = StateType(entry.type)
    except ValueError:
        type_ = StateType.CRASHED  # an unknown type in an old store: show it as broken
    return State(type_, entry.name or "", entry.message, ts=float(entry.timestamp))


def record_events(record: Any) -> Iterator[events.Event]:
    """Yield the events that made a stored flow run, in the order they happened.

    Args:
        record: A ``taskbook.get_run(run_id)`` record.
    """
    flow_states = list(record.states)
    created = flow_states[0].timestamp if flow_states else record.start_time or 0.0
    yield events.FlowRunCreated(
        record.id,
        record.flow_name,
        record.name,
        dict(record.parameters or {}),
        tuple(record.tags or ()),
        record.parent_task_run_id,
        float(created),
    )
    timed: list[tuple[float, int, events.Event]] = []
    for entry in flow_states:
        timed.append(
            (entry.timestamp, 2, events.StateChanged(record.id, "flow", _state(entry)))
        )
    for task_run in record.task_runs:
        states = list(task_run.states)
        # The store records creation as the run's first (Pending) state.
        if states and states[0].type == "PENDING" and states[0].name == "Pending":
            born, states = states[0].timestamp, states[1:]
        else:
            born = task_run.start_time or (states[0].timestamp if states else created)
        timed.append(
            (
                born,
                0,
                events.TaskRunCreated(
                    task_run.id,
                    record.id,
                    task_run.task_name,
                    task_run.task_name,
                    task_run.name,
                    tuple(task_run.tags or ()),
                    float(born),
                    tuple(getattr(task_run, "upstream", None) or ()),
                ),
            )
        )
        attempts = 0
        for entry in states:
            attempts += entry.type == "RUNNING"
            cache_key = task_run.cache_key if entry.type == "COMPLETED" else None
            event = events.StateChanged(
                task_run.id, "task", _state(entry), attempts, cache_key
            )
            timed.append((entry.timestamp, 1, event))
    for log in record.logs:
        timed.append(
            (
                log["ts"],
                1,
                events.LogEmitted(
                    record.id,
                    log.get("task_run_id"),
                    log["level"],
                    log["message"],
                    log["ts"],
                ),
            )
        )
    for art in record.artifacts:
        timed.append((art.get("created") or 0.0, 1, _artifact(record.id, art)))
    # Stable sort: creation before states at the same instant, flow states last.
    timed.sort(key=lambda item: (item[0], item[1]))
    for _, _, item in timed:
        yield item


def _artifact(flow_run_id: str, row: Mapping[str, Any]) -> events.ArtifactCreated:
    return events.ArtifactCreated(
        str(row.get("id", "")),
        row.get("key"),
        str(row.get("type", "")),
        row.get("data"),
        row.get("description"),
        flow_run_id,
        row.get("task_run_id"),
        float(row.get("created") or 0.0),
    )


def fold_record(record: Any, graph: NotebookGraph | None = None) -> RunFold:
    """Return the fold of a stored run, as a live view had it at the run's end.

    Args:
        record: A ``taskbook.get_run(run_id)`` record.
        graph: The notebook DAG when the run was a notebook flow.
    """
    fold = RunFold(graph, flow_run_id=record.id)
    for event in record_events(record):
        fold.apply(event)
    return fold


def fold_states(
    graph: NotebookGraph, states: Mapping[str, tuple[str, str | None]]
) -> RunFold:
    """Return a fold whose graph shows each cell in the state its last run ended in.

    Args:
        graph: The notebook DAG.
        states: Node id -> ``(state type, state name)``; nodes without one are
            "not run". Ids not in the graph are ignored.
    """
    fold = RunFold(graph, flow_run_id="latest")
    fold.apply(events.FlowRunCreated("latest", "", "", {}, (), None, 0.0))
    known = {node.id for node in graph.nodes}
    for node_id, (type_, name) in states.items():
        if node_id not in known:
            continue
        run_id = f"latest:{node_id}"
        fold.apply(
            events.TaskRunCreated(run_id, "latest", node_id, node_id, node_id, (), 0.0)
        )
        state = _state_of(type_, name)
        fold.apply(events.StateChanged(run_id, "task", state))
    return fold


def _state_of(type_: str, name: str | None) -> State:
    try:
        return State(StateType(type_), name or "")
    except ValueError:  # not a state type: show it as broken
        return State(StateType.CRASHED, name or type_)


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def history_model(rows: Iterable[Mapping[str, Any]], trend: int = 30) -> dict[str, Any]:
    """Summarise past runs: one row each, success rate, duration trend.

    Args:
        rows: Run rows newest first, as ``taskbook.runs().to_dict("records")``
            gives them (``id``, ``flow_name``, ``name``, ``state_type``,
            ``state_name``, ``start_time``, ``duration``, ``task_runs``).
        trend: How many of the latest finished runs the trend covers.

    Returns:
        ``{"runs": [...], "success_rate": float | None, "finished": int,
        "cancelled": int, "trend": [durations oldest first]}``. The success rate
        is over the runs that completed, failed or crashed: someone stopped a
        cancelled run, it did not fail.
    """
    runs: list[dict[str, Any]] = []
    for row in rows:
        type_, name = row.get("state_type"), row.get("state_name")
        start = row.get("start_time")
        runs.append(
            {
                "id": str(row["id"]),
                "flow_name": row.get("flow_name") or "",
                "name": row.get("name") or "",
                "state": type_,
                "state_name": name,
                "fill": state_style(type_, name).color,
                "start": None if start is None else str(start)[:19].replace("T", " "),
                "duration": _number(row.get("duration")),
                "task_runs": int(_number(row.get("task_runs")) or 0),
            }
        )
    finished = [
        r for r in runs if r["state"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED")
    ]
    judged = [r for r in finished if r["state"] != "CANCELLED"]
    ok = sum(r["state"] == "COMPLETED" for r in judged)
    durations = [r["duration"] for r in finished if r["duration"] is not None]
    return {
        "runs": runs,
        "finished": len(finished),
        "cancelled": len(finished) - len(judged),
        "success_rate": ok / len(judged) if judged else None,
        "trend": list(reversed(durations[:trend])),
    }
