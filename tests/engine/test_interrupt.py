"""An interrupt (Ctrl-C, the kernel's stop button) cancels the run, promptly and for good.

Each test runs a real flow in a subprocess, waits until the run store shows work in
progress, sends SIGINT, and then reads the store the process left behind.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import taskbook

pytestmark = pytest.mark.usefixtures("isolated_home")

_SUBMITTED = """
    import pathlib, sys, time
    import signal
    # Ctrl-C as in a terminal: a test run started as a background job (CI
    # scripts, nohup) has SIGINT ignored, and a child would inherit that.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    from taskbook import flow, task
    from taskbook.task_runners import ThreadPoolTaskRunner

    starts = pathlib.Path(sys.argv[1])

    @task
    def work(i):
        (starts / f"start-{i}").write_text(repr(time.time()))
        time.sleep(1)
        (starts / f"done-{i}").write_text(repr(time.time()))
        return i

    @flow(name="many", task_runner=ThreadPoolTaskRunner(max_workers=2))
    def many():
        futures = [work.submit(i) for i in range(20)]
        return [f.result() for f in futures]

    many()
"""

_DIRECT = """
    import pathlib, sys, time
    import signal
    # Ctrl-C as in a terminal: a test run started as a background job (CI
    # scripts, nohup) has SIGINT ignored, and a child would inherit that.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    from taskbook import flow, task

    starts = pathlib.Path(sys.argv[1])

    @task
    def work(i):
        (starts / f"start-{i}").write_text(repr(time.time()))
        time.sleep(5)
        (starts / f"done-{i}").write_text(repr(time.time()))
        return i

    @flow(name="direct")
    def direct():
        return [work(i) for i in range(20)]

    direct()
"""


def _sql(home: Path, query: str, args: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(str(home / "runs.sqlite"), timeout=30)
    try:
        return conn.execute(query, args).fetchall()
    finally:
        conn.close()


def _running_tasks(home: Path) -> int:
    try:
        return _sql(home, "SELECT COUNT(*) FROM task_runs WHERE state_type='RUNNING'")[
            0
        ][0]
    except sqlite3.OperationalError:  # the store is not created yet
        return 0


def _interrupt_when_running(
    source: str, home: Path, tmp_path: Path, running: int
) -> tuple[subprocess.CompletedProcess, float, float, Path]:
    """Run ``source``; SIGINT it once ``running`` tasks run; return its outcome.

    Returns the finished process, the time the signal was sent, the seconds the
    process took to exit after it, and the directory of per-task start files.
    """
    script = tmp_path / "flow_script.py"
    script.write_text(textwrap.dedent(source))
    starts = tmp_path / "starts"
    starts.mkdir()
    env = {**os.environ, "TASKBOOK_HOME": str(home)}
    proc = subprocess.Popen(
        [sys.executable, str(script), str(starts)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        # Running in the store and inside the function (its start file written).
        while (
            _running_tasks(home) < running
            or len(list(starts.glob("start-*"))) < running
        ):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no task started in time"
            time.sleep(0.02)
        sent_at = time.time()
        t0 = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=15)
        exit_seconds = time.monotonic() - t0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    done = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    return done, sent_at, exit_seconds, starts


def _assert_interrupted_promptly(done: subprocess.CompletedProcess, seconds: float):
    assert done.returncode == -signal.SIGINT, done.stderr
    assert "KeyboardInterrupt" in done.stderr
    assert seconds < 3, f"the process took {seconds:.2f} s to stop after SIGINT"


def _assert_nothing_recorded_after_the_flow_was_cancelled(home: Path, flow_run_id):
    (cancelled_seq,) = _sql(
        home,
        "SELECT seq FROM states WHERE run_id=? AND type='CANCELLED'",
        (flow_run_id,),
    )[0]
    assert _sql(
        home, "SELECT COUNT(*) FROM states WHERE seq > ?", (cancelled_seq,)
    ) == [(0,)]
    (cancelled_ts,) = _sql(home, "SELECT ts FROM states WHERE seq=?", (cancelled_seq,))[
        0
    ]
    assert _sql(home, "SELECT MAX(ts) FROM states")[0][0] == cancelled_ts
    assert _sql(home, "SELECT COUNT(*) FROM logs WHERE ts > ?", (cancelled_ts,)) == [
        (0,)
    ]


def test_sigint_cancels_a_flow_of_submitted_tasks_and_nothing_runs_afterwards(
    isolated_home, tmp_path
):
    done, sent_at, seconds, starts = _interrupt_when_running(
        _SUBMITTED, isolated_home, tmp_path, running=2
    )
    _assert_interrupted_promptly(done, seconds)

    record = taskbook.get_run(taskbook.runs().id[0])
    assert (record.state_type, record.state_name) == ("CANCELLED", "Cancelled")
    assert record.message == "The flow run was cancelled by an interrupt."
    assert [s.type for s in record.states] == ["PENDING", "RUNNING", "CANCELLED"]

    by_type: dict[str, int] = {}
    for task_run in record.task_runs:
        by_type[task_run.state_type] = by_type.get(task_run.state_type, 0) + 1
    assert set(by_type) <= {"COMPLETED", "CANCELLED"}
    assert by_type.get("CANCELLED", 0) >= 18  # at least 18 of 20 never finished
    assert sum(by_type.values()) == 20

    started = {
        p.name.split("-")[1]: float(p.read_text()) for p in starts.glob("start-*")
    }
    finished = {p.name.split("-")[1] for p in starts.glob("done-*")}
    assert 2 <= len(started) <= 4, sorted(started)  # only those already running
    assert all(ts < sent_at for ts in started.values()), "a task started after SIGINT"
    assert finished <= set(started)
    assert len(finished) == by_type.get("COMPLETED", 0)

    # Time passes: the interrupted tasks stop where they are and stay unrecorded.
    time.sleep(1.2)
    assert {p.name.split("-")[1] for p in starts.glob("done-*")} == finished
    _assert_nothing_recorded_after_the_flow_was_cancelled(isolated_home, record.id)


def test_sigint_during_a_direct_task_call_cancels_the_task_and_the_flow(
    isolated_home, tmp_path
):
    done, _sent_at, seconds, starts = _interrupt_when_running(
        _DIRECT, isolated_home, tmp_path, running=1
    )
    _assert_interrupted_promptly(done, seconds)
    assert seconds < 2  # time.sleep in the main thread is interrupted at once

    record = taskbook.get_run(taskbook.runs().id[0])
    assert record.state_type == "CANCELLED"
    (task_run,) = record.task_runs  # later tasks were never even created
    assert task_run.name == "work-0"
    assert [s.type for s in task_run.states] == ["PENDING", "RUNNING", "CANCELLED"]
    assert task_run.states[-1].message == "The task run was cancelled by an interrupt."
    assert sorted(p.name for p in starts.iterdir()) == ["start-0"]
    _assert_nothing_recorded_after_the_flow_was_cancelled(isolated_home, record.id)
