"""The process launcher with real processes: runs forked from the fork server
(with what they need imported already) or started as commands, each in a
session of its own, their exit codes reported, an interrupt reaching them."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import pytest

from taskbook.schedule.launcher import ProcessLauncher
from taskbook.schedule.rows import SlotKey

PRELOADED = "taskbook.cli.slot"  # not imported by this module, nor by the launcher


def _forked_run(key: str, log: str, env: dict[str, str]) -> None:
    """Stands in for ``taskbook.cli.slot.run_forked_slot``."""
    os.setsid()
    own_session = os.getsid(0) == os.getpid()
    preloaded = PRELOADED in sys.modules
    with open(log, "a") as f:
        f.write(f"{key} session={own_session} preloaded={preloaded} x={env['X']}")
    ready, release = env.get("READY"), env.get("RELEASE")
    if ready and release:
        Path(ready).touch()
        try:
            while not Path(release).exists():  # the test never creates it
                time.sleep(0.05)
        except KeyboardInterrupt:
            sys.exit(130)
    sys.exit(int(key.rsplit(":", 1)[1]) % 7)


COLD = "import sys; print('cold', sys.argv[1], end=''); sys.exit(5)"


class Runs:
    def __init__(self, tmp_path: Path, **env: str) -> None:
        self.woken = threading.Event()
        self.launcher = ProcessLauncher(
            lambda key: [sys.executable, "-c", COLD, key],
            self.woken.set,
            {**os.environ, "X": "1", **env},
            forked=_forked_run,
            preload=(PRELOADED,),
        )
        self.launcher.start()
        self.tmp_path = tmp_path

    def ended(self, n: int) -> dict[SlotKey, int | None]:
        ended: dict[SlotKey, int | None] = {}
        while len(ended) < n:
            assert self.woken.wait(120), f"only {len(ended)} of {n} runs ended"
            self.woken.clear()
            ended.update(self.launcher.finished())
        return ended


@pytest.fixture
def runs(tmp_path: Path) -> Runs:
    return Runs(tmp_path)


def test_forked_runs_have_their_session_env_log_and_exit_code(
    runs: Runs, tmp_path: Path
) -> None:
    keys = [SlotKey.parse(f"s:{us}") for us in (1, 3)]
    pids = [runs.launcher.launch(key, tmp_path / f"{key.slot_us}.log") for key in keys]

    assert len(set(pids)) == 2
    assert os.getpid() not in pids
    assert runs.ended(2) == {keys[0]: 1, keys[1]: 3}
    assert [(tmp_path / f"{key.slot_us}.log").read_text() for key in keys] == [
        f"{key} session=True preloaded=True x=1" for key in keys
    ]


def test_without_a_fork_server_a_run_is_its_command(tmp_path: Path) -> None:
    woken = threading.Event()
    launcher = ProcessLauncher(
        lambda key: [sys.executable, "-c", COLD, key], woken.set, None
    )
    key = SlotKey.parse("s:1")
    launcher.launch(key, tmp_path / "a.log")

    assert woken.wait(120)
    assert launcher.finished() == [(key, 5)]
    assert (tmp_path / "a.log").read_text() == f"cold {key}"


def test_an_interrupt_reaches_a_forked_run(tmp_path: Path) -> None:
    ready = tmp_path / "ready"
    runs = Runs(tmp_path, READY=str(ready), RELEASE=str(tmp_path / "never"))
    key = SlotKey.parse("s:2")
    runs.launcher.launch(key, tmp_path / "b.log")
    while not ready.exists():  # it is running its slot (waits on a file)
        assert runs.woken.wait(0.05) is False, "it ended before it was ready"
    runs.launcher.interrupt(key)

    assert runs.ended(1) == {key: 130}
