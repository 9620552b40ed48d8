"""Run history from the run store: ``runs()`` as a DataFrame, ``get_run(id)``."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from taskbook.engine.session import session_for_runs
from taskbook.errors import MissingDependencyError, RunNotFoundError

__all__ = [
    "RunRecord",
    "StateRecord",
    "TaskRunRecord",
    "get_run",
    "run_duration",
    "runs",
]


@dataclass(frozen=True, slots=True)
class StateRecord:
    """One state a run passed through."""

    type: str
    name: str
    message: str | None
    timestamp: float


@dataclass(frozen=True, slots=True)
class TaskRunRecord:
    """A recorded task run with its states.

    ``upstream`` holds the ids of the task runs it was given (futures in its
    parameters or ``wait_for``, results of direct calls), in order.
    """

    id: str
    name: str
    task_name: str
    state_type: str | None
    state_name: str | None
    run_count: int
    start_time: float | None
    end_time: float | None
    tags: list[str]
    cache_key: str | None
    states: list[StateRecord] = field(default_factory=list)
    upstream: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RunRecord:
    """A recorded flow run: its task runs, states, logs, parameters and artifacts."""

    id: str
    name: str
    flow_name: str
    state_type: str | None
    state_name: str | None
    message: str | None
    parameters: dict[str, Any]
    tags: list[str]
    start_time: float | None
    end_time: float | None
    parent_task_run_id: str | None
    states: list[StateRecord]
    task_runs: list[TaskRunRecord]
    logs: list[dict[str, Any]]
    artifacts: list[dict[str, Any]]

    @property
    def duration(self) -> float | None:
        if self.start_time is None or self.end_time is None:
            return None
        return self.end_time - self.start_time


_RUN_COLUMNS = (
    "id",
    "flow_name",
    "name",
    "state_type",
    "state_name",
    "message",
    "parameters",
    "tags",
    "created",
    "start_time",
    "end_time",
    "run_count",
    "task_runs",
)


def run_rows(
    flow_name: str | None = None, limit: int | None = None
) -> list[dict[str, Any]]:
    """Return the flow runs in the store, newest first, as plain dicts (no pandas).

    Each row has the columns of ``runs()``: times as timezone-aware datetimes
    (UTC), ``duration`` in seconds (None while running), ``parameters`` a dict
    and ``tags`` a list.
    """
    sql = (
        "SELECT id, flow_name, name, state_type, state_name, message, parameters, "
        "tags, created, start_time, end_time, run_count, "
        "(SELECT COUNT(*) FROM task_runs t WHERE t.flow_run_id = f.id) AS task_runs "
        "FROM flow_runs f"
    )
    args: tuple[Any, ...] = ()
    if flow_name is not None:
        sql += " WHERE flow_name = ?"
        args = (flow_name,)
    sql += " ORDER BY created DESC"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    rows = []
    for record in session_for_runs().store.query(sql, args):
        row = {column: record[column] for column in _RUN_COLUMNS}
        start, end = row["start_time"], row["end_time"]
        row["duration"] = end - start if start is not None and end is not None else None
        for column in ("created", "start_time", "end_time"):
            if row[column] is not None:
                row[column] = datetime.fromtimestamp(row[column], tz=timezone.utc)
        row["parameters"] = json.loads(row["parameters"]) if row["parameters"] else {}
        row["tags"] = json.loads(row["tags"]) if row["tags"] else []
        rows.append(row)
    return rows


def run_duration(run_id: str) -> float | None:
    """Return a flow run's duration as the store records it, or None.

    From its first Running state to its final state: the one duration every view
    shows (live header, summary line, history). None while it runs, or for an
    unknown id.
    """
    rows = session_for_runs().store.query(
        "SELECT start_time, end_time FROM flow_runs WHERE id = ?", (str(run_id),)
    )
    if not rows or rows[0]["start_time"] is None or rows[0]["end_time"] is None:
        return None
    return float(rows[0]["end_time"] - rows[0]["start_time"])


def runs(flow_name: str | None = None, limit: int | None = None) -> Any:
    """Return the flow runs in the store, newest first, as a pandas DataFrame.

    The columns are those of ``run_rows()``, which needs no pandas.

    Raises:
        MissingDependencyError: If pandas is not installed.
    """
    try:
        import pandas as pd
    except ImportError as exc:
        raise MissingDependencyError.from_extra("pandas", "pandas") from exc
    frame = pd.DataFrame(
        run_rows(flow_name, limit), columns=[*_RUN_COLUMNS, "duration"]
    )
    for col in ("created", "start_time", "end_time"):
        frame[col] = pd.to_datetime(frame[col], utc=True)
    return frame


def get_run(run_id: str) -> RunRecord:
    """Return one flow run with its task runs, states, logs and artifacts.

    Raises:
        RunNotFoundError: If no flow run has this id.
    """
    store = session_for_runs().store
    rows = store.query("SELECT * FROM flow_runs WHERE id = ?", (str(run_id),))
    if not rows:
        raise RunNotFoundError.from_id(str(run_id), str(store.path))
    f = rows[0]
    states: dict[str, list[StateRecord]] = {}
    for s in store.query(
        "SELECT s.* FROM states s WHERE s.run_id = ? OR s.run_id IN "
        "(SELECT id FROM task_runs WHERE flow_run_id = ?) ORDER BY s.seq",
        (f["id"], f["id"]),
    ):
        states.setdefault(s["run_id"], []).append(
            StateRecord(s["type"], s["name"], s["message"], s["ts"])
        )
    task_runs = [
        TaskRunRecord(
            id=t["id"],
            name=t["name"],
            task_name=t["task_name"],
            state_type=t["state_type"],
            state_name=t["state_name"],
            run_count=t["run_count"] or 0,
            start_time=t["start_time"],
            end_time=t["end_time"],
            tags=json.loads(t["tags"] or "[]"),
            cache_key=t["cache_key"],
            states=states.get(t["id"], []),
            upstream=tuple(json.loads(t["upstream"] or "[]")),
        )
        for t in store.query(
            "SELECT * FROM task_runs WHERE flow_run_id = ? ORDER BY created", (f["id"],)
        )
    ]
    logs = [
        dict(r)
        for r in store.query(
            "SELECT task_run_id, level, message, ts FROM logs WHERE flow_run_id = ? "
            "ORDER BY seq",
            (f["id"],),
        )
    ]
    artifacts = [
        {**dict(r), "data": json.loads(r["data"])}
        for r in store.query(
            "SELECT * FROM artifacts WHERE flow_run_id = ? ORDER BY created", (f["id"],)
        )
    ]
    return RunRecord(
        id=f["id"],
        name=f["name"],
        flow_name=f["flow_name"],
        state_type=f["state_type"],
        state_name=f["state_name"],
        message=f["message"],
        parameters=json.loads(f["parameters"] or "{}"),
        tags=json.loads(f["tags"] or "[]"),
        start_time=f["start_time"],
        end_time=f["end_time"],
        parent_task_run_id=f["parent_task_run_id"],
        states=states.get(f["id"], []),
        task_runs=task_runs,
        logs=logs,
        artifacts=artifacts,
    )
