"""The current run, carried to code that runs in another process (a child, a Dask worker).

Only what ``taskbook.runtime`` reads travels: copies of the flow run and the task
run without their states (which may hold results that do not pickle). The live run contexts stay unset over there, so a task
called in remote code runs on its own, as it would outside any flow.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
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


def _copy(run: Any) -> Any:
    if run is None:
        return None
    changes: dict[str, Any] = {"state": None}
    if hasattr(run, "inputs"):
        changes["inputs"] = None
    return dataclasses.replace(run, **changes)


def capture_run() -> RemoteRunContext | None:
    """Return the runs the calling thread is in, or None outside any run."""
    fctx, tctx = flow_run_ctx.get(), task_run_ctx.get()
    if fctx is None and tctx is None:
        return None
    return RemoteRunContext(
        _copy(fctx.flow_run if fctx is not None else None),
        _copy(tctx.task_run if tctx is not None else None),
    )


@contextlib.contextmanager
def entered_run(run: RemoteRunContext | None) -> Iterator[None]:
    """Make ``taskbook.runtime`` see ``run`` inside the block."""
    token = remote_run_ctx.set(run)
    try:
        yield
    finally:
        remote_run_ctx.reset(token)
