"""The scheduler on a fake clock across both DST changes of America/New_York and
Europe/Berlin: it sleeps until each due slot, and launches exactly the slots of
the DST rule (``taskbook.schedule.times``), each once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import NamedTuple
from zoneinfo import ZoneInfo

import pytest

from taskbook.core.schedule import ScheduleSpec, When
from taskbook.schedule import registry
from taskbook.schedule.times import make_cron, make_interval

from .conftest import World

NY = "America/New_York"
BERLIN = "Europe/Berlin"


class Case(NamedTuple):
    when: When
    zone: str
    start: str  # local wall time the clock starts at
    launched: list[str]  # local times of the slots launched, in order


CASES = {
    "New York spring forward, hourly cron: every elapsed hour": Case(
        make_cron("0 * * * *", NY),
        NY,
        "2024-03-10T00:30",
        [
            "2024-03-10T01:00:00-05:00",
            "2024-03-10T03:00:00-04:00",
            "2024-03-10T04:00:00-04:00",
        ],
    ),
    "New York fall back, 01:30 daily cron: once": Case(
        make_cron("30 1 * * *", NY),
        NY,
        "2024-11-02T12:00",
        ["2024-11-03T01:30:00-04:00", "2024-11-04T01:30:00-05:00"],
    ),
    "Berlin spring forward, 02:30 daily cron: at 03:30 CEST": Case(
        make_cron("30 2 * * *", BERLIN),
        BERLIN,
        "2024-03-30T12:00",
        ["2024-03-31T03:30:00+02:00", "2024-04-01T02:30:00+02:00"],
    ),
    "Berlin fall back, every 30 minutes: the repeated hour once": Case(
        make_cron("*/30 * * * *", BERLIN),
        BERLIN,
        "2024-10-27T01:45",
        [
            "2024-10-27T02:00:00+02:00",
            "2024-10-27T02:30:00+02:00",
            "2024-10-27T03:00:00+01:00",
        ],
    ),
    "New York fall back, hourly interval: elapsed hours (01:00 twice)": Case(
        make_interval(3600, dt.datetime(2024, 11, 3, 0, 0), NY),
        NY,
        "2024-11-03T00:30",
        [
            "2024-11-03T01:00:00-04:00",
            "2024-11-03T01:00:00-05:00",
            "2024-11-03T02:00:00-05:00",
        ],
    ),
    "Berlin spring forward, daily interval: keeps 09:00": Case(
        make_interval(86400, dt.datetime(2024, 3, 29, 9, 0), BERLIN),
        BERLIN,
        "2024-03-30T12:00",
        ["2024-03-31T09:00:00+02:00", "2024-04-01T09:00:00+02:00"],
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_the_scheduler_fires_the_dst_rules_slots_once_each(
    case: Case, tmp_path: Path
) -> None:
    zone = ZoneInfo(case.zone)
    start = dt.datetime.fromisoformat(case.start).replace(tzinfo=zone).timestamp()
    world = World(tmp_path / "home", start)
    registry.add(
        world.store, ScheduleSpec("dst", "/nb.ipynb", case.when), world.clock.now()
    )
    scheduler = world.scheduler()

    for _ in case.launched:
        next_due = scheduler.tick()
        assert next_due is not None
        world.advance(next_due - world.clock.now())  # sleeps until it is due
        scheduler.tick()
        world.launcher.finish(world.launcher.launched[-1])
    scheduler.tick()

    launched = [
        dt.datetime.fromtimestamp(key.slot, zone).isoformat()
        for key in world.launcher.launched
    ]
    assert launched == case.launched
    assert [row.state for row in world.slots()] == ["completed"] * len(case.launched)
