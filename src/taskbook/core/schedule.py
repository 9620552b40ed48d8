"""Schedules as plain values, and the policies that decide what a due slot does.

Pure. ``Cron``, ``Interval`` and ``RRule`` carry the fields of Prefect 3's
``CronSchedule``/``IntervalSchedule``/``RRuleSchedule`` (their fire times need
croniter and dateutil: ``taskbook.schedule.times``). ``catch_up``, ``overlap`` and
``next_notice`` decide from plain data; ``prefect_serve_kwargs`` gives the keywords
of Prefect's ``flow.serve`` that carry a schedule across an export. Slots are
POSIX timestamps (float seconds, UTC).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = (
    "CATCHUP_POLICIES",
    "NOTICE_QUIET_SECONDS",
    "OVERLAP_POLICIES",
    "Cron",
    "Interval",
    "NoticeState",
    "PrefectSchedule",
    "RRule",
    "ScheduleSpec",
    "Skip",
    "When",
    "catch_up",
    "next_notice",
    "overlap",
    "prefect_serve_kwargs",
    "slot_text",
)

Catchup = Literal["none", "latest", "all"]
Overlap = Literal["skip", "queue", "allow"]
CATCHUP_POLICIES: tuple[Catchup, ...] = ("none", "latest", "all")
OVERLAP_POLICIES: tuple[Overlap, ...] = ("skip", "queue", "allow")
NOTICE_QUIET_SECONDS = 15 * 60
"""While a schedule keeps failing, at most one failure message per this many seconds."""


@dataclass(frozen=True, slots=True)
class Cron:
    """Prefect's ``Cron``: a cron string read in wall-clock time of ``timezone``.

    ``day_or`` joins the day-of-month and day-of-week fields with OR (cron's rule)
    or, when False, with AND (fcron's). ``timezone`` None means UTC.
    """

    cron: str
    timezone: str | None = None
    day_or: bool = True

    @property
    def zone(self) -> str:
        """The IANA zone the fire times are read in."""
        return self.timezone or "UTC"


@dataclass(frozen=True, slots=True)
class Interval:
    """Prefect's ``Interval``: every ``interval`` from ``anchor_date`` (aware, UTC).

    Shorter than a day, slots are exact elapsed time (they follow UTC); a day or
    longer, the days are calendar days of ``timezone``, so a daily slot keeps its
    wall-clock hour across DST (Prefect's ``IntervalSchedule`` rule).
    """

    interval: dt.timedelta
    anchor_date: dt.datetime
    timezone: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.interval, (int, float)) and not isinstance(
            self.interval, bool
        ):
            object.__setattr__(self, "interval", dt.timedelta(seconds=self.interval))
        if not isinstance(self.interval, dt.timedelta) or self.interval <= dt.timedelta(
            0
        ):
            raise ValueError(f"interval must be positive, got {self.interval!r}")
        if self.anchor_date.tzinfo is None:
            raise ValueError("anchor_date must be timezone-aware")

    @property
    def zone(self) -> str:
        """The IANA zone whose calendar days a daily-or-longer interval counts."""
        return self.timezone or "UTC"


@dataclass(frozen=True, slots=True)
class RRule:
    """Prefect's ``RRule``: an RFC 5545 rule; its DTSTART is wall-clock time of
    ``timezone`` (default 2020-01-01 00:00 there, as Prefect's)."""

    rrule: str
    timezone: str | None = None

    @property
    def zone(self) -> str:
        """The IANA zone the rule's times are read in."""
        return self.timezone or "UTC"


When = Cron | Interval | RRule


@dataclass(frozen=True, slots=True)
class ScheduleSpec:
    """A schedule as stored: what runs, when, with which parameters and policies.

    ``target`` is an absolute notebook path or ``/abs/file.py:flow_name``;
    ``options`` holds the run options given (``RunOptions`` field names).
    """

    name: str
    target: str
    when: When
    parameters: Mapping[str, Any] = field(default_factory=dict)
    options: Mapping[str, Any] = field(default_factory=dict)
    catchup: Catchup = "latest"
    max_catchup: int | None = None
    overlap: Overlap = "skip"
    notify: str | None = None
    cwd: str = ""

    @property
    def is_flow(self) -> bool:
        """Whether the target is a module's flow (``file.py:flow``), not a notebook."""
        path, sep, name = self.target.rpartition(":")
        return bool(sep) and path.endswith(".py") and name.isidentifier()


@dataclass(frozen=True, slots=True)
class Skip:
    """A slot that does not run, and why."""

    slot: float
    reason: str


def slot_text(slot: float) -> str:
    """Return a slot as ISO 8601 UTC text (``2024-03-10T07:30:00Z``)."""
    moment = dt.datetime.fromtimestamp(slot, dt.timezone.utc)
    text = moment.isoformat(
        timespec="microseconds" if moment.microsecond else "seconds"
    )
    return text.replace("+00:00", "Z")


def catch_up(
    due: Sequence[float],
    started_at: float,
    policy: Catchup,
    max_catchup: int | None = None,
) -> tuple[list[float], list[Skip]]:
    """Split the due slots of one schedule into those to run and those to skip.

    A slot is *late* when it fell due before this scheduler started (downtime) or
    when a later slot is due too (the scheduler could not keep up). ``none`` runs
    only the newest slot, and only if it is not late; ``latest`` runs only the
    newest; ``all`` runs every slot, oldest first, but at most ``max_catchup``
    late ones (the newest of them).

    Args:
        due: The schedule's due slots not yet handled, in any order.
        started_at: When this scheduler started.
        policy: ``none``, ``latest`` or ``all``.
        max_catchup: For ``all``: the most late slots to run; None for no limit.

    Returns:
        The slots to run (ascending) and the skipped slots with their reasons.
    """
    slots = sorted(set(due))
    if not slots:
        return [], []
    newest = slots[-1]
    if policy == "all":
        late = [s for s in slots if s < started_at or s != newest]
        on_time = [s for s in slots if s not in late]
        if max_catchup is None or len(late) <= max_catchup:
            return slots, []
        keep = late[len(late) - max_catchup :] if max_catchup else []
        dropped = late[: len(late) - max_catchup]
        reason = (
            f"one of {len(late)} missed slots; --max-catchup {max_catchup} runs "
            f"only the {max_catchup} latest"
        )
        return keep + on_time, [Skip(s, reason) for s in dropped]
    older = [Skip(s, _superseded(newest, policy)) for s in slots[:-1]]
    if policy == "none" and newest < started_at:
        missed = "missed: no `taskbook serve` was running when it fell due"
        return [], [*older, Skip(newest, f"{missed} (--catchup none)")]
    return [newest], older


def _superseded(newest: float, policy: Catchup) -> str:
    return f"superseded by the later slot {slot_text(newest)} (--catchup {policy})"


def overlap(policy: Overlap, running: int) -> Literal["launch", "skip", "queue"]:
    """Decide what a due slot does while ``running`` runs of its schedule run."""
    if running == 0 or policy == "allow":
        return "launch"
    return "skip" if policy == "skip" else "queue"


@dataclass(frozen=True, slots=True)
class NoticeState:
    """A schedule's failure-notice record: since when it fails, the last notice."""

    failing_since: float | None = None
    last_notice: float | None = None
    suppressed: int = 0


def next_notice(
    state: NoticeState, failed: bool, now: float
) -> tuple[Literal["failed", "recovered"] | None, NoticeState]:
    """Decide whether a finished run sends a message (noise control).

    While a schedule keeps failing, one "failed" message per
    ``NOTICE_QUIET_SECONDS`` at most (the failures in between are counted); the
    first success after a notice sends one "recovered".

    Returns:
        The message to send (or None) and the new state.
    """
    if failed:
        since = state.failing_since if state.failing_since is not None else now
        quiet = (
            state.last_notice is not None
            and now - state.last_notice < NOTICE_QUIET_SECONDS
        )
        if quiet:
            return None, NoticeState(since, state.last_notice, state.suppressed + 1)
        return "failed", NoticeState(since, now, 0)
    if state.last_notice is not None:
        return "recovered", NoticeState()
    return None, NoticeState()


@dataclass(frozen=True, slots=True)
class PrefectSchedule:
    """A ``prefect.schedules`` call as data; ``repr()`` is its Python source."""

    kind: Literal["Cron", "Interval", "RRule"]
    args: tuple[Any, ...]
    kwargs: tuple[tuple[str, Any], ...] = ()

    def __repr__(self) -> str:
        parts = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs]
        return f"{self.kind}({', '.join(parts)})"

    @property
    def imports(self) -> tuple[str, ...]:
        """The import lines its source needs."""
        lines = [f"from prefect.schedules import {self.kind}"]
        values = [*self.args, *(v for _, v in self.kwargs)]
        if any(isinstance(v, (dt.datetime, dt.timedelta)) for v in values):
            lines.append("import datetime")
        return tuple(lines)


def prefect_serve_kwargs(
    when: When, parameters: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Return the keywords of Prefect 3's ``flow.serve`` that carry ``when``.

    The plain ``cron=``/``rrule=`` keyword when it loses nothing (UTC, cron's OR
    rule, no parameters); otherwise ``schedule=`` a ``prefect.schedules`` call
    (``Cron``/``Interval``/``RRule``) with the zone, anchor and parameters. An
    interval always carries its anchor, so its slots keep their phase.

    Args:
        when: The schedule.
        parameters: Parameter values for its runs (Prefect's schedule parameters).

    Returns:
        ``{"cron": str}``, ``{"rrule": str}`` or ``{"schedule": PrefectSchedule}``;
        ``repr()`` of each value is Python source.
    """
    extra: list[tuple[str, Any]] = []
    if when.timezone not in (None, "UTC"):
        extra.append(("timezone", when.timezone))
    if parameters:
        extra.append(("parameters", dict(parameters)))
    if isinstance(when, Interval):
        seconds = when.interval.total_seconds()
        anchor = when.anchor_date.astimezone(dt.timezone.utc)
        return {
            "schedule": PrefectSchedule(
                "Interval",
                (int(seconds) if seconds.is_integer() else seconds,),
                (("anchor_date", anchor), *extra),
            )
        }
    if isinstance(when, Cron):
        if not when.day_or:
            extra.append(("day_or", False))
        if not extra:
            return {"cron": when.cron}
        return {"schedule": PrefectSchedule("Cron", (when.cron,), tuple(extra))}
    if not extra:
        return {"rrule": when.rrule}
    return {"schedule": PrefectSchedule("RRule", (when.rrule,), tuple(extra))}
