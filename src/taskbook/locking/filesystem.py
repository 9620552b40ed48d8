"""``prefect.locking.filesystem``: locks for the processes of one machine."""

from __future__ import annotations

from taskbook.engine.file_locks import FileSystemLockManager

__all__ = ("FileSystemLockManager",)
