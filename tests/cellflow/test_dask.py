"""``runner="dask"``: cells run on the workers of a real LocalCluster, values come back."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest

from taskbook.cellflow.result import NotebookRunResult

from .helpers import by_name, states, stdout

pytestmark = pytest.mark.slow

Run = Callable[..., NotebookRunResult]


def test_cells_run_on_workers_and_their_values_come_back(run: Run, shell: Any) -> None:
    result = run(
        "import os\nbase = 20",
        "def double(v):\n    return v * 2",
        "%%task far\nimport os\nwhere = os.getpid()\nvalue = double(base) + 2\n"
        "print('value is', value)\nvalue",
        "%%task near\nnext_value = value + 1",
        runner="dask",
        max_workers=1,
    )

    assert states(result) == {
        "cell-1": "Completed",
        "cell-2": "Completed",
        "far": "Completed",
        "near": "Completed",
    }
    assert shell.user_ns["where"] != os.getpid()
    assert (shell.user_ns["value"], shell.user_ns["next_value"]) == (42, 43)
    # A function defined on a worker reads the notebook's globals once it is back.
    assert shell.user_ns["double"](4) == 8
    far = by_name(result)["far"]
    assert stdout(far) == "value is 42\n"
    assert far.outputs[-1]["data"]["text/plain"] == "42"


def test_a_failing_cell_fails_with_its_own_traceback_and_is_retried(
    run: Run, tmp_path: Any
) -> None:
    flag = tmp_path / "second-attempt"
    result = run(
        "%%task flaky --retries 1 --no-cache\nimport pathlib\n"
        f"marker = pathlib.Path({str(flag)!r})\n"
        "if not marker.exists():\n    marker.touch()\n    raise KeyError('first')\n"
        "ok = True",
        "%%task broken\nprint('before')\nrows = []\nraise ValueError('bad row 7')",
        "%%task after\nn = len(rows)",
        runner="dask",
    )

    assert states(result) == {
        "flaky": "Completed",
        "broken": "Failed",
        "after": "NotReady",
    }
    cells = by_name(result)
    assert cells["flaky"].attempts == 2
    assert cells["broken"].message is not None
    assert "ValueError: bad row 7" in cells["broken"].message
    error = cells["broken"].outputs[-1]
    assert error["output_type"] == "error"
    assert any("raise ValueError('bad row 7')" in line for line in error["traceback"])
    assert stdout(cells["broken"]) == "before\n"
