"""``prefect.logging.loggers``: run loggers, also for state hooks."""

from __future__ import annotations

from taskbook.engine.logs import flow_run_logger, get_run_logger, task_run_logger

__all__ = ("flow_run_logger", "get_run_logger", "task_run_logger")
