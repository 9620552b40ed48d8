"""``concurrency(names, occupy=1, ...)``: hold slots of global concurrency limits.

As Prefect 3's ``prefect.concurrency.sync.concurrency``: the ``with`` body runs
once ``occupy`` slots of every named limit are free, and gives them back on exit.
A name with no limit does not limit (``strict=True`` makes it an error).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from taskbook.engine.concurrency import ConcurrencyLimits, hold
from taskbook.engine.session import get_session

__all__ = ("concurrency",)


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
