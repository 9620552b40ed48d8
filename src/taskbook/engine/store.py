"""The run store: every run, state change, log line and artifact, in SQLite.

It also holds the rows of schedules and their claimed slots (one row per
schedule and slot, so a slot is claimed once); ``taskbook.schedule`` writes them
through ``transaction``, and nothing here knows what they mean.

Recording an event appends it to a deque (no lock, nothing to wait for); one
background thread turns batches of events into rows (``store_rows.py``) and
writes them in one transaction each. WAL mode and a busy timeout let
several processes write one store at once without losing rows. On open, runs
left Running by a process that no longer exists are marked Crashed. A store
that cannot be written (read-only, disk full) is a ``StoreUnwritableError`` on
open; when it happens mid-run, the events are kept and written again once the
disk takes them, and ``check`` raises until it does.
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import errno
import logging
import os
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from itertools import compress, islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from taskbook.engine.home import create_private
from taskbook.engine.store_rows import write_events
from taskbook.errors import StoreError, StoreUnwritableError

if TYPE_CHECKING:
    from taskbook.core.events import Event

SCHEMA = """
CREATE TABLE IF NOT EXISTS flow_runs (
    id TEXT PRIMARY KEY, flow_name TEXT, name TEXT, parameters TEXT, tags TEXT,
    parent_task_run_id TEXT, state_type TEXT, state_name TEXT, message TEXT,
    run_count INTEGER DEFAULT 0, created REAL, start_time REAL, end_time REAL,
    host TEXT, pid INTEGER
);
CREATE TABLE IF NOT EXISTS task_runs (
    id TEXT PRIMARY KEY, flow_run_id TEXT, task_name TEXT, task_key TEXT, name TEXT,
    tags TEXT, upstream TEXT, state_type TEXT, state_name TEXT, message TEXT,
    run_count INTEGER DEFAULT 0, cache_key TEXT, created REAL, start_time REAL,
    end_time REAL
);
CREATE INDEX IF NOT EXISTS task_runs_flow ON task_runs(flow_run_id);
CREATE TABLE IF NOT EXISTS states (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT, kind TEXT, type TEXT,
    name TEXT, message TEXT, ts REAL
);
CREATE INDEX IF NOT EXISTS states_run ON states(run_id);
CREATE TABLE IF NOT EXISTS logs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, flow_run_id TEXT, task_run_id TEXT,
    level INTEGER, message TEXT, ts REAL
);
CREATE INDEX IF NOT EXISTS logs_flow ON logs(flow_run_id);
CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS artifacts (
    id TEXT PRIMARY KEY, key TEXT, type TEXT, data TEXT, description TEXT,
    flow_run_id TEXT, task_run_id TEXT, created REAL
);
CREATE TABLE IF NOT EXISTS schedules (
    id TEXT PRIMARY KEY, name TEXT UNIQUE NOT NULL, spec TEXT NOT NULL,
    paused INTEGER NOT NULL DEFAULT 0, created REAL, handled_until REAL,
    notice TEXT
);
CREATE TABLE IF NOT EXISTS schedule_slots (
    schedule_id TEXT NOT NULL, slot_us INTEGER NOT NULL, schedule_name TEXT,
    state TEXT NOT NULL, reason TEXT, claimed REAL, started REAL, ended REAL,
    host TEXT, pid INTEGER, exit_code INTEGER, flow_run_id TEXT, log_path TEXT,
    PRIMARY KEY (schedule_id, slot_us)
);
CREATE INDEX IF NOT EXISTS schedule_slots_state ON schedule_slots(state);
CREATE INDEX IF NOT EXISTS schedule_slots_run ON schedule_slots(flow_run_id);
"""

_log = logging.getLogger("taskbook.engine")

# Wait this long for more events before writing, unless this many are pending.
_GATHER_SECONDS = 0.05
_BACKLOG = 256
_POLL_SECONDS = 0.01
# While the disk refuses writes, try again this often; keep at most this many events.
_RETRY_SECONDS = 1.0
_KEEP_EVENTS = 500_000
_MIN_FREE = 64 * 1024  # bytes a disk needs for the store to open for writing


class _Control:
    """A request to the writer, queued behind the events it must see committed."""

    __slots__ = ("done",)

    def __init__(self) -> None:
        self.done = threading.Event()


class _Flush(_Control):
    __slots__ = ()


class _Stop(_Control):
    __slots__ = ()


class RunStore:
    """Writes engine events to SQLite in the background; reads runs back."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.path = directory / "runs.sqlite"
        try:
            create_private(directory, self.path)
            self._initialize()
        except (OSError, sqlite3.Error) as exc:
            if _unwritable(exc):
                raise StoreUnwritableError.from_path(str(self.path), exc) from exc
            raise StoreError.from_path(str(self.path), exc) from exc
        # Appends and pops are atomic: publishers never wait for the writer.
        self._events: collections.deque[Any] = collections.deque()
        self._idle = False  # the writer waits (or is about to) for _wake
        self._wake = threading.Event()
        self._hurry = threading.Event()  # a flush or close: don't gather
        self._writer: threading.Thread | None = None
        self._writer_lock = threading.Lock()
        self._host = socket.gethostname()
        self._pid = os.getpid()
        # Events the disk refused (full, read-only), oldest first, and why.
        self._unwritten: list[Any] = []
        self.failure: BaseException | None = None

    def _initialize(self) -> None:
        # Processes opening a new store at once: SQLite answers "database is
        # locked" at once (no busy wait) to some while another switches it to WAL
        # or creates the tables. Retry, as _write does.
        for attempt in range(50):
            conn = None
            try:
                _check_writable(self.directory, self.path)
                conn = self._connect()
                conn.executescript(SCHEMA)
                self._mark_crashed(conn)
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == 49:
                    raise
                threading.Event().wait(0.01 * (attempt + 1))
            finally:
                if conn is not None:
                    conn.close()

    # -- writing ---------------------------------------------------------------

    def record(self, event: Event) -> None:
        """Queue ``event`` for writing (bus subscriber; never blocks)."""
        self._events.append(event)
        if self._idle:
            self._idle = False
            self._wake.set()
        if self._writer is None:
            self._start_writer()

    def flush(self, timeout: float = 30.0) -> None:
        """Block until every event recorded so far is committed."""
        if self._writer is None:
            return
        request = _Flush()
        self._send(request)
        request.done.wait(timeout)

    def check(self) -> None:
        """Flush; raise if events could not be written (the disk refused them).

        Raises:
            StoreUnwritableError: The store's disk is full or read-only.
        """
        self.flush()
        failure = self.failure
        if failure is not None:
            raise StoreUnwritableError.from_path(str(self.path), failure)

    def close(self) -> None:
        """Flush and stop the writer thread."""
        if self._writer is not None:
            self.flush()
            self._send(_Stop())
            self._writer.join(5)
            self._writer = None

    def _send(self, item: Any) -> None:
        self._events.append(item)
        self._hurry.set()
        self._wake.set()

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(str(self.path), timeout=60, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA busy_timeout=60000")
        return conn

    def _start_writer(self) -> None:
        with self._writer_lock:
            if self._writer is None:
                self._writer = threading.Thread(
                    target=self._write_loop, name="taskbook-store-writer", daemon=True
                )
                self._writer.start()
                # Runs return before their rows are committed (the writer catches up
                # in the background); the process must not exit before it has.
                atexit.register(self.flush)

    def _write_loop(self) -> None:
        conn: sqlite3.Connection | None = None
        events = self._events
        while True:
            # Idle first, then look: an event recorded after the look sees _idle
            # and sets _wake, so no wake-up is lost.
            self._idle = True
            if not events:
                self._wake.wait(_RETRY_SECONDS if self._unwritten else None)
            self._idle = False
            self._wake.clear()
            self._gather()
            self._hurry.clear()
            # Pop exactly what is there now, in C (no Python loop to be paused in).
            batch = list(islice(iter(events.popleft, None), len(events)))
            controls = list(compress(batch, map(_Control.__instancecheck__, batch)))
            if self._unwritten:
                batch[:0], self._unwritten = self._unwritten, []
            if len(controls) < len(batch):
                try:
                    conn = conn or self._connect()
                except sqlite3.Error as exc:  # the disk went read-only since open
                    self._keep(batch, exc)
                else:
                    self._write(conn, batch)
            del batch  # it may hold the events of 10,000 runs
            for request in controls:
                request.done.set()
            if any(isinstance(request, _Stop) for request in controls):
                if conn is not None:
                    conn.close()
                return

    def _gather(self) -> None:
        """Wait up to _GATHER_SECONDS for more events (one transaction per burst),
        unless a flush or close is waiting or a backlog has built up."""
        deadline = time.monotonic() + _GATHER_SECONDS
        while len(self._events) < _BACKLOG:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self._hurry.wait(min(remaining, _POLL_SECONDS)):
                return

    def _write(self, conn: sqlite3.Connection, batch: list[Any]) -> None:
        for attempt in range(20):
            try:
                with conn:
                    write_events(conn, batch, self._host, self._pid)
                if self.failure is not None:
                    _log.warning("The run store at %s is writable again.", self.path)
                    self.failure = None
                return
            except sqlite3.OperationalError as exc:
                if _unwritable(exc):
                    self._keep(batch, exc)
                    return
                # Another process holds the write lock past busy_timeout: try again.
                if "locked" not in str(exc) or attempt == 19:
                    _log.exception("The run store lost %d events", len(batch))
                    return
                threading.Event().wait(0.05 * (attempt + 1))
            except Exception:  # a malformed event: write one by one, below
                break
        # One bad event loses only itself (and says so); the writer goes on.
        for event in batch:
            try:
                with conn:
                    write_events(conn, [event], self._host, self._pid)
            except Exception:  # logged, as above
                _log.exception("The run store could not record %r", event)

    def _keep(self, batch: list[Any], exc: BaseException) -> None:
        """Keep events the disk refused, to write them when it takes them again."""
        if self.failure is None:
            _log.error(
                "The run store at %s cannot be written (%s); its events are kept "
                "and written when the disk takes them again.",
                self.path,
                exc,
            )
        self.failure = exc
        events = [e for e in batch if not isinstance(e, _Control)]
        if len(events) > _KEEP_EVENTS:
            _log.error("The run store lost %d events", len(events) - _KEEP_EVENTS)
            events = events[-_KEEP_EVENTS:]
        self._unwritten = events

    # -- crash recovery --------------------------------------------------------

    def _mark_crashed(self, conn: sqlite3.Connection) -> None:
        dead = stuck_runs(conn)
        if not dead:
            return

        message = "The process running this flow exited before the run finished."
        with conn:
            for run_id in dead:
                _end_run(conn, run_id, "CRASHED", "Crashed", message, time.time())

    def end_unfinished(
        self, flow_run_id: str, state_type: str, name: str, message: str
    ) -> None:
        """End a flow run that its process left unfinished (it was killed).

        The run and its unfinished task runs get the final state ``state_type``
        (``CANCELLED``, ``CRASHED``) and ``message``; a run that ended is left as
        it is.
        """
        self.flush()
        with self.transaction() as conn:
            row = conn.execute(
                "SELECT state_type FROM flow_runs WHERE id = ?", (flow_run_id,)
            ).fetchone()
            if row is not None and row[0] not in _FINAL:
                _end_run(conn, flow_run_id, state_type, name, message, time.time())

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Yield a connection inside one write transaction (``BEGIN IMMEDIATE``).

        For the small tables other packages own (schedules and their slots):
        committed when the block ends, rolled back if it raises. Rows come back
        as ``sqlite3.Row``.
        """
        conn = self._connect()
        conn.row_factory = sqlite3.Row
        try:
            conn.execute("BEGIN IMMEDIATE")
            yield conn
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            conn.close()

    # -- reading ---------------------------------------------------------------

    def query(self, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        """Flush pending writes, then run a read query."""
        self.flush()
        conn = self._connect()
        try:
            conn.row_factory = sqlite3.Row
            return conn.execute(sql, args).fetchall()
        finally:
            conn.close()


def stuck_runs(conn: sqlite3.Connection) -> list[str]:
    """Return the ids of runs left unfinished by a process of this host that is gone."""
    rows = conn.execute(
        "SELECT id, pid FROM flow_runs WHERE host=? AND "
        "(state_type IS NULL OR state_type IN ('RUNNING','PENDING','SCHEDULED'))",
        (socket.gethostname(),),
    ).fetchall()
    return [run_id for run_id, pid in rows if pid and not pid_alive(pid)]


_FINAL = ("COMPLETED", "FAILED", "CANCELLED", "CRASHED")


def _end_run(
    conn: sqlite3.Connection,
    run_id: str,
    state_type: str,
    name: str,
    message: str,
    now: float,
) -> None:
    """Give a flow run and its unfinished task runs a final state (rows and states)."""
    unfinished = conn.execute(
        "SELECT id FROM task_runs WHERE flow_run_id=? AND (state_type IS NULL OR "
        "state_type NOT IN ('COMPLETED','FAILED','CANCELLED','CRASHED'))",
        (run_id,),
    ).fetchall()
    _set_final(conn, "flow", run_id, state_type, name, message, now)
    for (task_run_id,) in unfinished:
        _set_final(conn, "task", task_run_id, state_type, name, message, now)


def _set_final(
    conn: sqlite3.Connection,
    kind: str,
    run_id: str,
    state_type: str,
    name: str,
    message: str,
    now: float,
) -> None:
    """Record a ``"flow"`` or ``"task"`` run in a final state: its row and a state row."""
    conn.execute(  # the table is flow_runs or task_runs: kind is never user input
        f"UPDATE {kind}_runs SET state_type=?, state_name=?, message=?, end_time=? "
        "WHERE id=?",
        (state_type, name, message, now, run_id),
    )
    conn.execute(
        "INSERT INTO states(run_id, kind, type, name, message, ts) "
        "VALUES (?,?,?,?,?,?)",
        (run_id, kind, state_type, name, message, now),
    )


# SQLite's primary result codes of a disk that refuses writes: READONLY, IOERR,
# FULL, CANTOPEN (a read-only folder cannot hold the journal).
_UNWRITABLE_CODES = {8, 10, 13, 14}
_UNWRITABLE_ERRNOS = {errno.EROFS, errno.ENOSPC, errno.EACCES, errno.EDQUOT}


def _check_writable(directory: Path, path: Path) -> None:
    """Raise the OSError a write would meet: a read-only or full disk, no access.

    Checked on open, before any run, without writing (a write transaction costs
    ~10 ms per process); a disk that fills up later is the writer's to find.
    """
    stats = os.statvfs(directory) if hasattr(os, "statvfs") else None  # POSIX
    if stats is not None and stats.f_flag & os.ST_RDONLY:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))
    if not os.access(directory, os.W_OK) or not os.access(path, os.W_OK):
        raise OSError(errno.EACCES, os.strerror(errno.EACCES))
    if stats is not None and stats.f_bavail * stats.f_frsize < _MIN_FREE:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def _unwritable(exc: BaseException) -> bool:
    """Whether ``exc`` says the disk is full or read-only (not a bug, not a lock)."""
    if isinstance(exc, OSError):
        return exc.errno in _UNWRITABLE_ERRNOS
    code = getattr(exc, "sqlite_errorcode", None)  # Python 3.11+
    if code is not None:
        return code & 0xFF in _UNWRITABLE_CODES
    text = str(exc).lower()
    return any(w in text for w in ("readonly", "disk is full", "disk i/o", "unable"))


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists (on this host)."""
    if pid == os.getpid():
        # This process cannot be dead; its runs in the table are from this session.
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
