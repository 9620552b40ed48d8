"""Task runners: where submitted task runs execute (threads, processes, Dask).

All runners run the same task protocol. The thread runner drives it in a pool
thread; the process and Dask runners drive it in a pool thread too, but perform
the user's call remotely (function and inputs shipped with cloudpickle), so
states, retries and caching stay in this process and are recorded the same way.
"""

from __future__ import annotations

import collections
import concurrent.futures as cf
import os
import threading
from collections.abc import Callable
from contextvars import copy_context
from typing import TYPE_CHECKING, Any

from taskbook.engine.attempt import MapCall, TaskCall, task_protocol
from taskbook.engine.effects import Recorder, merge
from taskbook.engine.futures import TaskFuture
from taskbook.engine.remote_context import capture_run, entered_run
from taskbook.engine.steps import (
    Call,
    call_in_thread_with_timeout,
    drive_async,
    drive_sync,
    interrupt_thread,
)
from taskbook.errors import CancelRun, MissingDependencyError, UnpicklableInputError

if TYPE_CHECKING:
    from taskbook.engine.context import TaskRun


TASK_THREAD_PREFIX = "taskbook-task"  # the names of the threads that run tasks


class TaskRunner:
    """Base: a context manager entered for the duration of one flow run."""

    def __init__(self) -> None:
        self._cancelled = threading.Event()

    def duplicate(self) -> TaskRunner:
        """Return a fresh runner with the same settings (one per flow run)."""
        raise NotImplementedError

    def __enter__(self) -> TaskRunner:
        self._cancelled.clear()
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        # On an interrupt the caller must get control back at once: don't wait.
        self.shutdown(wait=exc_type is None)

    def submit(self, call: TaskCall, session: Any) -> TaskFuture[Any]:
        """Start a task call; return its future."""
        raise NotImplementedError

    def submit_map(
        self, shared: MapCall, runs: list[TaskRun], session: Any
    ) -> list[TaskFuture[Any]]:
        """Start one call per run of a ``.map``; return their futures in order."""
        return [self.submit(shared.for_run(run), session) for run in runs]

    def cancel_all(self) -> None:
        """Stop queued runs from starting and interrupt running ones."""
        self._cancelled.set()
        self.shutdown(wait=False)

    def shutdown(self, wait: bool) -> None:
        """Release the runner's resources."""


class _Batch:
    """Calls queued together (one ``.map`` or one ``.submit``), taken in order.

    A map's calls are built from ``shared`` when a worker takes them, so a queued
    run costs its TaskRun and its future only, not a call object and a context.
    """

    __slots__ = ("ctx", "futures", "next", "session", "shared", "single")

    def __init__(
        self,
        futures: list[TaskFuture[Any]],
        session: Any,
        shared: MapCall | None = None,
        single: TaskCall | None = None,
    ) -> None:
        # One context snapshot serves the batch; each run executes in its own copy.
        self.ctx = copy_context()
        self.futures = futures
        self.session = session
        self.shared = shared
        self.single = single
        self.next = 0

    def call(self, future: TaskFuture[Any]) -> TaskCall:
        if self.single is not None:
            return self.single
        assert self.shared is not None
        return self.shared.for_run(future._task_run)


class ThreadPoolTaskRunner(TaskRunner):
    """Run submitted tasks in a thread pool (the default).

    Args:
        max_workers: Threads at most. Defaults to ``min(32, cpu_count + 4)``, the
            standard library's default (Prefect's is unbounded).
    """

    def __init__(self, max_workers: int | None = None) -> None:
        super().__init__()
        if max_workers is not None and (
            not isinstance(max_workers, int) or max_workers < 1
        ):
            from taskbook.errors import InvalidOptionError

            raise InvalidOptionError.from_value(
                "max_workers", max_workers, "a positive int", "task runner"
            )
        self.max_workers = max_workers or min(32, (os.cpu_count() or 1) + 4)
        self._executor: cf.ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._running: dict[int, threading.Thread] = {}
        self._queue: collections.deque[_Batch] = collections.deque()
        self._drainers = 0

    def duplicate(self) -> ThreadPoolTaskRunner:
        return type(self)(self.max_workers)

    def _pool(self) -> cf.ThreadPoolExecutor:
        if self._executor is None:
            with self._lock:
                if self._executor is None:
                    self._executor = cf.ThreadPoolExecutor(
                        self.max_workers, thread_name_prefix=TASK_THREAD_PREFIX
                    )
        return self._executor

    def _call_executor(self) -> Callable[[Call], Any] | None:
        """Where user calls run: None for this thread; remote runners override."""
        return None

    def submit(self, call: TaskCall, session: Any) -> TaskFuture[Any]:
        executor = self._call_executor()
        if executor is not None:
            call.executor = executor
        future: TaskFuture[Any] = TaskFuture(call.task_run)
        if call.task.isasync and call.executor is None:
            future._follow(
                session.portal.submit(
                    drive_async, task_protocol(call, session), session
                )
            )
            return future
        self._enqueue(_Batch([future], session, single=call))
        return future

    def submit_map(
        self, shared: MapCall, runs: list[TaskRun], session: Any
    ) -> list[TaskFuture[Any]]:
        executor = self._call_executor()
        if executor is not None:
            shared.executor = executor
        if shared.task.isasync and shared.executor is None:
            return super().submit_map(shared, runs, session)
        futures: list[TaskFuture[Any]] = [TaskFuture(run) for run in runs]
        if futures:
            # One hand-over for the whole map: a lock round and a possible worker
            # start per element would cost more than the element itself.
            self._enqueue(_Batch(futures, session, shared=shared))
        return futures

    def _enqueue(self, batch: _Batch) -> None:
        with self._lock:
            self._queue.append(batch)
            spawn = max(min(len(batch.futures), self.max_workers - self._drainers), 0)
            self._drainers += spawn
        if spawn:
            pool = self._pool()
            for _ in range(spawn):
                pool.submit(self._drain)

    def _drain(self) -> None:
        """Run queued calls until the queue is empty (one per pool thread).

        A shared queue drained by at most ``max_workers`` threads costs far less
        per task than one executor job per task (~30 µs of locking each), and
        still hands the next call to whichever thread is free first.
        """
        me = threading.current_thread()
        ident = me.ident or 0
        lock, queue, running = self._lock, self._queue, self._running
        while True:
            with lock:
                if not queue:
                    self._drainers -= 1
                    return
                batch = queue[0]
                i = batch.next
                batch.next = i + 1
                if i + 1 >= len(batch.futures):
                    queue.popleft()
            future = batch.futures[i]
            if future._outcome is not None:  # cancelled while queued
                continue
            if self._cancelled.is_set():
                future._set_exception(
                    CancelRun("The flow run was cancelled before this task started.")
                )
                continue
            session = batch.session
            running[ident] = me
            try:
                state = batch.ctx.copy().run(
                    drive_sync, task_protocol(batch.call(future), session), session
                )
            except BaseException as exc:  # handed to whoever waits on the future
                future._set_exception(exc)
            else:
                future._set_state(state)
            finally:
                running.pop(ident, None)

    def cancel_all(self) -> None:
        super().cancel_all()
        with self._lock:
            # Cleared in place: running drainers hold this very deque.
            queued = list(self._queue)
            self._queue.clear()
        for batch in queued:
            for future in batch.futures[batch.next :]:
                future._cancel()
        for thread in list(self._running.values()):
            interrupt_thread(thread, CancelRun)

    def shutdown(self, wait: bool) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=wait, cancel_futures=not wait)
            self._executor = None


class _RemoteCallRunner(ThreadPoolTaskRunner):
    """Drive protocols in local threads; perform each user call somewhere else."""

    def _call_executor(self) -> Callable[[Call], Any] | None:
        return self._execute

    def _execute(self, step: Call) -> Any:
        raise NotImplementedError


def _remote_call(payload: bytes) -> bytes:
    """Run a cloudpickled ``(fn, args, kwargs, run)``; return the outcome and files written.

    ``run`` is the flow and task run the call belongs to, so ``taskbook.runtime``
    reads them over there as it does here (as with Prefect's remote runners). The
    files the call wrote go back with its outcome: they count for the run here.
    """
    import inspect

    import cloudpickle

    fn, args, kwargs, run = cloudpickle.loads(payload)
    with Recorder() as seen:
        try:
            with entered_run(run):
                value = fn(*args, **kwargs)
                if inspect.isawaitable(value):
                    import asyncio

                    value = asyncio.run(value)  # a fresh process/worker: no loop here
            answer = cloudpickle.dumps((True, value, seen.export()))
        except Exception as exc:  # shipped back and re-raised in the driver
            answer = cloudpickle.dumps((False, exc, seen.export()))
    return answer


def _pack(step: Call) -> bytes:
    import cloudpickle

    try:
        return cloudpickle.dumps(
            (step.fn, step.args, step.kwargs, capture_run(step.kwargs))
        )  # type: ignore[no-any-return]
    except Exception as exc:  # pickling raises many types; name the culprit
        raise UnpicklableInputError.from_call(
            getattr(step.fn, "__name__", "?"), step.kwargs, exc
        ) from exc


def _unpack(payload: bytes) -> Any:
    import cloudpickle

    ok, value, written = cloudpickle.loads(payload)
    merge(written)  # what the call wrote over there counts for the run here
    if not ok:
        raise value
    return value


class ProcessPoolTaskRunner(_RemoteCallRunner):
    """Run each task call in a worker process (``concurrent.futures``).

    A timeout marks the run TimedOut; the worker process is not killed (the pool
    cannot kill one worker), so the next call may wait for it.
    """

    def __init__(self, max_workers: int | None = None) -> None:
        super().__init__(max_workers or os.cpu_count() or 1)
        self._processes: cf.ProcessPoolExecutor | None = None

    def _procs(self) -> cf.ProcessPoolExecutor:
        if self._processes is None:
            with self._lock:
                if self._processes is None:
                    import multiprocessing

                    self._processes = cf.ProcessPoolExecutor(
                        self.max_workers,
                        mp_context=multiprocessing.get_context("spawn"),
                    )
        return self._processes

    def _execute(self, step: Call) -> Any:

        payload = _pack(step)
        future = self._procs().submit(_remote_call, payload)
        try:
            return _unpack(future.result(timeout=step.timeout))
        except cf.TimeoutError:
            future.cancel()
            raise step.make_timeout() from None

    def shutdown(self, wait: bool) -> None:
        super().shutdown(wait)
        if self._processes is not None:
            self._processes.shutdown(wait=wait, cancel_futures=not wait)
            self._processes = None


class DaskTaskRunner(_RemoteCallRunner):
    """Run each task call on a Dask cluster.

    Args:
        address: A scheduler address (``"tcp://host:8786"``); None starts a
            ``distributed.LocalCluster`` for the flow run and closes it after.
        cluster_kwargs: Passed to ``LocalCluster`` when no address is given.
        client_kwargs: Passed to ``distributed.Client``.
    """

    def __init__(
        self,
        address: str | None = None,
        cluster_kwargs: dict[str, Any] | None = None,
        client_kwargs: dict[str, Any] | None = None,
        max_workers: int | None = None,
    ) -> None:
        super().__init__(max_workers or 32)
        self.address = address
        self.cluster_kwargs = dict(cluster_kwargs or {})
        self.client_kwargs = dict(client_kwargs or {})
        self._cluster: Any = None
        self._client: Any = None

    def duplicate(self) -> DaskTaskRunner:
        return type(self)(
            self.address, self.cluster_kwargs, self.client_kwargs, self.max_workers
        )

    @property
    def client(self) -> Any:
        """The ``distributed.Client``, connecting (or starting a cluster) on first use."""
        if self._client is None:
            with self._lock:
                if self._client is None:
                    try:
                        from distributed import Client, LocalCluster
                    except ImportError as exc:
                        raise MissingDependencyError.from_extra(
                            "distributed", "dask"
                        ) from exc
                    address = self.address
                    if address is None:
                        kwargs = {
                            "processes": True,
                            "n_workers": 2,
                            "threads_per_worker": 1,
                            "dashboard_address": None,
                        }
                        kwargs.update(self.cluster_kwargs)
                        self._cluster = LocalCluster(**kwargs)
                        address = self._cluster.scheduler_address
                    self._client = Client(address, **self.client_kwargs)
        return self._client

    def __enter__(self) -> DaskTaskRunner:
        super().__enter__()
        _ = self.client  # connect up front, so a bad address fails the flow early
        return self

    def _execute(self, step: Call) -> Any:

        payload = _pack(step)
        future = self.client.submit(_remote_call, payload, pure=False)
        try:
            return _unpack(future.result(timeout=step.timeout))
        except TimeoutError:
            future.cancel()
            raise step.make_timeout() from None

    def shutdown(self, wait: bool) -> None:
        super().shutdown(wait)
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None


__all__ = [
    "TASK_THREAD_PREFIX",
    "DaskTaskRunner",
    "ProcessPoolTaskRunner",
    "TaskRunner",
    "ThreadPoolTaskRunner",
    "call_in_thread_with_timeout",
]
