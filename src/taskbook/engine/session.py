"""A Session ties the engine's parts together: bus, run store, result cache, clock.

One default session is created lazily on first use (the only module-level mutable
state); tests make their own. Its home follows ``engine.home.find_home``.
"""

from __future__ import annotations

import threading
from pathlib import Path

from taskbook.engine.bus import EventBus
from taskbook.engine.clock import Clock, RealClock
from taskbook.engine.home import find_home
from taskbook.engine.portal import Portal
from taskbook.engine.result_cache import ResultCache
from taskbook.engine.store import RunStore


def default_home() -> Path:
    """Return the store folder for the working directory (``engine.home``'s rule)."""
    return find_home()


class Session:
    """Everything a run needs that outlives the run."""

    def __init__(self, home: Path | None = None, clock: Clock | None = None) -> None:
        self.home = Path(home) if home is not None else default_home()
        self.clock: Clock = clock or RealClock()
        self.bus = EventBus()
        self._store: RunStore | None = None
        self.cache = ResultCache(self.home / "cache")
        self.portal = Portal()
        self._lock = threading.Lock()
        self._unsubscribe_store = None

    @property
    def store(self) -> RunStore:
        """The run store, opened on first use and subscribed to the bus."""
        if self._store is None:
            with self._lock:
                if self._store is None:
                    store = RunStore(self.home)
                    self._unsubscribe_store = self.bus.subscribe(store.record)
                    self._store = store
        return self._store

    def close(self) -> None:
        """Flush and close the store, the cache and the engine loop."""
        if self._store is not None:
            self._store.close()
            if self._unsubscribe_store is not None:
                self._unsubscribe_store()
            self._store = None
        self.cache.close()
        self.portal.close()


_default: Session | None = None
_default_lock = threading.Lock()


def get_session() -> Session:
    """Return the default session, creating it on first use."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Session()
    return _default


def set_session(session: Session | None) -> Session | None:
    """Replace the default session (tests, CLI); return the previous one."""
    global _default
    with _default_lock:
        previous, _default = _default, session
    return previous
