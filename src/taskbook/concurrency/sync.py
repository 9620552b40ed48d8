"""``concurrency(names, ...)`` and ``rate_limit(names, ...)`` on global limits.

As Prefect 3's ``prefect.concurrency.sync``: the ``with concurrency(...)`` body runs
once ``occupy`` slots of every named limit are free, and gives them back on exit;
``rate_limit(...)`` returns once it took them, and they free themselves at the
limit's ``slot_decay_per_second``. A name with no limit does not limit
(``strict=True`` makes it an error).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from taskbook.engine.concurrency import ConcurrencyLimits
from taskbook.engine.session import get_session
from taskbook.engine.slots import hold, take_rate

__all__ = ("concurrency", "rate_limit")


@contextmanager
def concurrency(
    names: str | list[str],
    occupy: int = 1,
    timeout_seconds: float | None = None,
    max_retries: int | None = None,
    lease_duration: float = 300,
    strict: bool = False,
) -> Iterator[None]:
    """Hold ``occupy`` slots of each limit in ``names`` while the body runs.

    On a limit with slot decay the held slots decay too, as under Prefect: the
    limit may let others in before the body ends.

    Args:
        names: The limit's name, or several (all are taken at once).
        occupy: Slots to take from each limit.
        timeout_seconds: Give up after this long (None: wait as long as needed).
        max_retries: Give up after this many retries.
        lease_duration: Accepted for Prefect compatibility; slots of a process
            that died are freed when another process waits for them.
        strict: Raise when a name has no limit, instead of running unlimited.

    Raises:
        AcquireConcurrencySlotTimeoutError: No slot in time (a ``TimeoutError``).
        ConcurrencyLimitNotFoundError: ``strict`` and a name has no limit.
        ConcurrencyOccupyError: ``occupy`` is below 1 or above a limit.
    """
    del lease_duration
    listed = [names] if isinstance(names, str) else list(names)
    limits = ConcurrencyLimits(get_session().home)
    with hold(limits, listed, occupy, timeout_seconds, max_retries, strict):
        yield


def rate_limit(
    names: str | list[str],
    occupy: int = 1,
    timeout_seconds: float | None = None,
    strict: bool = False,
) -> None:
    """Block until ``occupy`` slots of each limit in ``names`` are taken.

    The slots are not given back: each limit frees them at its
    ``slot_decay_per_second`` (``taskbook gcl create NAME --limit N
    --slot-decay-per-second X``), so calls go through at that rate after a
    first burst of up to the limit.

    Args:
        names: The limit's name, or several (all are taken at once).
        occupy: Slots to take from each limit.
        timeout_seconds: Give up after this long (None: wait as long as needed).
        strict: Raise when a name has no limit, instead of not limiting.

    Raises:
        AcquireConcurrencySlotTimeoutError: No slot in time (a ``TimeoutError``).
        ConcurrencyLimitNotFoundError: ``strict`` and a name has no limit.
        ConcurrencyOccupyError: ``occupy`` is below 1 or above a limit.
        RateLimitWithoutDecayError: A named limit has no slot decay.
    """
    if not names:
        return
    listed = [names] if isinstance(names, str) else list(names)
    limits = ConcurrencyLimits(get_session().home)
    take_rate(limits, listed, occupy, timeout_seconds, strict)
