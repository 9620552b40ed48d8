"""States of task and flow runs: Prefect 3's vocabulary as plain values.

A State is immutable; the engine stamps its time. ``result()`` follows Prefect:
it returns the value of a Completed state and raises for every other final state.
No clock here: the timestamp is given by whoever makes the state.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from taskbook.errors import (
    CancelledRun,
    CrashedRun,
    FailedRun,
    MissingResult,
    UnfinishedRun,
)


class StateType(str, enum.Enum):
    """The kind of a state; the name (``Cached``, ``Retrying``...) refines it."""

    SCHEDULED = "SCHEDULED"
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    CRASHED = "CRASHED"
    PAUSED = "PAUSED"
    CANCELLING = "CANCELLING"

    def __str__(self) -> str:
        return self.value


FINAL_TYPES = frozenset(
    {StateType.COMPLETED, StateType.FAILED, StateType.CANCELLED, StateType.CRASHED}
)

_NO_RESULT: Any = object()


@dataclass(frozen=True, slots=True, eq=False)
class State:
    """One state of a run.

    Attributes:
        type: The kind of state.
        name: Prefect's state name (``"Completed"``, ``"Cached"``, ``"TimedOut"`` ...).
        message: Human explanation, e.g. ``"2/3 states failed."``.
        data: The result of a Completed state, the exception of a Failed one.
        ts: Seconds since the epoch when the run entered the state.
        scheduled_ts: For AwaitingRetry/Scheduled: when the run may start.
    """

    type: StateType
    name: str = ""
    message: str | None = None
    data: Any = _NO_RESULT
    ts: float = 0.0
    scheduled_ts: float | None = None
    cache_expiration: float | None = field(default=None, repr=False)
    # The id of the run that entered this state; None for states users construct.
    owner: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not self.name:
            object.__setattr__(self, "name", self.type.value.capitalize())

    @property
    def timestamp(self) -> datetime:
        """When the run entered this state, as an aware UTC datetime."""
        return datetime.fromtimestamp(self.ts, tz=timezone.utc)

    def with_time(self, ts: float, owner: str | None = None) -> State:
        """Return this state stamped with ``ts`` (and the run that owns it)."""
        # Direct construction: dataclasses.replace costs ~9 µs, this ~1 µs.
        return State(
            self.type,
            self.name,
            self.message,
            self.data,
            ts,
            self.scheduled_ts,
            self.cache_expiration,
            owner or self.owner,
        )

    def aggregated(self) -> list[State] | None:
        """Return the states this one aggregates (a flow returned them), if any."""
        data = self.data
        if isinstance(data, State):
            return [data]
        if (
            isinstance(data, (list, tuple, set))
            and data
            and all(isinstance(s, State) for s in data)
        ):
            return list(data)
        return None

    def result(self, raise_on_failure: bool = True) -> Any:
        """Return the run's result, or raise what made it fail.

        Args:
            raise_on_failure: When False, return the exception instead of raising.

        Returns:
            The value for a Completed state, else the exception (when not raising).

        Raises:
            Exception: The user's exception for a Failed state, or FailedRun,
                CrashedRun, CancelledRun, UnfinishedRun, MissingResult.
        """
        if self.type is StateType.COMPLETED:
            if self.data is _NO_RESULT:
                raise MissingResult(
                    f"State {self.name!r} has no result attached. Call the task "
                    f"with persist_result=True to keep its result."
                )
            return self.data
        if self.type not in FINAL_TYPES:
            # As Prefect: even with raise_on_failure=False (NotReady included).
            reason = f": {self.message}" if self.message else ""
            raise UnfinishedRun(
                f"Run is in {self.type.value} state {self.name!r}, its result is not "
                f"available{reason}"
            )
        if isinstance(self.data, BaseException):
            err: BaseException = self.data
        elif (parts := self.aggregated()) is not None:
            # An aggregate of states (a flow returned them): Prefect raises the
            # first failure's exception, or hands the states back.
            first = next(
                (s for s in parts if s.is_final() and not s.is_completed()), None
            )
            if not raise_on_failure:
                return self.data
            if first is not None:
                return first.result()
            err = FailedRun(self.message or "Run failed.")
        elif self.data is not _NO_RESULT and not raise_on_failure:
            return self.data  # a state the user built with data, as Prefect
        elif self.type is StateType.FAILED:
            err = FailedRun(self.message or "Run failed.")
        elif self.type is StateType.CRASHED:
            err = CrashedRun(self.message or "Run crashed.")
        else:
            err = CancelledRun(self.message or "Run cancelled.")  # Prefect's words
        if raise_on_failure:
            raise err
        return err

    def has_result(self) -> bool:
        """Return whether a result value is attached."""
        return self.data is not _NO_RESULT

    def is_scheduled(self) -> bool:
        return self.type is StateType.SCHEDULED

    def is_pending(self) -> bool:
        return self.type is StateType.PENDING

    def is_running(self) -> bool:
        return self.type is StateType.RUNNING

    def is_completed(self) -> bool:
        return self.type is StateType.COMPLETED

    def is_failed(self) -> bool:
        return self.type is StateType.FAILED

    def is_cancelled(self) -> bool:
        return self.type is StateType.CANCELLED

    def is_crashed(self) -> bool:
        return self.type is StateType.CRASHED

    def is_paused(self) -> bool:
        return self.type is StateType.PAUSED

    def is_cancelling(self) -> bool:
        return self.type is StateType.CANCELLING

    def is_final(self) -> bool:
        return self.type in FINAL_TYPES

    def __repr__(self) -> str:
        # Prefect's display form: Completed(), Failed('Task run encountered ...'),
        # and the type when the name does not say it: Cached(type=COMPLETED).
        shown = [repr(self.message)] if self.message else []
        if self.name.lower() != self.type.value.lower():
            shown.append(f"type={self.type.value}")
        return f"{self.name}({', '.join(shown)})"

    __str__ = __repr__


# The transitions the engine may make. Anything may go to CRASHED/CANCELLED;
# final states are final (a new attempt is a new run for flows, a retry for tasks
# goes through the non-final AwaitingRetry/Retrying states).
ALLOWED_TRANSITIONS: dict[StateType | None, frozenset[StateType]] = {
    None: frozenset({StateType.PENDING, StateType.SCHEDULED, StateType.RUNNING}),
    StateType.SCHEDULED: frozenset(
        {StateType.PENDING, StateType.RUNNING, StateType.CANCELLED, StateType.CRASHED}
    ),
    StateType.PENDING: frozenset(
        {
            StateType.PENDING,  # Pending -> NotReady
            StateType.RUNNING,
            StateType.COMPLETED,  # cache hit
            StateType.CANCELLED,
            StateType.CRASHED,
            StateType.FAILED,
        }
    ),
    StateType.RUNNING: frozenset(
        {
            StateType.COMPLETED,
            StateType.FAILED,
            StateType.CANCELLED,
            StateType.CRASHED,
            StateType.SCHEDULED,  # AwaitingRetry
            StateType.RUNNING,  # Retrying
            StateType.PAUSED,
        }
    ),
    StateType.PAUSED: frozenset(
        {StateType.RUNNING, StateType.CANCELLED, StateType.CRASHED}
    ),
}


def is_allowed(current: StateType | None, new: StateType) -> bool:
    """Return whether a run in ``current`` may move to ``new``."""
    return new in ALLOWED_TRANSITIONS.get(current, frozenset())
