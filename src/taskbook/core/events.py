"""Events the engine publishes; the only thing run stores and views consume.

Each event is a small frozen record with plain data, so a subscriber on another
thread (the run store's writer, a widget bridge) can keep it without copying.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from taskbook.core.states import State


@dataclass(frozen=True, slots=True)
class FlowRunCreated:
    """A flow run started."""

    flow_run_id: str
    flow_name: str
    name: str
    parameters: dict[str, Any]
    tags: tuple[str, ...]
    parent_task_run_id: str | None
    ts: float


@dataclass(frozen=True, slots=True)
class TaskRunCreated:
    """A task run was created; it is Pending as of ``ts`` (no separate event)."""

    task_run_id: str
    flow_run_id: str | None
    task_name: str
    task_key: str
    name: str
    tags: tuple[str, ...]
    ts: float
    upstream: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StateChanged:
    """A run (task or flow) entered a state."""

    run_id: str
    kind: str  # "task" or "flow"
    state: State
    run_count: int = 0
    cache_key: str | None = None


@dataclass(frozen=True, slots=True)
class LogEmitted:
    """A log line from a run."""

    flow_run_id: str | None
    task_run_id: str | None
    level: int
    message: str
    ts: float


@dataclass(frozen=True, slots=True)
class ArtifactCreated:
    """An artifact (markdown, table, link) was created by a run."""

    artifact_id: str
    key: str | None
    type: str
    data: Any
    description: str | None
    flow_run_id: str | None
    task_run_id: str | None
    ts: float
    extra: dict[str, Any] = field(default_factory=dict)


Event = FlowRunCreated | TaskRunCreated | StateChanged | LogEmitted | ArtifactCreated
