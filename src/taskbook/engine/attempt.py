"""One task run, written once as a protocol that both drivers run (see ``steps.py``).

Features apply in one fixed order, per attempt: key lock (SERIALIZABLE isolation
only: held from the lookup until the result is stored, see ``isolation.py``) ->
cache lookup (a hit needs its output files intact) -> concurrency slot (the
runner's; the slots of the store's tag limits are taken inside the call, so waiting
for them counts against the timeout) -> timeout around the call, files written
recorded -> store result with those files -> retry decision. Retries are loop
iterations, not recursion. States follow Prefect 3: Pending -> Running ->
Completed | Failed, with AwaitingRetry/Retrying between attempts, Completed
"Cached" on a hit, Pending "NotReady" when an upstream did not complete, Failed
"TimedOut" on timeout, and Cancelled/Crashed when the run is interrupted
(re-raised to the caller).
"""

from __future__ import annotations

import inspect
import logging
import warnings
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, NoReturn

from taskbook.core.events import StateChanged
from taskbook.core.options import TaskOptions
from taskbook.core.states import FINAL_TYPES, State, StateType
from taskbook.engine.cache_keys import cache_key, effective_cache_policy
from taskbook.engine.context import (
    FlowRunContext,
    TaskRun,
    TaskRunContext,
    task_run_ctx,
)
from taskbook.engine.effects import Recorder, depend_on, lookup, recorded
from taskbook.engine.files import FileRecord
from taskbook.engine.inputs import all_plain, collect_futures, resolve_values
from taskbook.engine.isolation import key_lock
from taskbook.engine.outcomes import call_hooks, crashed_state, failed_state
from taskbook.engine.retry import delay_for, resolve_delays
from taskbook.engine.slots import tag_guard
from taskbook.engine.steps import Call, Protocol, Resolve, Sleep, Step
from taskbook.engine.transactions import in_transaction, stage_task
from taskbook.errors import (
    CacheError,
    CacheWriteWarning,
    CancelRun,
    IsolationLevelNotSupportedError,
    TaskRunTimeoutError,
    UnpersistableResultWarning,
    UpstreamTaskError,
)

_log = logging.getLogger("taskbook.task_runs")


@dataclass(slots=True)
class TaskCall:
    """What one call of a task needs: the task, its bound inputs, what it waits for."""

    task: Any  # the api Task: .fn, .isasync, .options, .name, .task_key, .source
    parameters: dict[str, Any]
    wait_for: list[Any]
    task_run: TaskRun
    flow_ctx: FlowRunContext | None
    executor: Callable[[Call], Any] | None = None
    fn_is_coroutine: bool | None = None  # None: inspected at the call


@dataclass(slots=True)
class MapCall:
    """What the calls of one ``.map`` share; ``for_run`` makes one run's call.

    Queued map runs keep only their TaskRun (which holds the parameters): the call
    is made when a worker takes the run, so it does not outlive the attempt.
    """

    task: Any
    wait_for: list[Any]
    flow_ctx: FlowRunContext | None
    executor: Callable[[Call], Any] | None = None
    fn_is_coroutine: bool | None = None

    def __post_init__(self) -> None:
        # Inspected once for the map rather than at every call.
        self.fn_is_coroutine = inspect.iscoroutinefunction(self.task.fn)

    def for_run(self, run: TaskRun) -> TaskCall:
        """Return the call of ``run`` (its parameters are the run's)."""
        return TaskCall(
            self.task,
            run.parameters,
            self.wait_for,
            run,
            self.flow_ctx,
            self.executor,
            self.fn_is_coroutine,
        )


def task_protocol(call: TaskCall, session: Any) -> Protocol:
    """Run one task call; return its final State (raises if interrupted)."""
    task, run, flow_ctx = call.task, call.task_run, call.flow_ctx
    clock = session.clock
    publish = session.bus.publish

    def set_state(
        state: State, cache_key: str | None = None, stamped: bool = False
    ) -> State:
        # States the protocol makes in its hot path come stamped (one object
        # instead of two); others get the time and owner here.
        if not stamped:
            state = state.with_time(clock.now(), run.id)
        run.state = state
        if state.type is StateType.RUNNING:
            run.run_count += 1
            if run.start_time is None:
                run.start_time = state.ts
        elif state.type in FINAL_TYPES:
            run.end_time = state.ts
            # Prefect logs this at INFO; taskbook keeps task lifecycle at DEBUG (README).
            if _log.isEnabledFor(logging.DEBUG):
                _log.debug("Finished in state %r", state)
        if flow_ctx is None or not flow_ctx.closed.is_set():
            publish(StateChanged(run.id, "task", state, run.run_count, cache_key))
        return state

    if flow_ctx is not None and flow_ctx.closed.is_set():
        return set_state(
            State(StateType.CANCELLED, message="The flow run was cancelled.")
        )

    # --- inputs: wait for upstream futures, then check they completed --------------
    if run.inputs is None and not call.wait_for and all_plain(call.parameters):
        # Nothing to wait for or resolve (the common case of a .map over values).
        parameters: dict[str, Any] | None = dict(call.parameters)
    else:
        parameters = yield from _inputs(call, set_state)
        if parameters is None:  # an upstream run did not complete: NotReady
            return run.state
    tctx = TaskRunContext(
        task,
        run,
        session,
        flow_ctx,
        parameters,
        task.source,
        _log_prints(task.options, flow_ctx),
    )
    token = task_run_ctx.set(tctx)
    try:
        return (yield from _attempts(call, tctx, parameters, set_state))
    finally:
        task_run_ctx.reset(token)


def _inputs(
    call: TaskCall, set_state: Callable[..., State]
) -> Generator[Step, Any, dict[str, Any] | None]:
    """Wait for the run's upstream futures; return its resolved parameters.

    Returns None, the run being set Pending "NotReady", when an upstream run did
    not complete (and was not wrapped in ``allow_failure``).
    """
    run = call.task_run
    upstream = run.inputs  # found when the run was created, if it has any
    if upstream is None:
        upstream = collect_futures(call.parameters) + collect_futures(call.wait_for)
    else:
        run.inputs = None  # used once: the flow's runs do not keep these lists
    pending = [f for f, _ in upstream if not f.done()]
    if pending:
        try:
            yield Resolve(pending)
        except BaseException as exc:
            return _interrupted(set_state, run, exc)
    for future, allowed in upstream:
        state = future.state
        if not allowed and not state.is_completed():
            err = UpstreamTaskError.from_upstream(
                getattr(future, "task_run_name", future.task_run_id), state.type.value
            )
            break
    else:
        try:
            return resolve_values(call.parameters)  # type: ignore[no-any-return]
        except UpstreamTaskError as exc:
            err = exc
    set_state(State(StateType.PENDING, "NotReady", str(err), data=err))
    return None


def _attempts(
    call: TaskCall,
    tctx: TaskRunContext,
    parameters: dict[str, Any],
    set_state: Callable[..., State],
) -> Protocol:
    task, run, flow_ctx = call.task, call.task_run, call.flow_ctx
    options: TaskOptions = task.options
    policy = effective_cache_policy(
        options, flow_ctx.persist_result if flow_ctx else None
    )
    key: str | None = None
    if policy is not None:
        key = cache_key(policy, tctx, parameters, flow_ctx, task.name)
        run.cache_key = key
    # --- SERIALIZABLE: the key stays locked from the lookup until stored ----------
    try:
        lock = key_lock(policy, key, run.id) if key is not None else None
    except IsolationLevelNotSupportedError as exc:
        final = set_state(failed_state("task", exc, False, None))
        call_hooks(task, run, final, _log)
        return final
    if lock is None:
        return (yield from _lookup_and_run(call, tctx, parameters, set_state, key))
    try:
        yield from lock.acquire()
    except (KeyboardInterrupt, CancelRun, GeneratorExit) as exc:
        lock.release()
        return _interrupted(set_state, run, exc)
    try:
        return (yield from _lookup_and_run(call, tctx, parameters, set_state, key))
    finally:
        lock.release()


def _lookup_and_run(
    call: TaskCall,
    tctx: TaskRunContext,
    parameters: dict[str, Any],
    set_state: Callable[..., State],
    key: str | None,
) -> Protocol:
    task, run, flow_ctx, session = call.task, call.task_run, call.flow_ctx, tctx.session
    options: TaskOptions = task.options
    clock = session.clock

    # --- cache lookup ------------------------------------------------------------
    if key is not None and not options.refresh_cache:
        found = lookup(session.cache, key, clock.now(), task.name)
        if found.hit:
            _keep_files(run, flow_ctx, key, found.files)
            depend_on(found.files)  # so does a run that called this task
            final = set_state(
                State(
                    StateType.COMPLETED,
                    "Cached",
                    data=found.value,
                    cache_expiration=found.expires_at,
                ),
                key,
            )
            call_hooks(task, run, final, _log)
            return final
        if found.stale is not None:
            run.cache_stale = found.stale
            _log.info("Cached result not used: %s; running again.", found.stale)

    delays: float | list[float] | None = None  # resolved at the first retry
    retries_done = 0
    state = set_state(
        State(StateType.RUNNING, "Running", ts=clock.now(), owner=run.id),
        stamped=True,
    )
    call_hooks(task, run, state, _log)
    timeout = options.timeout_seconds
    # Made once per run, and only when it can be needed: every object a run
    # allocates costs a .map of 10,000 runs its share of garbage collections.
    make_timeout = (
        (lambda: TaskRunTimeoutError.from_timeout(run.name, timeout))
        if timeout is not None
        else _no_timeout
    )
    # --- concurrency slot: tag limits of the store, held around the call --------
    fn = tag_guard(
        task.fn,
        run.tags,
        session.home,
        call.fn_is_coroutine
        if call.fn_is_coroutine is not None
        else inspect.iscoroutinefunction(task.fn),
    )
    while True:
        # --- the call, under its timeout ------------------------------------------
        step = Call(
            fn,
            (),
            parameters,
            timeout,
            make_timeout,
            call.executor,
            call.fn_is_coroutine,
        )
        # Only a result that is stored needs its files: they decide its hits.
        recorder = Recorder() if key is not None else None
        try:
            if recorder is None:
                result = yield step
            else:
                result = yield from recorded(step, recorder)
        except (KeyboardInterrupt, CancelRun, GeneratorExit) as exc:
            return _interrupted(set_state, run, exc)
        except Exception as exc:  # user code failed: Failed, maybe retried
            run.returned_state = False
            failed = failed_state(
                "task",
                exc,
                isinstance(exc, TaskRunTimeoutError),
                options.timeout_seconds,
            )
        except BaseException as exc:  # SystemExit and the like: the run crashed
            call_hooks(task, run, set_state(crashed_state(exc)), _log)
            raise
        else:
            # Whether the last attempt returned a state (calling the task gives
            # it back then, as Prefect).
            run.returned_state = isinstance(result, State)
            if run.returned_state and result.is_failed():
                failed = result
            else:
                if flow_ctx is not None and flow_ctx.closed.is_set():
                    # The run was cancelled while this call ran: keep nothing.
                    raise CancelRun("The flow run was cancelled.")
                files: tuple[FileRecord, ...] = ()
                if recorder is not None and key is not None:
                    files = recorder.records(str(session.home))
                    _keep_files(run, flow_ctx, key, files, recorder.touched)
                if isinstance(result, State):
                    final = set_state(result, key)
                else:
                    final = set_state(
                        _completed(result, key, task, options, session, run.id, files),
                        key,
                        stamped=True,
                    )
                call_hooks(task, run, final, _log)
                if options.on_commit or options.on_rollback or in_transaction():
                    stage_task(final.data, options, final.is_failed())
                return final

        # --- retry decision ---------------------------------------------------------
        if retries_done < options.retries and (
            yield from _may_retry(task, run, failed)
        ):
            if delays is None:
                delays = resolve_delays(options.retry_delay_seconds, options.retries)
            delay = delay_for(delays, retries_done, options.retry_jitter_factor)
            retries_done += 1
            _log.info(
                "Task run failed with %s: %r - Retry %d/%d will start %s",
                "exception" if isinstance(failed.data, BaseException) else "state",
                failed.data if isinstance(failed.data, BaseException) else failed,
                retries_done,
                options.retries,
                f"{delay} second(s) from now" if delay else "immediately",
            )
            if options.retry_delay_seconds:
                set_state(
                    State(
                        StateType.SCHEDULED,
                        "AwaitingRetry",
                        scheduled_ts=clock.now() + delay,
                    )
                )
                try:
                    yield Sleep(delay)
                except (KeyboardInterrupt, CancelRun) as exc:
                    return _interrupted(set_state, run, exc)
            state = set_state(State(StateType.RUNNING, "Retrying"))
            call_hooks(task, run, state, _log)
            continue
        final = set_state(failed)
        error = final.data if isinstance(final.data, BaseException) else None
        if final.name == "TimedOut":
            # Prefect logs the state's message alone for a timeout, no traceback.
            _log.error("%s", final.message)
        else:
            _log.error(
                "Task run failed with %s: %r%s",
                "exception" if error is not None else "state",
                error if error is not None else final,
                " - Retries are exhausted" if options.retries else "",
                exc_info=error,
            )
        call_hooks(task, run, final, _log)
        if in_transaction():
            stage_task(None, options, failed=True)
        return final


def _completed(
    result: Any,
    key: str | None,
    task: Any,
    options: TaskOptions,
    session: Any,
    owner: str,
    files: tuple[FileRecord, ...] = (),
) -> State:
    """Return the Completed state of a result, stamped now (cached when keyed)."""
    expires: float | None = None
    if key is not None:
        if options.cache_expiration is not None:
            expires = session.clock.now() + options.cache_expiration.total_seconds()
        try:
            payload = session.cache.serialize(result)
        except Exception as exc:  # unpicklable: warn, still complete (DESIGN §4)
            warnings.warn(
                UnpersistableResultWarning.from_value(task.name, result, exc),
                UnpersistableResultWarning,
                stacklevel=1,
            )
        else:
            try:
                session.cache.put(key, payload, expires, files)
            except CacheError as exc:  # disk full: the result is still the result
                warnings.warn(
                    CacheWriteWarning.from_task(task.name, exc),
                    CacheWriteWarning,
                    stacklevel=1,
                )
    return State(
        StateType.COMPLETED,
        "Completed",
        data=result,
        ts=session.clock.now(),
        cache_expiration=expires,
        owner=owner,
    )


def _keep_files(
    run: TaskRun,
    flow_ctx: FlowRunContext | None,
    key: str,
    files: tuple[FileRecord, ...],
    touched: set[str] | frozenset[str] = frozenset(),
) -> None:
    """Remember a keyed run's output files on the run and in its flow run's ledger."""
    run.output_files = files
    if flow_ctx is not None and (files or touched):
        flow_ctx.ledger.note(key, files, touched)


def _no_timeout() -> BaseException:
    # The error maker of a call without a timeout: drivers never call it.
    raise AssertionError("a call without a timeout cannot time out")


def _may_retry(task: Any, run: TaskRun, failed: State) -> Generator[Step, Any, bool]:
    """Ask the task's retry_condition_fn; an async one is awaited by the driver."""
    fn = task.options.retry_condition_fn
    if fn is None:
        return True
    try:
        answer = fn(task, run, failed)
        if inspect.isawaitable(answer):  # as Prefect: an async condition is awaited
            answer = yield Call(_awaited, (answer,), {}, None, _no_timeout, None, True)
        return bool(answer)
    except Exception:  # a broken condition must not hide the task's own failure
        _log.exception("retry_condition_fn of task %r raised; not retrying", task.name)
        return False


async def _awaited(awaitable: Any) -> Any:
    return await awaitable


def _interrupted(
    set_state: Callable[..., State], run: TaskRun, exc: BaseException
) -> NoReturn:
    if run.state is None or not run.state.is_final():  # a flow timeout set TimedOut
        set_state(
            State(
                StateType.CANCELLED,
                message="The task run was cancelled by an interrupt.",
            )
        )
    raise exc


def _log_prints(options: TaskOptions, flow_ctx: FlowRunContext | None) -> bool:
    if options.log_prints is not None:
        return options.log_prints
    return bool(flow_ctx and flow_ctx.log_prints)
