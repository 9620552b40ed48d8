"""Futures of submitted task runs, with Prefect's ``wait`` and ``as_completed``.

A future wraps a ``concurrent.futures.Future`` whose value is the run's final
State, whichever runner (threads, engine loop, processes, Dask) produced it.
"""

from __future__ import annotations

import concurrent.futures as cf
from collections.abc import Iterable, Iterator
from typing import Any, Generic, NamedTuple, TypeVar

from taskbook.core.states import State, StateType
from taskbook.engine.context import TaskRun
from taskbook.errors import CancelRun

R = TypeVar("R")


class TaskFuture(Generic[R]):
    """The eventual result of a submitted task run."""

    _is_taskbook_future = True
    __slots__ = ("_future", "_task_run")

    def __init__(self, task_run: TaskRun, future: cf.Future[State]) -> None:
        self._task_run = task_run
        self._future = future

    @property
    def task_run_id(self) -> str:
        return self._task_run.id

    @property
    def task_run_name(self) -> str:
        return self._task_run.name

    @property
    def state(self) -> State:
        """The run's current state; final once the future is done."""
        if self._future.done():
            return self._final_state()
        return self._task_run.state or State(StateType.PENDING)

    def _final_state(self) -> State:
        if self._future.cancelled():
            return (
                self._task_run.state
                if _is_final(self._task_run.state)
                else State(
                    StateType.CANCELLED,
                    message="The task run was cancelled before it started.",
                )
            )
        exc = self._future.exception()
        if exc is None:
            return self._future.result()
        if isinstance(exc, (KeyboardInterrupt, CancelRun)):
            return State(StateType.CANCELLED, message="The task run was cancelled.")
        return (
            self._task_run.state
            if _is_final(self._task_run.state)
            else State(
                StateType.CRASHED, message=f"Task run crashed: {exc!r}", data=exc
            )
        )

    def done(self) -> bool:
        """Return whether the run has finished."""
        return self._future.done()

    def wait(self, timeout: float | None = None) -> None:
        """Block until the run finishes or ``timeout`` seconds pass."""
        try:
            cf.wait([self._future], timeout=timeout)
        except cf.CancelledError:
            pass

    def result(self, timeout: float | None = None, raise_on_failure: bool = True) -> R:
        """Wait for the run and return its result (or raise its exception).

        Args:
            timeout: Seconds to wait at most.
            raise_on_failure: When False, return the exception of a failed run.

        Raises:
            TimeoutError: If the run did not finish in time.
        """
        self.wait(timeout)
        if not self._future.done():
            raise TimeoutError(
                f"Task run {self.task_run_name!r} did not finish within {timeout} s."
            )
        return self.state.result(raise_on_failure=raise_on_failure)  # type: ignore[no-any-return]

    def add_done_callback(self, fn: Any) -> None:
        """Call ``fn(self)`` when the run finishes."""
        self._future.add_done_callback(lambda _: fn(self))

    def __repr__(self) -> str:
        return f"TaskFuture({self.task_run_name!r}, {self.state.name})"


def _is_final(state: State | None) -> bool:
    return state is not None and state.is_final()


class TaskFutureList(list[TaskFuture[R]]):
    """The futures of a ``.map()`` call."""

    def wait(self, timeout: float | None = None) -> None:
        """Wait for every future."""
        wait(self, timeout)

    def result(
        self, timeout: float | None = None, raise_on_failure: bool = True
    ) -> list[R]:
        """Return the results in order (raises the first failure)."""
        self.wait(timeout)
        return [f.result(timeout=0, raise_on_failure=raise_on_failure) for f in self]


class DoneAndNotDoneFutures(NamedTuple):
    done: set[TaskFuture[Any]]
    not_done: set[TaskFuture[Any]]


def wait(
    futures: Iterable[TaskFuture[Any]], timeout: float | None = None
) -> DoneAndNotDoneFutures:
    """Wait for futures; return which are done and which are not.

    Args:
        futures: The futures to wait for.
        timeout: Seconds to wait at most (None: until all are done).
    """
    futures = list(futures)
    by_inner = {f._future: f for f in futures}
    done, not_done = cf.wait(list(by_inner), timeout=timeout)
    return DoneAndNotDoneFutures(
        {by_inner[f] for f in done}, {by_inner[f] for f in not_done}
    )


def as_completed(
    futures: Iterable[TaskFuture[Any]], timeout: float | None = None
) -> Iterator[TaskFuture[Any]]:
    """Yield futures as they finish.

    Raises:
        TimeoutError: If futures are still running after ``timeout`` seconds.
    """
    by_inner = {f._future: f for f in futures}
    for inner in cf.as_completed(list(by_inner), timeout=timeout):
        yield by_inner[inner]
