"""``ResultStore``: where transaction records are kept, and the locks on their keys.

As much of Prefect 3's ``ResultStore`` as transactions need: a record per committed
key (kept in the project's result cache, beside task results, so every process of
the project sees it) and, with a ``lock_manager``, the locks that make a
``SERIALIZABLE`` transaction the only writer of its key until it commits.
"""

from __future__ import annotations

import os
import socket
import threading
from typing import Any

from taskbook.core.cache import IsolationLevel
from taskbook.errors import MissingLockManagerError

__all__ = ("ResultStore", "record_key")


def record_key(key: str) -> str:
    """Return the result-cache key of the record of transaction ``key``."""
    # Kept apart from task cache keys, which are hashes.
    return f"transaction:{key}"


class ResultStore:
    """Transaction records and, with a lock manager, locks on their keys.

    Args:
        lock_manager: Locks keys for ``SERIALIZABLE`` transactions. Without one,
            the store supports ``READ_COMMITTED`` only.
    """

    def __init__(self, lock_manager: Any = None) -> None:
        self.lock_manager = lock_manager
        self._cache: Any = None  # None: the session's result cache

    @classmethod
    def over(cls, cache: Any, lock_manager: Any = None) -> ResultStore:
        """Return a store keeping its records in ``cache`` (a ``ResultCache``)."""
        store = cls(lock_manager)
        store._cache = cache
        return store

    def __repr__(self) -> str:
        return f"ResultStore(lock_manager={self.lock_manager!r})"

    # -- records ------------------------------------------------------------------

    def _records(self) -> Any:
        if self._cache is not None:
            return self._cache
        from taskbook.engine.session import session_for_runs

        return session_for_runs().cache

    def exists(self, key: str) -> bool:
        """Return whether a record was committed under ``key``."""
        hit, _value, _expires = self._records().get(record_key(key), 0.0)
        return bool(hit)

    def write(self, key: str, obj: Any, holder: str | None = None) -> None:
        """Record ``obj`` as committed under ``key``."""
        cache = self._records()
        cache.put(record_key(key), cache.serialize(obj), None)

    # -- isolation and locks ----------------------------------------------------------

    def supports_isolation_level(self, level: IsolationLevel | str) -> bool:
        """Return whether transactions on this store can run at ``level``.

        Raises:
            InvalidIsolationLevelError: ``level`` names no isolation level.
        """
        if IsolationLevel.coerce(level) is IsolationLevel.SERIALIZABLE:
            return self.lock_manager is not None
        return True

    @staticmethod
    def generate_default_holder() -> str:
        """Return a holder name for this host, process and thread."""
        return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"

    def _manager(self) -> Any:
        if self.lock_manager is None:
            raise MissingLockManagerError.from_store()
        return self.lock_manager

    def acquire_lock(
        self, key: str, holder: str | None = None, timeout: float | None = None
    ) -> bool:
        """Take the lock on ``key``; False if not free within ``timeout`` seconds.

        Raises:
            MissingLockManagerError: The store has no lock manager.
        """
        holder = holder or self.generate_default_holder()
        return bool(self._manager().acquire_lock(key, holder, timeout))

    async def aacquire_lock(
        self, key: str, holder: str | None = None, timeout: float | None = None
    ) -> bool:
        """Take the lock on ``key`` without blocking the event loop."""
        holder = holder or self.generate_default_holder()
        return bool(await self._manager().aacquire_lock(key, holder, timeout))

    def release_lock(self, key: str, holder: str | None = None) -> None:
        """Release ``holder``'s lock on ``key``."""
        holder = holder or self.generate_default_holder()
        self._manager().release_lock(key, holder)

    def is_locked(self, key: str) -> bool:
        """Return whether anyone holds the lock on ``key``."""
        return bool(self._manager().is_locked(key))

    def is_lock_holder(self, key: str, holder: str | None = None) -> bool:
        """Return whether ``holder`` holds the lock on ``key``."""
        holder = holder or self.generate_default_holder()
        return bool(self._manager().is_lock_holder(key, holder))

    def wait_for_lock(self, key: str, timeout: float | None = None) -> bool:
        """Wait until ``key`` is free; False on timeout."""
        return bool(self._manager().wait_for_lock(key, timeout))

    async def await_for_lock(self, key: str, timeout: float | None = None) -> bool:
        """Wait until ``key`` is free without blocking the event loop."""
        return bool(await self._manager().await_for_lock(key, timeout))
