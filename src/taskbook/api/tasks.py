"""``@task`` and the Task object: call, submit, map, with_options (Prefect 3's API)."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable
from functools import cached_property, update_wrapper
from typing import Any, Generic, ParamSpec, TypeVar, overload

from taskbook.api.calls import (
    _UNBOUND,
    MethodBinding,
    OptionAttributes,
    Signature,
    decorate,
    function_source,
    keyword_view,
    unwrap_method,
)
from taskbook.core.options import TASK_HOOK_LISTS, TaskOptions
from taskbook.core.states import State
from taskbook.engine.annotations import Unmapped
from taskbook.engine.futures import TaskFuture, TaskFutureList
from taskbook.engine.retry import exponential_backoff
from taskbook.engine.task_runs import (
    acall_task,
    call_task,
    new_call,
    split_map_arguments,
    submit_call,
    submit_map,
)
from taskbook.errors import HashError

P = ParamSpec("P")
R = TypeVar("R")

__all__ = ["Task", "exponential_backoff", "task", "task_input_hash"]


class Task(MethodBinding, OptionAttributes, Generic[P, R]):
    """A function whose calls are task runs: cached, retried, timed out, recorded."""

    def __init__(
        self,
        fn: Callable[P, R],
        options: TaskOptions,
        *,
        source: str | None = None,
        task_key: str | None = None,
    ) -> None:
        """Make a task of ``fn``.

        Args:
            fn: The function each run calls.
            options: The task's options.
            source: The source the task stands for, when it is not ``fn``'s own
                (a notebook cell run through a shared function); by default
                ``fn``'s source, read when first needed.
            task_key: The task's identity across runs; by default derived from
                ``fn``'s name and ``source``.
        """
        fn, self._method_kind = unwrap_method(fn)
        if not callable(fn):
            raise TypeError(f"@task needs a function, got {fn!r}. Decorate a function.")
        self.fn = fn
        self.options = options
        self.name: str = options.name or getattr(fn, "__name__", type(fn).__name__)
        self.description = options.description or inspect.getdoc(fn)
        self.isasync = inspect.iscoroutinefunction(fn)
        self._signature = Signature(fn)
        update_wrapper(self, fn)  # type: ignore[arg-type]
        self._given_source, self._given_task_key = source, task_key
        # Given values shadow the lazily derived ones (cached_property reads the
        # instance dict first).
        if source is not None:
            self.source = source
        if task_key is not None:
            self.task_key = task_key
        # What the run protocols call: the task, or a view taking keywords only.
        self._view = keyword_view(self, self._signature, self.isasync, self.name)

    # -- identity ---------------------------------------------------------------

    @cached_property
    def source(self) -> str:
        """The source the task stands for (the TASK_SOURCE cache policy hashes it)."""
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
    def retry_delay_seconds(self) -> Any:
        """The delays as Prefect's ``Task`` holds them: a callable (such as
        ``exponential_backoff(...)``) is called with ``retries``, giving a list."""
        delays = self.options.retry_delay_seconds
        return delays(self.options.retries) if callable(delays) else delays

    def with_options(self, **changes: Any) -> Task[P, R]:
        """Return a copy of this task with some options changed."""
        for name in TASK_HOOK_LISTS:
            if name in changes and isinstance(changes[name], (list, set, frozenset)):
                changes[name] = tuple(changes[name])
        return self._keep_binding(  # type: ignore[no-any-return]
            Task(
                self.fn,
                self.options.merge(**changes),
                source=self._given_source,
                task_key=self._given_task_key,
            )
        )

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

    def on_commit(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """Decorator: add a hook called as ``fn(transaction)`` when it commits."""
        self.options = self.options.merge(on_commit=(*self.options.on_commit, fn))
        return fn

    def on_rollback(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """Decorator: add a hook called as ``fn(transaction)`` when it rolls back."""
        self.options = self.options.merge(on_rollback=(*self.options.on_rollback, fn))
        return fn

    # -- runs ---------------------------------------------------------------------

    def __call__(
        self,
        *args: Any,
        return_state: bool = False,
        wait_for: Iterable[Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Run the task now and return its result (or its State with return_state)."""
        parameters = self._signature.bind(self._bind_first(args), kwargs)
        call, session = new_call(self._view, parameters, wait_for)
        if self.isasync and (call.flow_ctx is None or call.flow_ctx.flow.isasync):
            return _finish_async(acall_task(call, session), return_state, call)
        state = call_task(call, session)
        return state if return_state else _call_result(state, call)

    def submit(
        self,
        *args: Any,
        return_state: bool = False,
        wait_for: Iterable[Any] | None = None,
        **kwargs: Any,
    ) -> TaskFuture[R]:
        """Start the task on the flow's task runner; return a future."""
        parameters = self._signature.bind(self._bind_first(args), kwargs)
        future: TaskFuture[R] = submit_call(*new_call(self._view, parameters, wait_for))
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
        given = self._signature.given(self._bind_first(args), kwargs)
        if self._bound is not _UNBOUND:  # self/cls goes whole to every run
            first = self._signature.names[0]
            given[first] = Unmapped(given[first])
        static, iterables, upstream = split_map_arguments(given)
        parameters = self._signature.expand(static, iterables)
        futures: TaskFutureList[R] = TaskFutureList(
            submit_map(self._view, parameters, wait_for, upstream)
        )
        if return_state:
            futures.wait()
            return [f.state for f in futures]  # type: ignore[return-value]
        return futures

    def __repr__(self) -> str:
        return f"Task(name={self.name!r})"


async def _finish_async(
    running: Awaitable[State], return_state: bool, call: Any
) -> Any:
    state = await running
    return state if return_state else _call_result(state, call)


def _call_result(state: State, call: Any) -> Any:
    """What calling a task returns: its result, or, as Prefect, the state its
    function returned (a returned Failed state is handed back, not raised)."""
    return state if call.task_run.returned_state else state.result()


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
    for name in TASK_HOOK_LISTS:
        if name in options and isinstance(options[name], (list, set)):
            options[name] = tuple(options[name])
    return decorate(
        Task, __fn, TaskOptions().merge(**options) if options else TaskOptions()
    )
