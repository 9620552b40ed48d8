"""The current run, as Prefect's ``prefect.runtime``: ``runtime.flow_run.id`` etc.

Attributes read the run context of the calling thread or task; outside a run they
are None (``parameters`` and ``tags`` are empty), as in Prefect.
"""

from __future__ import annotations

from typing import Any

from taskbook.engine.context import flow_run_ctx, task_run_ctx

__all__ = ("flow_run", "task_run")


class _FlowRunView:
    """The flow run in progress."""

    def _run(self) -> Any:
        ctx = flow_run_ctx.get()
        return ctx.flow_run if ctx is not None else None

    @property
    def id(self) -> str | None:
        run = self._run()
        return run.id if run else None

    @property
    def name(self) -> str | None:
        run = self._run()
        return run.name if run else None

    @property
    def flow_name(self) -> str | None:
        run = self._run()
        return run.flow_name if run else None

    @property
    def parameters(self) -> dict[str, Any]:
        run = self._run()
        return dict(run.parameters) if run else {}

    @property
    def tags(self) -> list[str]:
        run = self._run()
        return list(run.tags) if run else []

    @property
    def run_count(self) -> int:
        run = self._run()
        return run.run_count if run else 0

    @property
    def parent_flow_run_id(self) -> str | None:
        run = self._run()
        return run.parent_flow_run_id if run else None


class _TaskRunView:
    """The task run in progress."""

    def _run(self) -> Any:
        ctx = task_run_ctx.get()
        return ctx.task_run if ctx is not None else None

    @property
    def id(self) -> str | None:
        run = self._run()
        return run.id if run else None

    @property
    def name(self) -> str | None:
        run = self._run()
        return run.name if run else None

    @property
    def task_name(self) -> str | None:
        run = self._run()
        return run.task_name if run else None

    @property
    def parameters(self) -> dict[str, Any]:
        run = self._run()
        return dict(run.parameters) if run else {}

    @property
    def tags(self) -> list[str]:
        run = self._run()
        return list(run.tags) if run else []

    @property
    def run_count(self) -> int:
        run = self._run()
        return run.run_count if run else 0


flow_run = _FlowRunView()
task_run = _TaskRunView()
