"""Public task runners: threads (default), processes, Dask."""

from __future__ import annotations

from taskbook.engine.runners import (
    DaskTaskRunner,
    ProcessPoolTaskRunner,
    TaskRunner,
    ThreadPoolTaskRunner,
)

__all__ = (
    "DaskTaskRunner",
    "ProcessPoolTaskRunner",
    "TaskRunner",
    "ThreadPoolTaskRunner",
)
