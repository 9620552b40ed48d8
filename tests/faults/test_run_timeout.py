"""``taskbook run --timeout S`` stops the run at its limit, whatever the cell does.

The cell would run for ten minutes; the run must end long before that, Failed, with
the cell TimedOut, also when the cell is blocked in C code (one ``time.sleep``).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import nbformat
import pytest

from faults.programs import run_taskbook, write_notebook

pytestmark = pytest.mark.slow

LIMIT = ("--timeout", "1")
_BODIES = {
    "blocked in C": "time.sleep(600)",
    "in Python": "for _ in range(6000):\n    time.sleep(0.1)",
}


@pytest.mark.parametrize("where", list(_BODIES))
def test_a_run_timeout_stops_a_long_cell_and_marks_it_timed_out(
    tmp_path: Path, where, observe
):
    seen = observe(f"timeout-{where}")
    cells = ["import time", _BODIES[where], "print('after')"]
    write_notebook(tmp_path / "slow.ipynb", cells)

    # The guard is far below the 600 s the cell alone would take.
    result = run_taskbook(
        tmp_path, "run", "slow.ipynb", "out.ipynb", *LIMIT, timeout=100
    )
    assert result.returncode == 1, result.stderr
    out = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    states = {c.id: c.metadata.get("taskbook", {}).get("state_name") for c in out.cells}
    assert states["c1"] == "TimedOut"
    assert "after" not in result.stdout
    with sqlite3.connect(tmp_path / "home" / "runs.sqlite") as db:
        ((flow_state, flow_name),) = db.execute(
            "SELECT state_type, state_name FROM flow_runs"
        ).fetchall()
    assert (flow_state, flow_name) == ("FAILED", "TimedOut")
    seen(
        f"exit {result.returncode} (well before 600 s), cell {states['c1']}, run "
        f"{flow_state.title()} ({flow_name})"
    )
