"""Futures of submitted task runs, with Prefect's ``wait`` and ``as_completed``.

A future is one small object per run: it holds the run's outcome (its final
State, the exception that crashed it, or "cancelled before it started") and
allocates a waiter only when someone blocks on it before it is done. A large
``.map`` therefore costs one future per element, not a ``concurrent.futures``
future with its condition, locks and callback list (~7 GC-tracked objects).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar

from taskbook.core.states import State, StateType
from taskbook.errors import CancelRun, InvalidTimeoutError

if TYPE_CHECKING:
    import concurrent.futures as cf

    from taskbook.engine.context import TaskRun

R = TypeVar("R")

_log = logging.getLogger("taskbook.engine")

# One lock for every future: it is held for a few bytecodes per completion, so
# sharing it costs less than a lock per future (and allocates nothing per run).
_lock = threading.Lock()


class _Cancelled:
    """The outcome of a run cancelled before it started."""

    __slots__ = ()


_CANCELLED = _Cancelled()


class _Waiter:
    """Wakes a blocked caller once ``count`` of the futures it watches are done.

    With ``collect``, it also lists the futures that finished (as_completed).
    """

    __slots__ = ("_collect", "_event", "_remaining", "finished")

    def __init__(self, count: int, collect: bool = False) -> None:
        self._event = threading.Event()
        self._remaining = count
        self._collect = collect
        self.finished: list[TaskFuture[Any]] = []

    def notify(self, future: TaskFuture[Any]) -> None:
        # Called with _lock held.
        if self._collect:
            self.finished.append(future)
        self._remaining -= 1
        if self._remaining <= 0:
            self._event.set()

    def wait(self, timeout: float | None) -> bool:
        return self._event.wait(timeout)


class TaskFuture(Generic[R]):
    """The eventual result of a submitted task run."""

    _is_taskbook_future = True
    __slots__ = ("_callbacks", "_outcome", "_task_run", "_waiters")

    def __init__(self, task_run: TaskRun) -> None:
        self._task_run = task_run
        # None while running; then a State, a BaseException or _CANCELLED.
        self._outcome: Any = None
        # One waiter (the common case: a map's result()) or a list of them.
        self._waiters: _Waiter | list[_Waiter] | None = None
        self._callbacks: list[Callable[[TaskFuture[R]], Any]] | None = None

    # -- completion (the runner's side) ----------------------------------------------

    def _set_outcome(self, outcome: Any) -> bool:
        """Record the outcome once; wake waiters, run callbacks. False if already set."""
        with _lock:
            if self._outcome is not None:
                return False
            self._outcome = outcome
            waiters, self._waiters = self._waiters, None
            callbacks, self._callbacks = self._callbacks, None
            if waiters is not None:
                if type(waiters) is _Waiter:
                    waiters.notify(self)
                else:
                    for waiter in waiters:  # type: ignore[union-attr]
                        waiter.notify(self)
        if callbacks:
            for fn in callbacks:
                _run_callback(fn, self)
        return True

    def _set_state(self, state: State) -> None:
        self._set_outcome(state)

    def _set_exception(self, exc: BaseException) -> None:
        self._set_outcome(exc)

    def _cancel(self) -> bool:
        """Mark a run that never started as cancelled; False if it had an outcome."""
        return self._set_outcome(_CANCELLED)

    def _follow(self, inner: cf.Future[State]) -> None:
        """Take the outcome of a ``concurrent.futures`` future (engine-loop runs)."""

        def done(f: cf.Future[State]) -> None:
            if f.cancelled():
                self._cancel()
            elif (exc := f.exception()) is not None:
                self._set_exception(exc)
            else:
                self._set_state(f.result())

        inner.add_done_callback(done)

    # -- the public side -------------------------------------------------------------

    @property
    def task_run_id(self) -> str:
        return self._task_run.id

    @property
    def task_run_name(self) -> str:
        return self._task_run.name

    @property
    def task_run(self) -> TaskRun:
        """The run record (its output files, why a cache entry was not used)."""
        return self._task_run

    @property
    def state(self) -> State:
        """The run's current state; final once the future is done."""
        outcome = self._outcome
        if outcome is None:
            return self._task_run.state or State(StateType.PENDING)
        if type(outcome) is State:
            return outcome
        return self._final_state(outcome)

    def _final_state(self, outcome: Any) -> State:
        run_state = self._task_run.state
        if outcome is _CANCELLED:
            return (
                run_state
                if _is_final(run_state)
                else State(
                    StateType.CANCELLED,
                    message="The task run was cancelled before it started.",
                )
            )
        if isinstance(outcome, State):
            return outcome
        if isinstance(outcome, (KeyboardInterrupt, CancelRun)):
            # The run's own Cancelled state, when it reached one, has its time.
            return (
                run_state
                if _is_final(run_state)
                else State(StateType.CANCELLED, message="The task run was cancelled.")
            )
        return (
            run_state
            if _is_final(run_state)
            else State(
                StateType.CRASHED,
                message=f"Task run crashed: {outcome!r}",
                data=outcome,
            )
        )

    def done(self) -> bool:
        """Return whether the run has finished."""
        return self._outcome is not None

    def wait(self, timeout: float | None = None) -> None:
        """Block until the run finishes or ``timeout`` seconds pass."""
        if self._outcome is None:
            _wait_for([self], 1, timeout)

    def result(self, timeout: float | None = None, raise_on_failure: bool = True) -> R:
        """Wait for the run and return its result (or raise its exception).

        Args:
            timeout: Seconds to wait at most.
            raise_on_failure: When False, return the exception of a failed run.

        Raises:
            TimeoutError: If the run did not finish in time.
        """
        if self._outcome is None:
            self.wait(timeout)
            if self._outcome is None:
                raise TimeoutError(
                    f"Task run {self.task_run_name!r} did not finish within "
                    f"{timeout} s."
                )
        return self.state.result(raise_on_failure=raise_on_failure)  # type: ignore[no-any-return]

    def add_done_callback(self, fn: Callable[[TaskFuture[R]], Any]) -> None:
        """Call ``fn(self)`` when the run finishes (at once if it has)."""
        with _lock:
            if self._outcome is None:
                if self._callbacks is None:
                    self._callbacks = []
                self._callbacks.append(fn)
                return
        _run_callback(fn, self)

    def __repr__(self) -> str:
        return f"TaskFuture({self.task_run_name!r}, {self.state.name})"


def _run_callback(fn: Callable[[Any], Any], future: TaskFuture[Any]) -> None:
    try:
        fn(future)
    except Exception:  # as concurrent.futures: a failing callback is logged only
        _log.exception("done callback %r of %r raised", fn, future)


def _is_final(state: State | None) -> bool:
    return state is not None and state.is_final()


def _wait_for(
    futures: list[TaskFuture[Any]], count: int, timeout: float | None
) -> _Waiter | None:
    """Block until ``count`` of ``futures`` are done (or ``timeout``); return the waiter.

    Returns None when enough were already done, so nothing was installed.
    """
    waiter = _Waiter(count)
    installed: list[TaskFuture[Any]] = []
    with _lock:
        for f in futures:
            if f._outcome is not None:
                waiter._remaining -= 1
            else:
                _install(f, waiter)
                installed.append(f)
        if waiter._remaining <= 0 or not installed:
            _uninstall(waiter, installed)
            return None
    try:
        waiter.wait(timeout)
    finally:
        with _lock:
            _uninstall(waiter, installed)
    return waiter


def _install(future: TaskFuture[Any], waiter: _Waiter) -> None:
    # Called with _lock held.
    current = future._waiters
    if current is None:
        future._waiters = waiter
    elif type(current) is _Waiter:
        future._waiters = [current, waiter]
    else:
        current.append(waiter)  # type: ignore[union-attr]


def _uninstall(waiter: _Waiter, futures: list[TaskFuture[Any]]) -> None:
    # Called with _lock held.
    for f in futures:
        current = f._waiters
        if current is waiter:
            f._waiters = None
        elif type(current) is list and waiter in current:
            current.remove(waiter)


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

    Raises:
        InvalidTimeoutError: If ``timeout`` is negative.
    """
    if timeout is not None and timeout < 0:
        raise InvalidTimeoutError.from_value(timeout)
    futures = list(futures)
    pending = [f for f in futures if f._outcome is None]
    if pending:
        # One waiter for all: the caller wakes once, when the last one is done.
        _wait_for(pending, len(pending), timeout)
    done = {f for f in futures if f._outcome is not None}
    return DoneAndNotDoneFutures(done, {f for f in futures if f not in done})


def as_completed(
    futures: Iterable[TaskFuture[Any]], timeout: float | None = None
) -> Iterator[TaskFuture[Any]]:
    """Yield futures as they finish.

    Raises:
        TimeoutError: If futures are still running after ``timeout`` seconds.
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    unique = list(dict.fromkeys(futures))
    pending = set()
    for f in unique:
        if f._outcome is not None:
            yield f
        else:
            pending.add(f)
    if not pending:
        return
    waiter = _Waiter(1, collect=True)
    installed = list(pending)
    with _lock:
        for f in installed:
            if f._outcome is not None:
                waiter.finished.append(f)
            else:
                _install(f, waiter)
    try:
        while pending:
            with _lock:
                finished, waiter.finished = waiter.finished, []
                if not finished:
                    waiter._event.clear()
            for f in finished:
                if f in pending:
                    pending.discard(f)
                    yield f
            if not pending or finished:
                continue
            remaining = None if deadline is None else deadline - time.monotonic()
            if (remaining is not None and remaining <= 0) or not waiter.wait(remaining):
                raise TimeoutError(
                    f"{len(pending)} (of {len(unique)}) futures unfinished after "
                    f"{timeout} s."
                )
    finally:
        with _lock:
            _uninstall(waiter, installed)
