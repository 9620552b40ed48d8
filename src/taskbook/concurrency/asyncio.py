"""``async with concurrency(names, occupy=1, ...)``: ``sync.concurrency`` for async code.

As Prefect 3's ``prefect.concurrency.asyncio.concurrency``; waiting for a slot
sleeps on the event loop and never blocks it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from taskbook.engine.concurrency import ConcurrencyLimits, ahold
from taskbook.engine.session import get_session

__all__ = ("concurrency",)


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
