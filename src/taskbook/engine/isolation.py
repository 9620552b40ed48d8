"""A task run's SERIALIZABLE isolation: its cache key locked around lookup, call and store.

A run whose cache policy (or enclosing transaction) is ``SERIALIZABLE`` takes the
lock on its cache key before looking the key up and keeps it until its result is
stored, so of two concurrent runs with one key the second waits, then finds the
first one's result (Prefect 3's "Isolate cache access"). The lock manager is the
policy's, else the enclosing transaction's store's.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from taskbook.core.cache import IsolationLevel
from taskbook.engine.result_store import ResultStore
from taskbook.engine.steps import Call, Step
from taskbook.engine.transactions import get_transaction
from taskbook.errors import IsolationLevelNotSupportedError

__all__ = ("KeyLock", "key_lock")


class KeyLock:
    """The lock one task run takes on its cache key."""

    __slots__ = ("held", "holder", "key", "manager")

    def __init__(self, manager: Any, key: str, holder: str) -> None:
        self.manager, self.key, self.holder = manager, key, holder
        self.held = False

    def acquire(self) -> Generator[Step, Any, None]:
        """Wait for the lock as a step: inline when sync, in a thread when async."""
        yield Call(_no_call, (), {}, None, _no_timeout, executor=self._acquire)

    def _acquire(self, _step: Call) -> None:
        # Marked here, in the thread that took it: an async run cancelled while
        # waiting still gets the thread's outcome, and must release what it got.
        self.held = bool(self.manager.acquire_lock(self.key, self.holder))

    def release(self) -> None:
        """Release the lock if this run holds it."""
        if self.held:
            self.held = False
            if self.manager.is_lock_holder(self.key, self.holder):
                self.manager.release_lock(self.key, self.holder)


def key_lock(policy: Any, key: str, holder: str) -> KeyLock | None:
    """Return the lock a run with ``policy`` and ``key`` must take, or None.

    Raises:
        IsolationLevelNotSupportedError: SERIALIZABLE, and no lock manager.
    """
    parent = get_transaction()
    level = getattr(policy, "isolation_level", None) or (
        parent.isolation_level if parent is not None else None
    )
    if level is None or IsolationLevel.coerce(level) is not IsolationLevel.SERIALIZABLE:
        return None
    manager = getattr(policy, "lock_manager", None)
    if manager is None and parent is not None and isinstance(parent.store, ResultStore):
        manager = parent.store.lock_manager
    if manager is None:
        raise IsolationLevelNotSupportedError.from_level(
            IsolationLevel.SERIALIZABLE.value, "cache policy"
        )
    return KeyLock(manager, key, holder)


def _no_call() -> None:
    """Stands for the call: the step's executor takes the lock."""


def _no_timeout() -> BaseException:
    raise AssertionError("a lock wait has no timeout")  # pragma: no cover
