"""Rows the run store has yet to write, built as events arrive, and their SQL.

``PendingRows.add`` turns each event into table rows at once (in the thread that
published it), keeping every table as one flat list of values and merging the
states of a run created in the same batch into its INSERT. ``write`` then costs
the writer thread a few multi-row statements and no per-event Python, which
matters because that thread competes for the GIL with busy task threads.
"""

from __future__ import annotations

import functools
import json
import sqlite3
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

_TASK_COLUMNS = 15  # the task_runs row; its state block starts at column 8
_TASK_STATE_AT = 8
_UPDATE_COLUMNS = 8  # state type, name, message, run_count, start, end, cache, id

_INSERT_TASKS = (
    "INSERT OR IGNORE INTO task_runs(id, flow_run_id, task_name, task_key, name, "
    "tags, upstream, created, state_type, state_name, message, run_count, "
    "start_time, end_time, cache_key)"
)
_INSERT_FLOWS = (
    "INSERT OR IGNORE INTO flow_runs(id, flow_name, name, parameters, tags, "
    "parent_task_run_id, created, host, pid)"
)
_INSERT_STATES = "INSERT INTO states(run_id, kind, type, name, message, ts)"
_INSERT_LOGS = "INSERT INTO logs(flow_run_id, task_run_id, level, message, ts)"


def to_json(value: Any) -> str:
    """Return the JSON text the store keeps for parameters, tags and data."""
    if not value:
        return "[]" if isinstance(value, (list, tuple)) else "{}"
    return json.dumps(value, default=repr, sort_keys=True)


def _tags_json(tags: Any) -> str:
    try:
        return _cached_tags_json(tags)
    except TypeError:  # not hashable (a list): encode it every time
        return to_json(list(tags))


@functools.lru_cache(maxsize=256)
def _cached_tags_json(tags: tuple[str, ...]) -> str:
    # A map's runs share one tags tuple: encode it once.
    return to_json(tags)


class PendingRows:
    """Rows of the events added since the writer last took them (not thread-safe:
    the store adds under its lock)."""

    __slots__ = (
        "artifacts",
        "count",
        "flow_update_at",
        "flow_updates",
        "flows",
        "logs",
        "states",
        "task_at",
        "task_update_at",
        "task_updates",
        "tasks",
    )

    def __init__(self) -> None:
        self.count = 0
        self.tasks: list[Any] = []  # flat task_runs rows
        self.task_at: dict[str, int] = {}  # run id -> its row's offset in tasks
        self.states: list[Any] = []  # flat states rows
        # Runs created in earlier batches: flat update rows and their offsets.
        self.task_updates: list[Any] = []
        self.task_update_at: dict[str, int] = {}
        self.flow_updates: list[Any] = []
        self.flow_update_at: dict[str, int] = {}
        self.logs: list[Any] = []
        # Rare events, converted when written (their JSON may be large).
        self.flows: list[FlowRunCreated] = []
        self.artifacts: list[ArtifactCreated] = []

    def add(self, event: Event) -> None:
        """Add the rows of one event (unknown kinds are ignored)."""
        cls = type(event)
        if cls is StateChanged:
            self._add_state(event)  # type: ignore[arg-type]
        elif cls is TaskRunCreated:
            e: TaskRunCreated = event  # type: ignore[assignment]
            run_id = e.task_run_id
            # Creation is the Pending state: one event instead of two per task.
            self.states += (run_id, "task", "PENDING", "Pending", None, e.ts)
            self.task_at[run_id] = len(self.tasks)
            self.tasks += (
                run_id,
                e.flow_run_id,
                e.task_name,
                e.task_key,
                e.name,
                _tags_json(e.tags),
                _tags_json(e.upstream),
                e.ts,
                "PENDING",
                "Pending",
                None,
                0,
                None,
                None,
                None,
            )
        elif cls is LogEmitted:
            log: LogEmitted = event  # type: ignore[assignment]
            self.logs += (
                log.flow_run_id,
                log.task_run_id,
                log.level,
                log.message,
                log.ts,
            )
        elif cls is FlowRunCreated:
            self.flows.append(event)  # type: ignore[arg-type]
        elif cls is ArtifactCreated:
            self.artifacts.append(event)  # type: ignore[arg-type]
        else:
            return
        self.count += 1

    def _add_state(self, e: StateChanged) -> None:
        s = e.state
        typ = s.type
        type_name = typ._value_  # a plain attribute; .value is a slower property
        run_id = e.run_id
        self.states += (run_id, e.kind, type_name, s.name, s.message, s.ts)
        at = self.task_at.get(run_id)
        if at is not None:
            # Created in this batch: its INSERT carries the latest state.
            rows, at = self.tasks, at + _TASK_STATE_AT
        else:
            if e.kind == "task":
                rows, index = self.task_updates, self.task_update_at
            else:
                rows, index = self.flow_updates, self.flow_update_at
            at = index.get(run_id)  # type: ignore[assignment]
            if at is None:
                at = index[run_id] = len(rows)
                rows += (None, None, None, 0, None, None, None, run_id)
        rows[at : at + 4] = (type_name, s.name, s.message, e.run_count)
        if typ is StateType.RUNNING and rows[at + 4] is None:
            rows[at + 4] = s.ts  # the first Running: the run's start
        if typ in FINAL_TYPES:
            rows[at + 5] = s.ts
        if e.cache_key is not None:
            rows[at + 6] = e.cache_key

    def write(self, conn: sqlite3.Connection, host: str, pid: int) -> None:
        """Write every row in the connection's open transaction."""
        if self.flows:
            flows: list[Any] = []
            for f in self.flows:
                flows += (
                    f.flow_run_id,
                    f.flow_name,
                    f.name,
                    to_json(f.parameters),
                    to_json(f.tags),
                    f.parent_task_run_id,
                    f.ts,
                    host,
                    pid,
                )
            _insert_values(conn, _INSERT_FLOWS, 9, flows)
        if self.tasks:
            _insert_values(conn, _INSERT_TASKS, _TASK_COLUMNS, self.tasks)
        if self.states:
            _insert_values(conn, _INSERT_STATES, 6, self.states)
        if self.task_updates:
            _update_runs(conn, "task", self.task_updates)
        if self.flow_updates:
            _update_runs(conn, "flow", self.flow_updates)
        if self.logs:
            # Keyed on the level: a log line may belong to no flow run.
            _insert_values(conn, _INSERT_LOGS, 5, self.logs, key=3)
        if self.artifacts:
            conn.executemany(
                "INSERT OR REPLACE INTO artifacts(id, key, type, data, description, "
                "flow_run_id, task_run_id, created) VALUES (?,?,?,?,?,?,?,?)",
                [
                    (
                        a.artifact_id,
                        a.key,
                        a.type,
                        to_json(a.data),
                        a.description,
                        a.flow_run_id,
                        a.task_run_id,
                        a.ts,
                    )
                    for a in self.artifacts
                ],
            )


# Rows per multi-row statement at most. Each statement costs the writer one GIL
# round trip (sqlite3 releases the GIL while it steps); compiling one costs
# SQLite ~5 µs per row, once per connection and size.
_MAX_ROWS = 512


def _chunk_rows(conn: sqlite3.Connection, width: int) -> int:
    getlimit = getattr(conn, "getlimit", None)  # Python 3.11+
    if getlimit is not None:
        limit = getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    else:  # SQLite's compiled-in default
        limit = 32766 if sqlite3.sqlite_version_info >= (3, 32) else 999
    return max(1, min(_MAX_ROWS, limit // width))


def _padded(rows: int, step: int) -> int:
    """Round a last chunk up to a power of two (so few statements are compiled)."""
    return rows if rows == step else min(step, 1 << (rows - 1).bit_length())


@functools.lru_cache(maxsize=128)
def _values_sql(head: str, width: int, rows: int, key: int) -> str:
    """``head VALUES (?,..),...``; with a key column, rows where it is NULL
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
    from JSON, costs Python a list slice instead of ``json.dumps``, and unlike
    ``executemany`` (one GIL round trip per row) takes the GIL back once per
    statement. The last chunk is padded with NULL rows (column ``key``, 1-based,
    is never NULL in a real row).
    """
    step = _chunk_rows(conn, width)
    size = step * width
    for start in range(0, len(flat), size):
        chunk = flat[start : start + size]
        rows = len(chunk) // width
        if rows == step:
            _execute(conn, _values_sql(head, width, rows, 0), chunk)
        else:
            padded = _padded(rows, step)
            chunk += [None] * ((padded - rows) * width)
            _execute(conn, _values_sql(head, width, padded, key), chunk)


def _update_runs(conn: sqlite3.Connection, kind: str, flat: list[Any]) -> None:
    """Set the latest state of runs created in earlier batches."""
    width = _UPDATE_COLUMNS
    step = _chunk_rows(conn, width)
    for start in range(0, len(flat), step * width):
        chunk = flat[start : start + step * width]
        rows = len(chunk) // width
        padded = _padded(rows, step)
        chunk += [None] * ((padded - rows) * width)  # a NULL id matches no run
        _execute(conn, _update_sql(kind, padded), chunk)


@functools.lru_cache(maxsize=64)
def _update_sql(kind: str, rows: int) -> str:
    table = "task_runs" if kind == "task" else "flow_runs"
    cache = ", cache_key=COALESCE(u.column7, t.cache_key)" if kind == "task" else ""
    values = ",".join(["(" + ",".join("?" * _UPDATE_COLUMNS) + ")"] * rows)
    return (
        f"UPDATE {table} AS t SET state_type=u.column1, state_name=u.column2, "
        f"message=u.column3, run_count=MAX(t.run_count, u.column4), "
        f"start_time=COALESCE(t.start_time, u.column5), "
        f"end_time=COALESCE(u.column6, t.end_time){cache} "
        f"FROM (VALUES {values}) AS u WHERE t.id = u.column8"
    )


def _execute(conn: sqlite3.Connection, sql: str, values: list[Any]) -> None:
    try:
        conn.execute(sql, values)
    except (sqlite3.ProgrammingError, sqlite3.InterfaceError):
        # A value SQLite cannot store (a user's object as a state message):
        # store its text, as the JSON rows used to.
        conn.execute(sql, [_storable(v) for v in values])


def _storable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bytes)):
        return value
    return repr(value)
