"""``get_run_logger`` under Prefect's module name."""

from __future__ import annotations

from taskbook.engine.logs import get_run_logger

__all__ = ("get_run_logger",)
