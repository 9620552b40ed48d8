"""The scheduler on a fake clock: slots fire once, catch-up after downtime, overlap,
pause/resume, recovery after a crash, shutdown, notices, one server per store."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from taskbook.errors import ServeAlreadyRunningError, UnknownScheduleError
from taskbook.schedule import registry, rows
from taskbook.schedule.lock import ServeLock, serving_pid
from taskbook.schedule.scheduler import CANCEL_SECONDS

from .conftest import START, World


def test_each_slot_fires_once_when_it_falls_due(
    world: World, launched: Callable[[], list[float]]
) -> None:
    world.add(seconds=60)
    scheduler = world.scheduler()

    assert scheduler.tick() == START + 60  # nothing due yet; sleeps until then
    world.advance(59.9)
    scheduler.tick()
    assert launched() == []
    world.advance(0.1)
    assert scheduler.tick() == START + 120
    scheduler.tick()  # a second look at the same moment launches nothing more
    assert launched() == [60]

    world.launcher.finish(world.launcher.launched[0])
    world.advance(60)
    scheduler.tick()
    assert launched() == [60, 120]
    assert world.slot_times("completed") == [60]
    assert world.slot_times("running") == [120]


def _downtime(world: World, **spec: Any) -> Any:
    """Slots at 60..300 fall due while no scheduler runs; then one starts."""
    world.add(seconds=60, **spec)
    world.advance(330)
    scheduler = world.scheduler()
    scheduler.tick()
    return scheduler


def test_catchup_none_skips_every_slot_missed_in_downtime(
    world: World, launched: Callable[[], list[float]]
) -> None:
    _downtime(world, catchup="none")
    assert launched() == []
    skipped = world.slots("skipped")
    assert [round(r.key.slot - START) for r in skipped] == [60, 120, 180, 240, 300]
    assert "no `taskbook serve` was running" in skipped[-1].reason


def test_catchup_latest_runs_only_the_newest_missed_slot(
    world: World, launched: Callable[[], list[float]]
) -> None:
    _downtime(world, catchup="latest")
    assert launched() == [300]
    assert world.slot_times("skipped") == [60, 120, 180, 240]
    assert "superseded by the later slot" in (world.slots("skipped")[0].reason or "")


def test_catchup_all_runs_every_missed_slot(
    world: World, launched: Callable[[], list[float]]
) -> None:
    _downtime(world, catchup="all", overlap="allow")
    assert launched() == [60, 120, 180, 240, 300]


def test_catchup_all_with_max_catchup_runs_the_newest_n(
    world: World, launched: Callable[[], list[float]]
) -> None:
    _downtime(world, catchup="all", max_catchup=2, overlap="allow")
    assert launched() == [240, 300]
    assert world.slot_times("skipped") == [60, 120, 180]


def test_catchup_all_with_queue_runs_missed_slots_one_after_another(
    world: World, launched: Callable[[], list[float]]
) -> None:
    scheduler = _downtime(world, catchup="all", overlap="queue")
    assert launched() == [60]
    assert world.slot_times("queued") == [120, 180, 240, 300]
    for expected in ([60, 120], [60, 120, 180]):
        world.launcher.finish(world.launcher.launched[-1])
        scheduler.tick()
        assert launched() == expected


def test_overlap_skip_skips_a_slot_while_the_previous_run_runs(
    world: World, launched: Callable[[], list[float]]
) -> None:
    world.add(seconds=60, overlap="skip")
    scheduler = world.scheduler()
    world.advance(60)
    scheduler.tick()
    world.advance(60)
    scheduler.tick()
    assert launched() == [60]
    skipped = world.slots("skipped")
    assert [round(r.key.slot - START) for r in skipped] == [120]
    assert "overlap" in (skipped[0].reason or "")


def test_overlap_queue_starts_the_slot_when_the_previous_run_ends(
    world: World, launched: Callable[[], list[float]]
) -> None:
    world.add(seconds=60, overlap="queue")
    scheduler = world.scheduler()
    world.advance(60)
    scheduler.tick()
    world.advance(60)
    scheduler.tick()
    assert launched() == [60]
    assert world.slot_times("queued") == [120]
    world.advance(10)
    world.launcher.finish(world.launcher.launched[0])
    scheduler.tick()
    assert launched() == [60, 120]
    assert world.slot_times("queued") == []


def test_overlap_allow_runs_both(
    world: World, launched: Callable[[], list[float]]
) -> None:
    world.add(seconds=60, overlap="allow")
    scheduler = world.scheduler()
    for _ in range(3):
        world.advance(60)
        scheduler.tick()
    assert launched() == [60, 120, 180]
    assert world.slot_times("running") == [60, 120, 180]


def test_a_paused_schedule_fires_nothing_and_resume_skips_what_it_missed(
    world: World, launched: Callable[[], list[float]]
) -> None:
    world.add(seconds=60)
    scheduler = world.scheduler()
    registry.pause(world.store, "every-minute")
    world.advance(200)
    assert scheduler.tick() is None  # nothing scheduled while paused
    assert launched() == []

    skipped = registry.resume(world.store, "every-minute", world.clock.now())
    assert skipped == 3
    assert [r.reason for r in world.slots("skipped")] == ["paused"] * 3
    world.advance(40)
    scheduler.tick()
    assert launched() == [240]


def test_unknown_schedule_names_are_refused(world: World) -> None:
    world.add()
    for action in (registry.pause, registry.remove):
        with pytest.raises(UnknownScheduleError, match="every-minute"):
            action(world.store, "every-minut")
    with pytest.raises(UnknownScheduleError, match="Known schedules: every-minute"):
        registry.resume(world.store, "nightly", 0.0)


def test_a_removed_schedule_fires_no_more(
    world: World, launched: Callable[[], list[float]]
) -> None:
    world.add(seconds=60, overlap="queue")
    scheduler = world.scheduler()
    world.advance(60)
    scheduler.tick()
    registry.remove(world.store, "every-minute")
    world.advance(120)
    assert scheduler.tick() is None
    assert launched() == [60]


def test_a_slot_claimed_but_never_started_is_launched_once_after_a_crash(
    world: World, launched: Callable[[], list[float]]
) -> None:
    schedule_id = world.add(seconds=60)
    world.advance(60)
    schedule = rows.load_schedules(world.store)[0]
    # The server claimed slot 60 and died before starting its process.
    with world.store.transaction() as conn:
        rows.claim(conn, schedule, START + 60, "launching", world.clock.now())
        rows.set_handled_until(conn, schedule_id, START + 60)

    restarted = world.scheduler()
    restarted.recover()
    restarted.tick()
    # A second restart finds it started (its process alive): no relaunch.
    world.scheduler(alive=lambda pid: True).recover()

    assert launched() == [60]
    assert world.slot_times("running") == [60]


def test_a_second_process_for_one_slot_does_not_start_it(world: World) -> None:
    world.add(seconds=60)
    world.advance(60)
    scheduler = world.scheduler()
    scheduler.tick()
    key = world.launcher.launched[0]
    with world.store.transaction() as conn:
        again = rows.update_slot(
            conn, key, only_from=("launching",), state="running", pid=1
        )
    assert not again


def test_recovery_watches_live_runs_and_marks_dead_ones_crashed(world: World) -> None:
    world.add(seconds=60, overlap="allow")
    scheduler = world.scheduler()
    world.advance(120)
    scheduler.tick()  # latest: launches 120 only
    world.advance(60)
    scheduler.tick()
    alive, dead = world.launcher.launched
    with world.store.transaction() as conn:
        rows.update_slot(conn, dead, pid=999_999_999)

    world.launcher._running.clear()  # the server died; its runs are not its children now
    restarted = world.scheduler(alive=lambda pid: pid != 999_999_999)
    restarted.recover()

    assert world.launcher.running() == {alive: 40001}
    assert [r.key for r in world.slots("crashed")] == [dead]
    assert "without recording" in (world.slots("crashed")[0].reason or "")


def test_an_ended_run_is_recorded_from_its_exit_code_if_it_could_not(
    world: World,
) -> None:
    world.add(seconds=60, overlap="allow")
    scheduler = world.scheduler()
    for code in (0, 1, -9, 130):
        world.advance(60)
        scheduler.tick()
        world.launcher.finish(world.launcher.launched[-1], code, record=False)
    scheduler.tick()
    states = [
        r.state for r in world.slots("completed", "failed", "crashed", "cancelled")
    ]
    assert states == ["completed", "failed", "crashed", "cancelled"]


def test_shutdown_lets_runs_finish_within_the_grace_period(world: World) -> None:
    scheduler, key = world.first_launch()

    def wait(seconds: float) -> None:
        world.advance(min(seconds, 5))
        if world.clock.monotonic() >= 10:
            world.launcher.finish(key)

    scheduler.shutdown(30, wait)
    assert world.launcher.signals == []
    assert world.slot_times("completed") == [60]


def test_shutdown_cancels_runs_past_the_grace_period_and_records_it(
    world: World,
) -> None:
    scheduler, key = world.first_launch()
    started = world.clock.monotonic()

    scheduler.shutdown(30, world.advance)

    assert world.launcher.signals == [("INT", key), ("KILL", key)]
    assert world.clock.monotonic() - started == pytest.approx(30 + CANCEL_SECONDS)
    [row] = world.slots("cancelled")
    assert "did not finish within the 30 s grace period" in (row.reason or "")


def test_a_second_serve_on_one_store_is_refused(tmp_path: Path) -> None:
    first = ServeLock(tmp_path)
    first.acquire()
    try:
        with pytest.raises(
            ServeAlreadyRunningError, match=r"Another `taskbook serve` \(process \d+\)"
        ):
            ServeLock(tmp_path).acquire()
        assert serving_pid(tmp_path) is not None
    finally:
        first.release()
    second = ServeLock(tmp_path)
    second.acquire()  # free again once the first let go
    second.release()
    assert serving_pid(tmp_path) is None


def test_a_process_that_ends_before_starting_its_slot_is_replaced_once(
    world: World, launched: Callable[[], list[float]]
) -> None:
    scheduler, key = world.first_launch()
    for _ in range(2):  # its process dies before it starts the slot
        with world.store.transaction() as conn:
            rows.update_slot(conn, key, state="launching", pid=None)
        world.launcher.finish(world.launcher.launched[-1], 1, record=False)
        scheduler.tick()

    assert launched() == [60, 60]  # replaced once, then recorded
    assert [r.state for r in world.slots()] == ["failed"]
