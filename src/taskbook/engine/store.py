"""The run store: every run, state change, log line and artifact, in SQLite.

Events are queued by the engine and written by one background thread in batched
transactions, so recording costs the runner a queue put. WAL mode and a busy
timeout let several processes write one store at once without losing rows. On
open, runs left Running by a process that no longer exists are marked Crashed.
"""

from __future__ import annotations

import atexit
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
        """Write a batch: inserts with executemany, one run-row update per run."""
        flows: list[tuple[Any, ...]] = []
        tasks: list[tuple[Any, ...]] = []
        states: list[tuple[Any, ...]] = []
        logs: list[tuple[Any, ...]] = []
        artifacts: list[tuple[Any, ...]] = []
        # run id -> [kind, last state, run_count, first Running ts, final ts, cache key]
        latest: dict[str, list[Any]] = {}
        for e in events:
            if isinstance(e, StateChanged):
                s = e.state
                states.append((e.run_id, e.kind, s.type.value, s.name, s.message, s.ts))
                row = latest.get(e.run_id)
                if row is None:
                    row = latest[e.run_id] = [e.kind, s, 0, None, None, None]
                row[1], row[2] = s, e.run_count
                if s.type is StateType.RUNNING and row[3] is None:
                    row[3] = s.ts
                if s.type in FINAL_TYPES:
                    row[4] = s.ts
                if e.cache_key is not None:
                    row[5] = e.cache_key
            elif isinstance(e, TaskRunCreated):
                # Creation is the Pending state: one event instead of two per task.
                states.append((e.task_run_id, "task", "PENDING", "Pending", None, e.ts))
                tasks.append(
                    (
                        e.task_run_id,
                        e.flow_run_id,
                        e.task_name,
                        e.task_key,
                        e.name,
                        _json(list(e.tags)),
                        _json(list(e.upstream)),
                        e.ts,
                    )
                )
            elif isinstance(e, FlowRunCreated):
                flows.append(
                    (
                        e.flow_run_id,
                        e.flow_name,
                        e.name,
                        _json(e.parameters),
                        _json(list(e.tags)),
                        e.parent_task_run_id,
                        e.ts,
                        self._host,
                        self._pid,
                    )
                )
            elif isinstance(e, LogEmitted):
                logs.append((e.flow_run_id, e.task_run_id, e.level, e.message, e.ts))
            elif isinstance(e, ArtifactCreated):
                artifacts.append(
                    (
                        e.artifact_id,
                        e.key,
                        e.type,
                        _json(e.data),
                        e.description,
                        e.flow_run_id,
                        e.task_run_id,
                        e.ts,
                    )
                )
        if flows:
            conn.executemany(
                "INSERT OR IGNORE INTO flow_runs(id, flow_name, name, parameters, "
                "tags, parent_task_run_id, created, host, pid) "
                "VALUES (?,?,?,?,?,?,?,?,?)",
                flows,
            )
        if tasks:
            # A run created in this batch gets its latest state in the INSERT itself,
            # which halves the statements for short tasks (INSERT, no UPDATE).
            merged = []
            for row in tasks:
                last = latest.get(row[0])
                if last is not None and last[0] == "task":
                    del latest[row[0]]
                    st = last[1]
                    merged.append(
                        (
                            *row,
                            st.type.value,
                            st.name,
                            st.message,
                            last[2],
                            last[3],
                            last[4],
                            last[5],
                        )
                    )
                else:
                    merged.append(
                        (*row, "PENDING", "Pending", None, 0, None, None, None)
                    )
            _insert_rows(
                conn,
                "INSERT OR IGNORE INTO task_runs(id, flow_run_id, task_name, "
                "task_key, name, tags, upstream, created, state_type, state_name, "
                "message, run_count, start_time, end_time, cache_key)",
                merged,
            )
        if states:
            _insert_rows(
                conn,
                "INSERT INTO states(run_id, kind, type, name, message, ts)",
                states,
            )
        for kind in ("task", "flow"):
            rows = [
                (
                    r[1].type.value,
                    r[1].name,
                    r[1].message,
                    r[2],
                    r[3],
                    r[4],
                    r[5],
                    run_id,
                )
                for run_id, r in latest.items()
                if r[0] == kind
            ]
            if not rows:
                continue
            table = "task_runs" if kind == "task" else "flow_runs"
            cache = ", cache_key=COALESCE(u.c6, t.cache_key)" if kind == "task" else ""
            conn.execute(
                f"UPDATE {table} AS t SET state_type=u.c0, state_name=u.c1, "
                f"message=u.c2, run_count=MAX(t.run_count, u.c3), "
                f"start_time=COALESCE(t.start_time, u.c4), "
                f"end_time=COALESCE(u.c5, t.end_time){cache} "
                f"FROM ({_json_rows_select(8)}) AS u WHERE t.id = u.c7",
                (json.dumps(rows),),
            )
        if logs:
            _insert_rows(
                conn,
                "INSERT INTO logs(flow_run_id, task_run_id, level, message, ts)",
                logs,
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


def _json_rows_select(width: int) -> str:
    columns = ", ".join(f"value->>{i} AS c{i}" for i in range(width))
    return f"SELECT {columns} FROM json_each(?)"


def _insert_rows(
    conn: sqlite3.Connection, insert: str, rows: list[tuple[Any, ...]]
) -> None:
    """Insert many rows in ONE statement, passing them as a JSON array.

    ``executemany`` releases and retakes the GIL around every row; with task
    threads busy, each retake can wait a whole switch interval, which made the
    writer the bottleneck of large maps. One statement retakes it once.
    """
    conn.execute(
        f"{insert} {_json_rows_select(len(rows[0]))}", (json.dumps(rows, default=repr),)
    )


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
