"""Add, list, remove, pause and resume schedules: what ``taskbook schedule`` and
``%flow schedule`` do, and the text they print.

Every change is one transaction and wakes a running ``taskbook serve``. ``add``
stores nothing unless the schedule has a next fire time; pausing skips the
slots that fall due while paused (``resume`` records them as skipped).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from taskbook.core.schedule import Cron, Interval, ScheduleSpec, When, slot_text
from taskbook.engine.store import RunStore
from taskbook.errors import InvalidScheduleError
from taskbook.schedule import rows
from taskbook.schedule.lock import serving_pid, wake_serve
from taskbook.schedule.times import check_timezone, latest_due, next_fire_times

__all__ = (
    "Added",
    "add",
    "describe_when",
    "fire_time_text",
    "listing",
    "pause",
    "remove",
    "resume",
)

NEXT_COUNT = 5
_SKIPS_SHOWN = 3


@dataclass(frozen=True, slots=True)
class Added:
    """A stored schedule and its next fire times."""

    schedule_id: str
    spec: ScheduleSpec
    next_times: list[float]


def add(store: RunStore, spec: ScheduleSpec, now: float) -> Added:
    """Store ``spec`` (checked by its maker) and wake the server.

    Raises:
        InvalidScheduleError: It has no fire time after ``now``.
        DuplicateScheduleError: Its name is taken.
    """
    upcoming = next_fire_times(spec.when, now, NEXT_COUNT)
    if not upcoming:
        raise InvalidScheduleError.from_problem(
            f"The schedule {describe_when(spec.when)} has no fire time after now",
            "Give a rule that fires in the future (check its COUNT, UNTIL or DTSTART)",
        )
    schedule_id = rows.insert_schedule(store, spec, now)
    wake_serve(store.directory)
    return Added(schedule_id, spec, upcoming)


def remove(store: RunStore, name: str) -> None:
    """Remove the schedule ``name`` (its past runs stay in the store).

    Raises:
        UnknownScheduleError: There is none.
    """
    with store.transaction() as conn:
        rows.delete_schedule(conn, rows.get_schedule(conn, name).id)
    wake_serve(store.directory)


def pause(store: RunStore, name: str) -> None:
    """Stop firing ``name`` until it is resumed.

    Raises:
        UnknownScheduleError: There is none.
    """
    with store.transaction() as conn:
        rows.set_paused(conn, rows.get_schedule(conn, name).id, True)
    wake_serve(store.directory)


def resume(store: RunStore, name: str, now: float) -> int:
    """Fire ``name`` again from now on; the slots it missed while paused are skipped.

    Returns:
        How many slots were skipped.

    Raises:
        UnknownScheduleError: There is none.
    """
    with store.transaction() as conn:
        schedule = rows.get_schedule(conn, name)
        skipped = 0
        if schedule.paused:
            missed = latest_due(schedule.spec.when, schedule.handled_until, now, 100)
            for slot in missed:
                rows.claim(conn, schedule, slot, "skipped", now, reason="paused")
            skipped = len(missed)
            rows.set_handled_until(conn, schedule.id, now)
        rows.set_paused(conn, schedule.id, False)
    wake_serve(store.directory)
    return skipped


# -- what ls prints --------------------------------------------------------------


def describe_when(when: When) -> str:
    """Return ``cron '0 6 * * *' in Europe/Berlin`` and the like."""
    if isinstance(when, Cron):
        rule = f"cron {when.cron!r}" + ("" if when.day_or else " (day AND weekday)")
    elif isinstance(when, Interval):
        rule = f"every {_seconds(when.interval)} from {slot_text(when.anchor_date.timestamp())}"
    else:
        rule = f"rrule {' '.join(when.rrule.split())!r}"
    return f"{rule} in {when.zone}"


def _seconds(step: dt.timedelta) -> str:
    seconds = step.total_seconds()
    return f"{seconds:g} s"


def fire_time_text(slot: float, zone: str) -> str:
    """Return a slot in its zone and in UTC: ``2024-03-10 06:00 CET (05:00Z)``."""
    moment = dt.datetime.fromtimestamp(slot, check_timezone(zone))
    utc = dt.datetime.fromtimestamp(slot, dt.timezone.utc)
    fmt = "%H:%M:%S" if moment.second or moment.microsecond else "%H:%M"
    local = moment.strftime(f"%Y-%m-%d {fmt} %Z")
    if zone == "UTC":
        return local
    same_day = utc.date() == moment.date()
    return f"{local} ({utc.strftime(fmt if same_day else '%Y-%m-%d ' + fmt)} UTC)"


def added_lines(added: Added) -> list[str]:
    """The lines ``schedule add`` prints: what was stored and its next fire times."""
    spec = added.spec
    lines = [
        f"Added schedule {spec.name!r}: {_target(spec)}, {describe_when(spec.when)}."
    ]
    lines.append("Next fire times:")
    lines += [f"  {fire_time_text(t, spec.when.zone)}" for t in added.next_times]
    return lines


def _target(spec: ScheduleSpec) -> str:
    params = " ".join(f"-p {k} {v!r}" for k, v in spec.parameters.items())
    return spec.target + (f" {params}" if params else "")


def listing(store: RunStore, now: float) -> list[str]:
    """The lines ``schedule ls`` prints for every schedule."""
    schedules = rows.load_schedules(store)
    if not schedules:
        return [
            "No schedules. Add one with: taskbook schedule add NOTEBOOK --cron EXPR"
        ]
    lines: list[str] = []
    pid = serving_pid(store.directory)
    lines.append(
        f"taskbook serve: running (pid {pid})" if pid else "taskbook serve: not running"
    )
    for schedule in schedules:
        lines += list(_schedule_lines(store, schedule, now))
    return lines


def _schedule_lines(
    store: RunStore, schedule: rows.ScheduleRow, now: float
) -> Iterator[str]:
    spec = schedule.spec
    status = "paused" if schedule.paused else "active"
    yield ""
    yield f"{spec.name} [{status}]  {_target(spec)}"
    yield f"  when: {describe_when(spec.when)}"
    catchup = spec.catchup + (
        f" (at most {spec.max_catchup})" if spec.max_catchup is not None else ""
    )
    notify = f", notify {spec.notify}" if spec.notify else ""
    yield f"  catch-up {catchup}, overlap {spec.overlap}{notify}"
    if not schedule.paused:
        after = max(now, schedule.handled_until)
        upcoming = next_fire_times(spec.when, after, NEXT_COUNT)
        yield "  next: " + (
            "; ".join(fire_time_text(t, spec.when.zone) for t in upcoming) or "none"
        )
    recent = rows.slots(store, schedule_id=schedule.id, newest=50)
    ran = [r for r in recent if r.state != "skipped"]
    if ran:
        last = ran[-1]
        run = f", flow run {last.flow_run_id}" if last.flow_run_id else ""
        yield (
            f"  last run: {fire_time_text(last.key.slot, spec.when.zone)} "
            f"{last.state}{run}"
        )
        if last.log_path:
            yield f"  log: {Path(last.log_path)}"
    else:
        yield "  last run: none yet"
    skipped = [r for r in recent if r.state == "skipped"][-_SKIPS_SHOWN:]
    for row in skipped:
        yield f"  skipped {fire_time_text(row.key.slot, spec.when.zone)}: {row.reason}"
