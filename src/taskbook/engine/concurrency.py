"""Concurrency limits shared by every process of a store, in ``concurrency.sqlite``.

A limit is a name and a number of slots; tag limits are the limits named
``tag:TAG`` (as in Prefect 3). Taking slots is one ``BEGIN IMMEDIATE``
transaction that counts the slots held and inserts the new holder's rows, so two
processes can never both take the last slot. Slots held by a process that no
longer exists (same host) are freed when someone waits for them. Waiting polls
with backoff: SQLite has no cross-process wake-up.
"""

from __future__ import annotations

import functools
import os
import socket
import sqlite3
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import asynccontextmanager, closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread

from taskbook.errors import (
    AcquireConcurrencySlotTimeoutError,
    ConcurrencyLimitNotFoundError,
    ConcurrencyOccupyError,
)

__all__ = (
    "CONCURRENCY_FILE",
    "TAG_PREFIX",
    "ConcurrencyLimits",
    "LimitInfo",
    "ahold",
    "hold",
    "tag_guard",
)

CONCURRENCY_FILE = "concurrency.sqlite"
TAG_PREFIX = "tag:"
_FIRST_POLL, _MAX_POLL = 0.01, 0.5

_SCHEMA = """
CREATE TABLE IF NOT EXISTS limits (name TEXT PRIMARY KEY, slots INTEGER, created REAL);
CREATE TABLE IF NOT EXISTS holders (
    holder TEXT, name TEXT, occupy INTEGER, pid INTEGER, host TEXT, acquired REAL
);
CREATE INDEX IF NOT EXISTS holders_name ON holders(name);
"""


@dataclass(frozen=True, slots=True)
class LimitInfo:
    """A limit as ``ls`` shows it."""

    name: str
    limit: int
    active_slots: int
    holders: int


class ConcurrencyLimits:
    """The concurrency limits of one store."""

    def __init__(self, home: Path) -> None:
        self.path = Path(home) / CONCURRENCY_FILE
        self._host = socket.gethostname()

    def exists(self) -> bool:
        """Whether any limit was ever created here (cheap: no file, no limits)."""
        return self.path.exists()

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(
            sqlite3.connect(self.path, timeout=60, isolation_level=None)
        ) as conn:
            conn.executescript(_SCHEMA)
            yield conn

    def create(self, name: str, limit: int) -> None:
        """Create the limit ``name`` with ``limit`` slots, or change its size."""
        with self._connect() as conn:
            conn.execute(
                "INSERT INTO limits VALUES (?, ?, ?) "
                "ON CONFLICT(name) DO UPDATE SET slots = excluded.slots",
                (name, int(limit), time.time()),
            )

    def delete(self, name: str) -> None:
        """Delete the limit ``name`` and its held slots.

        Raises:
            ConcurrencyLimitNotFoundError: There is no such limit.
        """
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            gone = conn.execute("DELETE FROM limits WHERE name = ?", (name,)).rowcount
            conn.execute("DELETE FROM holders WHERE name = ?", (name,))
            conn.execute("COMMIT")
        if not gone:
            raise ConcurrencyLimitNotFoundError.from_name(name, self._names())

    def reset(self, name: str) -> None:
        """Free every slot of ``name`` (holders that died elsewhere, say)."""
        with self._connect() as conn:
            conn.execute("DELETE FROM holders WHERE name = ?", (name,))

    def _names(self) -> list[str]:
        with self._connect() as conn:
            return [r[0] for r in conn.execute("SELECT name FROM limits ORDER BY 1")]

    def list(self, prefix: str | None = None) -> list[LimitInfo]:
        """Return the limits (those whose name starts with ``prefix``), by name."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT l.name, l.slots, COALESCE(SUM(h.occupy), 0), "
                "COUNT(DISTINCT h.holder) FROM limits l LEFT JOIN holders h "
                "ON h.name = l.name GROUP BY l.name ORDER BY l.name"
            ).fetchall()
        return [
            LimitInfo(n, s, used, count)
            for n, s, used, count in rows
            if prefix is None or n.startswith(prefix)
        ]

    def limits_for(self, names: Iterable[str]) -> dict[str, int]:
        """Return ``name -> slots`` of the names that have a limit."""
        wanted = list(dict.fromkeys(names))
        if not wanted or not self.exists():
            return {}
        marks = ",".join("?" * len(wanted))
        with self._connect() as conn:
            rows = conn.execute(
                f"SELECT name, slots FROM limits WHERE name IN ({marks})", wanted
            ).fetchall()
        return dict(rows)

    def try_acquire(self, names: list[str], occupy: int, holder: str) -> bool:
        """Take ``occupy`` slots of every limit in ``names`` at once, or none."""
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            if not self._fits(conn, names, occupy):
                self._free_dead(conn, names)
                if not self._fits(conn, names, occupy):
                    conn.execute("ROLLBACK")
                    return False
            now, pid = time.time(), os.getpid()
            conn.executemany(
                "INSERT INTO holders VALUES (?, ?, ?, ?, ?, ?)",
                [(holder, n, occupy, pid, self._host, now) for n in names],
            )
            conn.execute("COMMIT")
        return True

    def release(self, holder: str) -> None:
        """Give back every slot ``holder`` took."""
        with self._connect() as conn:
            conn.execute("DELETE FROM holders WHERE holder = ?", (holder,))

    def _fits(self, conn: sqlite3.Connection, names: list[str], occupy: int) -> bool:
        for name in names:
            slots, used = conn.execute(
                "SELECT l.slots, (SELECT COALESCE(SUM(occupy), 0) FROM holders "
                "WHERE name = l.name) FROM limits l WHERE l.name = ?",
                (name,),
            ).fetchone() or (None, 0)
            if slots is not None and used + occupy > slots:
                return False
        return True

    def _free_dead(self, conn: sqlite3.Connection, names: list[str]) -> None:
        marks = ",".join("?" * len(names))
        rows = conn.execute(
            f"SELECT DISTINCT pid FROM holders WHERE host = ? AND name IN ({marks})",
            [self._host, *names],
        ).fetchall()
        for (pid,) in rows:
            if not _alive(pid):
                conn.execute(
                    "DELETE FROM holders WHERE host = ? AND pid = ?", (self._host, pid)
                )

    def plan(
        self, names: list[str], occupy: int, strict: bool
    ) -> tuple[list[str], str]:
        """Check a request; return the names that have limits and a new holder id.

        Raises:
            ConcurrencyLimitNotFoundError: ``strict`` and a name has no limit.
            ConcurrencyOccupyError: ``occupy`` is below 1 or above a limit.
        """
        limits = self.limits_for(names)
        if strict:
            for name in names:
                if name not in limits:
                    raise ConcurrencyLimitNotFoundError.from_name(name, self._names())
        for name, slots in limits.items():
            if not isinstance(occupy, int) or occupy < 1 or occupy > slots:
                raise ConcurrencyOccupyError.from_occupy(name, occupy, slots)
        if not isinstance(occupy, int) or occupy < 1:
            raise ConcurrencyOccupyError.from_occupy(",".join(names), occupy, None)
        return [n for n in names if n in limits], uuid.uuid4().hex


def waits(
    timeout_seconds: float | None, max_retries: int | None, names: list[str]
) -> Iterator[float]:
    """Yield the delays between attempts; raise when the budget is spent.

    Raises:
        AcquireConcurrencySlotTimeoutError: ``timeout_seconds`` passed, or
            ``max_retries`` retries were made.
    """
    start = time.monotonic()
    delay, retries = _FIRST_POLL, 0
    while True:
        if max_retries is not None and retries >= max_retries:
            raise AcquireConcurrencySlotTimeoutError.from_timeout(
                names, time.monotonic() - start
            )
        if timeout_seconds is not None:
            left = timeout_seconds - (time.monotonic() - start)
            if left <= 0:
                raise AcquireConcurrencySlotTimeoutError.from_timeout(
                    names, timeout_seconds
                )
            delay = min(delay, left)
        yield delay
        retries += 1
        delay = min(delay * 2, _MAX_POLL)


@contextmanager
def hold(
    limits: ConcurrencyLimits,
    names: list[str],
    occupy: int = 1,
    timeout_seconds: float | None = None,
    max_retries: int | None = None,
    strict: bool = False,
    sleep: Callable[[float], Any] = time.sleep,
) -> Iterator[None]:
    """Hold ``occupy`` slots of each named limit for the ``with`` body (blocking)."""
    limited, holder = limits.plan(names, occupy, strict)
    if not limited:
        yield
        return
    if not limits.try_acquire(limited, occupy, holder):
        for delay in waits(timeout_seconds, max_retries, limited):
            sleep(delay)
            if limits.try_acquire(limited, occupy, holder):
                break
    try:
        yield
    finally:
        limits.release(holder)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


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
    acquire = functools.partial(limits.try_acquire, limited, occupy, holder)
    if not await anyio.to_thread.run_sync(acquire):
        for delay in waits(timeout_seconds, max_retries, limited):
            await anyio.sleep(delay)
            if await anyio.to_thread.run_sync(acquire):
                break
    try:
        yield
    finally:
        with anyio.CancelScope(shield=True):  # a cancelled holder still gives back
            await anyio.to_thread.run_sync(limits.release, holder)


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
