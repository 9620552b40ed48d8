"""Fingerprints of the files a task wrote, and whether they still hold what it wrote.

A ``FileRecord`` keeps a file's size, its modification time in nanoseconds and, for
files up to ``DIGEST_LIMIT``, a BLAKE2b digest of its content. A file is intact while
its size and mtime are unchanged, or (small files) while its content is; a deleted
or otherwise changed file is not. A file the task only appended to (a log) is intact
while it exists and has not shrunk: later lines do not undo the task's own.
``file_clock`` reads the clock file mtimes come from.
"""

from __future__ import annotations

import hashlib
import os
import stat
import time
from dataclasses import dataclass

__all__ = ("DIGEST_LIMIT", "FileRecord", "file_clock", "shown")

DIGEST_LIMIT = 1 << 20
"""Files up to this size (1 MiB) also keep a digest of their content."""


@dataclass(frozen=True, slots=True)
class FileRecord:
    """One output file as its task left it.

    Size and mtime are what make and rsync trust: any ordinary rewrite changes the
    mtime, and a stat costs about a microsecond. The digest (about 1 ms per MiB)
    forgives a rewrite with the same bytes, such as the same cell run again in
    another process; a large file rewritten with the same bytes counts as changed,
    which costs one rerun, never a wrong hit.

    Attributes:
        path: Absolute path.
        size: Size in bytes.
        mtime_ns: Modification time, in nanoseconds.
        digest: Content digest, for files up to ``DIGEST_LIMIT``; else None.
        appended: Whether the task only appended to it.
    """

    path: str
    size: int
    mtime_ns: int
    digest: str | None = None
    appended: bool = False

    @classmethod
    def of(cls, path: str, appended: bool = False) -> FileRecord | None:
        """Fingerprint ``path`` now; None unless it is a regular file."""
        try:
            info = os.stat(path)
        except OSError:
            return None
        if not stat.S_ISREG(info.st_mode):
            return None
        small = info.st_size <= DIGEST_LIMIT and not appended
        digest = _digest(path) if small else None
        return cls(path, info.st_size, info.st_mtime_ns, digest, appended)

    def problem(self) -> str | None:
        """Return what happened to the file since it was recorded; None if intact."""
        try:
            info = os.stat(self.path)
        except FileNotFoundError:
            return "was deleted"
        except OSError as error:
            return f"cannot be read ({error.strerror})"
        if not stat.S_ISREG(info.st_mode):
            return "is no longer a file"
        if self.appended:
            return "was truncated" if info.st_size < self.size else None
        if info.st_size != self.size:
            return "was changed"
        if info.st_mtime_ns == self.mtime_ns:
            return None
        if self.digest is not None and _digest(self.path) == self.digest:
            return None
        return "was changed"

    def to_tuple(self) -> tuple[str, int, int, str | None, bool]:
        """Return the record as plain data (how the result cache stores it)."""
        return (self.path, self.size, self.mtime_ns, self.digest, self.appended)

    @classmethod
    def from_tuple(cls, data: tuple[str, int, int, str | None, bool]) -> FileRecord:
        """Rebuild a record stored with ``to_tuple``."""
        return cls(*data)


def _digest(path: str) -> str | None:
    h = hashlib.blake2b(digest_size=16)
    try:
        with open(path, "rb") as file:
            for chunk in iter(lambda: file.read(1 << 16), b""):
                h.update(chunk)
    except OSError:
        return None
    return h.hexdigest()


def file_clock() -> int:
    """Return now, in ns, on a clock that a file written later cannot be behind.

    Linux stamps files from the coarse real-time clock, which lags the precise one
    by up to a tick: reading the precise clock first, a file written just after
    could look older. Elsewhere, allow 20 ms for the file system's granularity.
    """
    coarse = getattr(time, "CLOCK_REALTIME_COARSE", None)
    if coarse is not None:
        return time.clock_gettime_ns(coarse)
    return time.time_ns() - 20_000_000


def shown(path: str) -> str:
    """Return ``path`` as messages show it: relative to the working directory if under it."""
    cwd = os.getcwd()
    if path.startswith(cwd + os.sep):
        return os.path.relpath(path, cwd)
    return path
