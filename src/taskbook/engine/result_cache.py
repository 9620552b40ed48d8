"""Persistent result cache on diskcache: what a cache key maps to, across processes.

An entry is ``(payload bytes, expires_at, files)``; payloads are cloudpickle bytes,
written only after they serialize, so an unpicklable result never leaves a half
entry, and never when they hold a registered secret value; ``files`` are the output
files of the run as ``FileRecord`` tuples (entries of older versions have none:
``None``). An entry that fails to load (a torn or overwritten row diskcache cannot
unpickle, or a payload cloudpickle cannot) is a miss: the entry is deleted and a
warning names the task and the key. A ``cache.db`` that is no database at all is
moved aside with a warning, and an empty cache started.
"""

from __future__ import annotations

import os
import pickle
import sqlite3
import threading
import time
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cloudpickle

from taskbook.engine.home import create_private
from taskbook.engine.masking import holds_secret
from taskbook.errors import (
    CacheError,
    CorruptCacheEntryWarning,
    CorruptCacheFileWarning,
)

if TYPE_CHECKING:
    from taskbook.engine.files import FileRecord

Entry = tuple[bytes, float | None, tuple[tuple[Any, ...], ...] | None]

_MISS: Any = object()
_DB = "cache.db"  # diskcache's database file in the cache folder


class ResultCache:
    """Key -> value store with expiration, shared by every process on the project."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._cache: Any = None
        self._lock = threading.Lock()

    @property
    def _dc(self) -> Any:
        # Opened lazily: importing and opening diskcache costs ~10 ms a flow may not need.
        if self._cache is None:
            with self._lock:
                if self._cache is None:
                    self._cache = self._open()
        return self._cache

    def _open(self) -> Any:
        """Open diskcache; a cache.db that is no database is moved aside (a warning).

        A cache holds only what can be computed again, so a garbage file costs a
        rerun, not a failed flow; it is kept, renamed, for whoever wants to look.
        A folder that cannot be written is a ``CacheError`` naming it.
        """
        import diskcache

        try:
            create_private(self.directory, self.directory / _DB)
            try:
                return diskcache.Cache(
                    str(self.directory), size_limit=2**34, eviction_policy="none"
                )
            except sqlite3.OperationalError:
                raise
            except sqlite3.DatabaseError as exc:  # not a database, or malformed
                moved = self._move_aside()
                warnings.warn(
                    CorruptCacheFileWarning.from_paths(
                        str(self.directory / _DB), str(moved), exc
                    ),
                    CorruptCacheFileWarning,
                    stacklevel=5,
                )
                return diskcache.Cache(
                    str(self.directory), size_limit=2**34, eviction_policy="none"
                )
        except (OSError, sqlite3.Error) as exc:
            raise CacheError.from_path(str(self.directory), exc) from exc

    def _move_aside(self) -> Path:
        stamp = time.strftime("%Y%m%dT%H%M%S")
        moved = self.directory / f"{_DB}.corrupt-{stamp}-{os.getpid()}"
        (self.directory / _DB).rename(moved)
        for suffix in ("-wal", "-shm"):  # they belong to the garbage file
            (self.directory / f"{_DB}{suffix}").unlink(missing_ok=True)
        return moved

    def get(
        self, key: str, now: float, task: str | None = None
    ) -> tuple[bool, Any, float | None]:
        """Return ``(hit, value, expires_at)``; an expired or corrupt entry is a miss.

        Output files are not checked: task results go through ``effects.lookup``.
        """
        entry = self.entry(key, now, task)
        if entry is None:
            return False, None, None
        loaded, value = self.load(key, entry[0], task)
        return (True, value, entry[1]) if loaded else (False, None, None)

    def entry(self, key: str, now: float, task: str | None = None) -> Entry | None:
        """Return the stored ``(payload, expires_at, files)``; None if absent or expired.

        ``task`` (the task the key belongs to) names it in the warning of a corrupt
        entry.
        """
        try:
            # diskcache unpickles the stored tuple inside ``get``: a torn row fails here.
            entry = self._dc.get(key, default=_MISS)
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError) as exc:
            self._corrupt(key, exc, task)
            return None
        if entry is _MISS:
            return None
        try:
            payload, expires_at, *files = entry
        except (TypeError, ValueError):
            bad = ValueError(f"unexpected entry of type {type(entry)}")
            self._corrupt(key, bad, task)
            return None
        if expires_at is not None and expires_at <= now:
            return None
        return payload, expires_at, files[0] if files else None

    def load(
        self, key: str, payload: bytes, task: str | None = None
    ) -> tuple[bool, Any]:
        """Return ``(loaded, value)`` of an entry's payload; a corrupt one is deleted."""
        try:
            return True, cloudpickle.loads(payload)
        except Exception as exc:  # any failure to load means the entry is unusable
            self._corrupt(key, exc, task)
            return False, None

    def _corrupt(self, key: str, exc: BaseException, task: str | None) -> None:
        self._dc.delete(key)
        warnings.warn(
            CorruptCacheEntryWarning.from_key(key, exc, task),
            CorruptCacheEntryWarning,
            stacklevel=3,
        )

    def serialize(self, value: Any) -> bytes:
        """Return the bytes for ``value``; raises if it cannot be pickled."""
        return cloudpickle.dumps(value)

    def put(
        self,
        key: str,
        payload: bytes,
        expires_at: float | None,
        files: tuple[FileRecord, ...] = (),
    ) -> None:
        """Store serialized ``payload`` under ``key``, with the run's output files.

        A payload holding a secret value is not stored: secrets live only in the
        owner-only blocks file, so such a result is recomputed on the next run.

        Raises:
            CacheError: The disk refused the write (full, read-only).
        """
        if holds_secret(payload):
            return
        entry = (payload, expires_at, tuple(f.to_tuple() for f in files))
        try:
            self._dc.set(key, entry)
        except (OSError, sqlite3.OperationalError) as exc:
            raise CacheError.from_path(str(self.directory), exc) from exc

    def rewrite_files(self, key: str, files: tuple[FileRecord, ...]) -> None:
        """Replace the output files stored with ``key``'s result (if it is stored)."""
        entry = self._dc.get(key, default=_MISS)
        if entry is not _MISS:
            payload, expires_at, *_ = entry
            self.put(key, payload, expires_at, files)

    def delete(self, key: str) -> None:
        """Remove one entry."""
        self._dc.delete(key)

    def clear(self) -> None:
        """Remove every entry."""
        self._dc.clear()

    def close(self) -> None:
        """Close the underlying files."""
        if self._cache is not None:
            self._cache.close()
            self._cache = None
