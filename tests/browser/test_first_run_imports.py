"""The first ``%flow run`` after a kernel restart, whose task imports pandas.

The live view draws while a task thread may be importing pandas. plotly peeks at
``sys.modules["pandas"]``, and used to find it half-built: "live view update
failed" (partially initialized module 'pandas'), 3 times out of 3. The test holds
any ``import pandas`` made in a task's thread half-done (``tests/hold_import.py``,
copied next to the notebook) until the view's thread meets it, so whenever the
race can happen, it does.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

import hold_import

pytestmark = pytest.mark.browser

CELLS = [
    "%load_ext taskbook",
    'import hold_import\nhold_import.hold("pandas")',
    '%%task load\nimport pandas as pd\nframe = pd.DataFrame({"x": [1, 2, 3]})',
    '%%task total\ns = int(frame["x"].sum())',
    "%flow run",
    "print(hold_import.outcome, s)",
]


def test_first_flow_run_draws_while_a_task_imports_pandas(
    notebook_page: Any, lab_server: Any
) -> None:
    folder = lab_server.root / "first_run"
    folder.mkdir(exist_ok=True)
    shutil.copy(Path(hold_import.__file__), folder / "hold_import.py")
    nb = notebook_page(CELLS, "first_run/first_run")
    nb.run_cell(0)
    nb.run_cell(1)
    assert nb.errors() == []
    nb.run_cell(4)
    output = nb.output(4)
    nb.wait_in_output(4, ".taskbook-run svg.tb-graph")
    states = output.evaluate(
        """(root) => Object.fromEntries(Array.from(root.querySelectorAll('g.tb-node'))
            .map((g) => [g.querySelector('text.tb-label').textContent, g.dataset.state]))"""
    )
    assert states["load"] == states["total"] == "COMPLETED"
    assert "live view update failed" not in output.inner_text()
    assert output.locator("svg.tb-gantt g.tb-row").count() == len(states)
    nb.screenshot("first-run")
    nb.run_cell(5)
    held, total = nb.output(5).inner_text().strip().rsplit(" ", 1)
    assert "view failed" not in held
    assert total == "6"
