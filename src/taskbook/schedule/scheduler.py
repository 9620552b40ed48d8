"""The embedded scheduler of ``taskbook serve``: claim each due slot, launch it,
record how it ended.

Guarantees: a slot is claimed in the store (a unique row) in the same
transaction that moves the schedule's watermark, before its process starts, so
it runs at most once; a slot claimed but never started (the server died between
the two) is launched again at restart, and the run's process starts the slot
only from ``launching``, so a second process for it exits without running. The
catch-up and overlap policies are ``core.schedule``'s. The scheduler never
polls: ``serve`` sleeps until the next due slot or until something wakes it (a
run ended, a schedule changed, a signal).
"""

from __future__ import annotations

import logging
import socket
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from taskbook.core.schedule import (
    ScheduleSpec,
    catch_up,
    next_notice,
    overlap,
    slot_text,
)
from taskbook.engine.store import pid_alive
from taskbook.schedule import rows
from taskbook.schedule.launcher import Launcher, log_path_for
from taskbook.schedule.times import latest_due, next_fire_times

if TYPE_CHECKING:
    from taskbook.engine.clock import Clock
    from taskbook.engine.store import RunStore

__all__ = ("MAX_DUE", "Notify", "Scheduler", "state_for_exit")

_log = logging.getLogger("taskbook.schedule")

MAX_DUE = 1000
"""At most this many due slots of one schedule are considered at once (the newest)."""
CANCEL_SECONDS = 10.0
"""After the grace period: how long a run may take to stop after SIGINT."""

Notify = Callable[[ScheduleSpec, str, str], None]
"""``notify(spec, kind, message)``: send a ``failed``/``recovered`` message."""


def state_for_exit(code: int | None) -> str:
    """The slot state a run's exit code gives (``taskbook run``'s exit codes)."""
    if code == 0:
        return "completed"
    if code in (130, -2):
        return "cancelled"
    if code is None or code < 0:
        return "crashed"
    return "failed"


class Scheduler:
    """Fires the due slots of every schedule in one store."""

    def __init__(
        self,
        store: RunStore,
        launcher: Launcher,
        clock: Clock,
        *,
        notify: Notify | None = None,
        alive: Callable[[int], bool] = pid_alive,
        say: Callable[[str], None] | None = None,
    ) -> None:
        self.store = store
        self.launcher = launcher
        self.clock = clock
        self.started_at = clock.now()
        self._notify = notify
        self._alive = alive
        self._say = say or _log.info
        self._host = socket.gethostname()
        self._cancelling: dict[rows.SlotKey, str] = {}
        self._retried: set[rows.SlotKey] = set()

    # -- start-up ----------------------------------------------------------------

    def recover(self) -> None:
        """Take over what a previous server left: launch the slots it claimed but
        never started, watch its runs still alive, mark the dead ones crashed."""
        now = self.clock.now()
        relaunch: list[rows.SlotRow] = []
        with self.store.transaction() as conn:
            for row in rows.slots(conn, states=rows.ACTIVE):
                if row.state == "launching":
                    relaunch.append(row)
                elif row.pid and row.host == self._host and self._alive(row.pid):
                    self.launcher.adopt(row.key, row.pid)
                    self._say(f"watching {_what(row)}: still running (pid {row.pid})")
                else:
                    rows.update_slot(
                        conn,
                        row.key,
                        state="crashed",
                        ended=now,
                        reason="its process ended without recording how the run ended",
                    )
        for row in relaunch:
            self._launch(row.key, Path(row.log_path or ""), row.schedule_name)

    # -- the loop's step --------------------------------------------------------------

    def tick(self) -> float | None:
        """Record ended runs, then claim and launch every due slot.

        Returns:
            When the next slot of any schedule falls due, or None if none will.
        """
        now = self.clock.now()
        self._reap(now)
        active = Counter(key.schedule_id for key in self.launcher.running())
        next_due: float | None = None
        for schedule in rows.load_schedules(self.store):
            if schedule.paused:
                continue
            self._fire(schedule, now, active)
            upcoming = next_fire_times(schedule.spec.when, now, 1)
            if upcoming and (next_due is None or upcoming[0] < next_due):
                next_due = upcoming[0]
        return next_due

    def _fire(
        self, schedule: rows.ScheduleRow, now: float, active: Counter[str]
    ) -> None:
        spec = schedule.spec
        due = latest_due(spec.when, schedule.handled_until, now, MAX_DUE)
        waiting = rows.slots(self.store, states=("queued",), schedule_id=schedule.id)
        if not due and not (waiting and active[schedule.id] == 0):
            return
        run, skips = catch_up(due, self.started_at, spec.catchup, spec.max_catchup)
        launches: list[tuple[rows.SlotKey, Path]] = []
        with self.store.transaction() as conn:
            for skip in skips:
                rows.claim(
                    conn, schedule, skip.slot, "skipped", now, reason=skip.reason
                )
                self._say(f"skipped {spec.name} {slot_text(skip.slot)}: {skip.reason}")
            for row in waiting:
                if overlap(spec.overlap, active[schedule.id]) != "launch":
                    break
                rows.update_slot(
                    conn, row.key, only_from=("queued",), state="launching"
                )
                launches.append((row.key, Path(row.log_path or "")))
                active[schedule.id] += 1
            for slot in run:
                decision = overlap(spec.overlap, active[schedule.id])
                if decision == "skip":
                    reason = (
                        "overlap: the previous run was still running (--overlap skip)"
                    )
                    rows.claim(conn, schedule, slot, "skipped", now, reason=reason)
                    self._say(f"skipped {spec.name} {slot_text(slot)}: {reason}")
                    continue
                log = log_path_for(self.store.directory, spec.name, slot_text(slot))
                state = "launching" if decision == "launch" else "queued"
                if rows.claim(conn, schedule, slot, state, now, log_path=str(log)):
                    if decision == "launch":
                        launches.append((rows.SlotKey.of(schedule.id, slot), log))
                        active[schedule.id] += 1
                    else:
                        self._say(f"queued {spec.name} {slot_text(slot)}")
            if due:
                rows.set_handled_until(conn, schedule.id, max(due))
        for key, log in launches:
            self._launch(key, log, spec.name)

    def _launch(self, key: rows.SlotKey, log: Path, name: str) -> None:
        pid = self.launcher.launch(key, log)
        self._say(f"launched {name} {slot_text(key.slot)} (pid {pid}, log {log})")

    # -- runs that ended -------------------------------------------------------------

    def _reap(self, now: float) -> None:
        for key, code in self.launcher.finished():
            self._ended(key, code, now)

    def _ended(self, key: rows.SlotKey, code: int | None, now: float) -> None:
        with self.store.transaction() as conn:
            row = rows.get_slot(conn, key)
            if row is None:
                return
            cancelled = self._cancelling.pop(key, None)
            retry = (
                row.state == "launching" and not cancelled and key not in self._retried
            )
            if not retry:
                state, flow_run, schedule = self._record_end(
                    conn, row, code, cancelled, now
                )
        if retry:
            # Its process ended before it started the slot (killed, or its
            # fork server failed it): start it once more.
            self._retried.add(key)
            self._launch(key, Path(row.log_path or ""), row.schedule_name)
            return
        if cancelled and flow_run:
            self.store.end_unfinished(flow_run, "CANCELLED", "Cancelled", cancelled)
        self._say(f"finished {row.schedule_name} {slot_text(key.slot)}: {state}")
        if schedule is not None:
            self._notice(schedule, state, row, now)

    def _record_end(
        self,
        conn: Any,
        row: rows.SlotRow,
        code: int | None,
        cancelled: str | None,
        now: float,
    ) -> tuple[str, str | None, rows.ScheduleRow | None]:
        """Record how a run ended, unless its process did; return its state, flow
        run and schedule."""
        state = row.state
        changes: dict[str, object] = {}
        if state not in rows.FINAL:
            state = "cancelled" if cancelled else state_for_exit(code)
            changes.update(state=state, ended=now, exit_code=code)
        if cancelled:
            changes["reason"] = cancelled
        flow_run = row.flow_run_id
        if flow_run is None and row.pid and row.host:
            flow_run = rows.find_flow_run(
                conn, row.host, row.pid, row.started or row.claimed or 0
            )
            changes["flow_run_id"] = flow_run
        if changes:
            rows.update_slot(conn, row.key, **changes)
        return state, flow_run, rows.schedule_by_id(conn, row.key.schedule_id)

    def _notice(
        self, schedule: rows.ScheduleRow, state: str, row: rows.SlotRow, now: float
    ) -> None:
        spec = schedule.spec
        if spec.notify is None or self._notify is None or state == "cancelled":
            return
        kind, notice = next_notice(schedule.notice, state != "completed", now)
        with self.store.transaction() as conn:
            rows.set_notice(conn, schedule.id, notice)
        if kind is not None:
            self._notify(spec, kind, _message(spec, kind, state, row, notice))

    # -- stopping ------------------------------------------------------------------------

    def shutdown(self, grace: float, wait: Callable[[float], None]) -> None:
        """Let running runs finish for up to ``grace`` seconds, then cancel them.

        A run still going after the grace period gets SIGINT (it cancels itself
        and records that), then SIGKILL after ``CANCEL_SECONDS``; its slot and
        its flow run are recorded Cancelled either way.

        Args:
            grace: Seconds the runs may take to finish.
            wait: Sleeps up to the given seconds or until a run ends.
        """
        self._wait_for_runs(grace, wait)
        running = self.launcher.running()
        if not running:
            return
        reason = (
            f"cancelled: `taskbook serve` was stopped and the run did not finish "
            f"within the {grace:g} s grace period"
        )
        for key in running:
            self._cancelling[key] = reason
            self.launcher.interrupt(key)
        self._wait_for_runs(CANCEL_SECONDS, wait)
        for key in self.launcher.running():
            self.launcher.kill(key)
        self._wait_for_runs(CANCEL_SECONDS, wait)

    def _wait_for_runs(self, seconds: float, wait: Callable[[float], None]) -> None:
        deadline = self.clock.monotonic() + seconds
        while True:
            self._reap(self.clock.now())
            remaining = deadline - self.clock.monotonic()
            if not self.launcher.running() or remaining <= 0:
                return
            wait(remaining)


def _what(row: rows.SlotRow) -> str:
    return f"{row.schedule_name} {slot_text(row.key.slot)}"


def _message(
    spec: ScheduleSpec, kind: str, state: str, row: rows.SlotRow, notice: object
) -> str:
    run = f" (flow run {row.flow_run_id})" if row.flow_run_id else ""
    if kind == "recovered":
        return (
            f"taskbook: schedule {spec.name!r} recovered: {_what(row)} completed{run}."
        )
    return (
        f"taskbook: schedule {spec.name!r} failed: {_what(row)} ended {state}{run}. "
        f"Log: {row.log_path}. Further failures within 15 minutes are not reported."
    )
