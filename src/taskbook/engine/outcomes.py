"""How a task or flow run's call ends: its Failed or Crashed state, and its hooks.

Shared by the task and flow protocols so both word their states as Prefect 3 does
and run hooks the same way: a hook that raises is logged and never changes the
run's outcome; an async hook is awaited on the engine loop.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any

from taskbook.core.states import State, StateType


def format_exception(exc: BaseException) -> str:
    """Return ``"ValueError: message"`` for an exception."""
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    module = type(exc).__module__
    # taskbook's errors by their name, as users import them, not their private module
    return text.removeprefix(f"{module}.") if module.startswith("taskbook.") else text


# Prefect's own wording, down to the colon only the flow message has.
_ENCOUNTERED = {
    "task": "Task run encountered an exception ",
    "flow": "Flow run encountered an exception: ",
}


def failed_state(
    kind: str, exc: Exception, timed_out: bool, timeout: float | None
) -> State:
    """Return the Failed state of a ``"task"`` or ``"flow"`` call that raised.

    A timeout gives Failed "TimedOut" with Prefect's message; the exception (kept
    as the state's data) names the run.
    """
    if timed_out:
        message = f"{kind.capitalize()} run exceeded timeout of {timeout} second(s)"
        return State(StateType.FAILED, "TimedOut", message, data=exc)
    return State(
        StateType.FAILED,
        message=f"{_ENCOUNTERED[kind]}{format_exception(exc)}",
        data=exc,
    )


def crashed_state(exc: BaseException) -> State:
    """Return the Crashed state of a call ended by a BaseException (SystemExit...)."""
    return State(
        StateType.CRASHED,
        message=f"Execution was interrupted: {format_exception(exc)}",
        data=exc,
    )


# The option naming the hooks each state type fires, "" for none (tasks have no
# cancellation or crash hooks: their options lack those names).
_HOOK_OPTIONS = dict.fromkeys(StateType, "") | {
    StateType.FAILED: "on_failure",
    StateType.COMPLETED: "on_completion",
    StateType.RUNNING: "on_running",
    StateType.CANCELLED: "on_cancellation",
    StateType.CRASHED: "on_crashed",
}


def call_hooks(owner: Any, run: Any, state: State | None, log: logging.Logger) -> None:
    """Call the hooks ``state`` fires, as ``hook(owner, run, state)``.

    ``owner`` is the task or flow (its ``options`` hold the hooks). A hook's error
    is logged on ``log`` (Prefect logs them too); a returned awaitable is awaited
    on the engine loop.
    """
    if state is None:
        return
    option = _HOOK_OPTIONS[state.type]
    for hook in getattr(owner.options, option, ()) if option else ():
        try:
            out = hook(owner, run, state)
            if hasattr(out, "__await__"):
                from taskbook.engine.session import get_session

                get_session().portal.call(_await, out)
        except Exception:  # hooks never change the run's outcome
            log.exception(
                "An error was encountered while running hook %r",
                getattr(hook, "__name__", hook),
            )


async def _await(awaitable: Any) -> Any:
    return await awaitable
