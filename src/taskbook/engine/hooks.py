"""Run hooks, called as Prefect calls them: ``hook(task, task_run, state)`` for task
runs (``call_task_hooks``), ``hook(flow, flow_run, state)`` for flow runs.

A hook that raises is logged and never changes the run's outcome; an async hook is
awaited on the engine loop.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from taskbook.core.options import TaskOptions
from taskbook.core.states import State
from taskbook.engine.context import TaskRun

__all__ = ("call_task_hooks", "run_hooks")

_log = logging.getLogger("taskbook.task_runs")


def call_task_hooks(task: Any, run: TaskRun, state: State) -> None:
    """Call the hooks of ``task`` for ``state`` (completion, failure, running)."""
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
    run_hooks(hooks, (task, run, state), _log)


def run_hooks(
    hooks: Iterable[Callable[..., Any]], args: tuple[Any, ...], log: logging.Logger
) -> None:
    """Call each hook with ``args``; await async ones; log (never raise) failures."""
    for hook in hooks:
        try:
            out = hook(*args)
            if hasattr(out, "__await__"):
                from taskbook.engine.session import get_session

                get_session().portal.call(_await, out)
        except Exception:  # hooks never change the run's outcome (Prefect logs them)
            log.exception(
                "An error was encountered while running hook %r",
                getattr(hook, "__name__", hook),
            )


async def _await(awaitable: Any) -> Any:
    return await awaitable
