"""Public futures API: ``wait`` and ``as_completed`` over task futures."""

from __future__ import annotations

from taskbook.engine.futures import (
    DoneAndNotDoneFutures,
    TaskFuture,
    TaskFutureList,
    as_completed,
    wait,
)

PrefectFuture = TaskFuture  # Prefect's name, for scripts ported with their type hints

__all__ = (
    "DoneAndNotDoneFutures",
    "PrefectFuture",
    "TaskFuture",
    "TaskFutureList",
    "as_completed",
    "wait",
)
