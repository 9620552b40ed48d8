"""Schedules and their slots as rows of the run store (its ``schedules`` and
``schedule_slots`` tables).

A slot row is unique per (schedule, slot), so inserting it is claiming it: a
slot is claimed once, across crashes and restarts. A claimed slot moves
``queued`` → ``launching`` → ``running`` (set by the run's own process, only
from ``launching``, so two processes never both start it) → a final state:
``completed``, ``failed``, ``cancelled`` or ``crashed``; or it is ``skipped``
with a reason.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from taskbook.core.schedule import (
    Cron,
    Interval,
    NoticeState,
    RRule,
    ScheduleSpec,
    When,
)
from taskbook.errors import DuplicateScheduleError, UnknownScheduleError

if TYPE_CHECKING:
    import sqlite3

    from taskbook.engine.store import RunStore

__all__ = (
    "ACTIVE",
    "FINAL",
    "ScheduleRow",
    "SlotKey",
    "SlotRow",
    "find_flow_run",
    "spec_from_json",
    "spec_to_json",
)

ACTIVE = ("launching", "running")
FINAL = ("completed", "failed", "cancelled", "crashed")


@dataclass(frozen=True, slots=True)
class SlotKey:
    """Which slot of which schedule: ``SCHEDULE_ID:SLOT_US`` as text."""

    schedule_id: str
    slot_us: int

    @property
    def slot(self) -> float:
        """The slot as a POSIX timestamp."""
        return self.slot_us / 1e6

    def __str__(self) -> str:
        return f"{self.schedule_id}:{self.slot_us}"

    @classmethod
    def parse(cls, text: str) -> SlotKey:
        """Read ``SCHEDULE_ID:SLOT_US``."""
        schedule_id, _, slot_us = text.rpartition(":")
        return cls(schedule_id, int(slot_us))

    @classmethod
    def of(cls, schedule_id: str, slot: float) -> SlotKey:
        """The key of ``slot`` (a timestamp) of a schedule."""
        return cls(schedule_id, round(slot * 1e6))


@dataclass(frozen=True, slots=True)
class ScheduleRow:
    """A stored schedule."""

    id: str
    spec: ScheduleSpec
    paused: bool
    created: float
    handled_until: float
    notice: NoticeState


@dataclass(frozen=True, slots=True)
class SlotRow:
    """A stored slot: claimed, skipped, or the record of its run."""

    key: SlotKey
    schedule_name: str
    state: str
    reason: str | None
    claimed: float | None
    started: float | None
    ended: float | None
    host: str | None
    pid: int | None
    exit_code: int | None
    flow_run_id: str | None
    log_path: str | None


# -- the spec as JSON ------------------------------------------------------------


def _when_json(when: When) -> dict[str, Any]:
    if isinstance(when, Cron):
        return {"kind": "cron", **asdict(when)}
    if isinstance(when, RRule):
        return {"kind": "rrule", **asdict(when)}
    return {
        "kind": "interval",
        "interval": when.interval.total_seconds(),
        "anchor_date": when.anchor_date.isoformat(),
        "timezone": when.timezone,
    }


def _when_from(data: Mapping[str, Any]) -> When:
    kind = data["kind"]
    if kind == "cron":
        return Cron(data["cron"], data["timezone"], data["day_or"])
    if kind == "rrule":
        return RRule(data["rrule"], data["timezone"])
    return Interval(
        dt.timedelta(seconds=data["interval"]),
        dt.datetime.fromisoformat(data["anchor_date"]),
        data["timezone"],
    )


def spec_to_json(spec: ScheduleSpec) -> str:
    """Return the stored text of a schedule."""
    return json.dumps(
        {
            "target": spec.target,
            "when": _when_json(spec.when),
            "parameters": dict(spec.parameters),
            "options": dict(spec.options),
            "catchup": spec.catchup,
            "max_catchup": spec.max_catchup,
            "overlap": spec.overlap,
            "notify": spec.notify,
            "cwd": spec.cwd,
        },
        sort_keys=True,
    )


def spec_from_json(name: str, text: str) -> ScheduleSpec:
    """Read a schedule stored by ``spec_to_json``."""
    data = json.loads(text)
    options = {
        k: tuple(v) if isinstance(v, list) else v for k, v in data["options"].items()
    }
    return ScheduleSpec(
        name=name,
        target=data["target"],
        when=_when_from(data["when"]),
        parameters=data["parameters"],
        options=options,
        catchup=data["catchup"],
        max_catchup=data["max_catchup"],
        overlap=data["overlap"],
        notify=data["notify"],
        cwd=data["cwd"],
    )


def _notice_from(text: str | None) -> NoticeState:
    return NoticeState(**json.loads(text)) if text else NoticeState()


def _schedule(row: sqlite3.Row) -> ScheduleRow:
    return ScheduleRow(
        id=row["id"],
        spec=spec_from_json(row["name"], row["spec"]),
        paused=bool(row["paused"]),
        created=row["created"],
        handled_until=row["handled_until"],
        notice=_notice_from(row["notice"]),
    )


def _slot(row: sqlite3.Row) -> SlotRow:
    return SlotRow(
        key=SlotKey(row["schedule_id"], row["slot_us"]),
        schedule_name=row["schedule_name"],
        state=row["state"],
        reason=row["reason"],
        claimed=row["claimed"],
        started=row["started"],
        ended=row["ended"],
        host=row["host"],
        pid=row["pid"],
        exit_code=row["exit_code"],
        flow_run_id=row["flow_run_id"],
        log_path=row["log_path"],
    )


# -- schedules ------------------------------------------------------------------------


def insert_schedule(store: RunStore, spec: ScheduleSpec, now: float) -> str:
    """Store a new schedule; its slots count from ``now``. Return its id.

    Raises:
        DuplicateScheduleError: A schedule has this name already.
    """
    with store.transaction() as conn:
        taken = conn.execute(
            "SELECT 1 FROM schedules WHERE name = ?", (spec.name,)
        ).fetchone()
        if taken:
            raise DuplicateScheduleError.from_name(spec.name)
        return insert_schedule_row(conn, spec, now)


def insert_schedule_row(
    conn: sqlite3.Connection, spec: ScheduleSpec, now: float, paused: bool = False
) -> str:
    """Insert a schedule whose name is free; its slots count from ``now``."""
    schedule_id = uuid.uuid4().hex
    conn.execute(
        "INSERT INTO schedules(id, name, spec, paused, created, handled_until) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (schedule_id, spec.name, spec_to_json(spec), int(paused), now, now),
    )
    return schedule_id


def replace_spec(
    conn: sqlite3.Connection,
    schedule_id: str,
    spec: ScheduleSpec,
    now: float,
    paused: bool,
) -> None:
    """Give a schedule a new spec (same id, so its history stays); its slots
    count from ``now`` on, as a new schedule's would."""
    conn.execute(
        "UPDATE schedules SET spec = ?, paused = ?, "
        "handled_until = MAX(handled_until, ?) WHERE id = ?",
        (spec_to_json(spec), int(paused), now, schedule_id),
    )


def load_schedules(store: RunStore) -> list[ScheduleRow]:
    """Return every stored schedule, by name."""
    return [_schedule(r) for r in store.query("SELECT * FROM schedules ORDER BY name")]


def get_schedule(conn: sqlite3.Connection, name: str) -> ScheduleRow:
    """Return the schedule called ``name``.

    Raises:
        UnknownScheduleError: There is none.
    """
    row = conn.execute("SELECT * FROM schedules WHERE name = ?", (name,)).fetchone()
    if row is None:
        known = [r[0] for r in conn.execute("SELECT name FROM schedules")]
        raise UnknownScheduleError.from_name(name, known)
    return _schedule(row)


def schedule_by_id(conn: sqlite3.Connection, schedule_id: str) -> ScheduleRow | None:
    """Return the schedule with this id, or None (removed)."""
    row = conn.execute(
        "SELECT * FROM schedules WHERE id = ?", (schedule_id,)
    ).fetchone()
    return None if row is None else _schedule(row)


def delete_schedule(conn: sqlite3.Connection, schedule_id: str) -> None:
    """Remove a schedule and the slots still waiting (its history stays)."""
    conn.execute("DELETE FROM schedules WHERE id = ?", (schedule_id,))
    conn.execute(
        "DELETE FROM schedule_slots WHERE schedule_id = ? AND state = 'queued'",
        (schedule_id,),
    )


def set_paused(conn: sqlite3.Connection, schedule_id: str, paused: bool) -> None:
    """Pause or resume a schedule."""
    conn.execute(
        "UPDATE schedules SET paused = ? WHERE id = ?", (int(paused), schedule_id)
    )


def set_handled_until(conn: sqlite3.Connection, schedule_id: str, until: float) -> None:
    """Record that every slot up to ``until`` is claimed or skipped."""
    conn.execute(
        "UPDATE schedules SET handled_until = MAX(handled_until, ?) WHERE id = ?",
        (until, schedule_id),
    )


def set_notice(conn: sqlite3.Connection, schedule_id: str, notice: NoticeState) -> None:
    """Store a schedule's failure-notice state."""
    conn.execute(
        "UPDATE schedules SET notice = ? WHERE id = ?",
        (json.dumps(asdict(notice)), schedule_id),
    )


# -- slots ---------------------------------------------------------------------------


def claim(
    conn: sqlite3.Connection,
    schedule: ScheduleRow,
    slot: float,
    state: str,
    now: float,
    *,
    reason: str | None = None,
    log_path: str | None = None,
) -> bool:
    """Insert a slot row (claim it); False if the slot has a row already."""
    cursor = conn.execute(
        "INSERT OR IGNORE INTO schedule_slots(schedule_id, slot_us, schedule_name, "
        "state, reason, claimed, log_path) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            schedule.id,
            SlotKey.of(schedule.id, slot).slot_us,
            schedule.spec.name,
            state,
            reason,
            now,
            log_path,
        ),
    )
    return cursor.rowcount == 1


def slots(
    conn_or_store: sqlite3.Connection | RunStore,
    *,
    states: Sequence[str] = (),
    schedule_id: str | None = None,
    newest: int | None = None,
) -> list[SlotRow]:
    """Return slot rows, oldest first (``newest``: only the N newest)."""
    where, args = [], []
    if states:
        where.append(f"state IN ({','.join('?' * len(states))})")
        args += list(states)
    if schedule_id is not None:
        where.append("schedule_id = ?")
        args.append(schedule_id)
    sql = "SELECT * FROM schedule_slots"
    if where:
        sql += " WHERE " + " AND ".join(where)
    if newest is not None:
        sql = f"SELECT * FROM ({sql} ORDER BY slot_us DESC LIMIT {int(newest)})"
    sql += " ORDER BY slot_us"
    rows = (
        conn_or_store.query(sql, tuple(args))
        if hasattr(conn_or_store, "query")
        else conn_or_store.execute(sql, args).fetchall()
    )
    return [_slot(r) for r in rows]


def get_slot(conn: sqlite3.Connection, key: SlotKey) -> SlotRow | None:
    """Return one slot row, or None."""
    row = conn.execute(
        "SELECT * FROM schedule_slots WHERE schedule_id = ? AND slot_us = ?",
        (key.schedule_id, key.slot_us),
    ).fetchone()
    return None if row is None else _slot(row)


def update_slot(
    conn: sqlite3.Connection,
    key: SlotKey,
    *,
    only_from: Iterable[str] = (),
    **columns: Any,
) -> bool:
    """Set columns of a slot row (only if its state is in ``only_from``, if given).

    Returns:
        Whether the row was updated.
    """
    sets = ", ".join(f"{name} = ?" for name in columns)
    sql = f"UPDATE schedule_slots SET {sets} WHERE schedule_id = ? AND slot_us = ?"
    args = [*columns.values(), key.schedule_id, key.slot_us]
    allowed = list(only_from)
    if allowed:
        sql += f" AND state IN ({','.join('?' * len(allowed))})"
        args += allowed
    return conn.execute(sql, args).rowcount == 1


def find_flow_run(
    conn: sqlite3.Connection, host: str, pid: int, since: float
) -> str | None:
    """Return the top-level flow run that process ``pid`` on ``host`` started at
    or after ``since`` (a scheduled run's process runs exactly one)."""
    row = conn.execute(
        "SELECT id FROM flow_runs WHERE host = ? AND pid = ? AND created >= ? "
        "AND parent_task_run_id IS NULL ORDER BY created LIMIT 1",
        (host, pid, since - 1.0),
    ).fetchone()
    return None if row is None else str(row[0])
