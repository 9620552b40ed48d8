"""One task run, written once as a protocol that both drivers run (see ``steps.py``).

Features apply in one fixed order, per attempt:
cache lookup -> concurrency slot (the runner's) -> timeout around the call ->
store result -> retry decision. Retries are loop iterations, not recursion.
States follow Prefect 3: Pending -> Running -> Completed | Failed, with
AwaitingRetry/Retrying between attempts, Completed "Cached" on a hit, Pending
"NotReady" when an upstream did not complete, Failed "TimedOut" on timeout, and
Cancelled/Crashed when the run is interrupted (re-raised to the caller).
"""

from __future__ import annotations

import inspect
import logging
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from taskbook.core.cache import (
    DEFAULT,
    NO_CACHE,
    CacheKeyFnPolicy,
    CachePolicy,
)
from taskbook.core.events import StateChanged
from taskbook.core.options import NOT_SET, TaskOptions
from taskbook.core.states import FINAL_TYPES, State, StateType
from taskbook.engine.annotations import AllowFailure, Unmapped
from taskbook.engine.context import (
    FlowRunContext,
    TaskRun,
    TaskRunContext,
    task_run_ctx,
)
from taskbook.engine.retry import delay_for, resolve_delays
from taskbook.engine.steps import Call, Protocol, Resolve, Sleep
from taskbook.errors import (
    CancelRun,
    HashError,
    InputHashError,
    TaskRunTimeoutError,
    UnhashableInputsWarning,
    UnpersistableResultWarning,
    UpstreamTaskError,
)

_log = logging.getLogger("taskbook.task_runs")


def format_exception(exc: BaseException) -> str:
    """Return ``"ValueError: message"`` for an exception."""
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    module = type(exc).__module__
    # taskbook's errors by their name, as users import them, not their private module
    return text.removeprefix(f"{module}.") if module.startswith("taskbook.") else text


def effective_cache_policy(
    options: TaskOptions, flow_persist: bool | None
) -> CachePolicy | None:
    """Return the policy in force, or None when results are not persisted.

    As in Prefect 3: setting a cache policy or a cache key function turns result
    persistence on; ``persist_result=False`` turns caching off; the default policy
    caches only when persistence is on (explicitly, or from the flow).
    """
    if options.cache_key_fn is not None:
        policy: CachePolicy = CacheKeyFnPolicy(cache_key_fn=options.cache_key_fn)
        explicit = True
    elif options.cache_policy is NOT_SET:
        policy, explicit = DEFAULT, False
    elif options.cache_policy is None:
        policy, explicit = NO_CACHE, True
    else:
        policy, explicit = options.cache_policy, True
    persist = options.persist_result
    if persist is None:
        persist = True if explicit and policy is not NO_CACHE else flow_persist
    if not persist or policy is NO_CACHE:
        return None
    return policy


@dataclass(slots=True)
class TaskCall:
    """What one call of a task needs: the task, its bound inputs, what it waits for."""

    task: Any  # the api Task: .fn, .options, .name, .task_key, .source
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
    upstream = run.inputs  # found when the run was created, if it has any
    if upstream is None:
        if not call.wait_for and all_plain(call.parameters):
            # Nothing to wait for or resolve (the common case of a .map over values).
            return (
                yield from _run_attempts(
                    call, session, dict(call.parameters), set_state
                )
            )
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
            final = set_state(State(StateType.PENDING, "NotReady", str(err), data=err))
            _call_hooks(task, run, final)
            return final
    try:
        parameters = _resolve_values(call.parameters)
    except UpstreamTaskError as err:
        final = set_state(State(StateType.PENDING, "NotReady", str(err), data=err))
        _call_hooks(task, run, final)
        return final
    return (yield from _run_attempts(call, session, parameters, set_state))


def _run_attempts(
    call: TaskCall,
    session: Any,
    parameters: dict[str, Any],
    set_state: Callable[..., State],
) -> Protocol:
    """Run the attempts with the task run's context set."""
    task, flow_ctx = call.task, call.flow_ctx
    tctx = TaskRunContext(
        task,
        call.task_run,
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


def _attempts(
    call: TaskCall,
    tctx: TaskRunContext,
    parameters: dict[str, Any],
    set_state: Callable[..., State],
) -> Protocol:
    task, run, flow_ctx, session = call.task, call.task_run, call.flow_ctx, tctx.session
    options: TaskOptions = task.options
    clock = session.clock

    # --- cache lookup ------------------------------------------------------------
    policy = effective_cache_policy(
        options, flow_ctx.persist_result if flow_ctx else None
    )
    key: str | None = None
    if policy is not None:
        key = _cache_key(policy, tctx, parameters, flow_ctx, task.name)
        run.cache_key = key
        if key is not None and not options.refresh_cache:
            hit, value, expires = session.cache.get(key, clock.now())
            if hit:
                final = set_state(
                    State(
                        StateType.COMPLETED,
                        "Cached",
                        data=value,
                        cache_expiration=expires,
                    ),
                    key,
                )
                _call_hooks(task, run, final)
                return final

    delays: float | list[float] | None = None  # resolved at the first retry
    retries_done = 0
    state = set_state(
        State(StateType.RUNNING, "Running", ts=clock.now(), owner=run.id),
        stamped=True,
    )
    _call_hooks(task, run, state)
    while True:
        # --- the call, under its timeout ------------------------------------------
        try:
            result = yield Call(
                task.fn,
                (),
                parameters,
                options.timeout_seconds,
                lambda: TaskRunTimeoutError.from_timeout(
                    run.name, options.timeout_seconds or 0
                ),
                call.executor,
                call.fn_is_coroutine,
            )
        except (KeyboardInterrupt, CancelRun, GeneratorExit) as exc:
            return _interrupted(set_state, run, exc)
        except Exception as exc:  # user code failed: Failed, maybe retried
            if isinstance(exc, TaskRunTimeoutError):
                # Prefect's state message; the exception keeps the run's name.
                message = (
                    f"Task run exceeded timeout of {options.timeout_seconds} second(s)"
                )
                failed = State(StateType.FAILED, "TimedOut", message, data=exc)
            else:
                failed = State(
                    StateType.FAILED,
                    message=f"Task run encountered an exception {format_exception(exc)}",
                    data=exc,
                )
        except BaseException as exc:  # SystemExit and the like: the run crashed
            crashed = set_state(
                State(
                    StateType.CRASHED,
                    message=f"Execution was interrupted: {format_exception(exc)}",
                    data=exc,
                )
            )
            _call_hooks(task, run, crashed)
            raise
        else:
            if isinstance(result, State) and result.is_failed():
                failed = result
            else:
                if flow_ctx is not None and flow_ctx.closed.is_set():
                    # The run was cancelled while this call ran: keep nothing.
                    raise CancelRun("The flow run was cancelled.")
                if isinstance(result, State):
                    final = set_state(result, key)
                else:
                    final = set_state(
                        _completed(result, key, task, options, session, run.id),
                        key,
                        stamped=True,
                    )
                _call_hooks(task, run, final)
                return final

        # --- retry decision ---------------------------------------------------------
        if retries_done < options.retries and _may_retry(task, run, failed):
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
            _call_hooks(task, run, state)
            continue
        final = set_state(failed)
        error = final.data if isinstance(final.data, BaseException) else None
        _log.error(
            "Task run failed with %s: %r%s",
            "exception" if error is not None else "state",
            error if error is not None else final,
            " - Retries are exhausted" if options.retries else "",
            exc_info=error,
        )
        _call_hooks(task, run, final)
        return final


def _completed(
    result: Any,
    key: str | None,
    task: Any,
    options: TaskOptions,
    session: Any,
    owner: str,
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
            session.cache.put(key, payload, expires)
    return State(
        StateType.COMPLETED,
        "Completed",
        data=result,
        ts=session.clock.now(),
        cache_expiration=expires,
        owner=owner,
    )


def _cache_key(
    policy: CachePolicy,
    tctx: TaskRunContext,
    parameters: dict[str, Any],
    flow_ctx: FlowRunContext | None,
    task_name: str,
) -> str | None:
    flow_params = flow_ctx.flow_run.parameters if flow_ctx else {}
    try:
        return policy.compute_key(tctx, parameters, flow_params)
    except InputHashError as exc:
        warnings.warn(
            UnhashableInputsWarning.from_inputs(task_name, exc.input_name, exc.cause),
            UnhashableInputsWarning,
            stacklevel=1,
        )
    except HashError as exc:
        warnings.warn(
            UnhashableInputsWarning.from_inputs(task_name, "?", exc),
            UnhashableInputsWarning,
            stacklevel=1,
        )
    return None


def _may_retry(task: Any, run: TaskRun, failed: State) -> bool:
    fn = task.options.retry_condition_fn
    if fn is None:
        return True
    try:
        return bool(fn(task, run, failed))
    except Exception:  # a broken condition must not hide the task's own failure
        _log.exception("retry_condition_fn of task %r raised; not retrying", task.name)
        return False


def _interrupted(
    set_state: Callable[..., State], run: TaskRun, exc: BaseException
) -> State:
    set_state(
        State(
            StateType.CANCELLED, message="The task run was cancelled by an interrupt."
        )
    )
    raise exc


def _log_prints(options: TaskOptions, flow_ctx: FlowRunContext | None) -> bool:
    if options.log_prints is not None:
        return options.log_prints
    return bool(flow_ctx and flow_ctx.log_prints)


def _call_hooks(task: Any, run: TaskRun, state: State) -> None:
    options: TaskOptions = task.options
    if not (options.on_completion or options.on_failure or options.on_running):
        return
    if state.is_failed():
        hooks = options.on_failure
    elif state.is_completed():
        hooks = options.on_completion
    elif state.is_running():
        hooks = options.on_running
    else:
        return
    for hook in hooks:
        try:
            out = hook(task, run, state)
            if hasattr(out, "__await__"):
                from taskbook.engine.session import get_session

                get_session().portal.call(_await, out)
        except Exception:  # hooks never change the run's outcome (Prefect logs them)
            _log.exception(
                "An error was encountered while running hook %r",
                getattr(hook, "__name__", hook),
            )


async def _await(awaitable: Any) -> Any:
    return await awaitable


# --- futures in inputs ---------------------------------------------------------------


def collect_futures(
    value: Any, allowed: bool = False, depth: int = 0
) -> list[tuple[Any, bool]]:
    """Find futures (and allow_failure-wrapped ones) in inputs, one collection deep.

    Returns ``(future, allowed)`` pairs in the order met, allowed when the future
    was wrapped in ``allow_failure``. A task's parameters dict is the outermost
    collection (depth 0); ``wait_for`` lists are walked the same way.
    """
    if depth > 3:
        return []
    if isinstance(value, AllowFailure):
        return collect_futures(value.value, True, depth + 1)
    if isinstance(value, Unmapped):
        return collect_futures(value.value, allowed, depth + 1)
    if _is_future(value):
        return [(value, allowed)]
    if isinstance(value, dict):
        return [
            p for v in value.values() for p in collect_futures(v, allowed, depth + 1)
        ]
    if isinstance(value, (list, tuple, set)):
        return [p for v in value for p in collect_futures(v, allowed, depth + 1)]
    return []


def _resolve_values(value: Any, depth: int = 0) -> Any:
    """Replace futures and states in inputs by their results."""
    if depth > 4:
        return value
    if isinstance(value, (AllowFailure, Unmapped)):
        return _resolve_values(value.value, depth + 1)
    if _is_future(value):
        state = value.state
        return (
            state.data if state.is_completed() else state.result(raise_on_failure=False)
        )
    if isinstance(value, State):
        return (
            value.data if value.is_completed() else value.result(raise_on_failure=False)
        )
    if isinstance(value, dict):
        if depth == 0:
            return {k: _resolve_values(v, depth + 1) for k, v in value.items()}
        if any(_needs_resolving(v) for v in value.values()):
            return {k: _resolve_values(v, depth + 1) for k, v in value.items()}
        return value
    if isinstance(value, (list, tuple, set)) and any(
        _needs_resolving(v) for v in value
    ):
        return type(value)(_resolve_values(v, depth + 1) for v in value)
    return value


def _needs_resolving(value: Any) -> bool:
    return (
        _is_future(value)
        or isinstance(value, (State, AllowFailure, Unmapped))
        or (
            isinstance(value, (list, tuple, set, dict)) and bool(collect_futures(value))
        )
    )


def _is_future(value: Any) -> bool:
    return getattr(value, "_is_taskbook_future", False) is True


# Input types that can hold no future, state or annotation (exact types only).
_PLAIN_TYPES = frozenset({int, float, str, bytes, bool, complex, type(None)})


def all_plain(parameters: dict[str, Any]) -> bool:
    """Whether no parameter can hold a future, state or annotation (cheap)."""
    plain = _PLAIN_TYPES
    for value in parameters.values():
        if type(value) not in plain:
            return False
    return True
