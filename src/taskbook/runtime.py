"""The current run, as Prefect's ``prefect.runtime``: ``runtime.flow_run.id`` etc.

Attributes read the run context of the calling thread or task (or the copy sent
with code that runs in another process); outside a run they are None
(``parameters`` and ``tags`` are empty, ``run_count`` is 0), as in Prefect. There
is no server: URLs and every ``deployment`` attribute but ``flow_run_id`` and
``parameters`` are None, as for a Prefect run started without a deployment.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from taskbook.engine.context import flow_run_ctx, task_run_ctx
from taskbook.engine.remote_context import remote_run_ctx

__all__ = ("deployment", "flow_run", "task_run")

_EMPTY: dict[str, Any] = {"parameters": {}, "tags": [], "run_count": 0}
# Read from the run when it has them; what a run without a server or deployment
# gives otherwise (Prefect's values for a run started by calling the flow).
_NO_SERVER: dict[str, Any] = {
    "api_url": None,
    "ui_url": None,
    "parent_deployment_id": None,
}


class _RunView:
    """Read-only view of the run a context variable points at."""

    def __init__(
        self, name: str, current: Callable[[], Any], fields: tuple[str, ...]
    ) -> None:
        self._name = name
        self._current = current
        self._fields = fields

    def __reduce__(self) -> tuple[Callable[[str], _RunView], tuple[str]]:
        # By name: a cell that imported the view caches it with its values, and
        # copying the fields would make unpickling recurse through __getattr__.
        return _view, (self._name,)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name not in self._fields:
            raise AttributeError(
                f"runtime has no attribute {name!r}; available: {', '.join(self._fields)}"
            )
        run = self._current()
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

    def __dir__(self) -> list[str]:
        return list(self._fields)


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


def _view(name: str) -> _RunView:
    """Return the module's view called ``name`` (how a pickled view comes back)."""
    view: _RunView = globals()[name]
    return view


class _DeploymentView:
    """``runtime.deployment`` of a run that no deployment started (all there is here)."""

    id = name = version = None

    @property
    def flow_run_id(self) -> str | None:
        run = _flow_run()
        return run.id if run is not None else None

    @property
    def parameters(self) -> dict[str, Any]:
        run = _flow_run()
        return dict(run.parameters) if run is not None else {}


_COMMON = ("id", "name", "parameters", "tags", "run_count", "api_url", "ui_url")
flow_run = _RunView(
    "flow_run",
    _flow_run,
    (
        *_COMMON,
        "flow_name",
        "flow_version",
        "parent_flow_run_id",
        "parent_deployment_id",
        "root_flow_run_id",
        "scheduled_start_time",
        "job_variables",
    ),
)
task_run = _RunView("task_run", _task_run, (*_COMMON, "task_name"))
deployment = _DeploymentView()
