"""Task runs from creation to hand-over: the engine's side of call, submit and map.

A run is created with its id, name (``task-0``... per task in a flow run), tags
and upstream ids, and announced by ``TaskRunCreated`` (its Pending state). Direct
calls are driven here, their results tracked by identity; submitted and mapped
ones go to the flow's task runner, or the session's outside any flow.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from taskbook.core.events import TaskRunCreated
from taskbook.core.states import State, StateType
from taskbook.engine.annotations import AllowFailure, Unmapped
from taskbook.engine.attempt import MapCall, TaskCall, task_protocol
from taskbook.engine.context import FlowRunContext, TaskRun, flow_run_ctx, tags_ctx
from taskbook.engine.futures import TaskFuture
from taskbook.engine.ids import new_id
from taskbook.engine.inputs import all_plain, collect_futures, is_future
from taskbook.engine.names import render_run_name
from taskbook.engine.session import Session, session_for_runs
from taskbook.engine.steps import drive_async, drive_sync
from taskbook.errors import MappingLengthMismatch, MappingMissingIterable

# --- creating runs ------------------------------------------------------------------


def new_call(
    task: Any, parameters: dict[str, Any], wait_for: Iterable[Any] | None
) -> tuple[TaskCall, Session]:
    """Create the run of one call of ``task`` (bound parameters); return its call.

    The session is the current flow run's, else the default one.
    """
    flow_ctx = flow_run_ctx.get()
    session = flow_ctx.session if flow_ctx else session_for_runs()
    waits = list(wait_for or ())
    run = new_runs(task, [parameters], flow_ctx, session, waits)[0]
    # The task knows whether its fn is a coroutine function: no inspecting per call.
    call = TaskCall(task, parameters, waits, run, flow_ctx, None, task.isasync)
    return call, session


def new_runs(
    task: Any,
    parameters: list[dict[str, Any]],
    flow_ctx: FlowRunContext | None,
    session: Session,
    wait_for: list[Any],
    shared: tuple[str, ...] = (),
) -> list[TaskRun]:
    """Create (and record as Pending) one run of ``task`` per parameter set, in order.

    Each run's ``upstream`` lists the task runs it was given, deduplicated in
    the order met: ``shared`` (what a ``.map`` resolved before splitting),
    the futures in its parameters, the results of direct calls among its
    parameter values, then the futures in ``wait_for``. The futures found are
    kept on the run (``inputs``) so its protocol does not look again.
    """
    waits = collect_futures(wait_for) if wait_for else []
    results = flow_ctx.results if flow_ctx is not None else None
    template = task.options.task_run_name
    task_name, task_key = task.name, task.task_key
    first = (
        flow_ctx.next_index(task_key, len(parameters))
        if template is None and flow_ctx is not None
        else 0
    )
    own_tags = task.options.tags
    ambient = tags_ctx.get()
    run_tags = own_tags if not ambient else tuple(sorted(set(own_tags) | set(ambient)))
    flow_run_id = flow_ctx.flow_run.id if flow_ctx else None
    active = flow_ctx.active if flow_ctx is not None else None
    now = session.clock.now
    publish = session.bus.publish
    runs = []
    for i, params in enumerate(parameters):
        if template is not None:
            name = render_run_name(template, params)  # type: ignore[assignment]
        elif flow_ctx is not None:
            name = f"{task_name}-{first + i}"
        else:
            name = task_name
        run_id = new_id()
        run = TaskRun(run_id, name, task_name, task_key, flow_run_id, params, run_tags)
        upstream = shared
        if not all_plain(params):
            found = collect_futures(params)
            run.inputs = found + waits if waits else found
            upstream = _upstream(shared, found, params, results, waits)
        elif waits or results:
            run.inputs = waits or None
            upstream = _upstream(shared, (), params, results, waits)
        run.upstream = upstream
        ts = now()
        publish(
            TaskRunCreated(
                run_id, flow_run_id, task_name, task_key, name, run_tags, ts, upstream
            )
        )
        # Recorded as created: TaskRunCreated is the Pending state in the store.
        run.state = State(StateType.PENDING, "Pending", ts=ts, owner=run_id)
        if active is not None:
            active[run_id] = run
        runs.append(run)
    return runs


def _upstream(
    shared: tuple[str, ...],
    found: list[tuple[Any, bool]] | tuple[()],
    parameters: dict[str, Any],
    results: dict[int, tuple[str, Any]] | None,
    waits: list[tuple[Any, bool]],
) -> tuple[str, ...]:
    """The ids of a run's upstream runs, deduplicated in the order met."""
    ids = list(shared)
    for future, _ in found:
        ids.append(future.task_run_id)
    if results:
        # _called_upstream, inlined: this runs at every direct call in a flow.
        get = results.get
        for value in parameters.values():
            hit = get(id(value))
            if hit is not None and hit[1] is value:
                ids.append(hit[0])
    for future, _ in waits:
        ids.append(future.task_run_id)
    return tuple(ids) if len(ids) < 2 else tuple(dict.fromkeys(ids))


def _called_upstream(
    values: Iterable[Any], results: dict[int, tuple[str, Any]]
) -> list[str]:
    """The runs whose direct-call results are among ``values`` (by identity)."""
    ids = []
    get = results.get
    for value in values:
        hit = get(id(value))
        if hit is not None and hit[1] is value:
            ids.append(hit[0])
    return ids


# --- direct calls ---------------------------------------------------------------------


def call_task(call: TaskCall, session: Session) -> State:
    """Drive a direct call to its final state in this thread.

    An async task (called in a sync flow) runs on the engine loop meanwhile.
    """
    protocol = task_protocol(call, session)
    if call.task.isasync:
        state: State = session.portal.call(drive_async, protocol, session)
    else:
        state = drive_sync(protocol, session)
    _track_result(call, state)
    return state


async def acall_task(call: TaskCall, session: Session) -> State:
    """Drive a direct call to its final state on the running event loop."""
    state: State = await drive_async(task_protocol(call, session), session)
    _track_result(call, state)
    return state


# Objects that are shared singletons or interned: their identity says nothing
# about where a value came from, so direct-call results of these are not tracked.
_UNTRACKABLE = frozenset({bool, type(None), type(Ellipsis), type(NotImplemented)})


def _track_result(call: TaskCall, state: State) -> None:
    """Remember a direct call's result so a later call given it links to the run
    (Prefect tracks results by identity the same way)."""
    flow_ctx = call.flow_ctx
    if flow_ctx is None or state.type is not StateType.COMPLETED:
        return
    value = state.data
    kind = type(value)
    if kind in _UNTRACKABLE:
        return
    if kind is int and -5 <= value <= 256:  # CPython's cached small ints
        return
    if kind in (str, bytes, tuple) and len(value) <= (0 if kind is tuple else 1):
        return  # the empty and one-character strings are singletons too
    flow_ctx.results[id(value)] = (call.task_run.id, value)


# --- submitted and mapped calls ---------------------------------------------------------


def submit_call(call: TaskCall, session: Session) -> TaskFuture[Any]:
    """Start a call on its flow's task runner (or the session's); return its future."""
    flow_ctx = call.flow_ctx
    runner = flow_ctx.task_runner if flow_ctx else session.task_runner
    future: TaskFuture[Any] = runner.submit(call, session)
    if flow_ctx is not None:
        flow_ctx.futures.append(future)
    return future


def split_map_arguments(
    given: dict[str, Any],
) -> tuple[dict[str, Any], dict[str, list[Any]], tuple[str, ...]]:
    """Split the arguments of a ``.map`` into static values and iterables.

    Strings, bytes and ``unmapped(...)`` values are static. A future or state
    of an iterable is resolved to map over its data, as in Prefect.

    Returns:
        ``(static, iterables, upstream)``: ``upstream`` lists the runs every
        element depends on through what was split (the futures resolved and the
        direct-call results mapped over), which the elements no longer show.

    Raises:
        MappingMissingIterable: If no argument is iterable.
        MappingLengthMismatch: If the iterables differ in length.
    """
    flow_ctx = flow_run_ctx.get()
    results = flow_ctx.results if flow_ctx is not None else None
    iterables: dict[str, list[Any]] = {}
    static: dict[str, Any] = {}
    resolved: list[str] = []
    for name, value in given.items():
        if is_future(value) and _is_iterable(value.result()):
            resolved.append(value.task_run_id)
            value = value.result()
        elif (
            isinstance(value, State)
            and value.is_completed()
            and _is_iterable(value.data)
        ):
            value = value.data  # a task's or subflow's state: map its result
        if isinstance(value, Unmapped):
            static[name] = value.value
        elif isinstance(value, AllowFailure) and _is_iterable(value.value):
            iterables[name] = [AllowFailure(v) for v in value.value]
            if results:
                resolved += _called_upstream((value.value,), results)
        elif _is_iterable(value):
            iterables[name] = list(value)
            if results:
                resolved += _called_upstream((value,), results)
        else:
            static[name] = value
    if not iterables:
        raise MappingMissingIterable.from_parameters(given)
    lengths = {k: len(v) for k, v in iterables.items()}
    if len(set(lengths.values())) > 1:
        raise MappingLengthMismatch.from_lengths(lengths)
    return static, iterables, tuple(dict.fromkeys(resolved))


def submit_map(
    task: Any,
    parameters: list[dict[str, Any]],
    wait_for: Iterable[Any] | None,
    upstream: tuple[str, ...],
) -> list[TaskFuture[Any]]:
    """Create one run per parameter set and start them all; return their futures.

    ``upstream`` is what every run depends on (see ``split_map_arguments``).
    """
    flow_ctx = flow_run_ctx.get()
    session = flow_ctx.session if flow_ctx else session_for_runs()
    waits = list(wait_for or ())
    runs = new_runs(task, parameters, flow_ctx, session, waits, upstream)
    runner = flow_ctx.task_runner if flow_ctx else session.task_runner
    futures = runner.submit_map(MapCall(task, waits, flow_ctx), runs, session)
    if flow_ctx is not None:
        flow_ctx.futures.extend(futures)
    return futures  # type: ignore[no-any-return]


def _is_iterable(value: Any) -> bool:
    # As Prefect's isiterable: strings, bytes and files are passed whole; a dict maps
    # over its keys.
    if isinstance(value, (str, bytes, io.IOBase)):
        return False
    if is_future(value):
        return False
    try:
        iter(value)
    except TypeError:
        return False
    return True
