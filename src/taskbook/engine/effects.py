"""The files a task run writes, seen through Python's audit events, kept with its result.

A ``Recorder`` open in a context collects the files written from that context: a
process-wide audit hook (``sys.addaudithook``, added on first use, never removed:
Python offers no way to) gives each write to every recorder open in the writing
thread's context, so parallel task runs keep theirs apart and a task called inside
another counts for both. Seen: ``open`` with a write flag (``open``, ``os.open``,
pathlib, pandas ``to_csv``, ``shutil`` copies), ``os.rename``/``os.replace`` (the
target), ``os.truncate``, ``os.link``, ``os.symlink``. Writers in C (pyarrow's file
output, used by pandas' ``to_parquet``) raise no event: callers ``declare`` those.
``lookup`` honours a cached result only while every file it recorded is intact;
``Ledger`` settles files that several runs of one flow run wrote.
"""

from __future__ import annotations

import os
import sys
import sysconfig
import threading
from collections.abc import Callable, Generator, Iterable
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from taskbook.engine.files import FileRecord, shown

if TYPE_CHECKING:
    from taskbook.engine.result_cache import ResultCache

__all__ = (
    "CacheLookup",
    "Ledger",
    "Recorder",
    "declare",
    "depend_on",
    "lookup",
    "merge",
    "recorded",
    "recording",
)

_open: ContextVar[tuple[Recorder, ...]] = ContextVar("taskbook_recorders", default=())


class Recorder:
    """The files written from one context while it is open (``with recorder:``).

    Attributes:
        written: Absolute paths written (or declared).
        appended: Those of ``written`` only ever opened for appending.
        touched: Absolute paths removed, or renamed away.
        dirs: Directories written into or created.
    """

    __slots__ = ("_token", "appended", "dirs", "touched", "written")

    def __init__(self) -> None:
        self.written: set[str] = set()
        self.appended: set[str] = set()
        self.touched: set[str] = set()
        self.dirs: set[str] = set()
        self._token: Token[tuple[Recorder, ...]] | None = None

    def __enter__(self) -> Recorder:
        _install()
        self._token = _open.set((*_open.get(), self))
        return self

    def __exit__(self, *exc: object) -> None:
        token, self._token = self._token, None
        if token is None:
            return
        try:
            _open.reset(token)
        except ValueError:  # closed from another context (a generator finalised late)
            pass

    def export(self) -> list[tuple[str, bool]]:
        """Return ``(path, appended)`` for each file written, to send to another process."""
        return [(path, path in self.appended) for path in sorted(self.written)]

    def records(self, home: str | None = None) -> tuple[FileRecord, ...]:
        """Fingerprint the written files that exist now, except private ones.

        Args:
            home: taskbook's own directory (its cache and run store), left out.
        """
        if not self.written:
            return ()
        found = (
            FileRecord.of(path, path in self.appended)
            for path in sorted(self.written)
            if not _private(path, home)
        )
        return tuple(record for record in found if record is not None)


def recorded(step: Any, recorder: Recorder) -> Generator[Any, Any, Any]:
    """Yield ``step`` to a run's driver with ``recorder`` open; return its outcome."""
    with recorder:
        return (yield step)


def recording() -> bool:
    """Whether a run in this context records the files it writes."""
    return bool(_open.get())


def declare(paths: Iterable[str]) -> None:
    """Count ``paths`` as written by every run recording in this context.

    A path already seen keeps what was seen (appended to, or written).
    """
    recorders = _open.get()
    if recorders:
        for path in paths:
            _add(recorders, path, written=True, append=None)


def merge(exported: Iterable[tuple[str, bool]]) -> None:
    """Count files another process wrote (``Recorder.export``) as written here."""
    recorders = _open.get()
    if recorders:
        for path, appended in exported:
            _add(recorders, path, written=True, append=appended)


def depend_on(records: Iterable[FileRecord]) -> None:
    """Count a cache hit's files as written by the runs recording in this context."""
    recorders = _open.get()
    if recorders:
        for record in records:
            _add(recorders, record.path, written=True, append=record.appended)


# -- the audit hook ----------------------------------------------------------------

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC
_install_lock = threading.Lock()
_installed = False


def _install() -> None:
    global _installed
    if _installed:
        return
    with _install_lock:
        if not _installed:
            sys.addaudithook(_hook)
            _installed = True


def _add(
    recorders: tuple[Recorder, ...],
    path: Any,
    written: bool,
    append: bool | None = False,
) -> None:
    if not isinstance(path, (str, bytes, os.PathLike)):
        return  # a file descriptor: no name to check later
    full = os.path.abspath(os.fsdecode(path))
    for recorder in recorders:
        if not written:
            recorder.touched.add(full)
            continue
        if append is False:
            recorder.appended.discard(full)
        elif append and full not in recorder.written:
            recorder.appended.add(full)
        recorder.written.add(full)
        recorder.dirs.add(os.path.dirname(full))


def _opened(recorders: tuple[Recorder, ...], args: tuple[Any, ...]) -> None:
    path, _mode, flags = args
    if isinstance(flags, int) and flags & _WRITE_FLAGS:
        append = bool(flags & os.O_APPEND) and not flags & os.O_TRUNC
        _add(recorders, path, written=True, append=append)


def _moved(recorders: tuple[Recorder, ...], args: tuple[Any, ...]) -> None:
    source, target, *dir_fds = args
    if all(fd in (-1, None) for fd in dir_fds):  # paths relative to a directory fd
        _add(recorders, source, written=False)
        _add(recorders, target, written=True)


def _linked(recorders: tuple[Recorder, ...], args: tuple[Any, ...]) -> None:
    _add(recorders, args[1], written=True)


def _truncated(recorders: tuple[Recorder, ...], args: tuple[Any, ...]) -> None:
    _add(recorders, args[0], written=True)


def _removed(recorders: tuple[Recorder, ...], args: tuple[Any, ...]) -> None:
    _add(recorders, args[0], written=False)


def _created_dir(recorders: tuple[Recorder, ...], args: tuple[Any, ...]) -> None:
    path = args[0]
    if isinstance(path, (str, bytes, os.PathLike)):
        full = os.path.abspath(os.fsdecode(path))
        for recorder in recorders:
            recorder.dirs.add(full)


_HANDLERS: dict[str, Callable[[tuple[Recorder, ...], tuple[Any, ...]], None]] = {
    "open": _opened,
    "os.rename": _moved,
    "os.replace": _moved,
    "os.link": _linked,
    "os.symlink": _linked,
    "os.truncate": _truncated,
    "os.remove": _removed,
    "shutil.rmtree": _removed,
    "os.mkdir": _created_dir,
}


def _hook(
    event: str,
    args: tuple[Any, ...],
    _handlers: dict[str, Any] = _HANDLERS,  # bound now: globals vanish at shutdown
    _recorders: ContextVar[tuple[Recorder, ...]] = _open,
) -> None:
    # Called for every audit event of the process: the common case is one dict
    # lookup that misses.
    handler = _handlers.get(event)
    if handler is None:
        return
    recorders = _recorders.get()
    if recorders:
        try:
            handler(recorders, args)
        except Exception:  # a raising audit hook would fail the user's own write
            pass


_private_roots: tuple[str, ...] | None = None


def _private(path: str, home: str | None) -> bool:
    """Whether ``path`` is no task's output: Python's own files, caches, taskbook's."""
    global _private_roots
    if _private_roots is None:
        paths = sysconfig.get_paths()
        roots = {paths[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")}
        cache = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
        roots.add(cache)
        _private_roots = tuple(os.path.abspath(r) + os.sep for r in roots)
    if home is not None and path.startswith(os.path.abspath(home) + os.sep):
        return True
    return path.startswith(_private_roots) or "__pycache__" in path


# -- using the records -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CacheLookup:
    """What a cache lookup found.

    Attributes:
        hit: Whether the cached result may be used.
        value: The result, on a hit.
        expires_at: When the entry expires, on a hit.
        files: The output files recorded with the result, on a hit.
        stale: Why an entry that exists was not used (a missing or changed file).
    """

    hit: bool
    value: Any = None
    expires_at: float | None = None
    files: tuple[FileRecord, ...] = ()
    stale: str | None = None


_MISS = CacheLookup(False)


def lookup(
    cache: ResultCache, key: str, now: float, task: str | None = None
) -> CacheLookup:
    """Return the cached result of ``key`` (of ``task``) if its recorded files are intact.

    A file deleted or changed since (by anyone) means the result no longer says what
    its run did: the task runs again, as when the key changes. An entry stored
    before files were recorded cannot vouch for them, so it is not used either.
    """
    entry = cache.entry(key, now, task)
    if entry is None:
        return _MISS
    payload, expires_at, stored = entry
    if stored is None:
        return CacheLookup(
            False, stale="its cached result predates the recording of output files"
        )
    files = tuple(FileRecord.from_tuple(t) for t in stored)
    for record in files:
        problem = record.problem()
        if problem is not None:
            return CacheLookup(
                False, stale=f"its output file {shown(record.path)!r} {problem}"
            )
    loaded, value = cache.load(key, payload, task)
    if not loaded:
        return _MISS
    return CacheLookup(True, value, expires_at, files)


class Ledger:
    """The output files of one flow run's tasks; settled when the run ends.

    A file that several tasks of the run write (or one writes and another removes)
    is recorded by each with the state it had when that task finished, so every
    later run would find it changed for all but the last. Settling records its final
    state with each of them: the file is what the whole run leaves behind.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._files: dict[str, tuple[FileRecord, ...]] = {}
        self._touched: dict[str, frozenset[str]] = {}

    def note(
        self, key: str, files: tuple[FileRecord, ...], touched: Iterable[str] = ()
    ) -> None:
        """Remember the files the run with cache key ``key`` recorded or removed."""
        with self._lock:
            self._files[key] = files
            if touched:
                self._touched[key] = frozenset(touched)

    def settle(self, cache: ResultCache) -> None:
        """Record the final state of shared files with every task that recorded them."""
        with self._lock:
            files, touched = dict(self._files), dict(self._touched)
        writers: dict[str, set[str]] = {}
        for key, records in files.items():
            for record in records:
                writers.setdefault(record.path, set()).add(key)
        for key, records in files.items():
            shared = [
                r
                for r in records
                if len(writers[r.path]) > 1 or _touched_by_other(r.path, key, touched)
            ]
            if not shared:
                continue
            final = {r.path: FileRecord.of(r.path, r.appended) for r in shared}
            updated = tuple(final[r.path] if r.path in final else r for r in records)
            settled = tuple(r for r in updated if r is not None)
            if settled != records:
                cache.rewrite_files(key, settled)


def _touched_by_other(path: str, key: str, touched: dict[str, frozenset[str]]) -> bool:
    return any(
        path == t or path.startswith(t + os.sep)
        for other, paths in touched.items()
        if other != key
        for t in paths
    )
