"""Key locks for SERIALIZABLE isolation: the LockManager protocol and the in-memory manager.

A lock is taken on a transaction or cache key by a *holder* (a string naming the
transaction or task run). Taking a lock one already holds succeeds at once; only the
holder may release it; ``hold_timeout`` releases it by itself after that many
seconds. Waiting is event-driven (a condition) in the sync methods; the async ones
poll without blocking the event loop, so cancelling them never leaves a lock taken.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from taskbook.errors import LockNotHeldError

__all__ = ("LockManager", "MemoryLockManager", "apoll")


@runtime_checkable
class LockManager(Protocol):
    """What a lock manager offers (Prefect 3's ``prefect.locking.protocol``)."""

    def acquire_lock(
        self,
        key: str,
        holder: str,
        acquire_timeout: float | None = None,
        hold_timeout: float | None = None,
    ) -> bool:
        """Take the lock on ``key`` for ``holder``; False if not free in time.

        ``acquire_timeout`` None waits for as long as it takes, 0 does not wait;
        ``hold_timeout`` None holds it until released.
        """
        ...

    async def aacquire_lock(
        self,
        key: str,
        holder: str,
        acquire_timeout: float | None = None,
        hold_timeout: float | None = None,
    ) -> bool:
        """Take the lock on ``key`` for ``holder`` without blocking the event loop."""
        ...

    def release_lock(self, key: str, holder: str) -> None:
        """Release ``holder``'s lock on ``key`` (``LockNotHeldError`` if not held)."""
        ...

    def is_locked(self, key: str) -> bool:
        """Return whether anyone holds the lock on ``key``."""
        ...

    def is_lock_holder(self, key: str, holder: str) -> bool:
        """Return whether ``holder`` holds the lock on ``key``."""
        ...

    def wait_for_lock(self, key: str, timeout: float | None = None) -> bool:
        """Wait until ``key`` is free (without taking it); False on timeout."""
        ...

    async def await_for_lock(self, key: str, timeout: float | None = None) -> bool:
        """Wait until ``key`` is free without blocking the event loop."""
        ...


async def apoll(attempt: Callable[[], bool], timeout: float | None) -> bool:
    """Call ``attempt`` until it returns True or ``timeout`` seconds have passed.

    Polling (with backoff up to 50 ms) keeps the async waits cancellable: a wait
    handed to a thread could take the lock after its awaiting task was cancelled.
    """
    import anyio

    deadline = None if timeout is None else anyio.current_time() + timeout
    pause = 0.001
    while not attempt():
        if deadline is not None and anyio.current_time() >= deadline:
            return False
        await anyio.sleep(pause)
        pause = min(pause * 2, 0.05)
    return True


class PolledAsyncLocks:
    """The async methods of a lock manager, made from its sync ones by polling.

    Polling keeps the waits cancellable (see ``apoll``); both managers share them.
    """

    def acquire_lock(
        self,
        key: str,
        holder: str,
        acquire_timeout: float | None = None,
        hold_timeout: float | None = None,
    ) -> bool:
        raise NotImplementedError

    def is_locked(self, key: str) -> bool:
        raise NotImplementedError

    async def aacquire_lock(
        self,
        key: str,
        holder: str,
        acquire_timeout: float | None = None,
        hold_timeout: float | None = None,
    ) -> bool:
        """Take the lock on ``key`` for ``holder`` without blocking the event loop."""
        return await apoll(
            lambda: self.acquire_lock(key, holder, 0, hold_timeout), acquire_timeout
        )

    async def await_for_lock(self, key: str, timeout: float | None = None) -> bool:
        """Wait until ``key`` is free without blocking the event loop."""
        return await apoll(lambda: not self.is_locked(key), timeout)


@dataclass(slots=True)
class _Held:
    holder: str
    timer: threading.Timer | None


class MemoryLockManager(PolledAsyncLocks):
    """Locks kept in this process's memory: threads of one process, not processes.

    There is one per process, as in Prefect: ``MemoryLockManager()`` always returns
    it, so every policy and store that makes one locks against the others. It
    pickles as that reference (a process pool gets its own process's manager).
    """

    _instance: MemoryLockManager | None = None
    _instance_lock = threading.Lock()
    _changed: threading.Condition
    _held: dict[str, _Held]

    def __new__(cls) -> MemoryLockManager:
        with cls._instance_lock:
            if cls._instance is None:
                instance = super().__new__(cls)
                instance._changed = threading.Condition()
                instance._held = {}
                cls._instance = instance
            return cls._instance

    def __reduce__(self) -> tuple[Any, ...]:
        return (MemoryLockManager, ())

    def __repr__(self) -> str:
        return "MemoryLockManager()"

    def acquire_lock(
        self,
        key: str,
        holder: str,
        acquire_timeout: float | None = None,
        hold_timeout: float | None = None,
    ) -> bool:
        """Take the lock on ``key`` for ``holder``; False if not free in time."""
        with self._changed:
            held = self._held.get(key)
            if held is not None and held.holder == holder:
                return True
            if not self._changed.wait_for(
                lambda: key not in self._held, acquire_timeout
            ):
                return False
            self._held[key] = _Held(holder, self._expiry(key, holder, hold_timeout))
            return True

    def _expiry(
        self, key: str, holder: str, hold_timeout: float | None
    ) -> threading.Timer | None:
        if hold_timeout is None:
            return None
        timer = threading.Timer(hold_timeout, self._expire, (key, holder))
        timer.daemon = True
        timer.start()
        return timer

    def _expire(self, key: str, holder: str) -> None:
        with self._changed:
            held = self._held.get(key)
            if held is not None and held.holder == holder:
                del self._held[key]
                self._changed.notify_all()

    def release_lock(self, key: str, holder: str) -> None:
        """Release ``holder``'s lock on ``key``.

        Raises:
            LockNotHeldError: ``holder`` does not hold it (or it expired).
        """
        with self._changed:
            held = self._held.get(key)
            if held is None or held.holder != holder:
                raise LockNotHeldError.from_holder(key, holder)
            if held.timer is not None:
                held.timer.cancel()
            del self._held[key]
            self._changed.notify_all()

    def is_locked(self, key: str) -> bool:
        """Return whether anyone holds the lock on ``key``."""
        with self._changed:
            return key in self._held

    def is_lock_holder(self, key: str, holder: str) -> bool:
        """Return whether ``holder`` holds the lock on ``key``."""
        with self._changed:
            held = self._held.get(key)
            return held is not None and held.holder == holder

    def wait_for_lock(self, key: str, timeout: float | None = None) -> bool:
        """Wait until ``key`` is free (without taking it); False on timeout."""
        with self._changed:
            return self._changed.wait_for(lambda: key not in self._held, timeout)
