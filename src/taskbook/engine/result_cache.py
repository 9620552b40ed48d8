"""Persistent result cache on diskcache: what a cache key maps to, across processes.

An entry is ``(payload bytes, expires_at)``; payloads are cloudpickle bytes, written
only after they serialize, so an unpicklable result never leaves a half entry. A
payload that fails to load is a miss: the entry is deleted and a warning names it.
"""

from __future__ import annotations

import threading
import warnings
from pathlib import Path
from typing import Any

import cloudpickle

from taskbook.errors import CorruptCacheEntryWarning

_MISS: Any = object()


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
                    import diskcache

                    self.directory.mkdir(parents=True, exist_ok=True)
                    self._cache = diskcache.Cache(
                        str(self.directory), size_limit=2**34, eviction_policy="none"
                    )
        return self._cache

    def get(self, key: str, now: float) -> tuple[bool, Any, float | None]:
        """Return ``(hit, value, expires_at)``; an expired or corrupt entry is a miss."""
        entry = self._dc.get(key, default=_MISS)
        if entry is _MISS:
            return False, None, None
        try:
            payload, expires_at = entry
            if expires_at is not None and expires_at <= now:
                return False, None, None
            return True, cloudpickle.loads(payload), expires_at
        except Exception as exc:  # any failure to load means the entry is unusable
            self._dc.delete(key)
            warnings.warn(
                CorruptCacheEntryWarning.from_key(key, exc),
                CorruptCacheEntryWarning,
                stacklevel=2,
            )
            return False, None, None

    def serialize(self, value: Any) -> bytes:
        """Return the bytes for ``value``; raises if it cannot be pickled."""
        return cloudpickle.dumps(value)

    def put(self, key: str, payload: bytes, expires_at: float | None) -> None:
        """Store serialized ``payload`` under ``key``."""
        self._dc.set(key, (payload, expires_at))

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
