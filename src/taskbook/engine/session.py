"""A Session ties the engine's parts together: bus, run store, result cache, clock.

One default session is created lazily on first use (the only module-level mutable
state); tests make their own. Its home follows ``engine.home.find_home``.
It also owns the task runner of ``.submit()``/``.map()`` outside any flow.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path

from taskbook.engine.bus import EventBus
from taskbook.engine.clock import Clock, RealClock
from taskbook.engine.home import find_home
from taskbook.engine.logs import configure_logging
from taskbook.engine.portal import Portal
from taskbook.engine.result_cache import ResultCache
from taskbook.engine.runners import ThreadPoolTaskRunner
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
        self._task_runner: ThreadPoolTaskRunner | None = None

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

    @property
    def task_runner(self) -> ThreadPoolTaskRunner:
        """The runner of tasks submitted outside any flow (Prefect allows it too).

        Created on first use; closing the session waits for its runs.
        """
        if self._task_runner is None:
            with self._lock:
                if self._task_runner is None:
                    self._task_runner = ThreadPoolTaskRunner()
        return self._task_runner

    def close(self) -> None:
        """Finish submitted runs; flush and close the store, cache and engine loop."""
        if self._task_runner is not None:
            self._task_runner.shutdown(wait=True)
            self._task_runner = None
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


def session_for_runs() -> Session:
    """Return the default session, ready to record runs: store open, logging set up."""
    session = get_session()
    _ = session.store  # open the run store (and subscribe it) on first use
    configure_logging()
    return session


def set_session(session: Session | None) -> Session | None:
    """Replace the default session (tests, CLI); return the previous one."""
    global _default
    with _default_lock:
        previous, _default = _default, session
    return previous


@contextlib.contextmanager
def using_session(session: Session) -> Iterator[Session]:
    """Make ``session`` the default for the body, then close it and restore the old one."""
    previous = set_session(session)
    try:
        yield session
    finally:
        set_session(previous)
        session.close()
