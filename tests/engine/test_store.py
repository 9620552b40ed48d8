"""The run store records everything a run does, across processes and crashes.

Real SQLite under a per-test ``$TASKBOOK_HOME``; other processes are real
subprocesses running real flows on the same home.
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
from taskbook import flow, get_run_logger, task
from taskbook.artifacts import (
    create_link_artifact,
    create_markdown_artifact,
    create_table_artifact,
)
from taskbook.errors import RunNotFoundError

pytestmark = pytest.mark.usefixtures("isolated_home")


def _run_script(home: Path, source: str, tmp_path: Path, name: str) -> subprocess.Popen:
    script = tmp_path / f"{name}.py"
    script.write_text(textwrap.dedent(source))
    env = {**os.environ, "TASKBOOK_HOME": str(home), "TASKBOOK_LOGGING_LEVEL": "ERROR"}
    return subprocess.Popen(
        [sys.executable, str(script)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _sql(home: Path, query: str, args: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(str(home / "runs.sqlite"), timeout=30)
    try:
        return conn.execute(query, args).fetchall()
    finally:
        conn.close()


def _poll(predicate, timeout: float = 15.0, interval: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except sqlite3.OperationalError:  # table not created yet
            pass
        time.sleep(interval)
    return False


# --- states, logs, parameters, artifacts ------------------------------------------------


def test_every_state_change_of_a_retried_task_is_recorded_with_increasing_timestamps():
    calls = []

    @task(retries=2, retry_delay_seconds=0.01)
    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise ValueError("not yet")
        return "ok"

    @flow
    def pipeline():
        return flaky()

    before = time.time()
    state = pipeline(return_state=True)
    after = time.time()
    assert state.result() == "ok"

    record = taskbook.get_run(taskbook.runs().id[0])
    assert [(s.type, s.name) for s in record.states] == [
        ("PENDING", "Pending"),
        ("RUNNING", "Running"),
        ("COMPLETED", "Completed"),
    ]
    (task_run,) = record.task_runs
    assert [(s.type, s.name) for s in task_run.states] == [
        ("PENDING", "Pending"),
        ("RUNNING", "Running"),
        ("SCHEDULED", "AwaitingRetry"),
        ("RUNNING", "Retrying"),
        ("SCHEDULED", "AwaitingRetry"),
        ("RUNNING", "Retrying"),
        ("COMPLETED", "Completed"),
    ]
    assert task_run.run_count == 3
    assert task_run.state_name == "Completed"
    stamps = [s.timestamp for s in record.states + task_run.states]
    assert all(before <= ts <= after for ts in stamps)
    task_stamps = [s.timestamp for s in task_run.states]
    assert task_stamps == sorted(task_stamps)
    assert task_run.start_time == task_run.states[1].timestamp
    assert task_run.end_time == task_run.states[-1].timestamp
    assert record.duration is not None
    assert 0 <= record.duration <= after - before


def test_a_failed_task_records_its_message_and_the_flow_records_failed():
    @task
    def boom():
        raise KeyError("missing")

    @flow
    def pipeline():
        return boom()

    state = pipeline(return_state=True)
    assert state.is_failed()
    record = taskbook.get_run(taskbook.runs().id[0])
    assert record.state_type == "FAILED"
    assert "KeyError: 'missing'" in record.message
    (task_run,) = record.task_runs
    assert task_run.state_type == "FAILED"
    assert task_run.states[-1].message == (
        "Task run encountered an exception KeyError: 'missing'"
    )


def test_logs_parameters_tags_and_artifacts_are_in_get_run():
    @task
    def report(x: int) -> int:
        get_run_logger().warning("task saw %d", x)
        create_markdown_artifact("# Report\nall good", key="daily-report")
        return x + 1

    @flow(log_prints=True)
    def pipeline(n: int, label: str = "first"):
        print("flow printed", label)
        create_table_artifact([{"a": 1, "b": 2}], key="numbers", description="nums")
        create_link_artifact("https://example.org/data", link_text="Data")
        return report(n)

    with taskbook.tags("nightly"):
        assert pipeline(41) == 42

    record = taskbook.get_run(taskbook.runs().id[0])
    assert record.parameters == {"n": 41, "label": "first"}
    assert record.tags == ["nightly"]
    assert record.flow_name == "pipeline"
    (task_run,) = record.task_runs
    assert task_run.tags == ["nightly"]

    messages = [
        (log["task_run_id"], log["level"], log["message"]) for log in record.logs
    ]
    assert (None, 20, "flow printed first") in messages
    assert (task_run.id, 30, "task saw 41") in messages

    by_data = {
        a["data"] if a["type"] != "table" else "table": a for a in record.artifacts
    }
    # A link artifact is markdown, as in Prefect (its type is "markdown").
    assert sorted(a["type"] for a in record.artifacts) == [
        "markdown",
        "markdown",
        "table",
    ]
    markdown = by_data["# Report\nall good"]
    assert markdown["key"] == "daily-report"
    assert markdown["task_run_id"] == task_run.id
    assert by_data["table"]["data"] == [{"a": 1, "b": 2}]
    assert by_data["table"]["description"] == "nums"
    assert by_data["table"]["task_run_id"] is None
    assert "[Data](https://example.org/data)" in by_data
    assert all(a["flow_run_id"] == record.id for a in record.artifacts)


# --- runs() -------------------------------------------------------------------------


def test_runs_is_a_dataframe_newest_first_with_a_flow_name_filter():
    @flow
    def alpha(i: int):
        return i

    @flow(name="beta-flow")
    def beta():
        return None

    alpha(1)
    beta()
    alpha(2)

    frame = taskbook.runs()
    assert list(frame.columns) == [
        "id",
        "flow_name",
        "name",
        "state_type",
        "state_name",
        "message",
        "parameters",
        "tags",
        "created",
        "start_time",
        "end_time",
        "run_count",
        "task_runs",
        "duration",
    ]
    assert list(frame.flow_name) == ["alpha", "beta-flow", "alpha"]
    assert list(frame.parameters) == [{"i": 2}, {}, {"i": 1}]
    assert list(frame.state_type) == ["COMPLETED"] * 3
    assert frame.created.is_monotonic_decreasing
    assert str(frame.created.dt.tz) == "UTC"
    assert (frame.duration >= 0).all()

    only_alpha = taskbook.runs(flow_name="alpha")
    assert list(only_alpha.parameters) == [{"i": 2}, {"i": 1}]
    assert list(taskbook.runs(flow_name="nothing-here").id) == []
    assert len(taskbook.runs(limit=1)) == 1


def test_runs_counts_the_task_runs_of_each_flow_run():
    @task
    def one(i):
        return i

    @flow
    def pipeline(n: int):
        return [one(i) for i in range(n)]

    pipeline(3)
    pipeline(0)
    assert list(taskbook.runs().task_runs) == [0, 3]


def test_get_run_of_an_unknown_id_says_where_it_looked_and_what_to_do(isolated_home):
    with pytest.raises(RunNotFoundError, match=r"No run with id 'no-such-run'") as info:
        taskbook.get_run("no-such-run")
    message = str(info.value)
    assert str(isolated_home / "runs.sqlite") in message
    assert "taskbook.runs()" in message
    assert isinstance(info.value, KeyError)


# --- several processes, one store ------------------------------------------------------

_MANY_TASKS = """
    import pathlib, sys, time
    from taskbook import flow, task

    # Start together: announce readiness, then wait for the test's go signal.
    here = pathlib.Path(__file__).parent
    (here / (pathlib.Path(__file__).stem + ".ready")).touch()
    while not (here / "go").exists():
        time.sleep(0.005)

    @task
    def one(i):
        return i

    @flow(name="writer")
    def writer(tag: str):
        return sum(one(i) for i in range(200))

    assert writer(sys.argv[0]) == 199 * 200 // 2
"""


def test_two_processes_writing_one_store_at_once_lose_nothing(isolated_home, tmp_path):
    procs = [
        _run_script(isolated_home, _MANY_TASKS, tmp_path, f"writer{i}")
        for i in range(2)
    ]
    assert _poll(lambda: len(list(tmp_path.glob("*.ready"))) == 2)
    (tmp_path / "go").touch()
    for proc in procs:
        _out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err

    assert _sql(
        isolated_home, "SELECT COUNT(*), COUNT(DISTINCT pid) FROM flow_runs"
    ) == [(2, 2)]
    assert _sql(
        isolated_home,
        "SELECT state_type, COUNT(*) FROM task_runs GROUP BY state_type",
    ) == [("COMPLETED", 400)]
    assert _sql(
        isolated_home,
        "SELECT kind, type, COUNT(*) FROM states GROUP BY kind, type ORDER BY kind, type",
    ) == [
        ("flow", "COMPLETED", 2),
        ("flow", "PENDING", 2),
        ("flow", "RUNNING", 2),
        ("task", "COMPLETED", 400),
        ("task", "PENDING", 400),
        ("task", "RUNNING", 400),
    ]
    frame = taskbook.runs()
    assert list(frame.task_runs) == [200, 200]
    assert list(frame.state_type) == ["COMPLETED", "COMPLETED"]


# --- crash recovery --------------------------------------------------------------------

_SLEEPER = """
    import time
    from taskbook import flow, task

    @task
    def quick():
        return 1

    @task
    def sleepy():
        time.sleep(60)

    @flow(name="doomed")
    def doomed():
        quick()
        sleepy()

    doomed()
"""


def test_a_run_left_running_by_a_killed_process_is_crashed_when_the_store_reopens(
    isolated_home, tmp_path
):
    proc = _run_script(isolated_home, _SLEEPER, tmp_path, "sleeper")
    try:
        assert _poll(
            lambda: (
                _sql(
                    isolated_home,
                    "SELECT COUNT(*) FROM task_runs WHERE name LIKE 'sleepy%' "
                    "AND state_type='RUNNING'",
                )
                == [(1,)]
            )
        ), "the subprocess never recorded its running task"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    assert _sql(isolated_home, "SELECT state_type FROM flow_runs") == [("RUNNING",)]

    # Opening the store again (a new session on the same home) repairs the record.
    record = taskbook.get_run(taskbook.runs().id[0])
    assert record.state_type == "CRASHED"
    assert (
        record.message
        == "The process running this flow exited before the run finished."
    )
    assert record.states[-1].type == "CRASHED"
    assert record.end_time is not None
    by_name = {t.name: t for t in record.task_runs}
    assert by_name["quick-0"].state_type == "COMPLETED"  # finished work stays finished
    assert by_name["sleepy-0"].state_type == "CRASHED"
    assert [s.type for s in by_name["sleepy-0"].states] == [
        "PENDING",
        "RUNNING",
        "CRASHED",
    ]


def test_a_run_of_a_live_process_is_not_marked_crashed(isolated_home, tmp_path):
    proc = _run_script(isolated_home, _SLEEPER, tmp_path, "sleeper")
    try:
        assert _poll(
            lambda: (
                _sql(
                    isolated_home,
                    "SELECT COUNT(*) FROM task_runs WHERE state_type='RUNNING'",
                )
                == [(1,)]
            )
        )
        assert list(taskbook.runs().state_type) == ["RUNNING"]
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=10)
