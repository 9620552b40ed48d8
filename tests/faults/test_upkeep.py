"""``taskbook doctor [--repair]`` and ``taskbook gc``: what they find, fix and delete."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import taskbook
from taskbook import flow, task
from taskbook.cache_policies import INPUTS
from taskbook.cli.main import cli
from taskbook.engine.session import get_session

pytestmark = pytest.mark.usefixtures("isolated_home")


def taskbook_cli(*args: str) -> Result:
    get_session().store.flush()
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@task(cache_policy=INPUTS)
def blob(i: int, size: int) -> bytes:
    return bytes([i % 256]) * size


@flow
def produce(i: int, size: int = 10):
    return blob(i, size)


def _sql(home: Path, query: str, args: tuple = ()) -> list[tuple]:
    get_session().store.flush()  # the runs so far are committed
    with sqlite3.connect(home / "runs.sqlite") as db:
        return db.execute(query, args).fetchall()


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_doctor_on_a_healthy_project_says_intact_and_exits_0(isolated_home):
    produce(1)
    result = taskbook_cli("doctor")
    assert result.exit_code == 0, result.output
    assert f"store: {isolated_home / 'runs.sqlite'}: 1 runs" in result.output
    assert "cache: " in result.output
    assert result.output.count("intact") == 2


def test_doctor_finds_stuck_runs_and_orphans_and_repair_fixes_them(
    isolated_home, observe
):
    seen = observe("doctor")
    produce(1)
    _sql(
        isolated_home,
        "INSERT INTO flow_runs(id, flow_name, state_type, host, pid, created) "
        "VALUES ('stuck-run', 'etl', 'RUNNING', ?, ?, 0)",
        (socket.gethostname(), _dead_pid()),
    )
    orphan = isolated_home / "cache" / "00" / "orphan.val"
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"x" * 1000)

    found = taskbook_cli("doctor")
    assert found.exit_code == 1
    assert "! store: 1 run(s) left Running by a process that is gone (stuck-run)" in (
        found.output
    )
    assert "! cache: 1 orphaned file(s)" in found.output

    fixed = taskbook_cli("doctor", "--repair")
    assert fixed.exit_code == 0, fixed.output
    assert "fixed: store: marked 1 stuck run(s) Crashed" in fixed.output
    assert "fixed: cache: deleted orphaned file orphan.val" in fixed.output
    assert not orphan.exists()
    assert _sql(
        isolated_home, "SELECT state_type FROM flow_runs WHERE id='stuck-run'"
    ) == [("CRASHED",)]
    assert taskbook_cli("doctor").exit_code == 0
    seen(f"exit {found.exit_code} naming both; --repair: exit {fixed.exit_code}")


def test_doctor_repair_moves_a_damaged_cache_aside(isolated_home, observe):
    seen = observe("doctor-damaged-cache")
    produce(1)
    get_session().cache.close()
    (isolated_home / "cache" / "cache.db").write_bytes(b"garbage" * 1000)
    found = taskbook_cli("doctor")
    assert found.exit_code == 1
    assert "cache.db is damaged (file is not a database)" in found.output
    fixed = taskbook_cli("doctor", "--repair")
    assert "fixed: cache: moved the damaged" in fixed.output
    assert fixed.exit_code == 0, fixed.output
    seen(f"exit {found.exit_code}; --repair moved it aside, exit {fixed.exit_code}")


def test_gc_keeps_the_newest_runs_of_each_flow(isolated_home, observe):
    seen = observe("gc")
    for i in range(5):
        produce(i)
    result = taskbook_cli("gc", "--keep-last", "2")
    assert result.exit_code == 0, result.output
    assert "Deleted 3 run(s)" in result.output
    assert len(taskbook.runs()) == 2
    assert _sql(isolated_home, "SELECT COUNT(*) FROM task_runs") == [(2,)]
    seen(f"--keep-last 2 of 5 runs: {len(taskbook.runs())} runs, 2 task runs left")


def test_gc_deletes_runs_older_than_the_age_given(isolated_home, observe):
    seen = observe("gc")
    produce(1)
    produce(2)
    _sql(
        isolated_home,
        "UPDATE flow_runs SET created = created - 40 * 86400 "
        "WHERE rowid = (SELECT MIN(rowid) FROM flow_runs)",
    )
    result = taskbook_cli("gc", "--older-than", "30d")
    assert "Deleted 1 run(s)" in result.output
    assert len(taskbook.runs()) == 1
    seen("--older-than 30d: the 40-day-old run deleted, the new one kept")


def test_gc_trims_the_cache_to_its_size_oldest_first(isolated_home, observe):
    seen = observe("gc")
    for i in range(5):
        produce(i, 100_000)
    result = taskbook_cli("gc", "--max-cache-size", "300KB")
    assert result.exit_code == 0, result.output
    assert "and 3 cached result(s) (293.1 KB)" in result.output
    get_session().cache.close()

    @flow
    def states():
        return {i: blob(i, 100_000, return_state=True).name for i in range(5)}

    assert states() == {
        0: "Completed",
        1: "Completed",
        2: "Completed",
        3: "Cached",
        4: "Cached",
    }
    deleted = result.output.split(" and ")[1].rstrip(".\n")
    seen(f"--max-cache-size 300KB: {deleted} deleted, the 2 newest stay cached")


def test_saved_limits_apply_to_a_plain_gc_and_no_limit_is_a_usage_error(
    isolated_home,
):
    assert taskbook_cli("gc").exit_code == 2
    for i in range(3):
        produce(i)
    saved = taskbook_cli("gc", "--keep-last", "1", "--save")
    assert "Saved the limits" in saved.output
    produce(9)
    again = taskbook_cli("gc")
    assert "Deleted 1 run(s)" in again.output
    assert len(taskbook.runs()) == 1


def test_a_bad_age_or_size_names_the_value_and_the_form(isolated_home):
    age = taskbook_cli("gc", "--older-than", "3 months")
    assert age.exit_code == 2
    assert "--older-than '3 months' is not a duration" in age.output
    size = taskbook_cli("gc", "--max-cache-size", "big")
    assert "Write it like --max-cache-size 5GB." in size.output
