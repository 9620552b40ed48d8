"""One ``taskbook serve`` per store: an exclusive lock on ``serve.lock`` in the store
folder, holding the server's pid, and the wake-up signal that edits send it.

The kernel drops the lock when the process dies (even by ``kill -9``), so a
crash never leaves a stale lock. ``wake_serve`` sends SIGUSR1 to the pid in the
lock file while the lock is held: the server re-reads its schedules at once
instead of polling for changes.
"""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path
from typing import IO

from taskbook.errors import ServeAlreadyRunningError

__all__ = ("WAKE_SIGNAL", "ServeLock", "serving_pid", "wake_serve")

LOCK_NAME = "serve.lock"
WAKE_SIGNAL = getattr(signal, "SIGUSR1", None)


def _lock(handle: IO[str]) -> bool:
    import fcntl

    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


class ServeLock:
    """The store's serve lock, held from ``acquire`` until ``release`` or exit."""

    def __init__(self, home: Path) -> None:
        self.path = Path(home) / LOCK_NAME
        self._handle: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock and write this process's pid into it.

        Raises:
            ServeAlreadyRunningError: Another process holds it.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+", encoding="utf-8")
        if not _lock(handle):
            handle.seek(0)
            pid = _pid(handle.read())
            handle.close()
            raise ServeAlreadyRunningError.from_pid(str(self.path.parent), pid)
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        """Drop the lock (closing the file releases it)."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None


def _pid(text: str) -> int | None:
    try:
        return int(text.split()[0])
    except (ValueError, IndexError):
        return None


def serving_pid(home: Path) -> int | None:
    """Return the pid of the ``taskbook serve`` holding ``home``'s lock, or None."""
    path = Path(home) / LOCK_NAME
    if not path.exists():
        return None
    with path.open("a+", encoding="utf-8") as handle:
        if _lock(handle):  # nobody holds it: no server (ours is released on close)
            return None
        handle.seek(0)
        return _pid(handle.read())


def wake_serve(home: Path) -> bool:
    """Tell the server of ``home`` (if one runs) that its schedules changed."""
    pid = serving_pid(home)
    # The server is this process (flow.serve storing its schedules): it reads
    # them at its next tick, and the signal may have no handler yet.
    if pid is None or WAKE_SIGNAL is None or pid == os.getpid():
        return False
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, WAKE_SIGNAL)
        return True
    return False
