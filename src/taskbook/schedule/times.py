"""Fire times of ``Cron``/``Interval``/``RRule`` (croniter, dateutil, zoneinfo), and
their validation.

The DST rule, the same for cron and rrules (both are wall-clock times of their
zone): a wall-clock slot that a spring-forward skips fires at the same instant
it would have without the jump (02:30 becomes 03:30 after a 02:00→03:00 change:
the offset before the gap, as PEP 495's ``fold=0`` and RFC 5545 read it); a
wall-clock slot in an hour that a fall-back repeats fires once, at its first
occurrence. So an hourly cron pauses two hours at a fall-back (Prefect's
documented rule). Intervals under a day are exact elapsed time (UTC); a day or
longer counts calendar days of the zone, so the wall-clock hour stays.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from taskbook.core.schedule import Cron, Interval, RRule, When
from taskbook.errors import (
    InvalidCronError,
    InvalidIntervalError,
    InvalidRRuleError,
    UnknownTimeZoneError,
)

__all__ = (
    "check_timezone",
    "fire_times",
    "latest_due",
    "make_cron",
    "make_interval",
    "make_rrule",
    "next_fire_times",
)

# Prefect's limit for an rrule string (about a year of RDATEs) and its default
# DTSTART; a rule without DTSTART counts from midnight of that day in its zone.
MAX_RRULE_LENGTH = 6500
RRULE_DTSTART = dt.datetime(2020, 1, 1)
_TZID = re.compile(r"^(DTSTART);TZID=([^:;]+)(:)", re.IGNORECASE | re.MULTILINE)
_UTC = dt.timezone.utc


@lru_cache(maxsize=64)
def check_timezone(name: str) -> ZoneInfo:
    """Return the IANA zone ``name``.

    Raises:
        UnknownTimeZoneError: No such zone in the tz database.
    """
    try:
        if not name or name != name.strip() or name.startswith(("/", ".")):
            raise ValueError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise UnknownTimeZoneError.from_name(name) from None


def make_cron(
    expression: str, timezone: str | None, day_or: bool = True, *, api: bool = False
) -> Cron:
    """Return a checked ``Cron`` (``api``: worded for ``taskbook.schedules.Cron``,
    whose message starts as Prefect's).

    Raises:
        InvalidCronError: croniter does not accept ``expression``.
        UnknownTimeZoneError: ``timezone`` is no IANA zone.
    """
    from croniter import croniter

    if timezone is not None:
        check_timezone(timezone)
    text = " ".join(expression.split())
    try:
        croniter(text, RRULE_DTSTART, day_or=day_or).get_next(dt.datetime)
    except (ValueError, KeyError, TypeError) as exc:  # croniter's CroniterError family
        make = InvalidCronError.from_string if api else InvalidCronError.from_expression
        raise make(expression, str(exc)) from None
    return Cron(text, timezone, day_or)


def make_interval(
    seconds: float, anchor: dt.datetime, timezone: str | None
) -> Interval:
    """Return a checked ``Interval`` of ``seconds`` anchored at ``anchor``.

    A naive ``anchor`` is wall-clock time of ``timezone`` (UTC if None).

    Raises:
        InvalidIntervalError: ``seconds`` is not a positive finite number.
        UnknownTimeZoneError: ``timezone`` is no IANA zone.
    """
    zone = check_timezone(timezone) if timezone is not None else _UTC
    if not isinstance(seconds, (int, float)) or not 0 < seconds < 1e10:
        raise InvalidIntervalError.from_value(seconds)
    if anchor.tzinfo is None:
        anchor = anchor.replace(tzinfo=zone)
    return Interval(dt.timedelta(seconds=seconds), anchor.astimezone(_UTC), timezone)


def make_rrule(text: str, timezone: str | None, *, api: bool = False) -> RRule:
    """Return a checked ``RRule``; a ``DTSTART;TZID=`` gives the zone if ``timezone``
    is None (``api``: worded for ``taskbook.schedules.RRule``, Prefect's first).

    Raises:
        InvalidRRuleError: dateutil does not accept the rule, it is too long, or
            its TZID and ``timezone`` disagree.
        UnknownTimeZoneError: The zone is no IANA zone.
    """
    invalid = InvalidRRuleError.from_string if api else InvalidRRuleError.from_rule
    rule = text.strip().replace("\\n", "\n")
    if len(rule) > MAX_RRULE_LENGTH:
        raise invalid(
            text, f"it is {len(rule)} characters long, more than {MAX_RRULE_LENGTH}"
        )
    tzid = _TZID.search(rule)
    if tzid is not None:
        if timezone is not None and timezone != tzid.group(2):
            raise invalid(
                text,
                f"its DTSTART has TZID={tzid.group(2)} and "
                f"{'timezone=' if api else '--tz is '}{timezone}; "
                "give the zone once",
            )
        timezone = tzid.group(2)
        rule = _TZID.sub(r"\1\3", rule)
    if timezone is not None:
        check_timezone(timezone)
    try:
        _naive_rule(rule).after(RRULE_DTSTART, inc=True)
    except (ValueError, TypeError, AttributeError, IndexError) as exc:
        raise invalid(text, str(exc)) from None
    return RRule(rule, timezone)


@lru_cache(maxsize=256)
def _naive_rule(rule: str) -> Any:
    """The rule as a dateutil rruleset over naive wall-clock datetimes."""
    from dateutil.rrule import rrulestr

    return rrulestr(rule, dtstart=RRULE_DTSTART, forceset=True, ignoretz=True)


def _zone(name: str) -> dt.tzinfo:
    return _UTC if name == "UTC" else check_timezone(name)


def fire_times(when: When, after: float) -> Iterator[float]:
    """Yield the slots of ``when`` strictly after ``after``, ascending, without end
    (or until a finite rrule ends)."""
    if isinstance(when, Interval):
        return _interval_times(when, after)
    if isinstance(when, Cron):
        from croniter import croniter

        def cron_walk(start: dt.datetime) -> Iterator[dt.datetime]:
            it = croniter(when.cron, start, day_or=when.day_or)
            while True:
                yield it.get_next(dt.datetime)

        return _wall_clock(cron_walk, _zone(when.zone), after)

    rule = _naive_rule(when.rrule)
    return _wall_clock(lambda start: rule.xafter(start), _zone(when.zone), after)


def next_fire_times(when: When, after: float, count: int) -> list[float]:
    """Return the next ``count`` slots after ``after`` (fewer if the rule ends)."""
    return list(islice(fire_times(when, after), count))


def latest_due(when: When, after: float, now: float, limit: int) -> list[float]:
    """Return the slots in ``(after, now]``, at most the ``limit`` newest."""
    due: list[float] = []
    for slot in fire_times(when, after):
        if slot > now:
            break
        due.append(slot)
        if len(due) > limit:
            del due[0]
    return due


def _wall_clock(
    walk: Callable[[dt.datetime], Iterator[dt.datetime]], zone: dt.tzinfo, after: float
) -> Iterator[float]:
    """Turn naive wall-clock slots of ``zone`` into instants (see the DST rule).

    The walk starts earlier by the offset a recent spring-forward added, so a
    slot moved past the gap is not lost; instants are yielded strictly rising.
    """
    moment = dt.datetime.fromtimestamp(after, zone)
    day_before = dt.datetime.fromtimestamp(after - 86400, zone)
    shift = (moment.utcoffset() or dt.timedelta(0)) - (
        day_before.utcoffset() or dt.timedelta(0)
    )
    start = moment.replace(tzinfo=None) - max(shift, dt.timedelta(0))
    last = after
    for wall in walk(start):
        instant = wall.replace(tzinfo=zone, fold=0).timestamp()
        if instant > last:
            last = instant
            yield instant


def _interval_times(when: Interval, after: float) -> Iterator[float]:
    anchor = when.anchor_date.timestamp()
    step = when.interval
    if step.days == 0:
        # Exact elapsed time, in whole microseconds so slots never drift.
        step_us = step // dt.timedelta(microseconds=1)
        anchor_us = round(anchor * 1e6)
        k = (round(after * 1e6) - anchor_us) // step_us + 1
        while True:
            yield (anchor_us + k * step_us) / 1e6
            k += 1
    zone = _zone(when.zone)
    wall = dt.datetime.fromtimestamp(anchor, zone).replace(tzinfo=None)
    rest = step - dt.timedelta(days=step.days)

    def slot(k: int) -> float:
        local = (wall + dt.timedelta(days=step.days * k)).replace(tzinfo=zone, fold=0)
        return local.timestamp() + (rest * k).total_seconds()

    k = int((after - anchor) // step.total_seconds()) - 1
    while slot(k) > after:
        k -= 1
    last = after
    while True:
        k += 1
        instant = slot(k)
        if instant > last:
            last = instant
            yield instant
