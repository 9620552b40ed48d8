from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from taskbook import flow, task
from taskbook.cli.main import cli
from taskbook.concurrency.asyncio import concurrency as aconcurrency
from taskbook.concurrency.sync import concurrency
from taskbook.engine.concurrency import ConcurrencyLimits
from taskbook.errors import (
    AcquireConcurrencySlotTimeoutError,
    ConcurrencyLimitNotFoundError,
    ConcurrencyOccupyError,
)


@pytest.fixture
def limits(isolated_home: Path) -> ConcurrencyLimits:
    return ConcurrencyLimits(isolated_home)


def test_a_name_without_a_limit_does_not_limit(limits: ConcurrencyLimits) -> None:
    with concurrency("nobody-made-me", occupy=5):
        pass


def test_strict_makes_a_missing_limit_an_error(limits: ConcurrencyLimits) -> None:
    limits.create("db", 1)
    with (
        pytest.raises(
            ConcurrencyLimitNotFoundError, match=r"'api' does not exist.*limits: db"
        ),
        concurrency(["db", "api"], strict=True),
    ):
        pass


def test_occupying_more_than_the_limit_is_refused(limits: ConcurrencyLimits) -> None:
    limits.create("db", 2)
    with (
        pytest.raises(ConcurrencyOccupyError, match="at most the limit 2"),
        concurrency("db", occupy=3),
    ):
        pass


def test_a_full_limit_times_out_and_frees_its_slot_after_the_block(
    limits: ConcurrencyLimits,
) -> None:
    limits.create("db", 1)
    entered, leave = threading.Event(), threading.Event()

    def holder() -> None:
        with concurrency("db"):
            entered.set()
            leave.wait(30)

    thread = threading.Thread(target=holder)
    thread.start()
    assert entered.wait(30)
    with (
        pytest.raises(AcquireConcurrencySlotTimeoutError, match="db"),
        concurrency("db", timeout_seconds=0.05),
    ):
        pass
    assert isinstance(AcquireConcurrencySlotTimeoutError("x"), TimeoutError)
    leave.set()
    thread.join()
    with concurrency("db", timeout_seconds=5):
        assert limits.list()[0].active_slots == 1
    assert limits.list()[0].active_slots == 0


@pytest.mark.anyio
async def test_the_async_variant_takes_and_gives_back_slots(
    limits: ConcurrencyLimits,
) -> None:
    limits.create("db", 1)
    async with aconcurrency("db", occupy=1):
        assert limits.list()[0].active_slots == 1
    assert limits.list()[0].active_slots == 0


def test_tag_limits_bound_task_runs_with_the_tag(limits: ConcurrencyLimits) -> None:
    limits.create("tag:db", 1)
    inside, most, lock = [0], [0], threading.Lock()
    proceed = threading.Event()

    @task(tags=["db"])
    def query(i: int) -> int:
        with lock:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        proceed.wait(0.05)  # overlap if the limit let it; never set
        with lock:
            inside[0] -= 1
        return i

    @flow
    def many() -> list[int]:
        return [f.result() for f in query.map(range(4))]

    assert many() == [0, 1, 2, 3]
    assert most[0] == 1
    assert limits.list()[0].active_slots == 0


_WORKER = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from taskbook.concurrency.sync import concurrency

    log, go = Path(sys.argv[1]), Path(sys.argv[2])
    while not go.exists():
        time.sleep(0.005)
    with concurrency("shared", occupy=1, timeout_seconds=60):
        with log.open("a") as f:
            f.write(f"enter {os.getpid()}\\n")
        time.sleep(0.05)  # widen the window another process would use
        with log.open("a") as f:
            f.write(f"exit {os.getpid()}\\n")
    if len(sys.argv) > 3:
        os._exit(0)
    """
)


def _spawn(home: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "TASKBOOK_HOME": str(home)}
    return subprocess.Popen([sys.executable, "-c", _WORKER, *args], env=env, text=True)


@pytest.mark.slow
def test_processes_sharing_a_store_share_its_limits(
    limits: ConcurrencyLimits, isolated_home: Path, tmp_path: Path
) -> None:
    limits.create("shared", 1)
    log, go = tmp_path / "log.txt", tmp_path / "go"
    workers = [_spawn(isolated_home, str(log), str(go)) for _ in range(4)]
    go.touch()
    assert [w.wait(120) for w in workers] == [0, 0, 0, 0]

    lines = log.read_text().split()
    events = list(zip(lines[::2], lines[1::2], strict=True))
    assert len(events) == 8
    for (kind, pid), (next_kind, next_pid) in zip(
        events[::2], events[1::2], strict=True
    ):
        assert (kind, next_kind, pid) == ("enter", "exit", next_pid)


def test_the_slot_of_a_process_that_died_is_freed(
    limits: ConcurrencyLimits, isolated_home: Path
) -> None:
    limits.create("shared", 1)
    holder = "dead-holder"
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    pid = int(dead.stdout)
    limits.try_acquire(["shared"], 1, holder)
    with limits._connect() as conn:  # pretend a process that exited holds it
        conn.execute("UPDATE holders SET pid = ? WHERE holder = ?", (pid, holder))

    with concurrency("shared", timeout_seconds=30):
        assert limits.list()[0].holders == 1


def test_cli_creates_lists_and_deletes_tag_limits(isolated_home: Path) -> None:
    run: Callable[..., object] = CliRunner().invoke

    created = run(cli, ["concurrency-limit", "create", "db", "3"])
    listed = run(cli, ["concurrency-limit", "ls"])
    deleted = run(cli, ["concurrency-limit", "delete", "db"])
    missing = run(cli, ["concurrency-limit", "delete", "db"])

    assert created.exit_code == 0, created.output
    assert "tag='db' limit=3" in created.output
    assert listed.output.splitlines()[1].split() == ["db", "3", "0"]
    assert deleted.exit_code == 0
    assert missing.exit_code != 0
    assert "Concurrency limit 'tag:db' does not exist" in missing.output


def test_cli_global_limits(isolated_home: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["gcl", "create", "api", "--limit", "2"]).exit_code == 0
    listed = runner.invoke(cli, ["gcl", "ls"])
    assert listed.output.splitlines()[1].split() == ["api", "2", "0", "0.0"]
    assert ConcurrencyLimits(isolated_home).limits_for(["api"]) == {"api": 2}
