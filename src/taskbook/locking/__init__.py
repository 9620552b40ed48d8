"""``prefect.locking``: lock managers for ``SERIALIZABLE`` transactions and caches."""

from __future__ import annotations

from taskbook.locking.filesystem import FileSystemLockManager
from taskbook.locking.memory import MemoryLockManager
from taskbook.locking.protocol import LockManager

__all__ = ("FileSystemLockManager", "LockManager", "MemoryLockManager")
