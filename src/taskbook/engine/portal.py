"""The engine's own event loop, on a daemon thread: the only sync -> async bridge.

Async tasks called from sync code, and async tasks submitted to a task runner, run
here. Nothing ever starts a loop on the caller's thread, so calls work the same in
a script and in a notebook cell whose loop is already running.
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")


class Portal:
    """Lazily started background loop (anyio on asyncio)."""

    def __init__(self) -> None:
        self._portal: Any = None
        self._cm: Any = None
        self._lock = threading.Lock()

    def _get(self) -> Any:
        if self._portal is None:
            with self._lock:
                if self._portal is None:
                    from anyio.from_thread import start_blocking_portal

                    self._cm = start_blocking_portal(
                        backend="asyncio", name="taskbook-engine"
                    )
                    self._portal = self._cm.__enter__()
        return self._portal

    def call(self, fn: Callable[..., Awaitable[T]], *args: Any) -> T:
        """Run ``fn(*args)`` on the engine loop and block for its result."""
        return self._get().call(fn, *args)  # type: ignore[no-any-return]

    def submit(self, fn: Callable[..., Awaitable[T]], *args: Any) -> Future[T]:
        """Start ``fn(*args)`` on the engine loop; return a concurrent future."""
        return self._get().start_task_soon(fn, *args)  # type: ignore[no-any-return]

    def in_engine_thread(self) -> bool:
        """Return whether the caller runs on the engine loop's thread."""
        return threading.current_thread().name == "taskbook-engine" or (
            self._portal is not None
            and getattr(self._portal, "_event_loop_thread_id", None)
            == threading.get_ident()
        )

    def close(self) -> None:
        """Stop the loop (pending work is cancelled)."""
        if self._cm is not None:
            self._cm.__exit__(None, None, None)
            self._cm = None
            self._portal = None
