"""Turn a batch of engine events into run-store rows and write them to SQLite.

The writer thread competes for the GIL with busy task threads, and any Python
loop it runs can be paused for a whole switch interval at each iteration. So a
batch is converted with C-level iterator pipelines (``map``/``attrgetter``/
``zip``/``dict``), never a per-event Python loop, and written with a few
multi-row statements. Every state becomes a ``states`` row (a task's creation
is its Pending state); each run's row gets its latest state, its first Running
time, its last final time, its run count and cache key.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Iterable
from itertools import chain, compress, repeat
from operator import attrgetter, is_not, itemgetter, not_
from typing import Any

from taskbook.core.events import (
    ArtifactCreated,
    FlowRunCreated,
    LogEmitted,
    StateChanged,
    TaskRunCreated,
)
from taskbook.core.states import FINAL_TYPES
from taskbook.engine import masking

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
_UPDATE_COLUMNS = 8  # state type, name, message, run_count, start, end, cache, id

_FINAL_NAMES = frozenset(t.value for t in FINAL_TYPES)
_state_row = attrgetter(
    "run_id", "kind", "state.type._value_", "state.name", "state.message", "state.ts"
)
_created_row = attrgetter("task_run_id", "flow_run_id", "task_name", "task_key", "name")
_log_row = attrgetter("flow_run_id", "task_run_id", "level", "message", "ts")
_run_id = attrgetter("run_id")
_task_run_id = attrgetter("task_run_id")
_ts = attrgetter("ts")


def to_json(value: Any) -> str:
    """Return the JSON text the store keeps for parameters, tags and data."""
    if not value:
        return "[]" if isinstance(value, (list, tuple)) else "{}"
    return json.dumps(value, default=repr, sort_keys=True)


def _artifact_json(data: Any) -> str:
    # Not to_json: a progress of 0 or empty markdown is data, not "{}"; and a
    # table's columns keep their order.
    return json.dumps(masking.mask_data(data), default=repr)


@functools.lru_cache(maxsize=256)
def _tags_json(tags: tuple[str, ...]) -> str:
    # A map's runs share one tags tuple: encoded once; a cache hit runs no Python.
    return to_json(tags)


@functools.lru_cache(maxsize=256)
def _ids_json(ids: tuple[str, ...]) -> str:
    # Upstream run ids: the runs of a map that share them hit the cache; the
    # others (one list each) are joined directly when no character needs
    # escaping (engine ids never do), some 20x cheaper than json.dumps.
    text = "".join(ids)
    if text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
        return '["' + '", "'.join(ids) + '"]' if ids else "[]"
    return to_json(ids)


def _of_type(events: list[Any], cls: type) -> list[Any]:
    return list(compress(events, map(cls.__instancecheck__, events)))


def write_events(
    conn: sqlite3.Connection, events: list[Any], host: str, pid: int
) -> None:
    """Write the rows of ``events`` (in publishing order) in the open transaction.

    Objects that are no engine event are ignored.
    """
    created = _of_type(events, TaskRunCreated)
    changed = _of_type(events, StateChanged)
    flows = _of_type(events, FlowRunCreated)
    state_rows = list(map(_state_row, changed))
    latest = _Latest(changed, state_rows) if changed else None
    if flows:
        _insert_values(conn, _INSERT_FLOWS, 9, _flow_rows(flows, host, pid))
    pending_states: list[Any] = []
    new_ids: set[str] = set()
    if created:
        ids = list(map(_task_run_id, created))
        new_ids = set(ids)
        ts = list(map(_ts, created))
        _insert_values(conn, _INSERT_TASKS, 15, _task_rows(created, ids, ts, latest))
        # Creation is the Pending state: one event instead of two per task.
        pending_states = list(
            chain.from_iterable(
                zip(
                    ids,
                    repeat("task"),
                    repeat("PENDING"),
                    repeat("Pending"),
                    repeat(None),
                    ts,
                )
            )
        )
    if changed or pending_states:
        _insert_values(
            conn,
            _INSERT_STATES,
            6,
            pending_states + list(chain.from_iterable(state_rows)),
        )
    if latest is not None:
        latest.update_runs(conn, new_ids)
    logs = _of_type(events, LogEmitted)
    if logs:
        flat = list(chain.from_iterable(map(_log_row, logs)))
        _insert_values(conn, _INSERT_LOGS, 5, flat)
    artifacts = _of_type(events, ArtifactCreated)
    if artifacts:
        conn.executemany(
            "INSERT OR REPLACE INTO artifacts(id, key, type, data, description, "
            "flow_run_id, task_run_id, created) VALUES (?,?,?,?,?,?,?,?)",
            [
                (
                    a.artifact_id,
                    a.key,
                    a.type,
                    masking.mask(_artifact_json(a.data)),
                    masking.mask(a.description) if a.description else None,
                    a.flow_run_id,
                    a.task_run_id,
                    a.ts,
                )
                for a in artifacts
            ],
        )


def _task_rows(
    created: list[TaskRunCreated],
    ids: list[str],
    ts: list[float],
    latest: _Latest | None,
) -> list[Any]:
    """Flat task_runs rows; a run with states in this batch gets its latest one
    (so it needs no UPDATE), the others are Pending."""
    try:
        tags = list(map(_tags_json, map(attrgetter("tags"), created)))
        upstream = list(map(_ids_json, map(attrgetter("upstream"), created)))
    except TypeError:  # a list, not a tuple: not hashable, encode each
        tags = [to_json(list(e.tags)) for e in created]
        upstream = [to_json(list(e.upstream)) for e in created]
    if latest is None:
        state: tuple[Iterable[Any], ...] = (
            repeat("PENDING"),
            repeat("Pending"),
            repeat(None),
            repeat(0),
            repeat(None),
            repeat(None),
            repeat(None),
        )
    else:
        state = (
            map(latest.type.get, ids, repeat("PENDING")),
            map(latest.name.get, ids, repeat("Pending")),
            map(latest.message.get, ids),
            map(latest.count.get, ids, repeat(0)),
            map(latest.start.get, ids),
            map(latest.end.get, ids),
            map(latest.key.get, ids),
        )
    rows = zip(
        *zip(*map(_created_row, created), strict=True),
        tags,
        upstream,
        ts,
        *state,
        strict=False,  # repeats are endless
    )
    return list(chain.from_iterable(rows))


def _flow_rows(flows: Iterable[FlowRunCreated], host: str, pid: int) -> list[Any]:
    rows: list[Any] = []
    for f in flows:  # a few per batch
        rows += (
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
    return rows


class _Latest:
    """Each run's latest state in a batch, as dicts by run id (built in C)."""

    __slots__ = ("count", "end", "flow_ids", "key", "message", "name", "start", "type")

    def __init__(self, changed: list[StateChanged], state_rows: list[tuple]) -> None:
        run_ids = list(map(_run_id, changed))
        names = list(map(itemgetter(2), state_rows))
        times = list(map(itemgetter(5), state_rows))
        # dict() keeps the last value of each key; over reversed input, the first.
        self.type = dict(zip(run_ids, names, strict=True))
        self.name = dict(zip(run_ids, map(itemgetter(3), state_rows), strict=True))
        self.message = dict(zip(run_ids, map(itemgetter(4), state_rows), strict=True))
        self.count = dict(
            zip(run_ids, map(attrgetter("run_count"), changed), strict=True)
        )
        running = list(map("RUNNING".__eq__, names))
        self.start = dict(
            zip(
                reversed(list(compress(run_ids, running))),
                reversed(list(compress(times, running))),
                strict=True,
            )
        )
        final = list(map(_FINAL_NAMES.__contains__, names))
        self.end = dict(
            zip(compress(run_ids, final), compress(times, final), strict=True)
        )
        keys = list(map(attrgetter("cache_key"), changed))
        keyed = list(map(is_not, keys, repeat(None)))
        self.key = dict(
            zip(compress(run_ids, keyed), compress(keys, keyed), strict=True)
        )
        kinds = map(itemgetter(1), state_rows)
        self.flow_ids = set(compress(run_ids, map("flow".__eq__, kinds)))

    def update_runs(self, conn: sqlite3.Connection, inserted: set[str]) -> None:
        """UPDATE the rows of the runs not ``inserted`` in this batch."""
        ids = list(self.type)
        flows = [i for i in ids if i in self.flow_ids] if self.flow_ids else []
        tasks = list(compress(ids, map(not_, map(inserted.__contains__, ids))))
        if flows:
            tasks = [i for i in tasks if i not in self.flow_ids]
        for kind, run_ids in (("task", tasks), ("flow", flows)):
            if run_ids:
                rows = zip(
                    map(self.type.__getitem__, run_ids),
                    map(self.name.__getitem__, run_ids),
                    map(self.message.__getitem__, run_ids),
                    map(self.count.__getitem__, run_ids),
                    map(self.start.get, run_ids),
                    map(self.end.get, run_ids),
                    map(self.key.get, run_ids),
                    run_ids,
                    strict=True,
                )
                _update_runs(conn, kind, list(chain.from_iterable(rows)))


# Rows per multi-row statement at most. Each statement costs the writer one GIL
# round trip (sqlite3 releases the GIL while it steps), which takes 5-30 ms
# while task threads are busy, so fewer, larger statements let it keep up with
# a large map (measured: 2048 rows left a third less to write at its end than
# 512). Compiling one costs SQLite ~3 us per row, once per connection and size.
_MAX_ROWS = 2048


def _chunk_rows(conn: sqlite3.Connection, width: int) -> int:
    getlimit = getattr(conn, "getlimit", None)  # Python 3.11+
    if getlimit is not None:
        limit = getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    else:  # SQLite's compiled-in default
        limit = 32766 if sqlite3.sqlite_version_info >= (3, 32) else 999
    return max(1, min(_MAX_ROWS, (limit - 1) // width))  # one more: LIMIT ?


def _padded(rows: int, step: int) -> int:
    """Round a last chunk up to a power of two (so few statements are compiled)."""
    return rows if rows == step else min(step, 1 << (rows - 1).bit_length())


@functools.lru_cache(maxsize=128)
def _values_sql(head: str, width: int, rows: int, padded: bool) -> str:
    """``head VALUES (?,..),...``; padded: only the first ``?`` (last value) rows.

    SQLite yields VALUES rows in order, so ``LIMIT`` drops exactly the padding;
    it also compiles faster than a plain VALUES list (a WHERE filter instead
    compiles in time growing faster than the row count).
    """
    values = ",".join(["(" + ",".join("?" * width) + ")"] * rows)
    if padded:
        return f"{head} SELECT * FROM (VALUES {values}) LIMIT ?"
    return f"{head} VALUES {values}"


def _insert_values(
    conn: sqlite3.Connection, head: str, width: int, flat: list[Any]
) -> None:
    """Insert rows given as one flat list of values, many rows per statement.

    A multi-row VALUES statement costs SQLite half as much as reading the rows
    from JSON, costs Python a list slice instead of ``json.dumps``, and unlike
    ``executemany`` (one GIL round trip per row) takes the GIL back once per
    statement. The last chunk is padded up to a power of two rows, so a few
    cached statements serve every batch size.
    """
    step = _chunk_rows(conn, width)
    size = step * width
    for start in range(0, len(flat), size):
        chunk = flat[start : start + size]
        rows = len(chunk) // width
        if rows == step:
            _execute(conn, _values_sql(head, width, rows, False), chunk)
        else:
            padded = _padded(rows, step)
            chunk += [None] * ((padded - rows) * width)
            chunk.append(rows)
            _execute(conn, _values_sql(head, width, padded, True), chunk)


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
    if masking.active():  # every row of the store passes here: mask secrets once
        values = _masked(values)
    try:
        conn.execute(sql, values)
    except (sqlite3.ProgrammingError, sqlite3.InterfaceError):
        # A value SQLite cannot store (a user's object as a state message):
        # store its text, as the JSON rows used to.
        conn.execute(sql, _masked([_storable(v) for v in values]))


def _masked(values: list[Any]) -> list[Any]:
    mask = masking.mask
    return [mask(v) if isinstance(v, str) else v for v in values]


def _storable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bytes)):
        return value
    return repr(value)
