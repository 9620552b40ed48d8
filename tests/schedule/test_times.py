"""Fire times across both DST changes of America/New_York and Europe/Berlin.

The rule (``taskbook.schedule.times``): cron and rrules are wall-clock times of
their zone; a slot in a skipped hour fires at the instant it would have had
without the jump; a slot in a repeated hour fires once, at its first occurrence.
Intervals under a day follow UTC; a day or longer keeps the wall-clock hour.
Expected times are written as local time with the offset in force.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest

from taskbook.core.schedule import Interval
from taskbook.errors import (
    InvalidCronError,
    InvalidIntervalError,
    InvalidRRuleError,
    UnknownTimeZoneError,
)
from taskbook.schedule.times import (
    latest_due,
    make_cron,
    make_interval,
    make_rrule,
    next_fire_times,
)

NY = "America/New_York"
BERLIN = "Europe/Berlin"


def _after(local: str, zone: str) -> float:
    return dt.datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(zone)).timestamp()


def _local(slots: list[float], zone: str) -> list[str]:
    return [dt.datetime.fromtimestamp(s, ZoneInfo(zone)).isoformat() for s in slots]


@dataclass
class Case:
    name: str
    when: object
    after: str  # local wall time in the zone, just before the first expected slot
    expected: list[str]


CRON_CASES = [
    Case(
        "New York, spring forward: 02:30 fires at 03:30 EDT (= 02:30 EST)",
        make_cron("30 2 * * *", NY),
        "2024-03-09T00:00",
        [
            "2024-03-09T02:30:00-05:00",
            "2024-03-10T03:30:00-04:00",
            "2024-03-11T02:30:00-04:00",
        ],
    ),
    Case(
        "New York, fall back: 01:30 fires once, at its first occurrence",
        make_cron("30 1 * * *", NY),
        "2024-11-02T00:00",
        [
            "2024-11-02T01:30:00-04:00",
            "2024-11-03T01:30:00-04:00",
            "2024-11-04T01:30:00-05:00",
        ],
    ),
    Case(
        "New York, fall back: hourly cron pauses two hours (Prefect's rule)",
        make_cron("0 * * * *", NY),
        "2024-11-02T23:30",
        [
            "2024-11-03T00:00:00-04:00",
            "2024-11-03T01:00:00-04:00",
            "2024-11-03T02:00:00-05:00",
            "2024-11-03T03:00:00-05:00",
        ],
    ),
    Case(
        "New York, spring forward: hourly cron fires every elapsed hour",
        make_cron("0 * * * *", NY),
        "2024-03-10T00:30",
        [
            "2024-03-10T01:00:00-05:00",
            "2024-03-10T03:00:00-04:00",
            "2024-03-10T04:00:00-04:00",
        ],
    ),
    Case(
        "Berlin, spring forward: 02:30 fires at 03:30 CEST",
        make_cron("30 2 * * *", BERLIN),
        "2024-03-30T12:00",
        [
            "2024-03-31T03:30:00+02:00",
            "2024-04-01T02:30:00+02:00",
        ],
    ),
    Case(
        "Berlin, fall back: every 30 minutes, the repeated hour once",
        make_cron("*/30 * * * *", BERLIN),
        "2024-10-27T01:15",
        [
            "2024-10-27T01:30:00+02:00",
            "2024-10-27T02:00:00+02:00",
            "2024-10-27T02:30:00+02:00",
            "2024-10-27T03:00:00+01:00",
        ],
    ),
    Case(
        "Berlin, fall back: 02:30 daily fires once",
        make_cron("30 2 * * *", BERLIN),
        "2024-10-26T12:00",
        [
            "2024-10-27T02:30:00+02:00",
            "2024-10-28T02:30:00+01:00",
        ],
    ),
    Case(
        "day AND weekday (Prefect's day_or=False): Friday the 13th",
        make_cron("0 0 13 * 5", "UTC", day_or=False),
        "2024-01-01T00:00",
        ["2024-09-13T00:00:00+00:00", "2024-12-13T00:00:00+00:00"],
    ),
]

INTERVAL_CASES = [
    Case(
        "hourly interval across New York's fall back follows UTC: 01:00 twice",
        make_interval(3600, dt.datetime(2024, 11, 3, 0, 0), NY),
        "2024-11-02T23:30",
        [
            "2024-11-03T00:00:00-04:00",
            "2024-11-03T01:00:00-04:00",
            "2024-11-03T01:00:00-05:00",
            "2024-11-03T02:00:00-05:00",
        ],
    ),
    Case(
        "daily interval across New York's spring forward keeps 09:00",
        make_interval(86400, dt.datetime(2024, 3, 8, 9, 0), NY),
        "2024-03-08T12:00",
        [
            "2024-03-09T09:00:00-05:00",
            "2024-03-10T09:00:00-04:00",
            "2024-03-11T09:00:00-04:00",
        ],
    ),
    Case(
        "daily interval across Berlin's fall back keeps 06:00",
        make_interval(86400, dt.datetime(2024, 10, 20, 6, 0), BERLIN),
        "2024-10-26T12:00",
        ["2024-10-27T06:00:00+01:00", "2024-10-28T06:00:00+01:00"],
    ),
    Case(
        "daily interval in UTC (no zone) keeps its UTC hour",
        make_interval(86400, dt.datetime(2024, 3, 8, 14, 0), None),
        "2024-03-09T15:00",
        ["2024-03-10T14:00:00+00:00", "2024-03-11T14:00:00+00:00"],
    ),
    Case(
        "a day and an hour: one calendar day, then one elapsed hour",
        make_interval(90000, dt.datetime(2024, 3, 9, 8, 0), NY),
        "2024-03-09T08:30",
        ["2024-03-10T09:00:00-04:00", "2024-03-11T10:00:00-04:00"],
    ),
]

RRULE_CASES = [
    Case(
        "daily rrule keeps its DTSTART's 09:00 in New York across spring forward",
        make_rrule("DTSTART:20240308T090000\nRRULE:FREQ=DAILY", NY),
        "2024-03-09T00:00",
        [
            "2024-03-09T09:00:00-05:00",
            "2024-03-10T09:00:00-04:00",
            "2024-03-11T09:00:00-04:00",
        ],
    ),
    Case(
        "TZID gives the zone; 02:30 in the repeated hour fires once; COUNT ends it",
        make_rrule(
            "DTSTART;TZID=Europe/Berlin:20241026T023000\nRRULE:FREQ=DAILY;COUNT=3",
            None,
        ),
        "2024-10-26T00:00",
        [
            "2024-10-26T02:30:00+02:00",
            "2024-10-27T02:30:00+02:00",
            "2024-10-28T02:30:00+01:00",
        ],
    ),
    Case(
        "no DTSTART: counted from 2020-01-01 in the zone (Prefect's default)",
        make_rrule("FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0", BERLIN),
        "2024-03-24T00:00",
        ["2024-03-25T09:00:00+01:00", "2024-04-01T09:00:00+02:00"],
    ),
]


@pytest.mark.parametrize(
    "case", CRON_CASES + INTERVAL_CASES + RRULE_CASES, ids=lambda c: c.name
)
def test_fire_times_follow_the_dst_rule(case: Case) -> None:
    zone = case.when.zone  # type: ignore[attr-defined]
    slots = next_fire_times(case.when, _after(case.after, zone), 10)  # type: ignore[arg-type]
    assert _local(slots[: len(case.expected)], zone) == case.expected
    assert slots == sorted(set(slots))  # strictly rising, no slot twice


def test_a_finite_rrule_ends() -> None:
    when = make_rrule("DTSTART:20240101T000000\nRRULE:FREQ=DAILY;COUNT=2", None)
    assert len(next_fire_times(when, 0.0, 10)) == 2
    assert next_fire_times(when, _after("2024-01-03T00:00", "UTC"), 10) == []


def test_sub_second_intervals_do_not_drift() -> None:
    when = Interval(0.1, dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc))
    start = when.anchor_date.timestamp()
    slots = next_fire_times(when, start + 1000.0, 3)
    assert [round((s - start) * 10) for s in slots] == [10001, 10002, 10003]
    assert slots[0] == (round(start * 1e6) + 10001 * 100_000) / 1e6


def test_latest_due_keeps_the_newest_slots_up_to_now() -> None:
    when = make_interval(10, dt.datetime(2024, 1, 1), None)
    start = when.anchor_date.timestamp()
    assert latest_due(when, start, start + 35, 100) == [
        start + 10,
        start + 20,
        start + 30,
    ]
    assert latest_due(when, start, start + 35, 2) == [start + 20, start + 30]
    assert latest_due(when, start + 30, start + 35, 100) == []


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (
            lambda: make_cron("61 * * * *", None),
            InvalidCronError,
            "'61 \\* \\* \\* \\*'",
        ),
        (lambda: make_cron("every day", None), InvalidCronError, "five fields"),
        (lambda: make_cron("0 6 * * *", "Mars/Olympus"), UnknownTimeZoneError, "Mars"),
        (lambda: make_cron("0 6 * * *", "../etc/passwd"), UnknownTimeZoneError, "IANA"),
        (lambda: make_rrule("FREQ=SOMETIMES", None), InvalidRRuleError, "SOMETIMES"),
        (lambda: make_rrule("x" * 7000, None), InvalidRRuleError, "6500"),
        (
            lambda: make_rrule(
                "DTSTART;TZID=Europe/Berlin:20240101T000000\nRRULE:FREQ=DAILY", NY
            ),
            InvalidRRuleError,
            "give the zone once",
        ),
        (
            lambda: make_interval(0, dt.datetime(2024, 1, 1), None),
            InvalidIntervalError,
            "positive",
        ),
        (
            lambda: make_interval(-5, dt.datetime(2024, 1, 1), None),
            InvalidIntervalError,
            "-5",
        ),
        (
            lambda: make_interval(float("nan"), dt.datetime(2024, 1, 1), None),
            InvalidIntervalError,
            "nan",
        ),
    ],
)
def test_bad_schedules_are_refused_with_the_value_and_the_fix(
    make: object, error: type, match: str
) -> None:
    with pytest.raises(error, match=match):
        make()  # type: ignore[operator]
