"""The schedule policies as tables: catch-up after downtime, overlap, failure notices,
and the keywords Prefect's ``flow.serve`` takes for a schedule."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest

from taskbook.core.schedule import (
    NOTICE_QUIET_SECONDS,
    Cron,
    Interval,
    NoticeState,
    RRule,
    ScheduleSpec,
    catch_up,
    next_notice,
    overlap,
    prefect_serve_kwargs,
)

START = 1000.0  # when the scheduler started


@dataclass
class CatchUpCase:
    name: str
    due: list[float]
    policy: Any
    run: list[float]
    skipped: list[float]
    max_catchup: int | None = None
    reasons: list[str] = field(default_factory=list)


CATCH_UP_CASES = [
    CatchUpCase("nothing due", [], "latest", [], []),
    CatchUpCase(
        "one on-time slot runs under every policy: none", [1010], "none", [1010], []
    ),
    CatchUpCase("one on-time slot: latest", [1010], "latest", [1010], []),
    CatchUpCase("one on-time slot: all", [1010], "all", [1010], []),
    CatchUpCase(
        "downtime, none: every missed slot skipped",
        [940, 960, 980],
        "none",
        [],
        [940, 960, 980],
        reasons=["superseded", "superseded", "missed: no `taskbook serve`"],
    ),
    CatchUpCase(
        "downtime, latest: only the newest missed slot runs",
        [940, 960, 980],
        "latest",
        [980],
        [940, 960],
        reasons=["superseded by the later slot", "superseded by the later slot"],
    ),
    CatchUpCase(
        "downtime, all: every missed slot runs",
        [940, 960, 980],
        "all",
        [940, 960, 980],
        [],
    ),
    CatchUpCase(
        "downtime, all, --max-catchup 2: the two newest",
        [920, 940, 960, 980],
        "all",
        [960, 980],
        [920, 940],
        max_catchup=2,
        reasons=["--max-catchup 2", "--max-catchup 2"],
    ),
    CatchUpCase(
        "--max-catchup 0 runs no missed slot but the on-time one",
        [980, 1010],
        "all",
        [1010],
        [980],
        max_catchup=0,
    ),
    CatchUpCase(
        "a stalled loop under none: the newest on-time slot runs",
        [1010, 1020],
        "none",
        [1020],
        [1010],
    ),
    CatchUpCase("unsorted and repeated input", [980, 940, 980], "latest", [980], [940]),
]


@pytest.mark.parametrize("case", CATCH_UP_CASES, ids=lambda c: c.name)
def test_catch_up_splits_due_slots_by_policy(case: CatchUpCase) -> None:
    run, skipped = catch_up(case.due, START, case.policy, case.max_catchup)

    assert run == case.run
    assert [s.slot for s in skipped] == case.skipped
    for skip, reason in zip(skipped, case.reasons, strict=False):
        assert reason in skip.reason


@pytest.mark.parametrize(
    ("policy", "running", "decision"),
    [
        ("skip", 0, "launch"),
        ("skip", 1, "skip"),
        ("queue", 0, "launch"),
        ("queue", 2, "queue"),
        ("allow", 0, "launch"),
        ("allow", 3, "launch"),
    ],
)
def test_overlap_decides_what_a_slot_does_while_runs_run(
    policy: Any, running: int, decision: str
) -> None:
    assert overlap(policy, running) == decision


def test_failure_notices_are_one_per_quarter_hour_then_one_recovered() -> None:
    state = NoticeState()
    sent = []
    timeline = [
        (0, True),  # first failure: a message
        (60, True),  # within 15 minutes: quiet
        (600, True),  # still quiet
        (NOTICE_QUIET_SECONDS + 1, True),  # 15 minutes after the last message
        (NOTICE_QUIET_SECONDS + 30, False),  # success: recovered
        (NOTICE_QUIET_SECONDS + 60, False),  # still fine: nothing
        (NOTICE_QUIET_SECONDS + 90, True),  # fails again: a message at once
    ]
    for now, failed in timeline:
        kind, state = next_notice(state, failed, float(now))
        sent.append(kind)

    assert sent == ["failed", None, None, "failed", "recovered", None, "failed"]


def test_suppressed_failures_are_counted() -> None:
    state = NoticeState()
    for now in (0.0, 10.0, 20.0):
        _kind, state = next_notice(state, True, now)
    assert state.suppressed == 2
    assert state.failing_since == 0.0


ANCHOR = dt.datetime(2024, 1, 1, 6, 0, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize(
    ("when", "parameters", "expected"),
    [
        (Cron("0 6 * * *"), None, "{'cron': '0 6 * * *'}"),
        (Cron("0 6 * * *", "UTC"), {}, "{'cron': '0 6 * * *'}"),
        (
            Cron("0 8 * * 1", "America/New_York"),
            None,
            "{'schedule': Cron('0 8 * * 1', timezone='America/New_York')}",
        ),
        (
            Cron("0 0 13 * 5", day_or=False),
            {"n": 5},
            "{'schedule': Cron('0 0 13 * 5', parameters={'n': 5}, day_or=False)}",
        ),
        (RRule("FREQ=DAILY;BYHOUR=9"), None, "{'rrule': 'FREQ=DAILY;BYHOUR=9'}"),
        (
            RRule("FREQ=DAILY;BYHOUR=9", "Europe/Berlin"),
            None,
            "{'schedule': RRule('FREQ=DAILY;BYHOUR=9', timezone='Europe/Berlin')}",
        ),
        (
            Interval(dt.timedelta(hours=1), ANCHOR),
            None,
            "{'schedule': Interval(3600, anchor_date=datetime.datetime(2024, 1, 1, 6, "
            "0, tzinfo=datetime.timezone.utc))}",
        ),
        (
            Interval(90.5, ANCHOR, "Europe/Berlin"),
            None,
            "{'schedule': Interval(90.5, anchor_date=datetime.datetime(2024, 1, 1, 6, "
            "0, tzinfo=datetime.timezone.utc), timezone='Europe/Berlin')}",
        ),
    ],
)
def test_prefect_serve_kwargs_are_python_source_for_flow_serve(
    when: Any, parameters: Any, expected: str
) -> None:
    assert repr(prefect_serve_kwargs(when, parameters)) == expected


def test_prefect_schedule_names_its_imports() -> None:
    kwargs = prefect_serve_kwargs(Interval(60, ANCHOR))
    assert kwargs["schedule"].imports == (
        "from prefect.schedules import Interval",
        "import datetime",
    )
    # What an export writes evaluates to the same call with the imports given.
    namespace: dict[str, Any] = {"datetime": dt, "Interval": lambda *a, **k: (a, k)}
    assert eval(repr(kwargs["schedule"]), namespace) == (
        (60,),
        {"anchor_date": ANCHOR},
    )


@pytest.mark.parametrize(
    ("target", "is_flow"),
    [
        ("/p/etl.ipynb", False),
        ("/p/flows.py:etl", True),
        ("/p/flows.py:not-an-identifier", False),
        ("C:/p/etl.ipynb", False),
    ],
)
def test_a_target_is_a_flow_when_it_is_file_py_colon_name(
    target: str, is_flow: bool
) -> None:
    spec = ScheduleSpec("n", target, Cron("* * * * *"))
    assert spec.is_flow is is_flow


def test_an_interval_must_be_positive_and_its_anchor_aware() -> None:
    with pytest.raises(ValueError, match="positive"):
        Interval(0, ANCHOR)
    with pytest.raises(ValueError, match="aware"):
        Interval(10, dt.datetime(2024, 1, 1))
