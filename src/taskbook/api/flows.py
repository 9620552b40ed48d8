"""``@flow`` and the Flow object: a function whose calls are recorded flow runs."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from functools import update_wrapper
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, ParamSpec, TypeVar, overload

from taskbook.api.calls import (
    MethodBinding,
    OptionAttributes,
    ParameterValidator,
    Signature,
    decorate,
    keyword_view,
    unwrap_method,
)
from taskbook.core.events import FlowRunCreated, StateChanged
from taskbook.core.options import FlowOptions
from taskbook.core.states import State, StateType
from taskbook.engine.context import FlowRun, FlowRunContext, flow_run_ctx, tags_ctx
from taskbook.engine.flow_run import FlowCall, arun_flow, run_flow
from taskbook.engine.ids import new_id
from taskbook.engine.inputs import collect_futures
from taskbook.engine.masking import mask_parameters
from taskbook.engine.names import random_run_name, render_run_name
from taskbook.engine.outcomes import call_hooks, crashed_state, format_exception
from taskbook.engine.runners import TaskRunner, ThreadPoolTaskRunner
from taskbook.engine.session import session_for_runs
from taskbook.errors import ParameterTypeError, StoreUnwritableError, UpstreamTaskError

if TYPE_CHECKING:
    from taskbook.api.deployments import Deployment

_log = logging.getLogger("taskbook.flow_runs")

P = ParamSpec("P")
R = TypeVar("R")

__all__ = ["Flow", "flow"]


class Flow(MethodBinding, OptionAttributes, Generic[P, R]):
    """A function whose calls are flow runs; tasks called inside belong to the run."""

    def __init__(self, fn: Callable[P, R], options: FlowOptions) -> None:
        fn, self._method_kind = unwrap_method(fn)
        if not callable(fn):
            raise TypeError(f"@flow needs a function, got {fn!r}. Decorate a function.")
        self.fn = fn
        self.options = options
        name = options.name or getattr(fn, "__name__", "flow")
        self.name: str = options.name or name.replace("_", "-").replace(
            "<lambda>", "unknown-lambda"
        )
        self.description = options.description or inspect.getdoc(fn)
        self.isasync = inspect.iscoroutinefunction(fn)
        self._signature = Signature(fn)
        self._validator = ParameterValidator(fn, self.name)
        # What the flow protocol calls: the flow, or a view taking keywords only.
        self._view = keyword_view(self, self._signature, self.isasync, self.name)
        if options.task_runner is not None and not isinstance(
            options.task_runner, TaskRunner
        ):
            from taskbook.errors import InvalidOptionError

            raise InvalidOptionError.from_value(
                "task_runner",
                options.task_runner,
                "a task runner instance such as ThreadPoolTaskRunner()",
                "flow",
            )
        update_wrapper(self, fn)  # type: ignore[arg-type]

    def with_options(self, **changes: Any) -> Flow[P, R]:
        """Return a copy of this flow with some options changed."""
        return self._keep_binding(  # type: ignore[no-any-return]
            Flow(self.fn, self.options.merge(**changes))
        )

    def validate_parameters(self, parameters: dict[str, Any]) -> dict[str, Any]:
        """Return parameters coerced to their annotations.

        Raises:
            ParameterTypeError: If a value does not fit its annotation.
        """
        return self._validator.validate(parameters)

    def _start(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[FlowCall, Any, ParameterTypeError | None]:
        session = session_for_runs()
        parent = flow_run_ctx.get()
        parameters = self._signature.bind(args, kwargs)
        # Coerced before the run is recorded: the store keeps what the flow saw.
        invalid = None
        if self.options.validate_parameters:
            try:
                parameters = self.validate_parameters(parameters)
            except ParameterTypeError as exc:
                invalid = exc
        name = (
            render_run_name(self.options.flow_run_name, parameters, "flow_run_name")
            or random_run_name()
        )
        run_tags = tags_ctx.get()
        run = FlowRun(
            id=new_id(),
            name=name,
            flow_name=self.name,
            parameters=parameters,
            tags=run_tags,
            parent_flow_run_id=parent.flow_run.id if parent else None,
            flow_version=self.options.version,
        )
        run.root_flow_run_id = (
            (parent.flow_run.root_flow_run_id or parent.flow_run.id)
            if parent
            else run.id
        )
        now = session.clock.now()
        session.bus.publish(
            FlowRunCreated(
                run.id,
                self.name,
                name,
                mask_parameters(parameters),
                run_tags,
                parent.flow_run.id if parent else None,
                now,
            )
        )
        run.state = State(StateType.PENDING, ts=now)
        session.bus.publish(StateChanged(run.id, "flow", run.state))
        if parent is None and session.store.failure is not None:
            # The disk refused the last writes: fail before running, unless it
            # takes them now (a flush per flow would cost more than a small flow).
            try:
                session.store.check()
            except StoreUnwritableError as exc:  # not run; says so if the disk heals
                session.bus.publish(StateChanged(run.id, "flow", crashed_state(exc)))
                raise
        runner = (self.options.task_runner or ThreadPoolTaskRunner()).duplicate()
        persist = self.options.persist_result
        if persist is None and parent is not None:
            persist = parent.persist_result
        log_prints = self.options.log_prints
        if log_prints is None:
            log_prints = bool(parent and parent.log_prints)
        ctx = FlowRunContext(
            flow=self,
            flow_run=run,
            session=session,
            task_runner=runner,
            persist_result=persist,
            log_prints=log_prints,
        )
        return FlowCall(self._view, ctx, parameters, ctx.futures), session, invalid

    def _invalid(
        self, call: FlowCall, session: Any, invalid: ParameterTypeError | None
    ) -> State | None:
        """Return the call's Failed state if its parameters did not fit, else None.

        As Prefect: the run is recorded Failed, its on_failure hooks fire once,
        and calling the flow raises the ParameterTypeError. (The parameters were
        coerced in ``_start``, before the run was recorded.)
        """
        if invalid is None:
            return None
        message = "Validation of flow parameters failed with error:"
        _log.error("%s %s", message, invalid)
        state = self._finish(
            call,
            session,
            State(
                StateType.FAILED,
                message=f"{message} {format_exception(invalid)}",
                data=invalid,
            ),
        )
        call_hooks(self, call.ctx.flow_run, state, _log)
        return state

    def _not_ready(self, call: FlowCall, session: Any, wait_for: Any) -> State | None:
        """Return the run's NotReady state if a ``wait_for`` future did not complete."""
        for future, allowed in collect_futures(list(wait_for)):
            future.wait()
            if not allowed and not future.state.is_completed():
                err = UpstreamTaskError.from_upstream(
                    getattr(future, "task_run_name", future.task_run_id),
                    future.state.type.value,
                )
                state = State(StateType.PENDING, "NotReady", str(err), data=err)
                return self._finish(call, session, state)
        return None

    def _finish(self, call: FlowCall, session: Any, state: State) -> State:
        """Stamp and record a state the flow's function never ran to reach."""
        run = call.ctx.flow_run
        state = state.with_time(session.clock.now(), run.id)
        run.state = state
        if state.is_final():
            run.end_time = state.ts
        session.bus.publish(StateChanged(run.id, "flow", state))
        return state

    def _before(
        self,
        call: FlowCall,
        session: Any,
        wait_for: Any,
        invalid: ParameterTypeError | None,
    ) -> State | None:
        """The state the run ends in before its function runs, if it does."""
        if wait_for and (state := self._not_ready(call, session, wait_for)):
            return state
        return self._invalid(call, session, invalid)

    def __call__(
        self,
        *args: Any,
        return_state: bool = False,
        wait_for: Any = None,
        **kwargs: Any,
    ) -> Any:
        """Run the flow and return its result (or its State with return_state)."""
        call, session, invalid = self._start(self._bind_first(args), kwargs)
        if self.isasync:
            return self._acall(call, session, invalid, return_state, wait_for)
        if (state := self._before(call, session, wait_for, invalid)) is None:
            state = run_flow(call, session)
        _recorded(call, session)
        return state if return_state else _flow_result(state)

    async def _acall(
        self,
        call: FlowCall,
        session: Any,
        invalid: ParameterTypeError | None,
        return_state: bool,
        wait_for: Any,
    ) -> Any:
        if wait_for:  # waiting blocks: not on the event loop
            import anyio

            state = await anyio.to_thread.run_sync(
                self._before, call, session, wait_for, invalid
            )
        else:
            state = self._invalid(call, session, invalid)
        if state is None:
            state = await arun_flow(call, session)
        _recorded(call, session)
        return state if return_state else _flow_result(state)

    def to_deployment(
        self,
        name: str,
        interval: Any = None,
        cron: Any = None,
        rrule: Any = None,
        paused: bool | None = None,
        schedule: Any = None,
        schedules: Any = None,
        concurrency_limit: int | None = None,
        parameters: dict[str, Any] | None = None,
        description: str | None = None,
        tags: list[str] | None = None,
        version: str | None = None,
    ) -> Deployment:
        """Return a deployment of this flow for ``taskbook.serve(...)`` (Prefect's
        ``to_deployment``; the schedule keywords are ``serve``'s)."""
        from taskbook.api.deployments import make_deployment

        return make_deployment(
            self,
            name,
            interval=interval,
            cron=cron,
            rrule=rrule,
            paused=paused,
            schedule=schedule,
            schedules=schedules,
            concurrency_limit=concurrency_limit,
            parameters=parameters,
            description=description,
            tags=tags,
            version=version,
        )

    def serve(
        self,
        name: str | None = None,
        interval: Any = None,
        cron: Any = None,
        rrule: Any = None,
        paused: bool | None = None,
        schedule: Any = None,
        schedules: Any = None,
        global_limit: int | None = None,
        parameters: dict[str, Any] | None = None,
        description: str | None = None,
        tags: list[str] | None = None,
        version: str | None = None,
        pause_on_shutdown: bool = True,
        print_starting_message: bool = True,
        limit: int | None = None,
    ) -> None:
        """Store this flow's schedules and fire them until SIGINT or SIGTERM.

        Prefect 3's ``flow.serve``: call it under ``if __name__ == "__main__":`` in
        the flow's ``.py`` file. The schedules are stored as ``NAME`` (several:
        ``NAME.1``, ``NAME.2``... or ``NAME.SLUG``), replacing those an earlier
        serve of ``NAME`` stored; this process then fires the store's due
        schedules as ``taskbook serve`` does (``taskbook.serve`` says more).

        Args:
            name: The deployment's name (default: the flow's name).
            interval: Seconds or a timedelta, or a list of them.
            cron: A cron string, or a list of them.
            rrule: An RFC 5545 rule, or a list of them.
            paused: Store the schedules paused.
            schedule: A ``taskbook.schedules`` ``Cron``/``Interval``/``RRule``.
            schedules: A list of them.
            global_limit: At most this many runs of one schedule at once.
            parameters: Parameter values of the runs.
            description: The deployment's description.
            tags: Tags of the runs.
            version: The deployment's version.
            pause_on_shutdown: Pause the schedules when serving stops.
            print_starting_message: Print what is served and how to run it.
            limit: At most this many runs of one schedule at once.

        Raises:
            UnservableFlowError: The flow was not defined in a ``.py`` file.
            ServeAlreadyRunningError: A ``taskbook serve`` serves this store.
            InvalidScheduleError: Schedule options that do not fit together.
            InvalidCronError: A bad cron expression.
            InvalidIntervalError: A bad interval.
            InvalidRRuleError: A bad rrule.
            UnknownTimeZoneError: A time zone that does not exist.
        """
        from taskbook.api.serving import serve

        if name and Path(name).is_file():  # Prefect: serve(__file__) names it by stem
            name = Path(name).stem
        deployment = self.to_deployment(
            name or self.name,
            interval=interval,
            cron=cron,
            rrule=rrule,
            paused=paused,
            schedule=schedule,
            schedules=schedules,
            concurrency_limit=global_limit,
            parameters=parameters,
            description=description,
            tags=tags,
            version=version,
        )
        serve(
            deployment,
            pause_on_shutdown=pause_on_shutdown,
            print_starting_message=print_starting_message,
            limit=limit,
        )

    def __repr__(self) -> str:
        return f"Flow(name={self.name!r})"


def _recorded(call: FlowCall, session: Any) -> None:
    """Raise if the store's disk refused this top-level run's events, once flushed.

    Checked without waiting when nothing failed: the writer commits within ~50 ms,
    and a failure then is raised by the next flow (and logged).

    Raises:
        StoreUnwritableError: The store's disk is full or read-only.
    """
    if call.ctx.flow_run.parent_flow_run_id is None and session.store.failure:
        session.store.check()


def _flow_result(state: State) -> Any:
    """What calling a flow returns: as Prefect, what the flow returned with its
    futures resolved to states; a collection of states comes back even when
    some failed, a single failed one raises."""
    if not state.is_completed() and state.aggregated() is not None:
        if not isinstance(state.data, State):
            return state.data
    return state.result()


@overload
def flow(__fn: Callable[P, R]) -> Flow[P, R]: ...


@overload
def flow(
    __fn: None = None, **options: Any
) -> Callable[[Callable[P, R]], Flow[P, R]]: ...


def flow(__fn: Callable[P, R] | None = None, **options: Any) -> Any:
    """Turn a function into a flow (``@flow`` or ``@flow(retries=1, ...)``).

    Args:
        __fn: The function, when used without parentheses.
        **options: Any option of ``FlowOptions`` (Prefect 3's names and defaults).

    Raises:
        InvalidOptionError: If an option is unknown or has a bad value.
        InvalidNameError: If the name contains ``/ % & > <``.
    """
    return decorate(
        Flow, __fn, FlowOptions().merge(**options) if options else FlowOptions()
    )
