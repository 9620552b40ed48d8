"""Prefect 3's schedule objects (``prefect.schedules``): ``Schedule`` and its makers
``Cron``, ``Interval`` and ``RRule``, with Prefect's fields, defaults and order.

They are checked when made, by the checks of ``taskbook schedule add``
(``times``), so a bad cron expression, rrule, interval or zone raises the same
error in both. ``to_when`` turns one into the stored ``core.schedule`` value;
``construct_schedules`` applies Prefect's rule for ``flow.serve``'s keywords.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from functools import partial
from typing import Any

from taskbook.core.schedule import When
from taskbook.errors import InvalidIntervalError, InvalidScheduleError
from taskbook.schedule.times import (
    check_timezone,
    make_cron,
    make_interval,
    make_rrule,
)

__all__ = (
    "Cron",
    "Interval",
    "RRule",
    "Schedule",
    "construct_schedules",
    "to_when",
)


@dataclasses.dataclass(frozen=True)
class Schedule:
    """A schedule of a served flow: exactly one of ``interval``, ``cron`` and
    ``rrule``, read in ``timezone`` (IANA; None is UTC).

    Attributes:
        interval: How often, counted from ``anchor_date`` (default: when made).
        cron: A cron string (``"0 0 * * *"``).
        rrule: An RFC 5545 rule (``"RRULE:FREQ=DAILY;INTERVAL=1"``).
        timezone: The zone the schedule's times are read in.
        anchor_date: The instant an interval counts from.
        day_or: For cron: day-of-month OR day-of-week (False: AND, as fcron).
        active: False stores the schedule paused.
        parameters: Parameter values of its runs (over the deployment's).
        slug: A name for the schedule within its deployment.

    Raises:
        InvalidScheduleError: Several of interval, cron and rrule are given.
        InvalidCronError, InvalidRRuleError, InvalidIntervalError,
        UnknownTimeZoneError: That value is bad.
    """

    interval: dt.timedelta | None = None
    cron: str | None = None
    rrule: str | None = None
    timezone: str | None = None
    anchor_date: dt.datetime = dataclasses.field(
        default_factory=partial(dt.datetime.now, tz=dt.timezone.utc)
    )
    day_or: bool = True
    active: bool = True
    parameters: dict[str, Any] = dataclasses.field(default_factory=dict)
    slug: str | None = None

    def __post_init__(self) -> None:
        defined = [
            name
            for name in ("interval", "cron", "rrule")
            if getattr(self, name) is not None
        ]
        if len(defined) > 1:
            raise InvalidScheduleError.from_problem(
                "Only one schedule type can be defined at a time. Found: "
                + ", ".join(defined),
                "Make one schedule of each, and pass them as schedules=[...]",
            )
        if defined:  # Prefect allows an empty Schedule(); serving it is refused
            to_when(self)


def to_when(schedule: Schedule) -> When:
    """Return the checked stored form of ``schedule``.

    Raises:
        InvalidScheduleError: It has none of interval, cron and rrule.
        InvalidCronError, InvalidRRuleError, InvalidIntervalError,
        UnknownTimeZoneError: A value is bad.
    """
    if schedule.cron is not None:
        return make_cron(
            schedule.cron, schedule.timezone, day_or=schedule.day_or, api=True
        )
    if schedule.rrule is not None:
        return make_rrule(schedule.rrule, schedule.timezone, api=True)
    if schedule.interval is None:
        raise InvalidScheduleError.from_problem(
            "The schedule has none of interval, cron and rrule",
            "Make it with Cron(...), Interval(...) or RRule(...)",
        )
    step = schedule.interval
    if not isinstance(step, dt.timedelta):
        raise InvalidIntervalError.from_value(step)
    if schedule.timezone is not None:
        check_timezone(schedule.timezone)
    return make_interval(step.total_seconds(), schedule.anchor_date, schedule.timezone)


def Cron(
    cron: str,
    /,
    timezone: str | None = None,
    day_or: bool = True,
    active: bool = True,
    parameters: dict[str, Any] | None = None,
    slug: str | None = None,
) -> Schedule:
    """Make a cron schedule (``Cron("0 8 * * 1", timezone="America/New_York")``)."""
    return Schedule(
        cron=cron,
        timezone=timezone,
        day_or=day_or,
        active=active,
        parameters=parameters or {},
        slug=slug,
    )


def Interval(
    interval: dt.timedelta | float | int,
    /,
    anchor_date: dt.datetime | None = None,
    timezone: str | None = None,
    active: bool = True,
    parameters: dict[str, Any] | None = None,
    slug: str | None = None,
) -> Schedule:
    """Make an interval schedule; a number is seconds (``Interval(3600)``)."""
    if isinstance(interval, (float, int)) and not isinstance(interval, bool):
        if not 0 < interval < 1e10:
            raise InvalidIntervalError.from_value(interval)
        interval = dt.timedelta(seconds=interval)
    return Schedule(
        interval=interval,
        anchor_date=anchor_date or dt.datetime.now(tz=dt.timezone.utc),
        timezone=timezone,
        active=active,
        parameters=parameters or {},
        slug=slug,
    )


def RRule(
    rrule: str,
    /,
    timezone: str | None = None,
    active: bool = True,
    parameters: dict[str, Any] | None = None,
    slug: str | None = None,
) -> Schedule:
    """Make an RFC 5545 rule schedule (``RRule("RRULE:FREQ=DAILY;INTERVAL=1")``)."""
    return Schedule(
        rrule=rrule,
        timezone=timezone,
        active=active,
        parameters=parameters or {},
        slug=slug,
    )


def construct_schedules(
    *,
    interval: Any = None,
    cron: str | Iterable[str] | None = None,
    rrule: str | Iterable[str] | None = None,
    schedule: Schedule | None = None,
    schedules: Sequence[Schedule] | None = None,
) -> list[Schedule]:
    """Return the schedules ``flow.serve``'s keywords give (Prefect's rule): one of
    them at most; ``interval``, ``cron`` and ``rrule`` may be lists (one schedule
    each).

    Raises:
        InvalidScheduleError: Several keywords are given, or an item of
            ``schedules`` is no ``Schedule``.
        The errors of ``Schedule``.
    """
    given = [v for v in (interval, cron, rrule, schedule, schedules) if v is not None]
    if len(given) > 1:
        raise InvalidScheduleError.from_problem(
            "Only one of interval, cron, rrule, schedule, or schedules can be provided",
            "Pass several schedules as schedules=[Cron(...), Interval(...)]",
        )
    if schedules is not None:
        found = list(schedules)
    elif schedule is not None:
        found = [schedule]
    elif interval is not None:
        found = [Interval(v) for v in _many(interval, (int, float, dt.timedelta))]
    elif cron is not None:
        found = [Cron(v) for v in _many(cron, (str,))]
    elif rrule is not None:
        found = [RRule(v) for v in _many(rrule, (str,))]
    else:
        found = []
    for item in found:
        if not isinstance(item, Schedule):
            raise InvalidScheduleError.from_problem(
                f"schedules holds {item!r}, which is no schedule",
                "Make each with taskbook.schedules' Cron, Interval or RRule",
            )
    return found


def _many(value: Any, single: tuple[type, ...]) -> list[Any]:
    if isinstance(value, single) or not isinstance(value, Iterable):
        return [value]
    return list(value)
