"""The process launcher: prestarted processes get their slot in start order, a
slot with none gets a cold one, and the ones left over end at close (real
processes that stand in for ``taskbook schedule run-slot``)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from taskbook.schedule.launcher import ProcessLauncher, pid_alive
from taskbook.schedule.rows import SlotKey

# Prestarted ("-"): read KEY<TAB>LOG from stdin (EOF: exit 3) and write "warm KEY";
# cold: write "cold KEY" to the log the launcher opened as stdout.
RUN_SLOT = """
import sys
if sys.argv[1] == "-":
    line = sys.stdin.readline()
    if not line:
        sys.exit(3)
    key, log = line.rstrip("\\n").split("\\t")
    with open(log, "a") as f:
        f.write(f"warm {key}")
else:
    print(f"cold {sys.argv[1]}", end="")
"""


def _command(text: str) -> Sequence[str]:
    return [sys.executable, "-c", RUN_SLOT, text]


@pytest.fixture
def launcher() -> Iterator[tuple[ProcessLauncher, threading.Event]]:
    woken = threading.Event()
    launcher = ProcessLauncher(_command, woken.set)
    yield launcher, woken
    launcher.close()


def _wait_all_ended(
    launcher: ProcessLauncher, woken: threading.Event, n: int
) -> dict[SlotKey, int | None]:
    ended: dict[SlotKey, int | None] = {}
    while len(ended) < n:
        assert woken.wait(60), f"only {len(ended)} of {n} runs ended"
        woken.clear()
        ended.update(launcher.finished())
    return ended


def test_prestarted_processes_take_slots_oldest_first_then_cold_ones_start(
    launcher: tuple[ProcessLauncher, threading.Event], tmp_path: Path
) -> None:
    runs, woken = launcher
    runs.prestart(2)
    runs.prestart(2)  # already two waiting: no more
    warm = runs.warm()
    assert len(warm) == 2
    keys = [SlotKey.of("s", float(slot)) for slot in range(3)]
    pids = [runs.launch(key, tmp_path / f"{i}.log") for i, key in enumerate(keys)]

    assert pids[:2] == warm  # handed over in the order they were started
    assert pids[2] not in warm
    assert runs.warm() == []
    ended = _wait_all_ended(runs, woken, 3)
    assert ended == dict.fromkeys(keys, 0)
    assert [(tmp_path / f"{i}.log").read_text() for i in range(3)] == [
        f"warm {keys[0]}",
        f"warm {keys[1]}",
        f"cold {keys[2]}",
    ]


def test_close_ends_the_processes_that_got_no_slot(
    launcher: tuple[ProcessLauncher, threading.Event],
) -> None:
    runs, _ = launcher
    runs.prestart(3)
    pids = runs.warm()
    runs.close()  # EOF on their stdin: they exit (and are reaped)

    assert runs.warm() == []
    assert [pid_alive(pid) for pid in pids] == [False, False, False]
