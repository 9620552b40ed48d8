"""Warnings: something was skipped or degraded, and the run went on.

Each ``from_...`` classmethod returns the message for ``warnings.warn(message, cls)``.
"""

from __future__ import annotations

from typing import Any

from taskbook.errors._base import TaskbookWarning, short_repr


class UnpersistableResultWarning(TaskbookWarning):
    """A result could not be serialized into the cache; the task still succeeds."""

    @classmethod
    def from_value(cls, task: str, value: Any, error: BaseException) -> str:
        return (
            f"The result of task {task!r} ({type(value).__name__}: {short_repr(value)}) "
            f"cannot be stored in the cache ({error}); the task completed but will "
            f"not be cached. Return a picklable value, or set persist_result=False "
            f"(or cache_policy=NO_CACHE) on the task."
        )


class UnhashableInputsWarning(TaskbookWarning):
    """Inputs could not be hashed for a cache key; the task runs uncached."""

    @classmethod
    def from_inputs(cls, task: str, name: str, error: BaseException) -> str:
        return (
            f"Input {name!r} of task {task!r} cannot be hashed for the cache key "
            f"({error}); the task will run without caching. Exclude it with "
            f"cache_policy=INPUTS - {name!r} (plus other policies), or pass a "
            f"cache_key_fn."
        )


class CorruptCacheEntryWarning(TaskbookWarning):
    """A cache entry could not be read and was treated as a miss."""

    @classmethod
    def from_key(cls, key: str, error: BaseException, task: str | None = None) -> str:
        of_task = f" of task {task!r}" if task else ""
        return (
            f"Cache entry {key!r}{of_task} is corrupt ({type(error).__name__}: "
            f"{error}); it was removed and the task runs again. Nothing to do unless "
            f"this repeats: then run `taskbook doctor`."
        )


class CorruptCacheFileWarning(TaskbookWarning):
    """The cache database was not a database: moved aside, a new cache started."""

    @classmethod
    def from_paths(cls, path: str, moved: str, error: BaseException) -> str:
        return (
            f"The result cache {path} is not a usable database ({error}); it was "
            f"moved to {moved} and an empty cache started, so cached tasks run "
            f"again. Delete {moved} once you no longer need it."
        )


class CacheWriteWarning(TaskbookWarning):
    """A result could not be written to the cache (disk full, read-only)."""

    @classmethod
    def from_task(cls, task: str, error: BaseException) -> str:
        return (
            f"The result of task {task!r} was not cached: {error} The task "
            f"completed; it runs again next time unless the cache can be written."
        )


class AbandonedThreadWarning(TaskbookWarning):
    """A timed-out sync task kept running in a thread that could not be stopped."""

    @classmethod
    def from_task(cls, task: str, seconds: float) -> str:
        return (
            f"Task {task!r} timed out after {seconds} s but its thread is blocked in "
            f"code that cannot be interrupted; the thread was abandoned and may keep "
            f"running. Use --isolate process (ProcessPoolTaskRunner) for a hard kill."
        )


class NotebookGraphWarning(TaskbookWarning):
    """A notebook's dependencies rely on hidden state or a star-import barrier."""
