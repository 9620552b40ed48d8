"""The run store: every run, state change, log line and artifact, in SQLite.

Events are queued by the engine and written by one background thread in batched
transactions, so recording costs the runner a queue put. WAL mode and a busy
timeout let several processes write one store at once without losing rows. On
open, runs left Running by a process that no longer exists are marked Crashed.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import queue
import socket
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from taskbook.core.events import (
    ArtifactCreated,
    Event,
    FlowRunCreated,
    LogEmitted,
    StateChanged,
    TaskRunCreated,
)
from taskbook.core.states import FINAL_TYPES, StateType
from taskbook.errors import StoreError

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
CREATE TABLE IF NOT EXISTS artifacts (
    id TEXT PRIMARY KEY, key TEXT, type TEXT, data TEXT, description TEXT,
    flow_run_id TEXT, task_run_id TEXT, created REAL
);
"""

_FLUSH = object()
_GATHER_SECONDS = 0.05
_STOP = object()


def _json(value: Any) -> str:
    if not value:
        return "[]" if isinstance(value, (list, tuple)) else "{}"
    return json.dumps(value, default=repr, sort_keys=True)


class RunStore:
    """Writes engine events to SQLite in the background; reads runs back."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.path = directory / "runs.sqlite"
        try:
            directory.mkdir(parents=True, exist_ok=True)
            self._initialize()
        except (OSError, sqlite3.Error) as exc:
            raise StoreError.from_path(str(self.path), exc) from exc
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._writer: threading.Thread | None = None
        self._writer_lock = threading.Lock()
        self._hurry = threading.Event()
        self._host = socket.gethostname()
        self._pid = os.getpid()

    def _initialize(self) -> None:
        # Processes opening a new store at once: SQLite answers "database is
        # locked" at once (no busy wait) to some while another switches it to WAL
        # or creates the tables. Retry, as _write does.
        for attempt in range(50):
            conn = None
            try:
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
        self._queue.put(event)
        if self._writer is None:
            self._start_writer()

    def flush(self, timeout: float = 30.0) -> None:
        """Block until every event queued so far is committed."""
        if self._writer is None:
            return
        done = threading.Event()
        self._queue.put((_FLUSH, done))
        self._hurry.set()
        done.wait(timeout)

    def close(self) -> None:
        """Flush and stop the writer thread."""
        if self._writer is not None:
            self.flush()
            self._queue.put(_STOP)
            self._hurry.set()
            self._writer.join(5)
            self._writer = None

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
        conn = self._connect()
        while True:
            batch = [self._queue.get()]
            # Gather for a moment before writing: one transaction per ~50 ms costs
            # far less than one per event burst, and contends less for the GIL
            # while runs are in flight. A flush or close cuts the wait short.
            self._hurry.wait(_GATHER_SECONDS)
            self._hurry.clear()
            try:
                while len(batch) < 20_000:
                    batch.append(self._queue.get_nowait())
            except queue.Empty:
                pass
            events = [e for e in batch if isinstance(e, Event.__args__)]  # type: ignore[attr-defined]
            if events:
                self._write(conn, events)
            for item in batch:
                if isinstance(item, tuple) and item and item[0] is _FLUSH:
                    item[1].set()
            if any(item is _STOP for item in batch):
                conn.close()
                return
            # Drop the batch before blocking again: it may hold 20,000 events.
            del batch, events

    def _write(self, conn: sqlite3.Connection, events: list[Event]) -> None:
        for attempt in range(20):
            try:
                with conn:
                    self._apply(conn, events)
                return
            except sqlite3.OperationalError as exc:
                # Another process holds the write lock past busy_timeout: try again.
                if "locked" not in str(exc) or attempt == 19:
                    raise
                threading.Event().wait(0.05 * (attempt + 1))

    def _apply(self, conn: sqlite3.Connection, events: Iterable[Event]) -> None:
        """Write a batch: multi-row inserts, one update per run created earlier.

        A task run created in this batch gets its latest state in its INSERT (no
        UPDATE), which halves the statements for short tasks.
        """
        flows: list[Any] = []
        tasks: dict[str, list[Any]] = {}  # run id -> its task_runs row (mutable)
        states: list[Any] = []  # flat: 6 values per row
        logs: list[Any] = []
        artifacts: list[tuple[Any, ...]] = []
        # Runs created before this batch: run id -> [kind, state type, name,
        # message, run_count, first Running ts, final ts, cache key].
        latest: dict[str, list[Any]] = {}
        running, final_types = StateType.RUNNING, FINAL_TYPES
        for e in events:
            cls = type(e)
            if cls is StateChanged:
                s = e.state  # type: ignore[union-attr]
                typ = s.type
                # _value_ is a plain attribute; .value is a slower enum property.
                type_name = typ._value_
                run_id = e.run_id  # type: ignore[union-attr]
                states += (run_id, e.kind, type_name, s.name, s.message, s.ts)  # type: ignore[union-attr]
                row = tasks.get(run_id)
                if row is not None:
                    row[8], row[9], row[10] = type_name, s.name, s.message
                    row[11] = e.run_count  # type: ignore[union-attr]
                    if typ is running and row[12] is None:
                        row[12] = s.ts
                    if typ in final_types:
                        row[13] = s.ts
                    if e.cache_key is not None:  # type: ignore[union-attr]
                        row[14] = e.cache_key  # type: ignore[union-attr]
                    continue
                last = latest.get(run_id)
                if last is None:
                    last = latest[run_id] = [
                        e.kind,
                        None,
                        None,
                        None,
                        0,
                        None,
                        None,
                        None,
                    ]  # type: ignore[union-attr]
                last[1], last[2], last[3] = type_name, s.name, s.message
                last[4] = e.run_count  # type: ignore[union-attr]
                if typ is running and last[5] is None:
                    last[5] = s.ts
                if typ in final_types:
                    last[6] = s.ts
                if e.cache_key is not None:  # type: ignore[union-attr]
                    last[7] = e.cache_key  # type: ignore[union-attr]
            elif cls is TaskRunCreated:
                # Creation is the Pending state: one event instead of two per task.
                run_id = e.task_run_id  # type: ignore[union-attr]
                states += (run_id, "task", "PENDING", "Pending", None, e.ts)  # type: ignore[union-attr]
                tasks[run_id] = [
                    run_id,
                    e.flow_run_id,  # type: ignore[union-attr]
                    e.task_name,  # type: ignore[union-attr]
                    e.task_key,  # type: ignore[union-attr]
                    e.name,  # type: ignore[union-attr]
                    _json(e.tags),  # type: ignore[union-attr]
                    _json(e.upstream),  # type: ignore[union-attr]
                    e.ts,  # type: ignore[union-attr]
                    "PENDING",
                    "Pending",
                    None,
                    0,
                    None,
                    None,
                    None,
                ]
            elif cls is FlowRunCreated:
                flows += (
                    e.flow_run_id,  # type: ignore[union-attr]
                    e.flow_name,  # type: ignore[union-attr]
                    e.name,  # type: ignore[union-attr]
                    _json(e.parameters),  # type: ignore[union-attr]
                    _json(e.tags),  # type: ignore[union-attr]
                    e.parent_task_run_id,  # type: ignore[union-attr]
                    e.ts,  # type: ignore[union-attr]
                    self._host,
                    self._pid,
                )
            elif cls is LogEmitted:
                logs += (e.flow_run_id, e.task_run_id, e.level, e.message, e.ts)  # type: ignore[union-attr]
            elif cls is ArtifactCreated:
                artifacts.append(
                    (
                        e.artifact_id,  # type: ignore[union-attr]
                        e.key,  # type: ignore[union-attr]
                        e.type,  # type: ignore[union-attr]
                        _json(e.data),  # type: ignore[union-attr]
                        e.description,  # type: ignore[union-attr]
                        e.flow_run_id,  # type: ignore[union-attr]
                        e.task_run_id,  # type: ignore[union-attr]
                        e.ts,  # type: ignore[union-attr]
                    )
                )
        if flows:
            _insert_values(
                conn,
                "INSERT OR IGNORE INTO flow_runs(id, flow_name, name, parameters, "
                "tags, parent_task_run_id, created, host, pid)",
                9,
                flows,
            )
        if tasks:
            _insert_values(
                conn,
                "INSERT OR IGNORE INTO task_runs(id, flow_run_id, task_name, "
                "task_key, name, tags, upstream, created, state_type, state_name, "
                "message, run_count, start_time, end_time, cache_key)",
                15,
                [v for row in tasks.values() for v in row],
            )
        if states:
            _insert_values(
                conn,
                "INSERT INTO states(run_id, kind, type, name, message, ts)",
                6,
                states,
            )
        for kind in ("task", "flow"):
            rows = [
                v
                for run_id, r in latest.items()
                if r[0] == kind
                for v in (*r[1:], run_id)
            ]
            if rows:
                _update_runs(conn, kind, rows)
        if logs:
            _insert_values(
                conn,
                "INSERT INTO logs(flow_run_id, task_run_id, level, message, ts)",
                5,
                logs,
                key=3,  # the level: a log line may belong to no flow run
            )
        if artifacts:
            conn.executemany(
                "INSERT OR REPLACE INTO artifacts(id, key, type, data, description, "
                "flow_run_id, task_run_id, created) VALUES (?,?,?,?,?,?,?,?)",
                artifacts,
            )

    # -- crash recovery --------------------------------------------------------

    def _mark_crashed(self, conn: sqlite3.Connection) -> None:
        host = socket.gethostname()
        rows = conn.execute(
            "SELECT id, pid FROM flow_runs WHERE host=? AND "
            "(state_type IS NULL OR state_type IN ('RUNNING','PENDING','SCHEDULED'))",
            (host,),
        ).fetchall()
        dead = [run_id for run_id, pid in rows if pid and not _alive(pid)]
        if not dead:
            return
        import time

        now = time.time()
        message = "The process running this flow exited before the run finished."
        with conn:
            for run_id in dead:
                conn.execute(
                    "UPDATE flow_runs SET state_type='CRASHED', state_name='Crashed', "
                    "message=?, end_time=? WHERE id=?",
                    (message, now, run_id),
                )
                conn.execute(
                    "INSERT INTO states(run_id, kind, type, name, message, ts) "
                    "VALUES (?,?,?,?,?,?)",
                    (run_id, "flow", "CRASHED", "Crashed", message, now),
                )
                unfinished = conn.execute(
                    "SELECT id FROM task_runs WHERE flow_run_id=? AND (state_type IS "
                    "NULL OR state_type NOT IN ('COMPLETED','FAILED','CANCELLED',"
                    "'CRASHED'))",
                    (run_id,),
                ).fetchall()
                for (task_run_id,) in unfinished:
                    conn.execute(
                        "UPDATE task_runs SET state_type='CRASHED', "
                        "state_name='Crashed', message=?, end_time=? WHERE id=?",
                        (message, now, task_run_id),
                    )
                    conn.execute(
                        "INSERT INTO states(run_id, kind, type, name, message, ts) "
                        "VALUES (?,?,?,?,?,?)",
                        (task_run_id, "task", "CRASHED", "Crashed", message, now),
                    )

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


# Rows per multi-row statement at most. Each statement is one GIL round trip for
# the writer (sqlite3 releases the GIL while it steps), so fewer, larger ones let
# it keep up while task threads hold the GIL; 4096 rows stay far below SQLite's
# statement-size limit.
_MAX_ROWS = 4096


def _chunk_rows(conn: sqlite3.Connection, width: int) -> int:
    getlimit = getattr(conn, "getlimit", None)  # Python 3.11+
    if getlimit is not None:
        limit = getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    else:  # SQLite's compiled-in default
        limit = 32766 if sqlite3.sqlite_version_info >= (3, 32) else 999
    return max(1, min(_MAX_ROWS, limit // width))


@functools.lru_cache(maxsize=128)
def _values_sql(head: str, width: int, rows: int, key: int) -> str:
    """``head VALUES (?,..),(?,..)...``; with a key column, rows where it is NULL
    (padding) are left out."""
    values = ",".join(["(" + ",".join("?" * width) + ")"] * rows)
    if key:
        return f"{head} SELECT * FROM (VALUES {values}) WHERE column{key} IS NOT NULL"
    return f"{head} VALUES {values}"


def _insert_values(
    conn: sqlite3.Connection, head: str, width: int, flat: list[Any], key: int = 1
) -> None:
    """Insert rows given as one flat list of values, many rows per statement.

    A multi-row VALUES statement costs SQLite half as much as reading the rows
    from JSON and costs Python a list slice instead of ``json.dumps``, and unlike
    ``executemany`` (one GIL round trip per row) it releases and retakes the GIL
    once per statement. The last chunk is padded with NULL rows up to a power of
    two, so a few cached statements serve every batch size; column ``key``
    (1-based) is never NULL in a real row.
    """
    step = _chunk_rows(conn, width)
    size = step * width
    for start in range(0, len(flat), size):
        chunk = flat[start : start + size]
        rows = len(chunk) // width
        if rows == step:
            _execute(conn, _values_sql(head, width, rows, 0), chunk)
        else:
            padded_rows = min(step, 1 << (rows - 1).bit_length())
            chunk += [None] * ((padded_rows - rows) * width)
            _execute(conn, _values_sql(head, width, padded_rows, key), chunk)


def _update_runs(conn: sqlite3.Connection, kind: str, flat: list[Any]) -> None:
    """Set the latest state of runs created in earlier batches (8 values a run)."""
    table = "task_runs" if kind == "task" else "flow_runs"
    cache = ", cache_key=COALESCE(u.column7, t.cache_key)" if kind == "task" else ""
    update = (
        f"UPDATE {table} AS t SET state_type=u.column1, state_name=u.column2, "
        f"message=u.column3, run_count=MAX(t.run_count, u.column4), "
        f"start_time=COALESCE(t.start_time, u.column5), "
        f"end_time=COALESCE(u.column6, t.end_time){cache} FROM (VALUES "
    )
    step = _chunk_rows(conn, 8)
    for start in range(0, len(flat), step * 8):
        chunk = flat[start : start + step * 8]
        rows = len(chunk) // 8
        # Padded like inserts; a NULL id matches no run.
        padded_rows = rows if rows == step else min(step, 1 << (rows - 1).bit_length())
        chunk += [None] * ((padded_rows - rows) * 8)
        _execute(conn, _update_sql(update, padded_rows), chunk)


@functools.lru_cache(maxsize=64)
def _update_sql(update: str, rows: int) -> str:
    values = ",".join(["(?,?,?,?,?,?,?,?)"] * rows)
    return f"{update}{values}) AS u WHERE t.id = u.column8"


def _execute(conn: sqlite3.Connection, sql: str, values: list[Any]) -> None:
    try:
        conn.execute(sql, values)
    except (sqlite3.ProgrammingError, sqlite3.InterfaceError):
        # A value SQLite cannot store (a user's object as a state message):
        # store its text, as the JSON path used to.
        conn.execute(sql, [_storable(v) for v in values])


def _storable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bytes)):
        return value
    return repr(value)


def _alive(pid: int) -> bool:
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
