"""Concurrency limits (Prefect 3's ``prefect.concurrency``): ``sync`` and ``asyncio``.

Limits live in the store's ``concurrency.sqlite``, shared by every process using
the store; create them with ``taskbook gcl create NAME --limit N`` (global limits)
or ``taskbook concurrency-limit create TAG N`` (tag limits of task runs).
"""

from __future__ import annotations

from taskbook.engine.concurrency import LimitInfo
from taskbook.errors import AcquireConcurrencySlotTimeoutError

__all__ = ("AcquireConcurrencySlotTimeoutError", "LimitInfo")
