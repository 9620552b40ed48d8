"""``prefect.locking.memory``: locks for the threads of one process."""

from __future__ import annotations

from taskbook.engine.locks import MemoryLockManager

__all__ = ("MemoryLockManager",)
