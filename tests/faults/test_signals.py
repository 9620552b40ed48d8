"""Signals to ``taskbook run``: the run ends recorded Cancelled and the output is written.

Real processes: the test waits for a file the cell writes when it has started,
then signals; the cell would otherwise sleep for a minute.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
from pathlib import Path

import pytest

from faults.programs import home_env, taskbook_command, write_notebook

pytestmark = pytest.mark.slow

_CELLS = [
    "import pathlib, time",
    "pathlib.Path('started').write_text('yes')\nfor _ in range(600):\n    time.sleep(0.1)",
]


def start_run(folder: Path, *extra: str) -> subprocess.Popen[str]:
    """Start ``taskbook run sleepy.ipynb out.ipynb``; return once the cell runs."""
    notebook = write_notebook(folder / "sleepy.ipynb", _CELLS)
    process = subprocess.Popen(
        taskbook_command("run", str(notebook), "out.ipynb", *extra),
        cwd=folder,
        env=home_env(folder),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    started = folder / "started"
    while not started.exists():
        if process.poll() is not None:
            raise AssertionError(process.communicate())
        try:
            process.wait(0.02)
        except subprocess.TimeoutExpired:
            pass
    return process


def recorded_states(folder: Path) -> list[str]:
    with sqlite3.connect(folder / "home" / "runs.sqlite") as db:
        return [s for (s,) in db.execute("SELECT state_type FROM flow_runs")]


def output_state(folder: Path) -> str:
    nb = json.loads((folder / "out.ipynb").read_text())
    return nb["metadata"]["taskbook"]["state"]


@pytest.mark.parametrize("attempt", range(6))
def test_two_sigints_close_together_cancel_the_run_and_write_the_output(
    tmp_path, attempt, observe
):
    seen = observe("two-sigints")
    process = start_run(tmp_path)
    process.send_signal(signal.SIGINT)
    process.send_signal(signal.SIGINT)  # as `timeout` and impatient users do
    _out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert err.rstrip().endswith("Interrupted.")
    assert recorded_states(tmp_path) == ["CANCELLED"]
    assert output_state(tmp_path) == "CANCELLED"
    seen(f"exit {process.returncode}, run Cancelled, output written (Cancelled)")


def test_sigterm_records_the_run_cancelled_writes_the_output_and_exits_143(
    tmp_path, observe
):
    seen = observe("sigterm")
    process = start_run(tmp_path)
    process.send_signal(signal.SIGTERM)
    _out, err = process.communicate(timeout=60)
    assert process.returncode == 143, err
    assert recorded_states(tmp_path) == ["CANCELLED"]
    assert output_state(tmp_path) == "CANCELLED"
    seen(f"exit {process.returncode}, run Cancelled, output written (Cancelled)")


def test_three_sigints_exit_at_once_and_leave_no_run_running(tmp_path, observe):
    seen = observe("three-sigints")
    process = start_run(tmp_path)
    for _ in range(3):
        process.send_signal(signal.SIGINT)
    process.communicate(timeout=60)
    assert process.returncode == 130
    from taskbook.engine.store import RunStore

    RunStore(tmp_path / "home")  # what the next process to open the store does
    (state,) = recorded_states(tmp_path)
    assert state in {"CANCELLED", "CRASHED"}
    seen(f"exit {process.returncode}; run {state.title()} after the next open")
