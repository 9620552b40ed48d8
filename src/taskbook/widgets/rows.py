"""Pieces of the view models: a task run as the views see it, a graph node, a Gantt row.

Pure. ``TaskRunView`` is what the fold keeps per task run; ``node_model`` colours a
graph node by the states of its runs (a mapped task's runs share one node, with a
count per state); ``timeline_row`` cuts a run's life into waiting, running,
retrying and cached segments; ``row_labels`` names the rows of a Gantt.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from taskbook.core.palette import state_style, text_color
from taskbook.core.states import FINAL_TYPES, State, StateType

__all__ = ("StateEntry", "TaskRunView", "node_model", "row_labels", "timeline_row")

_FINAL = frozenset(t.value for t in FINAL_TYPES)
_RUNNING = StateType.RUNNING.value

# Which state a group of runs shows: the most "active" one wins, then failures.
_RANK = {
    "RUNNING": 0,
    "CANCELLING": 1,
    "SCHEDULED": 2,
    "PAUSED": 3,
    "FAILED": 4,
    "CRASHED": 5,
    "PENDING": 7,
    "CANCELLED": 8,
    "COMPLETED": 9,
}


@dataclass(frozen=True, slots=True)
class StateEntry:
    """One state a run entered, as the views need it."""

    type: str
    name: str
    ts: float
    message: str | None


@dataclass(slots=True)
class TaskRunView:
    """What the views know about one task run; mutated only by ``RunFold``."""

    id: str
    name: str
    task_name: str
    flow_run_id: str | None
    created: float
    node: str
    upstream: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    states: list[StateEntry] = field(default_factory=list)
    run_count: int = 0
    cache_key: str | None = None
    final: State | None = None  # the final State object: result or exception
    logs: list[tuple[float, int, str]] = field(default_factory=list)
    artifacts: list[dict[str, Any]] = field(default_factory=list)

    @property
    def state_type(self) -> str:
        """The current state type; a run is Pending from its creation."""
        return self.states[-1].type if self.states else "PENDING"

    @property
    def state_name(self) -> str:
        """The current state name."""
        return self.states[-1].name if self.states else "Pending"

    @property
    def ended(self) -> bool:
        """Whether the run reached a state it does not leave."""
        return bool(self.states) and (
            self.states[-1].type in _FINAL or self.states[-1].name == "NotReady"
        )


def _rank(type_: str, name: str) -> float:
    if name == "NotReady":  # Pending by type, but it is where the run ended
        return 6
    return _RANK.get(type_, 10)


@lru_cache(maxsize=64)
def _colors(type_: str | None, name: str | None) -> tuple[str, str]:
    fill = state_style(type_, name).color
    return fill, text_color(fill)


def node_model(
    node_id: str,
    label: str,
    kind: str,
    runs: Collection[TaskRunView],
    stale: bool,
    position: tuple[float, float],
    cell: int | None = None,
) -> dict[str, Any]:
    """Return a graph node: its state (the most active of its runs), colours, counts.

    ``cell`` is the notebook position of the cell the node is (None for tasks of
    Python-API flows): a click on the node leads there.
    """
    counts: dict[str, int] = {}
    kinds: dict[str, str] = {}
    best: tuple[float, str | None, str | None] = (99.0, None, None)
    for run in runs:
        type_, name = run.state_type, run.state_name
        counts[name] = counts.get(name, 0) + 1
        kinds[name] = type_
        rank = _rank(type_, name)
        if rank < best[0]:
            best = (rank, type_, name)
    _, best_type, best_name = best
    if best_type == "COMPLETED" and len(counts) > 1:
        best_name = "Completed"  # a mix of cached and fresh runs
    fill, text = _colors(best_type, best_name)
    # Most telling first: running, retrying, failed, ..., completed, cached.
    order = sorted(counts, key=lambda n: (_rank(kinds[n], n), n == "Cached", n))
    badge = " ".join(f"{state_style(kinds[n], n).symbol}{counts[n]}" for n in order)
    return {
        "id": node_id,
        "label": label,
        "kind": kind,
        "state": best_type,
        "state_name": best_name,
        "fill": fill,
        "text": text,
        "counts": counts,
        "runs": len(runs),
        "badge": badge if len(runs) > 1 else "",
        "stale": stale,
        "x": position[0],
        "y": position[1],
        "cell": cell,
    }


def _segments(
    run: TaskRunView, now: float | None
) -> tuple[list[tuple[str, float, float]], float | None]:
    """Return ``(kind, start, end)`` segments and the run's end (None if in flight)."""
    segments: list[tuple[str, float, float]] = []
    kind: str | None = "waiting"
    start = last = run.created
    for entry in run.states:
        last = max(last, entry.ts)
        if entry.type == _RUNNING:
            new_kind: str | None = "running"
        elif entry.name == "AwaitingRetry":
            new_kind = "retrying"
        elif entry.type in _FINAL or entry.name == "NotReady":
            new_kind = None
        else:
            continue  # Pending/Paused: the current segment goes on
        if kind is not None:
            segments.append((kind, start, max(entry.ts, start)))
        kind, start = new_kind, entry.ts
        if new_kind is None:
            if entry.name == "Cached":  # an instant, but it must not look like waiting
                segments.append(("cached", entry.ts, entry.ts))
            return segments, entry.ts
    if kind is not None:
        segments.append((kind, start, max(now if now is not None else last, start)))
    return segments, None


def timeline_row(
    run: TaskRunView, t0: float, now: float | None, task: str | None = None
) -> dict[str, Any]:
    """Return a Gantt row: segments in seconds since ``t0``, colour of the state.

    Segments: ``waiting`` from creation to the first Running, ``running`` while an
    attempt runs, ``retrying`` from AwaitingRetry to the next attempt, and a
    ``cached`` instant where a cache hit ended the run. A run still in flight has
    its last segment end at ``now`` (or its last state if None). ``task`` names
    the row's task (its graph node's label; the run's task name if None).
    """
    segments, end = _segments(run, now)
    type_, name = run.state_type, run.state_name
    return {
        "id": run.id,
        "label": run.name,
        "task": task or run.task_name,
        "node": run.node,
        "state": type_,
        "state_name": name,
        "fill": _colors(type_, name)[0],
        "segments": [
            {"kind": kind, "start": start - t0, "end": stop - t0}
            for kind, start, stop in segments
        ],
        "start": run.created - t0,
        "end": None if end is None else end - t0,
        "attempts": run.run_count,
    }


def row_labels(rows: Sequence[dict[str, Any]]) -> list[str]:
    """Return one distinct label per timeline row, in order.

    A task that ran once is labelled by its name (``extract``), not its run's
    (``extract-0``); the runs of a task that ran several times keep their run
    names. A label met twice gets the tail of its run id.
    """
    per_task = Counter(row["node"] for row in rows)
    labels: list[str] = []
    seen: set[str] = set()
    for row in rows:
        label = row["task"] if per_task[row["node"]] == 1 else row["label"]
        if label in seen:
            label = f"{label} ({row['id'][-6:]})"
        seen.add(label)
        labels.append(label)
    return labels
