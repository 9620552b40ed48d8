"""The schedule options as the keywords of Prefect's ``flow.serve`` (what
``taskbook export --target prefect --cron/--interval/--rrule/--tz`` writes), and
the bad options refused as ``taskbook schedule add`` refuses them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from taskbook.errors import (
    InvalidCronError,
    InvalidIntervalError,
    InvalidRRuleError,
    InvalidScheduleError,
    UnknownTimeZoneError,
)
from taskbook.schedule.options import ScheduleOptions, prefect_serve_kwargs_for


def _prefect(kind: str) -> Any:
    """Stand-in for ``prefect.schedules.KIND``: returns what it was called with."""
    return lambda *args, **kwargs: (kind, args, kwargs)


def _serve_source(kwargs: dict[str, Any]) -> str:
    return ", ".join(f"{key}={value!r}" for key, value in kwargs.items())


@pytest.mark.parametrize(
    ("options", "source"),
    [
        ({"cron": "0 6 * * 1-5"}, "cron='0 6 * * 1-5'"),
        ({"cron": "0  6 * * *", "tz": "UTC"}, "cron='0 6 * * *'"),
        (
            {"cron": "30 2 * * *", "tz": "Europe/Berlin"},
            "schedule=Cron('30 2 * * *', timezone='Europe/Berlin')",
        ),
        (
            {"cron": "0 0 13 * 5", "day_and": True},
            "schedule=Cron('0 0 13 * 5', day_or=False)",
        ),
        ({"rrule": "FREQ=DAILY;BYHOUR=9"}, "rrule='FREQ=DAILY;BYHOUR=9'"),
        (
            {"rrule": "FREQ=WEEKLY;BYDAY=MO", "tz": "America/New_York"},
            "schedule=RRule('FREQ=WEEKLY;BYDAY=MO', timezone='America/New_York')",
        ),
        (
            {"interval": "10m", "tz": "America/New_York", "anchor": "2024-03-08T09:00"},
            "schedule=Interval(600, anchor_date=datetime.datetime(2024, 3, 8, 14, 0, "
            "tzinfo=datetime.timezone.utc), timezone='America/New_York')",
        ),
    ],
)
def test_schedule_options_become_flow_serve_keywords(
    options: dict[str, Any], source: str
) -> None:
    assert _serve_source(prefect_serve_kwargs_for(ScheduleOptions(**options))) == source


def test_an_interval_with_parameters_evaluates_with_the_imports_it_names() -> None:
    options = ScheduleOptions(interval=3600, anchor="2024-01-01T06:00")
    kwargs = prefect_serve_kwargs_for(options, parameters={"n": 5})
    schedule = kwargs["schedule"]
    assert schedule.imports == (
        "from prefect.schedules import Interval",
        "import datetime",
    )
    namespace = {"datetime": dt, "Interval": _prefect("Interval")}
    assert eval(repr(schedule), namespace) == (
        "Interval",
        (3600,),
        {
            "anchor_date": dt.datetime(2024, 1, 1, 6, 0, tzinfo=dt.timezone.utc),
            "parameters": {"n": 5},
        },
    )


@pytest.mark.parametrize(
    ("options", "error", "named"),
    [
        ({"cron": "61 * * * *"}, InvalidCronError, "61 * * * *"),
        ({"cron": "0 6 * * *", "tz": "Mars/Olympus"}, UnknownTimeZoneError, "Mars"),
        ({"rrule": "FREQ=SOMETIMES"}, InvalidRRuleError, "FREQ=SOMETIMES"),
        ({"interval": "0"}, InvalidIntervalError, "0"),
        ({"interval": "soon"}, InvalidIntervalError, "soon"),
        ({}, InvalidScheduleError, "--cron"),
        ({"cron": "0 6 * * *", "rrule": "FREQ=DAILY"}, InvalidScheduleError, "both"),
        ({"cron": "0 6 * * *", "anchor": "2024-01-01"}, InvalidScheduleError, "anchor"),
    ],
)
def test_bad_schedule_options_are_refused_naming_the_value(
    options: dict[str, Any], error: type[Exception], named: str
) -> None:
    with pytest.raises(error, match=named.replace("*", r"\*")):
        prefect_serve_kwargs_for(ScheduleOptions(**options))
