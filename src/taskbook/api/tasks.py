"""``@task`` and the Task object: call, submit, map, with_options (Prefect 3's API)."""

from __future__ import annotations

import inspect
import io
from collections.abc import Callable, Iterable
from functools import cached_property, update_wrapper
from typing import Any, Generic, ParamSpec, TypeVar, overload

from taskbook.api.calls import Signature, function_source, render_run_name
from taskbook.core.events import TaskRunCreated
from taskbook.core.options import TaskOptions
from taskbook.core.states import State, StateType
from taskbook.engine.annotations import AllowFailure, Unmapped
from taskbook.engine.attempt import MapCall, TaskCall, task_protocol
from taskbook.engine.context import FlowRunContext, TaskRun, flow_run_ctx, tags_ctx
from taskbook.engine.futures import TaskFuture, TaskFutureList
from taskbook.engine.ids import new_id
from taskbook.engine.inputs import all_plain, collect_futures
from taskbook.engine.logs import configure_logging
from taskbook.engine.retry import exponential_backoff
from taskbook.engine.runners import ThreadPoolTaskRunner
from taskbook.engine.session import Session, get_session
from taskbook.engine.steps import drive_async, drive_sync
from taskbook.errors import (
    HashError,
    MappingLengthMismatch,
    MappingMissingIterable,
    SignatureMismatchError,
)

P = ParamSpec("P")
R = TypeVar("R")

__all__ = ["Task", "exponential_backoff", "task", "task_input_hash"]


class Task(Generic[P, R]):
    """A function whose calls are task runs: cached, retried, timed out, recorded."""

    def __init__(
        self,
        fn: Callable[P, R],
        options: TaskOptions,
        *,
        source: str | None = None,
        task_key: str | None = None,
    ) -> None:
        if not callable(fn):
            raise TypeError(f"@task needs a function, got {fn!r}. Decorate a function.")
        self.fn = fn
        self.options = options
        self.name: str = options.name or getattr(fn, "__name__", type(fn).__name__)
        self.description = options.description or inspect.getdoc(fn)
        self.isasync = inspect.iscoroutinefunction(fn)
        self._signature = Signature(fn)
        update_wrapper(self, fn)  # type: ignore[arg-type]
        if source is not None:
            self.__dict__["source"] = source
        if task_key is not None:
            self.__dict__["task_key"] = task_key

    # -- identity ---------------------------------------------------------------

    @cached_property
    def source(self) -> str:
        """The function's source, for the TASK_SOURCE cache policy."""
        return function_source(self.fn)

    @cached_property
    def task_key(self) -> str:
        """``qualname-hash``: the same for the same code, as in Prefect."""
        from taskbook.core.cache import hash_objects

        qualname = getattr(self.fn, "__qualname__", self.name).split(".")[-1]
        return f"{qualname}-{hash_objects(self.source)[:8]}"

    @property
    def tags(self) -> set[str]:
        return set(self.options.tags)

    @property
    def retries(self) -> int:
        return self.options.retries

    @property
    def timeout_seconds(self) -> float | None:
        return self.options.timeout_seconds

    @property
    def cache_policy(self) -> Any:
        return self.options.cache_policy

    def with_options(self, **changes: Any) -> Task[P, R]:
        """Return a copy of this task with some options changed."""
        for name in ("tags", "on_completion", "on_failure", "on_running"):
            if name in changes and isinstance(changes[name], (list, set, frozenset)):
                changes[name] = tuple(changes[name])
        return Task(self.fn, self.options.merge(**changes))

    def on_completion(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """Decorator: add an on_completion hook."""
        self.options = self.options.merge(
            on_completion=(*self.options.on_completion, fn)
        )
        return fn

    def on_failure(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """Decorator: add an on_failure hook."""
        self.options = self.options.merge(on_failure=(*self.options.on_failure, fn))
        return fn

    def on_running(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """Decorator: add an on_running hook."""
        self.options = self.options.merge(on_running=(*self.options.on_running, fn))
        return fn

    # -- runs ---------------------------------------------------------------------

    def _new_run(
        self,
        parameters: dict[str, Any],
        flow_ctx: FlowRunContext | None,
        session: Session,
        wait_for: list[Any],
    ) -> TaskRun:
        return self._new_runs([parameters], flow_ctx, session, wait_for)[0]

    def _new_runs(
        self,
        parameters: list[dict[str, Any]],
        flow_ctx: FlowRunContext | None,
        session: Session,
        wait_for: list[Any],
        shared: tuple[str, ...] = (),
    ) -> list[TaskRun]:
        """Create (and record as Pending) one run per parameter set, in order.

        Each run's ``upstream`` lists the task runs it was given, deduplicated in
        the order met: ``shared`` (what a ``.map`` resolved before splitting),
        the futures in its parameters, the results of direct calls among its
        parameter values, then the futures in ``wait_for``. The futures found are
        kept on the run (``inputs``) so its protocol does not look again.
        """
        waits = collect_futures(wait_for) if wait_for else []
        results = flow_ctx.results if flow_ctx is not None else None
        template = self.options.task_run_name
        task_name, task_key = self.name, self.task_key
        first = (
            flow_ctx.next_index(task_key, len(parameters))
            if template is None and flow_ctx is not None
            else 0
        )
        own_tags = self.options.tags
        ambient = tags_ctx.get()
        run_tags = (
            own_tags if not ambient else tuple(sorted(set(own_tags) | set(ambient)))
        )
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
            run = TaskRun(
                run_id, name, task_name, task_key, flow_run_id, params, run_tags
            )
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
                    run_id,
                    flow_run_id,
                    task_name,
                    task_key,
                    name,
                    run_tags,
                    ts,
                    upstream,
                )
            )
            # Recorded as created: TaskRunCreated is the Pending state in the store.
            run.state = State(StateType.PENDING, "Pending", ts=ts, owner=run_id)
            if active is not None:
                active[run_id] = run
            runs.append(run)
        return runs

    def _prepare(
        self, args: tuple[Any, ...], kwargs: dict[str, Any], wait_for: Any
    ) -> tuple[TaskCall, Session]:
        flow_ctx = flow_run_ctx.get()
        session = flow_ctx.session if flow_ctx else _session()
        parameters = self._signature.bind(args, kwargs)
        waits = list(wait_for or ())
        run = self._new_run(parameters, flow_ctx, session, waits)
        call = TaskCall(self, parameters, waits, run, flow_ctx)
        return call, session

    def __call__(
        self,
        *args: Any,
        return_state: bool = False,
        wait_for: Iterable[Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Run the task now and return its result (or its State with return_state)."""
        call, session = self._prepare(args, kwargs, wait_for)
        self._bind_fn(call)
        if self.isasync:
            flow_ctx = call.flow_ctx
            if flow_ctx is not None and not flow_ctx.flow.isasync:
                # An async task in a sync flow: run it on the engine loop, return a value.
                state = session.portal.call(
                    drive_async, task_protocol(call, session), session
                )
                _track_result(call, state)
                return state if return_state else state.result()
            return _finish_async(
                drive_async(task_protocol(call, session), session), call, return_state
            )
        state = drive_sync(task_protocol(call, session), session)
        _track_result(call, state)
        return state if return_state else state.result()

    def _bind_fn(self, call: TaskCall) -> None:
        call.task = self._callable()

    def _callable(self) -> Task[P, R] | _BoundTask:
        """The task as the protocol calls it: with keyword parameters only."""
        if self._signature.simple:
            return self
        sig, fn = self._signature, self.fn

        def call_with_resolved(**parameters: Any) -> Any:
            args, kwargs = sig.call_args(parameters)
            return fn(*args, **kwargs)

        return _BoundTask(self, call_with_resolved)

    def submit(
        self,
        *args: Any,
        return_state: bool = False,
        wait_for: Iterable[Any] | None = None,
        **kwargs: Any,
    ) -> TaskFuture[R]:
        """Start the task on the flow's task runner; return a future."""
        call, session = self._prepare(args, kwargs, wait_for)
        self._bind_fn(call)
        flow_ctx = call.flow_ctx
        runner = flow_ctx.task_runner if flow_ctx else _standalone_runner()
        future: TaskFuture[R] = runner.submit(call, session)
        if flow_ctx is not None:
            flow_ctx.futures.append(future)
        if return_state:
            future.wait()
            return future.state  # type: ignore[return-value]
        return future

    def map(
        self,
        *args: Any,
        return_state: bool = False,
        wait_for: Iterable[Any] | None = None,
        **kwargs: Any,
    ) -> TaskFutureList[R]:
        """Submit one run per element of the iterable arguments.

        Strings, bytes and ``unmapped(...)`` values are passed whole to every run.

        Raises:
            MappingMissingIterable: If no argument is iterable.
            MappingLengthMismatch: If the iterables differ in length.
        """
        given = self._given(args, kwargs)
        flow_ctx = flow_run_ctx.get()
        results = flow_ctx.results if flow_ctx is not None else None
        iterables: dict[str, list[Any]] = {}
        static: dict[str, Any] = {}
        # Upstream runs of every element: the futures and direct-call results
        # mapped over, which the elements no longer show.
        resolved: list[str] = []
        for name, value in given.items():
            if _is_future(value) and _is_iterable(value.result()):
                # As Prefect: a top-level future is resolved to map over its data.
                resolved.append(value.task_run_id)
                value = value.result()
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
        session = flow_ctx.session if flow_ctx else _session()
        all_parameters = self._map_parameters(static, iterables)
        waits = list(wait_for or ())
        runs = self._new_runs(
            all_parameters, flow_ctx, session, waits, tuple(dict.fromkeys(resolved))
        )
        runner = flow_ctx.task_runner if flow_ctx else _standalone_runner()
        shared = MapCall(self._callable(), waits, flow_ctx)
        futures: TaskFutureList[R] = TaskFutureList(
            runner.submit_map(shared, runs, session)
        )
        if flow_ctx is not None:
            flow_ctx.futures.extend(futures)
        if return_state:
            futures.wait()
            return [f.state for f in futures]  # type: ignore[return-value]
        return futures

    def _given(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        """The arguments a ``.map`` call gives, without defaults (Prefect maps only
        these), with ``**kwargs`` spread into their own names."""
        sig = self._signature
        try:
            bound = sig.sig.bind(*args, **kwargs)
        except TypeError as exc:
            raise SignatureMismatchError.from_bind_error(
                self.fn.__name__, exc, str(sig.sig)
            ) from exc
        given = dict(bound.arguments)
        if sig.var_keyword is not None and sig.var_keyword in given:
            given.update(given.pop(sig.var_keyword))
        return given

    def _map_parameters(
        self, static: dict[str, Any], iterables: dict[str, list[Any]]
    ) -> list[dict[str, Any]]:
        """One bound-parameters dict per element, in signature order, defaults
        applied and ``**kwargs`` gathered back (what ``bind`` gives a call)."""
        sig = self._signature
        base: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for name in sig.names:
            if name in static:
                base[name] = static[name]
            elif name in iterables:
                base[name] = None  # set per element below
            elif name == sig.var_keyword:
                base[name] = extra
            elif name in sig.defaults:
                base[name] = sig.defaults[name]
            else:  # an empty *args
                base[name] = ()
        spread = [k for k in (*static, *iterables) if k not in sig.name_set]
        extra.update({k: static[k] for k in spread if k in static})
        mapped_extra = [k for k in spread if k in iterables]
        named = [(k, v) for k, v in iterables.items() if k in sig.name_set]
        n = len(next(iter(iterables.values())))
        out: list[dict[str, Any]] = []
        if len(named) == 1 and not mapped_extra:
            # The common case (one mapped argument): a dict copy and one store each.
            (name, values), copy = named[0], base.copy
            for value in values:
                params = copy()
                params[name] = value
                out.append(params)
            return out
        for i in range(n):
            params = base.copy()
            for name, values in named:
                params[name] = values[i]
            if mapped_extra:
                params[sig.var_keyword] = {  # type: ignore[index]
                    **extra,
                    **{k: iterables[k][i] for k in mapped_extra},
                }
            out.append(params)
        return out

    def __repr__(self) -> str:
        return f"Task(name={self.name!r})"


class _BoundTask:
    """A task whose call takes keyword parameters only (for *args/**kwargs functions)."""

    def __init__(self, task: Task[Any, Any], fn: Callable[..., Any]) -> None:
        self._task = task
        self.fn = fn

    def __getattr__(self, name: str) -> Any:
        return getattr(self._task, name)


async def _finish_async(coro: Any, call: TaskCall, return_state: bool) -> Any:
    state = await coro
    _track_result(call, state)
    return state if return_state else state.result()


def _is_iterable(value: Any) -> bool:
    # As Prefect's isiterable: strings, bytes and files are passed whole; a dict maps
    # over its keys.
    if isinstance(value, (str, bytes, io.IOBase)):
        return False
    if _is_future(value):
        return False
    try:
        iter(value)
    except TypeError:
        return False
    return True


def _is_future(value: Any) -> bool:
    return getattr(value, "_is_taskbook_future", False) is True


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
    for value in values:
        hit = results.get(id(value))
        if hit is not None and hit[1] is value:
            ids.append(hit[0])
    return ids


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


_runner: ThreadPoolTaskRunner | None = None


def _standalone_runner() -> ThreadPoolTaskRunner:
    """The runner for ``.submit()`` outside any flow (Prefect allows it too)."""
    global _runner
    if _runner is None:
        _runner = ThreadPoolTaskRunner()
    return _runner


def _session() -> Session:
    session = get_session()
    _ = session.store  # open the run store (and subscribe it) on first use
    configure_logging()
    return session


def task_input_hash(context: Any, arguments: dict[str, Any]) -> str | None:
    """Cache key of a task's code and inputs (Prefect's ``task_input_hash``).

    Returns None (no caching) when the inputs cannot be hashed.
    """
    from taskbook.core.cache import hash_objects

    task = context.task
    try:
        return hash_objects(task.task_key, task.fn.__code__.co_code.hex(), arguments)
    except (HashError, AttributeError):
        return None


@overload
def task(__fn: Callable[P, R]) -> Task[P, R]: ...


@overload
def task(
    __fn: None = None, **options: Any
) -> Callable[[Callable[P, R]], Task[P, R]]: ...


def task(__fn: Callable[P, R] | None = None, **options: Any) -> Any:
    """Turn a function into a task (``@task`` or ``@task(retries=2, ...)``).

    Args:
        __fn: The function, when used without parentheses.
        **options: Any option of ``TaskOptions`` (Prefect 3's names and defaults).

    Returns:
        A Task, or a decorator that makes one.

    Raises:
        InvalidOptionError: If an option is unknown or has a bad value.
    """
    for name in ("tags", "on_completion", "on_failure", "on_running"):
        if name in options and isinstance(options[name], (list, set)):
            options[name] = tuple(options[name])
    opts = TaskOptions().merge(**options) if options else TaskOptions()
    if __fn is not None:
        return Task(__fn, opts)
    return lambda fn: Task(fn, opts)
