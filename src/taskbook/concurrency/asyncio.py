"""``concurrency`` and ``rate_limit`` of ``concurrency.sync``, for async code.

As Prefect 3's ``prefect.concurrency.asyncio``: ``async with concurrency(...)`` and
``await rate_limit(...)``; waiting for a slot sleeps on the event loop and never
blocks it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from taskbook.engine.concurrency import ConcurrencyLimits
from taskbook.engine.session import get_session
from taskbook.engine.slots import ahold, atake_rate

__all__ = ("concurrency", "rate_limit")


@asynccontextmanager
async def concurrency(
    names: str | list[str],
    occupy: int = 1,
    timeout_seconds: float | None = None,
    max_retries: int | None = None,
    lease_duration: float = 300,
    strict: bool = False,
) -> AsyncIterator[None]:
    """Hold ``occupy`` slots of each limit in ``names`` while the body runs.

    Arguments and errors as ``taskbook.concurrency.sync.concurrency``.
    """
    del lease_duration
    listed = [names] if isinstance(names, str) else list(names)
    limits = ConcurrencyLimits(get_session().home)
    async with ahold(limits, listed, occupy, timeout_seconds, max_retries, strict):
        yield


async def rate_limit(
    names: str | list[str],
    occupy: int = 1,
    timeout_seconds: float | None = None,
    strict: bool = False,
) -> None:
    """Wait until ``occupy`` slots of each limit in ``names`` are taken.

    Arguments and errors as ``taskbook.concurrency.sync.rate_limit``.
    """
    if not names:
        return
    listed = [names] if isinstance(names, str) else list(names)
    limits = ConcurrencyLimits(get_session().home)
    await atake_rate(limits, listed, occupy, timeout_seconds, strict)
