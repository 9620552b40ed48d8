"""``prefect.locking.protocol``: what a lock manager offers."""

from __future__ import annotations

from taskbook.engine.locks import LockManager

__all__ = ("LockManager",)
