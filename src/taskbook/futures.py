"""Public futures API: ``wait`` and ``as_completed`` over task futures, and
resolving the futures inside a collection to their states or results."""

from __future__ import annotations

from taskbook.engine.futures import (
    DoneAndNotDoneFutures,
    TaskFuture,
    TaskFutureList,
    as_completed,
    wait,
)
from taskbook.engine.returns import (
    resolve_futures_to_results,
    resolve_futures_to_states,
)

# Prefect's names, for scripts ported with their type hints.
PrefectFuture = TaskFuture
PrefectFutureList = TaskFutureList

__all__ = (
    "DoneAndNotDoneFutures",
    "PrefectFuture",
    "PrefectFutureList",
    "TaskFuture",
    "TaskFutureList",
    "as_completed",
    "resolve_futures_to_results",
    "resolve_futures_to_states",
    "wait",
)
