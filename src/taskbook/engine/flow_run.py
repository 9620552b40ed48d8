"""One flow run, written once as a protocol for both drivers (see ``steps.py``).

Pending -> Running -> Completed | Failed (retried as a loop when ``retries``),
Cancelled on interrupt (queued tasks never start, running ones are interrupted,
unfinished ones end Cancelled, and nothing is recorded afterwards; a run that
times out ends its unfinished tasks TimedOut the same way), Crashed on
other BaseExceptions. The final state follows Prefect's return-value rules:
returned futures/states are aggregated (``"2/3 states failed."``).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from taskbook.core.events import StateChanged
from taskbook.core.options import FlowOptions
from taskbook.core.states import State, StateType
from taskbook.engine.context import FlowRunContext, flow_run_ctx
from taskbook.engine.logs import LIFECYCLE
from taskbook.engine.outcomes import call_hooks, crashed_state, failed_state
from taskbook.engine.retry import delay_for
from taskbook.engine.returns import resolve_futures_to_states, return_value_to_state
from taskbook.engine.steps import (
    Call,
    Protocol,
    Resolve,
    Sleep,
    drive_async,
    drive_sync,
)
from taskbook.errors import CancelRun, FlowRunTimeoutError

_log = logging.getLogger("taskbook.flow_runs")


@dataclass(slots=True)
class FlowCall:
    """What one call of a flow needs."""

    flow: Any  # the api Flow: .fn, .options, .name
    ctx: FlowRunContext
    parameters: dict[str, Any]
    futures: list[Any] = field(default_factory=list)


def run_flow(call: FlowCall, session: Any) -> State:
    """Drive a flow call to its final state in this thread, inside its run."""
    with _inside(call.ctx):
        state: State = drive_sync(flow_protocol(call, session), session)
    return state


async def arun_flow(call: FlowCall, session: Any) -> State:
    """Drive a flow call to its final state on the running loop, inside its run."""
    with _inside(call.ctx):
        state: State = await drive_async(flow_protocol(call, session), session)
    return state


@contextlib.contextmanager
def _inside(ctx: FlowRunContext) -> Iterator[None]:
    # The run is current (tasks called in it belong to it) and its task runner
    # open for as long as the flow's function runs.
    token = flow_run_ctx.set(ctx)
    try:
        with ctx.task_runner:
            yield
    finally:
        flow_run_ctx.reset(token)


def flow_protocol(call: FlowCall, session: Any) -> Protocol:
    """Run one flow call; return its final State (re-raises interrupts)."""
    flow, ctx = call.flow, call.ctx
    run = ctx.flow_run
    options: FlowOptions = flow.options
    clock = session.clock

    def set_state(state: State) -> State:
        state = state.with_time(clock.now())
        run.state = state
        if state.type is StateType.RUNNING:
            run.run_count += 1
            if run.start_time is None:
                run.start_time = state.ts
        elif state.is_final():
            run.end_time = state.ts
        session.bus.publish(StateChanged(run.id, "flow", state, run.run_count))
        return state

    attempts = 0
    while True:
        state = set_state(State(StateType.RUNNING))
        if attempts == 0:
            _log.info(
                "Beginning flow run %r for flow %r",
                run.name,
                flow.name,
                extra=LIFECYCLE,
            )
        call_hooks(flow, run, state, _log)
        try:
            result = yield Call(
                flow.fn,
                (),
                call.parameters,
                options.timeout_seconds,
                lambda: FlowRunTimeoutError.from_timeout(
                    run.name, options.timeout_seconds or 0
                ),
            )
            outstanding = [f for f in ctx.futures if not f.done()]
            if outstanding:
                # Submitted tasks finish before the flow does (Prefect 3 would
                # cancel those not yet started; we let them run: see README).
                yield Resolve(outstanding)
            ctx.ledger.settle(session.cache)
        except (KeyboardInterrupt, CancelRun) as exc:
            _cancel(ctx, set_state, clock)
            call_hooks(flow, run, run.state, _log)
            raise exc
        except Exception as exc:  # the flow body failed: Failed, maybe retried
            timed_out = isinstance(exc, FlowRunTimeoutError)
            failed = failed_state("flow", exc, timed_out, options.timeout_seconds)
            if timed_out:
                _log.error("%s", failed.message)  # as Prefect: before any retry
                if attempts >= (options.retries or 0):
                    _time_out(ctx, clock, options.timeout_seconds or 0)
        except BaseException as exc:  # SystemExit, engine faults: Crashed
            crashed = set_state(crashed_state(exc))
            ctx.task_runner.cancel_all()
            call_hooks(flow, run, crashed, _log)
            raise
        else:
            final = return_value_to_state(resolve_futures_to_states(result))
            if not final.is_failed():
                final = set_state(final)
                _log.info("Finished in state %r", final, extra=LIFECYCLE)
                call_hooks(flow, run, final, _log)
                return final
            failed = final
        if attempts < (options.retries or 0):
            attempts += 1
            delay = delay_for(float(options.retry_delay_seconds or 0), attempts - 1)
            _log.info(
                "Flow run %r failed: %s - Retry %d/%d",
                run.name,
                failed.message,
                attempts,
                options.retries,
            )
            if delay:
                set_state(
                    State(
                        StateType.SCHEDULED,
                        "AwaitingRetry",
                        scheduled_ts=clock.now() + delay,
                    )
                )
                yield Sleep(delay)
            ctx.futures.clear()
            continue
        final = set_state(failed)
        _log.error("Finished in state %r", final)
        call_hooks(flow, run, final, _log)
        return final


def _cancel(
    ctx: FlowRunContext, set_state: Callable[[State], State], clock: Any
) -> None:
    # Close first: from here on, tasks still unwinding in other threads publish
    # nothing, so the Cancelled states below are the run's last records.
    ctx.closed.set()
    ctx.task_runner.cancel_all()
    message = "The flow run was cancelled by an interrupt."
    for task_run in list(ctx.active.values()):
        if task_run.state is None or not task_run.state.is_final():
            state = State(StateType.CANCELLED, message=message).with_time(clock.now())
            task_run.state = state
            ctx.session.bus.publish(
                StateChanged(task_run.id, "task", state, task_run.run_count)
            )
    set_state(State(StateType.CANCELLED, message=message))


def _time_out(ctx: FlowRunContext, clock: Any, seconds: float) -> None:
    # The run ends at its limit: its running tasks end TimedOut (and are
    # interrupted where Python can; one blocked in C is abandoned, and nothing
    # waits for it), queued ones never start, nothing is recorded afterwards.
    ctx.closed.set()
    ctx.task_runner.cancel_all()
    message = f"The flow run timed out after {seconds} s; this task run was stopped."
    for task_run in list(ctx.active.values()):
        if task_run.state is None or not task_run.state.is_final():
            state = State(StateType.FAILED, "TimedOut", message=message)
            task_run.state = state.with_time(clock.now())
            ctx.session.bus.publish(
                StateChanged(task_run.id, "task", task_run.state, task_run.run_count)
            )
