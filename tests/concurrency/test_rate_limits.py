from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from taskbook.cli.main import cli
from taskbook.concurrency.asyncio import rate_limit as arate_limit
from taskbook.concurrency.sync import rate_limit
from taskbook.engine.clock import FakeClock
from taskbook.engine.concurrency import ConcurrencyLimits
from taskbook.engine.slots import hold, take_rate
from taskbook.errors import (
    AcquireConcurrencySlotTimeoutError,
    ConcurrencyLimitNotFoundError,
    ConcurrencyOccupyError,
    InvalidSlotDecayError,
    RateLimitWithoutDecayError,
)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(start=1_000.0)


@pytest.fixture
def limits(isolated_home: Path) -> ConcurrencyLimits:
    return ConcurrencyLimits(isolated_home)


@pytest.fixture
def timed(isolated_home: Path, clock: FakeClock) -> ConcurrencyLimits:
    """The same store's limits, on a clock that moves only when they sleep."""
    return ConcurrencyLimits(isolated_home, clock)


def _taken_at(
    timed: ConcurrencyLimits, clock: FakeClock, calls: int, **kw: int
) -> list[float]:
    start, times = clock.now(), []
    for _ in range(calls):
        take_rate(timed, ["api"], **kw)
        times.append(round(clock.now() - start, 9))
    return times


def test_rate_limit_lets_a_burst_of_the_limit_through_then_one_per_decay(
    timed: ConcurrencyLimits, clock: FakeClock
) -> None:
    timed.create("api", 2, slot_decay_per_second=1.0)
    assert _taken_at(timed, clock, 6) == [0, 0, 1, 2, 3, 4]


def test_rate_limit_throttles_to_the_decay_rate_for_any_occupy(
    timed: ConcurrencyLimits, clock: FakeClock
) -> None:
    timed.create("api", 4, slot_decay_per_second=4.0)
    # 2 slots a call, 4 slots a second: after the burst, a call every half second.
    assert _taken_at(timed, clock, 5, occupy=2) == [0, 0, 0.5, 1.0, 1.5]


def test_rate_limit_slots_are_not_given_back(limits: ConcurrencyLimits) -> None:
    limits.create("api", 3, slot_decay_per_second=0.001)  # one slot in 1,000 s
    for _ in range(3):
        rate_limit("api")
    assert limits.list()[0].active_slots == 3
    with pytest.raises(AcquireConcurrencySlotTimeoutError, match="slots of api"):
        rate_limit("api", timeout_seconds=0.05)


@pytest.mark.anyio
async def test_the_async_rate_limit_takes_decaying_slots(
    limits: ConcurrencyLimits,
) -> None:
    limits.create("api", 2, slot_decay_per_second=0.001)
    await arate_limit("api")
    await arate_limit(["api"], occupy=1)
    assert limits.list()[0].active_slots == 2
    with pytest.raises(AcquireConcurrencySlotTimeoutError):
        await arate_limit("api", timeout_seconds=0.05)


def test_rate_limit_of_a_name_without_a_limit_does_not_wait(
    limits: ConcurrencyLimits,
) -> None:
    rate_limit("nobody-made-me", occupy=50)
    rate_limit([])
    with pytest.raises(ConcurrencyLimitNotFoundError, match="'nobody' does not exist"):
        rate_limit("nobody", strict=True)


def test_concurrency_slots_decay_too_on_a_limit_with_decay(
    timed: ConcurrencyLimits, clock: FakeClock
) -> None:
    # As Prefect's server: one counter per limit, which decays whoever took the
    # slots, and which a release lowers (never below 0).
    timed.create("api", 1, slot_decay_per_second=1.0)
    with hold(timed, ["api"]):
        assert timed.list()[0].active_slots == 1
        clock.sleep(1.0)
        assert timed.list()[0].active_slots == 0  # decayed while held
        with hold(timed, ["api"], timeout_seconds=0):
            assert timed.list()[0].active_slots == 1
        assert timed.list()[0].active_slots == 0
    assert timed.list()[0].active_slots == 0
    assert timed.list()[0].holders == 0


def test_a_concurrency_holder_blocks_a_rate_limit_until_it_decays(
    timed: ConcurrencyLimits, clock: FakeClock
) -> None:
    timed.create("api", 1, slot_decay_per_second=0.5)
    with hold(timed, ["api"]):
        take_rate(timed, ["api"])
        assert clock.sleeps == [2.0]


def test_bad_slot_decays_are_refused_with_the_value_and_the_fix(
    limits: ConcurrencyLimits,
) -> None:
    for bad in (-1.0, float("nan"), "fast"):
        with pytest.raises(
            InvalidSlotDecayError,
            match=rf"Slot decay per second {bad!r} of concurrency limit 'api' is "
            r"invalid: it must be a number of at least 0\. Pass 0 .* such as 1\.0",
        ):
            limits.create("api", 1, slot_decay_per_second=bad)  # type: ignore[arg-type]
    assert limits.list() == []
    limits.create("api", 1)
    with pytest.raises(InvalidSlotDecayError, match=r"-0\.5"):
        limits.update("api", slot_decay_per_second=-0.5)
    assert isinstance(InvalidSlotDecayError("x"), ValueError)


def test_rate_limit_on_a_limit_without_decay_gives_prefects_message_then_the_fix(
    limits: ConcurrencyLimits,
) -> None:
    limits.create("db", 2)
    limits.create("api", 2, slot_decay_per_second=1)
    with pytest.raises(RateLimitWithoutDecayError) as raised:
        rate_limit(["api", "db"])
    assert str(raised.value) == (
        "Only concurrency limits with slot decay can be used for rate limiting. "
        "The following limits do not have a decay configured: 'db'. Give the "
        "limit a decay, e.g. one slot a second: taskbook gcl update db "
        "--slot-decay-per-second 1, or hold its slots with concurrency('db') instead."
    )
    assert limits.list()[0].active_slots == 0  # nothing taken from 'api' either
    assert isinstance(raised.value, ValueError)


def test_rate_limit_occupying_more_than_the_limit_is_refused(
    limits: ConcurrencyLimits,
) -> None:
    limits.create("api", 2, slot_decay_per_second=1)
    with pytest.raises(
        ConcurrencyOccupyError,
        match=r"^Slots requested is greater than the limit\. Cannot occupy 3 "
        r"slot\(s\) of concurrency limit 'api'\. .*at most the limit 2\.$",
    ):
        rate_limit("api", occupy=3)
    with pytest.raises(ConcurrencyOccupyError, match=r"^Cannot occupy 0 slot"):
        rate_limit("api", occupy=0)


def test_update_of_a_missing_limit_names_the_existing_ones(
    limits: ConcurrencyLimits,
) -> None:
    limits.create("db", 1)
    with pytest.raises(ConcurrencyLimitNotFoundError, match=r"'api'.*limits: db"):
        limits.update("api", slot_decay_per_second=1)


_OLD_SCHEMA = """
CREATE TABLE limits (name TEXT PRIMARY KEY, slots INTEGER, created REAL);
CREATE TABLE holders (
    holder TEXT, name TEXT, occupy INTEGER, pid INTEGER, host TEXT, acquired REAL
);
CREATE INDEX holders_name ON holders(name);
"""


def test_a_store_written_before_slot_decay_is_migrated_on_open(
    limits: ConcurrencyLimits,
) -> None:
    limits.path.parent.mkdir(parents=True)
    with sqlite3.connect(limits.path) as conn:
        conn.executescript(_OLD_SCHEMA)
        conn.execute("INSERT INTO limits VALUES ('db', 2, 0)")
        conn.execute("INSERT INTO holders VALUES ('h', 'db', 1, ?, 'x', 0)", (1,))
    conn.close()

    [info] = limits.list()
    assert (info.name, info.limit, info.active_slots) == ("db", 2, 1)
    assert info.slot_decay_per_second == 0.0
    limits.update("db", slot_decay_per_second=10)
    limits.reset("db")
    rate_limit("db", occupy=2)
    assert limits.list()[0].active_slots == 2


def test_cli_creates_updates_and_shows_the_slot_decay(isolated_home: Path) -> None:
    runner = CliRunner()
    created = runner.invoke(
        cli, ["gcl", "create", "api", "--limit", "5", "--slot-decay-per-second", "1.5"]
    )
    assert created.exit_code == 0, created.output
    assert created.output == (
        "Created global concurrency limit with name 'api' limit=5 "
        "slot_decay_per_second=1.5\n"
    )
    listed = runner.invoke(cli, ["gcl", "ls"])
    assert listed.output.splitlines() == [
        "NAME  LIMIT  ACTIVE SLOTS  SLOT DECAY PER SECOND",
        "api       5             0                    1.5",
    ]
    updated = runner.invoke(
        cli, ["gcl", "update", "api", "--limit", "6", "--slot-decay-per-second", "2"]
    )
    assert updated.output == "Updated global concurrency limit with name 'api'.\n"
    inspected = runner.invoke(cli, ["gcl", "inspect", "api"])
    assert inspected.output.splitlines()[1].split() == ["api", "6", "0", "2.0"]


def test_cli_refuses_bad_slot_decays_and_empty_updates(isolated_home: Path) -> None:
    runner = CliRunner()
    negative = runner.invoke(
        cli, ["gcl", "create", "api", "-l", "5", "--slot-decay-per-second", "-1"]
    )
    assert negative.exit_code == 2  # a bad argument, as click's own
    assert "Slot decay per second -1.0 of concurrency limit 'api' is invalid" in (
        negative.output
    )
    runner.invoke(cli, ["gcl", "create", "api", "-l", "5"])
    empty = runner.invoke(cli, ["gcl", "update", "api"])
    assert empty.exit_code == 2
    assert "No update arguments provided." in empty.output
    missing = runner.invoke(cli, ["gcl", "inspect", "nope"])
    assert missing.exit_code != 0
    assert "Concurrency limit 'nope' does not exist" in missing.output


_WORKER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from taskbook.concurrency.sync import rate_limit

    log, go, calls = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    while not go.exists():
        time.sleep(0.005)
    for _ in range(calls):
        before = time.time()
        rate_limit("shared", timeout_seconds=60)
        after = time.time()
        with log.open("a") as f:
            f.write(f"{before} {after}\\n")
    """
)


@pytest.mark.slow
def test_two_processes_share_one_rate_limit(
    limits: ConcurrencyLimits, isolated_home: Path, tmp_path: Path
) -> None:
    limit, rate, calls = 2, 20.0, 6
    limits.create("shared", limit, slot_decay_per_second=rate)
    log, go = tmp_path / "log.txt", tmp_path / "go"
    env = {**os.environ, "TASKBOOK_HOME": str(isolated_home)}
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, str(log), str(go), str(calls)], env=env
        )
        for _ in range(2)
    ]
    go.touch()
    assert [w.wait(120) for w in workers] == [0, 0]

    spans = sorted(
        tuple(map(float, line.split())) for line in log.read_text().splitlines()
    )
    assert len(spans) == 2 * calls
    # The k-th slot (1-based) was taken at some a_k within [before_k, after_k] of
    # its call. Slots decay from the first one taken, so a_k - a_1 >= (k - limit)
    # / rate; with after_k >= a_k and before_1 <= a_1 this bounds what we saw,
    # however slow the machine. The second check is the converse: by a_k no more
    # than limit + floor(rate * (a_k - a_1)) slots can have been taken.
    first_before = min(before for before, _after in spans)
    afters = sorted(after for _before, after in spans)
    for k, after in enumerate(afters, start=1):
        assert after - first_before >= (k - limit) / rate - 1e-6
    assert afters[-1] - first_before >= (2 * calls - limit) / rate - 1e-6
