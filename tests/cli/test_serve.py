"""``taskbook serve`` as users run it: real processes, real time, real signals.

Timing is controlled by events the tests watch (rows in the store, lines in the
server's output, a gate file the runs wait for), never by sleeps that assume a
machine's speed; assertions are about counts and slots, not durations. The one
wait on the wall clock is inherent: slots must fall due while the server is down.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

FLOWS = """
import os, pathlib, time
from taskbook import flow

@flow
def tick(out: str, gate: str = ""):
    with open(out, "a") as f:
        f.write(f"{os.getpid()}\\n")
    while gate and not pathlib.Path(gate).exists():
        time.sleep(0.02)  # until the test opens the gate
"""


class Project:
    """A folder with a flow module and a store, and the ``taskbook`` command."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.home = root / "home"
        (root / "flows.py").write_text(FLOWS)
        self.out = root / "runs.txt"
        self.gate = root / "gate"
        self.env = {**os.environ, "TASKBOOK_HOME": str(self.home)}
        self.servers: list[subprocess.Popen[str]] = []

    def taskbook(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "taskbook.cli", *args],
            capture_output=True,
            text=True,
            env=self.env,
            cwd=self.root,
            timeout=120,
            check=False,
        )

    def add(self, *args: str) -> None:
        done = self.taskbook(
            "schedule", "add", "flows.py:tick", "-p", "out", str(self.out), *args
        )
        assert done.returncode == 0, done.stderr

    def serve(self, *args: str) -> subprocess.Popen[str]:
        log = (self.root / f"serve{len(self.servers)}.out").open("w")
        server = subprocess.Popen(
            [sys.executable, "-m", "taskbook.cli", "serve", *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            env=self.env,
            cwd=self.root,
        )
        self.servers.append(server)
        return server

    def output(self, index: int = -1) -> str:
        return (self.root / f"serve{index % len(self.servers)}.out").read_text()

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        if not (self.home / "runs.sqlite").exists():
            return []
        conn = sqlite3.connect(self.home / "runs.sqlite", timeout=30)
        try:
            return conn.execute(sql).fetchall()
        except sqlite3.OperationalError:  # the tables are not created yet
            return []
        finally:
            conn.close()

    def slots(self, *states: str) -> list[tuple[Any, ...]]:
        where = (
            f" WHERE state IN ({','.join(repr(s) for s in states)})" if states else ""
        )
        return self.query(
            "SELECT slot_us, state, flow_run_id, reason FROM schedule_slots"
            f"{where} ORDER BY slot_us"
        )

    def flow_runs(self) -> list[tuple[Any, ...]]:
        return self.query(
            "SELECT id, state_type FROM flow_runs WHERE flow_name = 'tick' "
            "AND parent_task_run_id IS NULL"
        )

    def cleanup(self) -> None:
        for server in self.servers:
            if server.poll() is None:
                server.kill()
                server.wait(30)
        for (pid,) in self.query(
            "SELECT pid FROM schedule_slots WHERE state = 'running' AND pid IS NOT NULL"
        ):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
        self.gate.touch()


def wait_until(check: Callable[[], Any], what: str, timeout: float = 90) -> Any:
    """Return ``check()``'s first true value; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    made = Project(tmp_path)
    yield made
    made.cleanup()


def _stop(server: subprocess.Popen[str]) -> int:
    server.send_signal(signal.SIGTERM)
    return server.wait(120)


def test_an_interval_of_one_second_fires_three_times_and_the_store_holds_three_runs(
    project: Project,
) -> None:
    project.add("--interval", "1", "--catchup", "all", "--overlap", "allow")
    server = project.serve()
    wait_until(lambda: len(project.slots("completed")) >= 3, "three completed runs")
    paused = project.taskbook("schedule", "pause", "tick")  # wakes serve: no more slots
    assert paused.returncode == 0
    assert _stop(server) == 0

    ran = project.slots("launching", "running", "completed", "failed", "crashed")
    slots = [slot_us for slot_us, *_ in ran]
    seconds = [(s - slots[0]) / 1e6 for s in slots]
    assert len(ran) >= 3
    assert seconds == list(range(len(ran)))  # consecutive 1-s slots, none twice
    assert {state for _, state, *_ in ran} == {"completed"}
    run_ids = [run_id for _, _, run_id, _ in ran]
    assert len(set(run_ids)) == len(ran)
    assert None not in run_ids
    assert sorted(run_ids) == sorted(run_id for run_id, _ in project.flow_runs())
    assert len(project.out.read_text().splitlines()) == len(ran)


def test_kill_9_in_a_due_window_then_restart_runs_every_slot_exactly_once(
    project: Project,
) -> None:
    project.add("--interval", "1", "--catchup", "all", "--overlap", "allow")
    first = project.serve()
    wait_until(lambda: len(project.slots("completed")) >= 2, "two completed runs")
    # The moment a slot is claimed and its process not yet started: kill -9.
    wait_until(lambda: project.slots("launching"), "a claimed slot")
    first.send_signal(signal.SIGKILL)
    first.wait(30)
    killed_at = time.time()
    # Slots fall due while no server runs (the wall clock must pass them).
    wait_until(lambda: time.time() > killed_at + 2.5, "two slots of downtime")

    second = project.serve()
    restarted_at = time.time()
    wait_until(
        lambda: any(s / 1e6 > restarted_at + 1 for s, *_ in project.slots("completed")),
        "runs after the restart",
    )
    assert project.taskbook("schedule", "pause", "tick").returncode == 0
    assert _stop(second) == 0
    wait_until(lambda: not project.slots("launching", "running"), "every run to finish")

    ran = project.slots()
    slots = [slot_us for slot_us, *_ in ran]
    assert [(s - slots[0]) / 1e6 for s in slots] == list(range(len(ran)))  # none missed
    assert {state for _, state, *_ in ran} == {"completed"}  # none skipped, none lost
    run_ids = [run_id for _, _, run_id, _ in ran]
    flow_runs = project.flow_runs()
    assert len(flow_runs) == len(ran)  # no slot ran twice
    assert sorted(run_ids) == sorted(run_id for run_id, _ in flow_runs)
    assert len(project.out.read_text().splitlines()) == len(ran)
    assert any(s / 1e6 > killed_at and s / 1e6 < restarted_at for s in slots)


def _one_run_at_a_time(project: Project) -> None:
    """Every second; while a run waits at the gate, later slots are skipped."""
    project.add("--interval", "1", "--overlap", "skip", "-p", "gate", str(project.gate))


def _ran(project: Project) -> list[tuple[Any, ...]]:
    return [row for row in project.slots() if row[1] != "skipped"]


def test_sigterm_mid_run_lets_the_run_finish_within_the_grace_period(
    project: Project,
) -> None:
    _one_run_at_a_time(project)
    server = project.serve("--grace", "120")
    wait_until(lambda: project.out.exists(), "the run to start")
    server.send_signal(signal.SIGTERM)
    wait_until(
        lambda: "stopping (SIGTERM)" in project.output(), "serve to stop launching"
    )
    project.gate.touch()

    assert server.wait(120) == 0
    [(_, state, run_id, _)] = _ran(project)
    assert state == "completed"
    assert project.flow_runs() == [(run_id, "COMPLETED")]
    assert "stopped" in project.output()


def test_sigterm_stops_launching_while_runs_finish(project: Project) -> None:
    # --overlap allow: a server that kept launching would start a run a second.
    project.add(
        "--interval", "1", "--overlap", "allow", "-p", "gate", str(project.gate)
    )
    server = project.serve("--grace", "120")
    wait_until(lambda: project.out.exists(), "a run to start")
    sigterm_at = time.time()
    server.send_signal(signal.SIGTERM)
    wait_until(
        lambda: "stopping (SIGTERM)" in project.output(), "serve to stop launching"
    )
    # Slots fall due during the grace period (the wall clock must pass them).
    wait_until(lambda: time.time() > sigterm_at + 3.5, "three slots in the grace")
    project.gate.touch()

    assert server.wait(120) == 0
    ran = _ran(project)
    assert {state for _, state, *_ in ran} == {"completed"}
    # None of the slots due after SIGTERM (a tick under way may finish one).
    assert max(slot_us for slot_us, *_ in ran) / 1e6 < sigterm_at + 1
    assert len(project.flow_runs()) == len(ran)


def test_sigterm_mid_run_cancels_it_after_the_grace_period_and_records_that(
    project: Project,
) -> None:
    _one_run_at_a_time(project)
    server = project.serve("--grace", "1")
    wait_until(lambda: project.out.exists(), "the run to start")
    server.send_signal(signal.SIGTERM)

    assert server.wait(120) == 0
    [(_, state, run_id, reason)] = _ran(project)
    assert state == "cancelled"
    assert "did not finish within the 1 s grace period" in reason
    assert project.flow_runs() == [(run_id, "CANCELLED")]


def test_a_second_serve_on_the_same_store_is_refused(project: Project) -> None:
    _one_run_at_a_time(project)
    server = project.serve()
    wait_until(lambda: "serving the schedules" in project.output(), "serve to start")

    second = project.taskbook("serve")

    assert second.returncode == 2
    assert f"Another `taskbook serve` (process {server.pid})" in second.stderr
    listed = project.taskbook("schedule", "ls")
    assert f"taskbook serve: running (pid {server.pid})" in listed.stdout
    assert _stop(server) == 0
