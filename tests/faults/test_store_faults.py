"""A full or read-only disk under the run store: a flow records its run or says why not.

Real tmpfs mounts (root only); each test opens its own session on the small disk.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from taskbook import flow, get_run_logger, task
from taskbook.engine.session import Session, set_session
from taskbook.errors import StoreUnwritableError


def _open_session(home: Path) -> Session:
    session = Session(home)
    previous = set_session(session)
    if previous is not None:
        previous.close()
    return session


def _states(home: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(home / "runs.sqlite") as db:
        return db.execute("SELECT name, state_type FROM flow_runs").fetchall()


def _wait_for(condition, limit: float = 120.0) -> None:
    """Wait until ``condition()`` holds (the store's writer thread sets it)."""
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, "the store's writer never met the full disk"
        time.sleep(0.01)


def _count_tasks(home: Path) -> tuple[int]:
    with sqlite3.connect(home / "runs.sqlite") as db:
        return db.execute("SELECT COUNT(*) FROM task_runs").fetchone()


@flow
def plain(n: int):
    """A flow without caching: it writes nothing but its run to the store."""
    return n + 1


@pytest.fixture
def store_home(isolated_home, small_disk):
    disk = small_disk("8m")
    yield disk, disk.path / "home"
    set_session(None)


_PLAIN_SCRIPT = """
from taskbook import flow

@flow
def plain(n: int):
    return n + 1

plain(1)
"""


@pytest.mark.parametrize("left_by", ["a closed session", "a process that exited"])
def test_a_flow_on_a_read_only_store_fails_naming_the_path_and_runs_nothing(
    store_home, left_by, observe
):
    seen = observe("store-read-only")
    disk, home = store_home
    if left_by == "a closed session":
        _open_session(home)
        assert plain(1) == 2
        set_session(None).close()
    else:  # it leaves runs.sqlite-wal and -shm behind, as a killed kernel does
        env = {**os.environ, "TASKBOOK_HOME": str(home)}
        subprocess.run([sys.executable, "-c", _PLAIN_SCRIPT], env=env, check=True)
    disk.read_only()

    _open_session(home)  # lazy: the store opens with the first run
    with pytest.raises(StoreUnwritableError, match=rf"run store at {home}") as info:
        plain(2)
    assert "read-only" in str(info.value)
    disk.writable()
    assert [state for _, state in _states(home)] == ["COMPLETED"]
    seen(f"{type(info.value).__name__} naming runs.sqlite; nothing recorded or run")


@task
def chatty(i: int) -> int:
    get_run_logger().info("line %d %s", i, "x" * 2000)
    return i


@flow
def noisy(n: int):
    return [chatty(i) for i in range(n)]


def test_a_flow_on_a_full_disk_fails_saying_so_and_its_run_is_recorded_once_space_returns(
    store_home, observe
):
    seen = observe("store-full")
    disk, home = store_home
    session = _open_session(home)
    assert plain(1) == 2
    disk.fill(leave=64 * 1024)

    # The writer commits in the background: the flow that fills the disk raises if
    # the writer met the full disk before it returned; otherwise the next flow does,
    # before it runs. Which of the two depends on the machine, not on the code.
    try:
        noisy(300)
        raised = None
    except StoreUnwritableError as exc:
        raised = exc
    if raised is None:
        _wait_for(lambda: session.store.failure is not None)
        with pytest.raises(StoreUnwritableError, match=rf"run store at {home}") as info:
            plain(2)
        expected = ["COMPLETED", "COMPLETED", "CRASHED"]  # plain(2) never ran
    else:
        info = pytest.ExceptionInfo.from_exc_info((type(raised), raised, None))
        expected = ["COMPLETED", "COMPLETED"]
    assert f"run store at {home}" in str(info.value)
    disk.free()
    session.store.flush()
    states = dict(_states(home))
    assert sorted(states.values()) == expected  # nothing left Running
    (tasks,) = _count_tasks(home)
    seen(
        f"{type(info.value).__name__}; after space returned: runs "
        f"{', '.join(s.title() for s in sorted(states.values()))}, {tasks} task "
        f"runs recorded"
    )
