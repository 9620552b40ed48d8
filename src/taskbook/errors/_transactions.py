"""Errors of transaction isolation and locking (Prefect 3's ``SERIALIZABLE``).

Where Prefect documents a message, its first sentence is Prefect's; ours adds the fix.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from taskbook.errors._base import TaskbookError
from taskbook.errors._configuration import ConfigurationError

if TYPE_CHECKING:
    from typing_extensions import Self  # typing.Self from Python 3.11

_LOCK_FIX = (
    "Pass store=ResultStore(lock_manager=MemoryLockManager()) for threads of one "
    "process, or FileSystemLockManager(lock_files_directory=...) for processes "
    "(from taskbook.results, taskbook.locking.memory, taskbook.locking.filesystem)"
)


class IsolationLevelNotSupportedError(ConfigurationError):
    """A SERIALIZABLE transaction (or cache policy) has no lock manager to lock with."""

    @classmethod
    def from_level(cls, level: str, where: str = "transaction") -> Self:
        fix = (
            f"{_LOCK_FIX}, or configure one on the cache policy: "
            f"cache_policy.configure(isolation_level='SERIALIZABLE', "
            f"lock_manager=MemoryLockManager())."
            if where == "cache policy"
            else f"{_LOCK_FIX} to transaction(...)."
        )
        return cls(
            f"Isolation level {level} is not supported by provided configuration. "
            f"The {where} has no lock manager. {fix}"
        )


class InvalidIsolationLevelError(ConfigurationError):
    """An isolation level that is neither READ_COMMITTED nor SERIALIZABLE."""

    @classmethod
    def from_value(cls, value: Any) -> Self:
        return cls(
            f"Unsupported isolation level: {value!r}. Use IsolationLevel."
            f"READ_COMMITTED, IsolationLevel.SERIALIZABLE, or their names as strings."
        )


class CachePolicyConflictError(ConfigurationError):
    """Two cache policies added together are configured differently."""

    @classmethod
    def from_setting(cls, setting: str, left: Any, right: Any) -> Self:
        plural = {
            "key_storage": "storage locations",
            "isolation_level": "isolation levels",
            "lock_manager": "lock implementations",
        }[setting]
        return cls(
            f"Cannot add CachePolicies with different {plural}. Got {setting}="
            f"{left!r} and {setting}={right!r}; configure the sum once instead: "
            f"(A + B).configure({setting}=...)."
        )


class MissingLockManagerError(ConfigurationError):
    """A lock was asked of a ResultStore made without a lock manager."""

    @classmethod
    def from_store(cls) -> Self:
        return cls(
            "Result store is not configured with a lock manager. Create it as "
            "ResultStore(lock_manager=MemoryLockManager()) (threads of one process) "
            "or ResultStore(lock_manager=FileSystemLockManager("
            "lock_files_directory=...)) (processes on one machine)."
        )


class LockNotHeldError(TaskbookError, ValueError):
    """A lock was released by someone who does not hold it."""

    @classmethod
    def from_holder(cls, key: str, holder: str) -> Self:
        return cls(
            f"No lock held by {holder} for transaction with key {key}. Release a lock "
            f"with the holder that acquired it; a lock held past its hold_timeout "
            f"has been released already."
        )
