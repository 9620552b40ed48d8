"""Public states: Prefect 3's state types and constructors (``Completed()``, ...),
``StateGroup``, and the helpers between exceptions and states
(``get_state_exception``, ``exception_to_failed_state``...)."""

from __future__ import annotations

import sys
import time
from collections import Counter
from typing import Any

from taskbook.core.states import State, StateType
from taskbook.engine.outcomes import format_exception
from taskbook.errors import CancelledRun, CrashedRun, FailedRun, NoExceptionError

__all__ = (
    "AwaitingConcurrencySlot",
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
    "StateGroup",
    "StateType",
    "Suspended",
    "TimedOut",
    "exception_to_crashed_state",
    "exception_to_failed_state",
    "get_state_exception",
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
AwaitingConcurrencySlot = _make(StateType.SCHEDULED, "AwaitingConcurrencySlot")
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
Suspended = _make(StateType.PAUSED, "Suspended")

_WRAPPERS = {
    StateType.FAILED: (FailedRun, "Run failed."),
    StateType.CRASHED: (CrashedRun, "Run crashed."),
    StateType.CANCELLED: (CancelledRun, "Run cancelled."),
}


def get_state_exception(state: State) -> BaseException:
    """Return the exception of a Failed, Crashed or Cancelled state, as Prefect does.

    The state's own exception if it holds one; for a state built from a message
    or a string, ``FailedRun``/``CrashedRun``/``CancelledRun`` with it; for a
    state holding states, the first failure's exception.

    Raises:
        NoExceptionError: The state is of another type, or holds no exception.
    """
    if state.type not in _WRAPPERS:
        raise NoExceptionError.from_state(state)
    wrapper, default = _WRAPPERS[state.type]
    data = state.data if state.has_result() else None
    if data is None:
        return wrapper(state.message or default)
    if isinstance(data, BaseException):
        return data
    if isinstance(data, str):
        return wrapper(data)
    if isinstance(data, State):
        return get_state_exception(data)
    if isinstance(data, (list, tuple, set)) and all(isinstance(s, State) for s in data):
        for inner in data:
            if inner.type in _WRAPPERS:
                return get_state_exception(inner)
    raise NoExceptionError.from_data(state, data)


async def exception_to_failed_state(
    exc: BaseException | None = None, **kwargs: Any
) -> State:
    """Return a Failed state holding ``exc`` (default: the exception being handled).

    As Prefect's: ``message=`` is put before ``"ValueError: ..."``; it is async.

    Raises:
        NoExceptionError: No ``exc`` and no exception is being handled.
    """
    if exc is None:
        exc = sys.exc_info()[1]
        if exc is None:
            raise NoExceptionError.from_no_active_exception()
    existing = kwargs.pop("message", "") or ""
    if existing and not existing.endswith(" "):
        existing += " "
    return Failed(message=existing + format_exception(exc), data=exc, **kwargs)


async def exception_to_crashed_state(exc: BaseException, **_: Any) -> State:
    """Return a Crashed state for ``exc`` raised outside user code, in Prefect's words."""
    if isinstance(exc, KeyboardInterrupt):
        message = "Execution was aborted by an interrupt signal."
    elif isinstance(exc, SystemExit):
        message = "Execution was aborted by Python system exit call."
    elif type(exc).__name__ == "CancelledError":  # asyncio's or anyio's backend's
        message = "Execution was cancelled by the runtime environment."
    else:
        message = (
            "Execution was interrupted by an unexpected exception: "
            f"{format_exception(exc)}"
        )
    return Crashed(message=message, data=exc)


class StateGroup:
    """Counts over a list of states (Prefect's, as a flow's returned states use)."""

    def __init__(self, states: list[State]) -> None:
        """Count ``states`` by type."""
        self.states = states
        self.type_counts: Counter[StateType] = Counter(s.type for s in states)
        self.total_count = len(states)
        self.cancelled_count = self.type_counts[StateType.CANCELLED]
        self.final_count = sum(s.is_final() for s in states)
        self.not_final_count = self.total_count - self.final_count
        self.paused_count = self.type_counts[StateType.PAUSED]

    @property
    def fail_count(self) -> int:
        """Failed and Crashed states."""
        return self.type_counts[StateType.FAILED] + self.type_counts[StateType.CRASHED]

    def all_completed(self) -> bool:
        return self.type_counts[StateType.COMPLETED] == self.total_count

    def any_cancelled(self) -> bool:
        return self.cancelled_count > 0

    def any_failed(self) -> bool:
        return self.fail_count > 0

    def any_paused(self) -> bool:
        return self.paused_count > 0

    def all_final(self) -> bool:
        return self.final_count == self.total_count

    def counts_message(self) -> str:
        """``"total=3, 'COMPLETED'=2, 'FAILED'=1"``, as Prefect words it."""
        parts = [f"total={self.total_count}"]
        if self.not_final_count:
            parts.append(f"not_final={self.not_final_count}")
        parts += [f"{t.value!r}={n}" for t, n in self.type_counts.items() if n]
        return ", ".join(parts)

    def __repr__(self) -> str:
        return f"StateGroup<{self.counts_message()}>"
