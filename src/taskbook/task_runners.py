"""Public task runners: threads (default), processes, Dask.

``ConcurrentTaskRunner`` is Prefect 2's name for the thread runner, which Prefect 3
keeps as an alias (tutorials still use it).
"""

from __future__ import annotations

from taskbook.engine.runners import (
    DaskTaskRunner,
    ProcessPoolTaskRunner,
    TaskRunner,
    ThreadPoolTaskRunner,
)

ConcurrentTaskRunner = ThreadPoolTaskRunner

__all__ = (
    "ConcurrentTaskRunner",
    "DaskTaskRunner",
    "ProcessPoolTaskRunner",
    "TaskRunner",
    "ThreadPoolTaskRunner",
)
