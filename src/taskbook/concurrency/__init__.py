"""Concurrency and rate limits (Prefect 3's ``prefect.concurrency``): ``sync``, ``asyncio``.

Limits live in the store's ``concurrency.sqlite``, shared by every process using
the store; create them with ``taskbook gcl create NAME --limit N`` (global limits;
add ``--slot-decay-per-second X`` for ``rate_limit``) or ``taskbook
concurrency-limit create TAG N`` (tag limits of task runs).
"""

from __future__ import annotations

from taskbook.engine.concurrency import LimitInfo
from taskbook.errors import AcquireConcurrencySlotTimeoutError

__all__ = ("AcquireConcurrencySlotTimeoutError", "LimitInfo")
