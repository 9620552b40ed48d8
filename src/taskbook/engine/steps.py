"""The effects a run protocol asks its driver to perform, and the two drivers.

A run (task or flow) is written once, as a generator that yields these steps and
receives their outcomes (see ``attempt.py``). ``drive_sync`` performs them inline in
the caller's thread, which costs nothing per task; ``drive_async`` performs them on
an event loop with anyio. A cross-thread hop costs ~200 µs on a 2-core machine, so
the sync path must not hop: that is why the protocol is separate from its drivers.
"""

from __future__ import annotations

import ctypes
import inspect
import threading
import warnings
from collections.abc import Callable, Generator, Iterator
from contextvars import copy_context
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from taskbook.errors import AbandonedThreadWarning, CancelRun

if TYPE_CHECKING:
    from taskbook.engine.session import Session


@dataclass(slots=True)
class Call:
    """Call the user's function once; a timeout raises ``make_timeout()`` into the run."""

    fn: Callable[..., Any]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    timeout: float | None
    make_timeout: Callable[[], BaseException]
    executor: Callable[[Call], Any] | None = None  # e.g. a process pool or Dask
    # Whether fn is a coroutine function, when the caller knows (None: look).
    is_coroutine: bool | None = None

    def fn_is_coroutine(self) -> bool:
        """Return whether ``fn`` is a coroutine function."""
        if self.is_coroutine is None:
            self.is_coroutine = inspect.iscoroutinefunction(self.fn)
        return self.is_coroutine


@dataclass(slots=True)
class Sleep:
    """Wait before the next attempt."""

    seconds: float


@dataclass(slots=True)
class Resolve:
    """Wait until every future is done (inputs and wait_for)."""

    futures: list[Any] = field(default_factory=list)


Step = Call | Sleep | Resolve
Protocol = Generator[Step, Any, Any]

# Grace period for an interrupted thread to notice the exception we raised in it.
_ABANDON_GRACE = 0.2


class _Progress:
    """A protocol being driven: iterating gives its steps, each resumed with the
    outcome the driver recorded for the previous one (``value``, or ``error`` to
    throw in); when the protocol returns, ``value`` is its final value.

    The two drivers differ only in how they perform a step, so the resuming is
    written once, here (STYLE habit 3: no second copy of the protocol's driving).
    """

    __slots__ = ("error", "gen", "value")

    def __init__(self, gen: Protocol) -> None:
        self.gen = gen
        self.value: Any = None
        self.error: BaseException | None = None

    def __iter__(self) -> Iterator[Step]:
        send, throw = self.gen.send, self.gen.throw
        try:
            while True:
                if self.error is None:
                    step = send(self.value)
                else:
                    error, self.error = self.error, None
                    step = throw(error)
                self.value = None
                yield step
        except StopIteration as stop:
            self.value = stop.value


def drive_sync(gen: Protocol, session: Session) -> Any:
    """Run a protocol to completion in the calling thread; return its final value."""
    progress = _Progress(gen)
    for step in progress:
        try:
            if isinstance(step, Call):
                progress.value = _call_sync(step, session)
            elif isinstance(step, Sleep):
                if step.seconds > 0:
                    session.clock.sleep(step.seconds)
            else:
                for future in step.futures:
                    future.wait()
        except BaseException as exc:  # delivered into the protocol, which decides
            progress.error = exc
    return progress.value


async def drive_async(gen: Protocol, session: Session) -> Any:
    """Run a protocol to completion on the running event loop."""
    import anyio

    progress = _Progress(gen)
    for step in progress:
        try:
            if isinstance(step, Call):
                progress.value = await _call_async(step, session)
            elif isinstance(step, Sleep):
                if step.seconds > 0:
                    await anyio.sleep(step.seconds)
            else:
                for future in step.futures:
                    if not future.done():
                        await anyio.to_thread.run_sync(future.wait)
        except BaseException as exc:  # delivered into the protocol, which decides
            progress.error = exc
    return progress.value


def _call_sync(step: Call, session: Session) -> Any:
    if step.executor is not None:
        return step.executor(step)
    if step.fn_is_coroutine():
        return session.portal.call(_call_coroutine, step)
    if step.timeout is None:
        return step.fn(*step.args, **step.kwargs)
    return call_in_thread_with_timeout(step)


async def _call_async(step: Call, session: Session) -> Any:
    import anyio

    if step.executor is not None:
        return await anyio.to_thread.run_sync(step.executor, step)
    if step.fn_is_coroutine():
        return await _call_coroutine(step)
    if step.timeout is None:
        # A sync task called from an async flow blocks the loop, as in Prefect.
        return step.fn(*step.args, **step.kwargs)
    return await anyio.to_thread.run_sync(call_in_thread_with_timeout, step)


async def _call_coroutine(step: Call) -> Any:
    import anyio

    if step.timeout is None:
        return await step.fn(*step.args, **step.kwargs)
    with anyio.move_on_after(step.timeout) as scope:
        return await step.fn(*step.args, **step.kwargs)
    if scope.cancelled_caught:
        raise step.make_timeout()
    return None  # pragma: no cover - unreachable: the body returned


def call_in_thread_with_timeout(step: Call) -> Any:
    """Run a sync call in a fresh thread; on timeout interrupt it, else abandon it.

    Python can only interrupt a thread between bytecodes: a thread blocked in C
    (``time.sleep``, a socket read) keeps running. Such a thread is abandoned with a
    warning and the run is TimedOut all the same (DESIGN §5: reported honestly).
    """
    box: dict[str, Any] = {}
    ctx = copy_context()

    def target() -> None:
        try:
            box["value"] = ctx.run(step.fn, *step.args, **step.kwargs)
        except BaseException as exc:  # handed back to the caller's thread
            box["error"] = exc

    worker = threading.Thread(target=target, name="taskbook-timeout", daemon=True)
    worker.start()
    try:
        worker.join(step.timeout)
    except BaseException:
        interrupt_thread(worker, CancelRun)
        raise
    if worker.is_alive():
        timeout = step.make_timeout()
        interrupt_thread(worker, type(timeout))
        worker.join(_ABANDON_GRACE)
        if worker.is_alive():
            warnings.warn(
                AbandonedThreadWarning.from_task(
                    getattr(step.fn, "__name__", "?"), step.timeout or 0
                ),
                AbandonedThreadWarning,
                stacklevel=2,
            )
        raise timeout
    if "error" in box:
        raise box["error"]
    return box.get("value")


def interrupt_thread(thread: threading.Thread, exc_type: type[BaseException]) -> None:
    """Ask ``thread`` to raise ``exc_type`` at its next bytecode (best effort)."""
    if thread.ident is None or not thread.is_alive():
        return
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread.ident), ctypes.py_object(exc_type)
    )
