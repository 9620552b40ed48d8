"""Key locks across processes on one machine: an OS file lock (``flock``) per key.

Each key has a lock file in ``lock_files_directory``; its holder takes an exclusive
``flock`` on it and writes its name in it. The OS releases the lock when the
holding process dies, so a crashed run never leaves a stale lock behind (Prefect's
lock files, made with exclusive create, outlive their process until they expire).
The files themselves stay: deleting one while another process waits on it would let
two processes hold "the" lock. POSIX only (``fcntl``).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from taskbook.engine.locks import PolledAsyncLocks
from taskbook.errors import LockNotHeldError

__all__ = ("FileSystemLockManager",)

_PLAIN_KEY = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]{0,199}")


@dataclass(slots=True)
class _Held:
    holder: str
    fd: int
    timer: threading.Timer | None


class FileSystemLockManager(PolledAsyncLocks):
    """Locks as files in ``lock_files_directory``: for processes on one machine.

    Args:
        lock_files_directory: Where the lock files go (made if missing).
    """

    def __init__(self, lock_files_directory: Path | str) -> None:
        self.lock_files_directory = Path(lock_files_directory).expanduser().resolve()
        self._mutex = threading.RLock()
        self._held: dict[str, _Held] = {}

    def __reduce__(self) -> tuple[Any, ...]:
        # The locks this process holds stay here: a copy holds none.
        return (FileSystemLockManager, (self.lock_files_directory,))

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, FileSystemLockManager)
            and other.lock_files_directory == self.lock_files_directory
        )

    def __hash__(self) -> int:
        return hash(self.lock_files_directory)

    def __repr__(self) -> str:
        return (
            f"FileSystemLockManager(lock_files_directory={self.lock_files_directory!r})"
        )

    def lock_path(self, key: str) -> Path:
        """Return the lock file of ``key`` (a hash of it, if it is no plain name)."""
        name = (
            key
            if _PLAIN_KEY.fullmatch(key)
            else hashlib.sha256(key.encode()).hexdigest()
        )
        return self.lock_files_directory / f"{name}.lock"

    def _open(self, key: str) -> int:
        self.lock_files_directory.mkdir(parents=True, exist_ok=True)
        return os.open(self.lock_path(key), os.O_RDWR | os.O_CREAT, 0o600)

    def acquire_lock(
        self,
        key: str,
        holder: str,
        acquire_timeout: float | None = None,
        hold_timeout: float | None = None,
    ) -> bool:
        """Take the lock on ``key`` for ``holder``; False if not free in time.

        ``acquire_timeout`` None blocks in the OS until the lock is free.
        """
        with self._mutex:
            if self._holds(key, holder):
                return True
        fd = self._open(key)
        try:
            if acquire_timeout is None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            elif not _wait(lambda: _try(fd, fcntl.LOCK_EX), acquire_timeout):
                os.close(fd)
                return False
        except BaseException:
            os.close(fd)
            raise
        self._taken(key, holder, fd, hold_timeout)
        return True

    def _taken(
        self, key: str, holder: str, fd: int, hold_timeout: float | None
    ) -> None:
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"holder": holder, "pid": os.getpid()}).encode(), 0)
        timer = None
        if hold_timeout is not None:
            timer = threading.Timer(hold_timeout, self._expire, (key, holder))
            timer.daemon = True
        with self._mutex:
            self._held[key] = _Held(holder, fd, timer)
        if timer is not None:
            timer.start()

    def _expire(self, key: str, holder: str) -> None:
        with self._mutex:
            if self._holds(key, holder):
                self._drop(key)

    def _holds(self, key: str, holder: str) -> bool:
        held = self._held.get(key)
        return held is not None and held.holder == holder

    def _drop(self, key: str) -> None:
        held = self._held.pop(key)
        if held.timer is not None:
            held.timer.cancel()
        try:
            os.ftruncate(held.fd, 0)
            fcntl.flock(held.fd, fcntl.LOCK_UN)
        finally:
            os.close(held.fd)

    def release_lock(self, key: str, holder: str) -> None:
        """Release ``holder``'s lock on ``key``.

        Raises:
            LockNotHeldError: ``holder`` does not hold it here (or it expired).
        """
        with self._mutex:
            if not self._holds(key, holder):
                raise LockNotHeldError.from_holder(key, holder)
            self._drop(key)

    def is_locked(self, key: str) -> bool:
        """Return whether any process holds the lock on ``key``."""
        with self._mutex:
            if key in self._held:
                return True
        if not self.lock_path(key).exists():
            return False
        fd = self._open(key)
        try:
            return not _try(fd, fcntl.LOCK_SH)  # free: released again by the close
        finally:
            os.close(fd)

    def is_lock_holder(self, key: str, holder: str) -> bool:
        """Return whether ``holder`` (of this or another process) holds ``key``."""
        with self._mutex:
            if key in self._held:
                return self._holds(key, holder)
        if not self.is_locked(key):
            return False
        try:
            written = json.loads(self.lock_path(key).read_text() or "{}")
        except (OSError, ValueError):  # being rewritten by its new holder
            return False
        return bool(written.get("holder") == holder)

    def wait_for_lock(self, key: str, timeout: float | None = None) -> bool:
        """Wait until ``key`` is free (without taking it); False on timeout."""
        fd = self._open(key)
        try:
            if timeout is None:
                fcntl.flock(fd, fcntl.LOCK_SH)  # blocks in the OS; the close frees it
                return True
            return _wait(lambda: _try(fd, fcntl.LOCK_SH), timeout)
        finally:
            os.close(fd)


def _try(fd: int, operation: int) -> bool:
    try:
        fcntl.flock(fd, operation | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _wait(attempt: Any, timeout: float) -> bool:
    """Call ``attempt`` until True or ``timeout`` seconds passed (flock has no timeout)."""
    deadline = time.monotonic() + timeout
    pause = 0.001
    while not attempt():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        time.sleep(min(pause, remaining))
        pause = min(pause * 2, 0.05)
    return True
