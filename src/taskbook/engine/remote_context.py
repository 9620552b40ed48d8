"""The current run, carried to code that runs in another process (a child, a Dask worker).

Only what ``taskbook.runtime`` reads travels: copies of the flow run and the task
run without their states (which may hold results that do not pickle); the task
run's parameters are the values sent, the flow run's are left here (empty). The live run contexts stay unset over there, so a task
called in remote code runs on its own, as it would outside any flow.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from taskbook.engine.context import flow_run_ctx, task_run_ctx

__all__ = ("RemoteRunContext", "capture_run", "entered_run", "remote_run_ctx")


@dataclass(frozen=True, slots=True)
class RemoteRunContext:
    """The runs a piece of remote code belongs to (copies, picklable)."""

    flow_run: Any = None
    task_run: Any = None


remote_run_ctx: ContextVar[RemoteRunContext | None] = ContextVar(
    "taskbook_remote_run", default=None
)


def _copy(run: Any, parameters: Mapping[str, Any]) -> Any:
    if run is None:
        return None
    changes: dict[str, Any] = {"state": None, "parameters": dict(parameters)}
    if hasattr(run, "inputs"):
        changes["inputs"] = None
    return dataclasses.replace(run, **changes)


def capture_run(
    task_parameters: Mapping[str, Any] | None = None,
) -> RemoteRunContext | None:
    """Return the runs the calling thread is in, or None outside any run.

    Args:
        task_parameters: The task run's parameters as sent (futures resolved);
            by default the run's own.
    """
    fctx, tctx = flow_run_ctx.get(), task_run_ctx.get()
    if fctx is None and tctx is None:
        return None
    task_run = tctx.task_run if tctx is not None else None
    if task_parameters is None:
        task_parameters = task_run.parameters if task_run is not None else {}
    return RemoteRunContext(
        # The flow's parameters stay here: each remote call would carry them all.
        _copy(fctx.flow_run if fctx is not None else None, {}),
        _copy(task_run, task_parameters),
    )


@contextlib.contextmanager
def entered_run(run: RemoteRunContext | None) -> Iterator[None]:
    """Make ``taskbook.runtime`` see ``run`` inside the block."""
    token = remote_run_ctx.set(run)
    try:
        yield
    finally:
        remote_run_ctx.reset(token)
