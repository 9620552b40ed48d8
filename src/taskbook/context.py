"""``prefect.context``: the run in progress, as ``get_run_context()`` returns it."""

from __future__ import annotations

from taskbook.engine.context import (
    FlowRunContext,
    TaskRunContext,
    flow_run_ctx,
    task_run_ctx,
)
from taskbook.errors import MissingContextError

__all__ = ("FlowRunContext", "TaskRunContext", "get_run_context")


def get_run_context() -> TaskRunContext | FlowRunContext:
    """Return the current task run's context, else the current flow run's.

    Raises:
        MissingContextError: Outside any flow or task run.
    """
    context = task_run_ctx.get() or flow_run_ctx.get()
    if context is None:
        raise MissingContextError.from_context()
    return context
