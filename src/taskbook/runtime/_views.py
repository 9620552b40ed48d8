"""What ``taskbook.runtime``'s modules read: the run of the calling thread or task.

Shared by ``flow_run``, ``task_run`` and ``deployment`` (each a module whose
``__getattr__`` asks here, as Prefect's are), so every attribute is read when
it is asked for.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from taskbook.engine.context import flow_run_ctx, task_run_ctx
from taskbook.engine.remote_context import remote_run_ctx

_EMPTY: dict[str, Any] = {"parameters": {}, "tags": [], "run_count": 0}
# Read from the run when it has them; what a run without a server or deployment
# gives otherwise (Prefect's values for a run started by calling the flow).
_NO_SERVER: dict[str, Any] = {
    "api_url": None,
    "ui_url": None,
    "parent_deployment_id": None,
}


def read(module: str, fields: tuple[str, ...], name: str) -> Any:
    """Return attribute ``name`` of ``runtime.<module>`` for the current run.

    Raises:
        AttributeError: ``name`` is none of ``fields``.
    """
    if name.startswith("_") or name not in fields:
        raise AttributeError(
            f"runtime.{module} has no attribute {name!r}; available: "
            f"{', '.join(fields)}"
        )
    if module == "deployment":
        return _deployment(name)
    run = _flow_run() if module == "flow_run" else _task_run()
    if name == "scheduled_start_time":  # when it started (no schedule), or now
        start = getattr(run, "start_time", None)
        return datetime.fromtimestamp(start or time.time(), tz=timezone.utc)
    if run is None:
        return _EMPTY.get(name)
    if name == "job_variables":
        return {}
    value = getattr(run, name, None) if name not in _NO_SERVER else None
    return (
        list(value)
        if name == "tags"
        else dict(value)
        if name == "parameters"
        else value
    )


def _deployment(name: str) -> Any:
    """A run that no deployment started (all there is here): ids and parameters only."""
    run = _flow_run()
    if name == "flow_run_id":
        return run.id if run is not None else None
    if name == "parameters":
        return dict(run.parameters) if run is not None else {}
    return None


def _flow_run() -> Any:
    ctx = flow_run_ctx.get()
    if ctx is not None:
        return ctx.flow_run
    remote = remote_run_ctx.get()  # code of a run that was sent to another process
    return remote.flow_run if remote is not None else None


def _task_run() -> Any:
    ctx = task_run_ctx.get()
    if ctx is not None:
        return ctx.task_run
    remote = remote_run_ctx.get()
    return remote.task_run if remote is not None else None


def module_getattr(module: str, fields: tuple[str, ...]) -> Callable[[str], Any]:
    """Return the ``__getattr__`` of ``runtime.<module>``."""

    def __getattr__(name: str) -> Any:
        return read(module, fields, name)

    return __getattr__
