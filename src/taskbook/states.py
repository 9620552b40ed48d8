"""Public states: Prefect 3's state types and constructors (``Completed()``, ...)."""

from __future__ import annotations

import time
from typing import Any

from taskbook.core.states import State, StateType

__all__ = (
    "AwaitingRetry",
    "Cached",
    "Cancelled",
    "Cancelling",
    "Completed",
    "Crashed",
    "Failed",
    "Late",
    "Paused",
    "Pending",
    "Retrying",
    "Running",
    "Scheduled",
    "State",
    "StateType",
    "TimedOut",
)

_NO_DATA: Any = State(StateType.PENDING).data


def _make(kind: StateType, default_name: str) -> Any:
    def constructor(
        message: str | None = None,
        data: Any = _NO_DATA,
        name: str | None = None,
        **_: Any,
    ) -> State:
        return State(kind, name or default_name, message, data, ts=time.time())

    constructor.__name__ = constructor.__qualname__ = default_name
    constructor.__doc__ = f"Return a {kind.value} state named {default_name!r}."
    return constructor


Scheduled = _make(StateType.SCHEDULED, "Scheduled")
Late = _make(StateType.SCHEDULED, "Late")
AwaitingRetry = _make(StateType.SCHEDULED, "AwaitingRetry")
Pending = _make(StateType.PENDING, "Pending")
Running = _make(StateType.RUNNING, "Running")
Retrying = _make(StateType.RUNNING, "Retrying")
Completed = _make(StateType.COMPLETED, "Completed")
Cached = _make(StateType.COMPLETED, "Cached")
Failed = _make(StateType.FAILED, "Failed")
TimedOut = _make(StateType.FAILED, "TimedOut")
Cancelled = _make(StateType.CANCELLED, "Cancelled")
Cancelling = _make(StateType.CANCELLING, "Cancelling")
Crashed = _make(StateType.CRASHED, "Crashed")
Paused = _make(StateType.PAUSED, "Paused")
