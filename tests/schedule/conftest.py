"""A fake clock, a store and a fake launcher: the scheduler's semantics without
processes or waiting (the real processes are in ``tests/cli/test_serve.py``)."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from taskbook.core.schedule import ScheduleSpec
from taskbook.engine.clock import FakeClock
from taskbook.engine.store import RunStore
from taskbook.schedule import registry, rows
from taskbook.schedule.scheduler import Scheduler
from taskbook.schedule.times import make_interval

HOST = socket.gethostname()
START = 1_700_000_000.0  # a whole minute: interval slots fall on round numbers


class FakeLauncher:
    """Records launches; a run ends when the test says so (``finish``)."""

    def __init__(self, store: RunStore, clock: FakeClock) -> None:
        self.store = store
        self.clock = clock
        self.launched: list[rows.SlotKey] = []
        self.signals: list[tuple[str, rows.SlotKey]] = []
        self._running: dict[rows.SlotKey, int] = {}
        self._finished: list[tuple[rows.SlotKey, int | None]] = []

    def launch(self, key: rows.SlotKey, log_path: Path) -> int:
        self.launched.append(key)
        pid = 40000 + len(self.launched)
        self._running[key] = pid
        # What the run's process does first.
        with self.store.transaction() as conn:
            rows.update_slot(
                conn,
                key,
                only_from=("launching",),
                state="running",
                started=self.clock.now(),
                host=HOST,
                pid=pid,
            )
        return pid

    def adopt(self, key: rows.SlotKey, pid: int) -> None:
        self._running[key] = pid

    def running(self) -> dict[rows.SlotKey, int]:
        return dict(self._running)

    def finished(self) -> list[tuple[rows.SlotKey, int | None]]:
        done, self._finished = self._finished, []
        return done

    def finish(self, key: rows.SlotKey, code: int = 0, *, record: bool = True) -> None:
        """End a run; ``record``: its process wrote its final state first."""
        self._running.pop(key)
        if record:
            from taskbook.schedule.scheduler import state_for_exit

            with self.store.transaction() as conn:
                rows.update_slot(conn, key, state=state_for_exit(code), exit_code=code)
        self._finished.append((key, code))

    def interrupt(self, key: rows.SlotKey) -> None:
        self.signals.append(("INT", key))

    def kill(self, key: rows.SlotKey) -> None:
        self.signals.append(("KILL", key))
        if key in self._running:
            self.finish(key, -9, record=False)


class World:
    """A store, a fake clock and launcher, and schedulers over them."""

    def __init__(self, home: Path, start: float = START) -> None:
        self.clock = FakeClock(start)
        self.store = RunStore(home)
        self.launcher = FakeLauncher(self.store, self.clock)
        self.notices: list[tuple[str, str, str]] = []

    def scheduler(self, **kwargs: Any) -> Scheduler:
        """A scheduler starting now (a restart after downtime: a new one); its
        notices go to ``notices`` unless ``notify`` is given."""
        kwargs.setdefault(
            "notify",
            lambda spec, kind, text: self.notices.append((spec.name, kind, text)),
        )
        return Scheduler(self.store, self.launcher, self.clock, **kwargs)

    def add(self, name: str = "every-minute", seconds: float = 60, **spec: Any) -> str:
        """Add an interval schedule anchored at the clock's start."""
        import datetime as dt

        when = make_interval(
            seconds, dt.datetime.fromtimestamp(START, dt.timezone.utc), None
        )
        added = registry.add(
            self.store,
            ScheduleSpec(name, "/nb.ipynb", when, **spec),
            self.clock.now(),
        )
        return added.schedule_id

    def first_launch(self) -> tuple[Scheduler, rows.SlotKey]:
        """A schedule of every minute, a scheduler, and its first slot launched."""
        self.add(seconds=60)
        scheduler = self.scheduler()
        self.advance(60)
        scheduler.tick()
        return scheduler, self.launcher.launched[0]

    def advance(self, seconds: float) -> None:
        self.clock.sleep(seconds)

    def slots(self, *states: str) -> list[rows.SlotRow]:
        return rows.slots(self.store, states=states)

    def slot_times(self, *states: str) -> list[float]:
        return [round(r.key.slot - START) for r in self.slots(*states)]


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path / "home")


@pytest.fixture
def launched(world: World) -> Callable[[], list[float]]:
    """Seconds after START of each slot launched so far."""
    return lambda: [round(k.slot - START) for k in world.launcher.launched]
