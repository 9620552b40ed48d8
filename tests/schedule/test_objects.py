from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from taskbook.core.schedule import Cron as CronWhen
from taskbook.core.schedule import Interval as IntervalWhen
from taskbook.core.schedule import RRule as RRuleWhen
from taskbook.errors import (
    InvalidCronError,
    InvalidIntervalError,
    InvalidRRuleError,
    InvalidScheduleError,
    UnknownTimeZoneError,
)
from taskbook.schedule.objects import construct_schedules, to_when
from taskbook.schedules import Cron, Interval, RRule, Schedule

ANCHOR = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)


@dataclass(frozen=True)
class Case:
    made: Any
    when: Any


CASES = [
    Case(lambda: Cron("0 6 * * 1-5"), CronWhen("0 6 * * 1-5")),
    Case(
        lambda: Cron("0 6 1 * MON", timezone="Europe/Berlin", day_or=False),
        CronWhen("0 6 1 * MON", "Europe/Berlin", False),
    ),
    Case(
        lambda: Interval(90, anchor_date=ANCHOR),
        IntervalWhen(dt.timedelta(seconds=90), ANCHOR),
    ),
    Case(
        lambda: Interval(dt.timedelta(hours=1), ANCHOR, "America/New_York"),
        IntervalWhen(dt.timedelta(hours=1), ANCHOR, "America/New_York"),
    ),
    Case(
        lambda: RRule("FREQ=WEEKLY;BYDAY=MO;BYHOUR=9", timezone="UTC"),
        RRuleWhen("FREQ=WEEKLY;BYDAY=MO;BYHOUR=9", "UTC"),
    ),
]


@pytest.mark.parametrize("case", CASES)
def test_each_maker_gives_the_schedule_that_schedule_add_stores(case: Case) -> None:
    assert to_when(case.made()) == case.when


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (
            lambda: Cron("61 * * * *"),
            InvalidCronError,
            r'^Invalid cron string: "61 \* \* \* \*" \(.*\)\. Write five fields',
        ),
        (lambda: Cron("0 6 * * *", timezone="Mars/Base"), UnknownTimeZoneError, "Mars"),
        (
            lambda: RRule("FREQ=SOMETIMES"),
            InvalidRRuleError,
            r'^Invalid RRule string "FREQ=SOMETIMES": .*\. Write an RFC 5545 rule',
        ),
        (lambda: Interval(0), InvalidIntervalError, "Invalid interval 0"),
        (lambda: Interval(-5), InvalidIntervalError, "Invalid interval -5"),
        (
            lambda: Schedule(cron="* * * * *", rrule="FREQ=DAILY"),
            InvalidScheduleError,
            r"^Only one schedule type can be defined at a time\. Found: cron, rrule\. ",
        ),
    ],
)
def test_bad_values_raise_the_errors_of_schedule_add_when_made(
    make: Any, error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        make()


def test_a_bad_cron_is_a_value_error_as_in_prefect() -> None:
    with pytest.raises(ValueError, match="not a cron"):
        Cron("not a cron")


def test_an_interval_defaults_its_anchor_to_now_in_utc() -> None:
    before = dt.datetime.now(dt.timezone.utc)
    made = Interval(60)
    assert before <= made.anchor_date <= dt.datetime.now(dt.timezone.utc)
    assert made.interval == dt.timedelta(seconds=60)


def test_the_keywords_of_serve_give_one_schedule_per_value() -> None:
    made = construct_schedules(cron=["0 6 * * *", "0 18 * * *"])
    assert [s.cron for s in made] == ["0 6 * * *", "0 18 * * *"]
    assert [s.interval for s in construct_schedules(interval=[60, 120])] == [
        dt.timedelta(seconds=60),
        dt.timedelta(seconds=120),
    ]
    assert construct_schedules() == []


def test_two_schedule_keywords_are_refused_with_prefects_words() -> None:
    with pytest.raises(
        InvalidScheduleError,
        match=r"^Only one of interval, cron, rrule, schedule, or schedules can be "
        r"provided\. Pass several",
    ):
        construct_schedules(cron="0 6 * * *", interval=60)


def test_schedules_must_hold_schedule_objects() -> None:
    with pytest.raises(InvalidScheduleError, match=r"schedules holds '0 6 \* \* \*'"):
        construct_schedules(schedules=["0 6 * * *"])


def test_schedule_has_prefects_fields_in_prefects_order() -> None:
    prefect_schedules = pytest.importorskip("prefect.schedules")
    ours = [(f.name, f.default) for f in dataclasses.fields(Schedule)]
    theirs = [
        (f.name, f.default) for f in dataclasses.fields(prefect_schedules.Schedule)
    ]
    assert ours == theirs
