"""Logging under Prefect's module name: run loggers and ``disable_run_logger``."""

from __future__ import annotations

from taskbook.logging.loggers import (
    LogEavesdropper,
    disable_run_logger,
    get_logger,
    get_run_logger,
)

__all__ = ("LogEavesdropper", "disable_run_logger", "get_logger", "get_run_logger")
