"""Taking slots of the limits in ``engine.concurrency``, waiting until they fit.

``hold``/``ahold`` hold slots for a block and give them back; ``take_rate``/
``atake_rate`` take slots that only decay. Waiting polls with backoff (SQLite has
no cross-process wake-up), except that a limit full of decaying slots tells how
long until one decays, and the wait is exactly that. Time and sleeping come from
the limits' clock (sync) or anyio (async).
"""

from __future__ import annotations

import functools
import math
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread

from taskbook.engine.concurrency import TAG_PREFIX, ConcurrencyLimits, Mode
from taskbook.errors import AcquireConcurrencySlotTimeoutError

__all__ = ("ahold", "atake_rate", "hold", "tag_guard", "take_rate")

_FIRST_POLL, _MAX_POLL = 0.01, 0.5


class _Budget:
    """The delays between attempts to take slots; raises when the budget is spent."""

    def __init__(
        self,
        timeout_seconds: float | None,
        max_retries: int | None,
        names: list[str],
        monotonic: Callable[[], float],
    ) -> None:
        self._timeout, self._max_retries, self._names = (
            timeout_seconds,
            max_retries,
            names,
        )
        self._monotonic = monotonic
        self._start = monotonic()
        self._poll, self._retries = _FIRST_POLL, 0

    def next_delay(self, decays_in: float) -> float:
        """Return how long to sleep before the next attempt.

        Args:
            decays_in: Seconds until decaying slots make room (``math.inf``:
                only a holder's release can).

        Raises:
            AcquireConcurrencySlotTimeoutError: ``timeout_seconds`` passed, or
                ``max_retries`` retries were made.
        """
        elapsed = self._monotonic() - self._start
        if self._max_retries is not None and self._retries >= self._max_retries:
            raise AcquireConcurrencySlotTimeoutError.from_timeout(self._names, elapsed)
        if math.isfinite(decays_in):
            delay = decays_in
        else:
            delay, self._poll = self._poll, min(self._poll * 2, _MAX_POLL)
        if self._timeout is not None:
            left = self._timeout - elapsed
            if left <= 0:
                raise AcquireConcurrencySlotTimeoutError.from_timeout(
                    self._names, self._timeout
                )
            delay = min(delay, left)
        self._retries += 1
        return delay


def _take_blocking(
    limits: ConcurrencyLimits,
    names: list[str],
    occupy: int,
    holder: str,
    mode: Mode,
    timeout_seconds: float | None,
    max_retries: int | None,
) -> None:
    budget = _Budget(timeout_seconds, max_retries, names, limits.clock.monotonic)
    while (decays_in := limits.take(names, occupy, holder, mode)) is not None:
        limits.clock.sleep(budget.next_delay(decays_in))


async def _atake(
    limits: ConcurrencyLimits,
    names: list[str],
    occupy: int,
    holder: str,
    mode: Mode,
    timeout_seconds: float | None,
    max_retries: int | None,
) -> None:
    budget = _Budget(timeout_seconds, max_retries, names, anyio.current_time)
    take = functools.partial(limits.take, names, occupy, holder, mode)
    # Slots are freed by other processes, which no anyio.Event can hear: poll.
    while (decays_in := await anyio.to_thread.run_sync(take)) is not None:  # noqa: ASYNC110
        await anyio.sleep(budget.next_delay(decays_in))


@contextmanager
def hold(
    limits: ConcurrencyLimits,
    names: list[str],
    occupy: int = 1,
    timeout_seconds: float | None = None,
    max_retries: int | None = None,
    strict: bool = False,
) -> Iterator[None]:
    """Hold ``occupy`` slots of each named limit for the ``with`` body (blocking)."""
    limited, holder = limits.plan(names, occupy, strict)
    if not limited:
        yield
        return
    _take_blocking(
        limits, limited, occupy, holder, "concurrency", timeout_seconds, max_retries
    )
    try:
        yield
    finally:
        limits.release(holder)


@asynccontextmanager
async def ahold(
    limits: ConcurrencyLimits,
    names: list[str],
    occupy: int = 1,
    timeout_seconds: float | None = None,
    max_retries: int | None = None,
    strict: bool = False,
) -> AsyncIterator[None]:
    """``hold`` for async code: waits with ``anyio.sleep``; SQLite runs in a thread."""
    limited, holder = await anyio.to_thread.run_sync(limits.plan, names, occupy, strict)
    if not limited:
        yield
        return
    await _atake(
        limits, limited, occupy, holder, "concurrency", timeout_seconds, max_retries
    )
    try:
        yield
    finally:
        with anyio.CancelScope(shield=True):  # a cancelled holder still gives back
            await anyio.to_thread.run_sync(limits.release, holder)


def take_rate(
    limits: ConcurrencyLimits,
    names: list[str],
    occupy: int = 1,
    timeout_seconds: float | None = None,
    strict: bool = False,
) -> None:
    """Take ``occupy`` decaying slots of each named limit (blocking until they fit)."""
    limited, holder = limits.plan(names, occupy, strict, mode="rate_limit")
    if limited:
        _take_blocking(
            limits, limited, occupy, holder, "rate_limit", timeout_seconds, None
        )


async def atake_rate(
    limits: ConcurrencyLimits,
    names: list[str],
    occupy: int = 1,
    timeout_seconds: float | None = None,
    strict: bool = False,
) -> None:
    """``take_rate`` for async code."""
    plan = functools.partial(limits.plan, names, occupy, strict, mode="rate_limit")
    limited, holder = await anyio.to_thread.run_sync(plan)
    if limited:
        await _atake(
            limits, limited, occupy, holder, "rate_limit", timeout_seconds, None
        )


def tag_guard(
    fn: Callable[..., Any], tags: Iterable[str], home: Path, is_coroutine: bool
) -> Callable[..., Any]:
    """Return ``fn`` holding a slot of each tag limit of ``tags`` while it runs.

    ``fn`` itself when no tag has a limit (no file is opened unless a limit was
    ever created in this store).
    """
    if not tags:
        return fn
    limits = ConcurrencyLimits(home)
    if not limits.exists():
        return fn
    names = list(limits.limits_for(TAG_PREFIX + t for t in tags))
    if not names:
        return fn
    if is_coroutine:

        async def guarded_async(*args: Any, **kwargs: Any) -> Any:
            async with ahold(limits, names):
                return await fn(*args, **kwargs)

        return guarded_async

    def guarded(*args: Any, **kwargs: Any) -> Any:
        with hold(limits, names):
            return fn(*args, **kwargs)

    return guarded
