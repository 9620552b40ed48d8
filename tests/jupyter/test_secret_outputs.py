"""A secret loaded in a kernel never reaches the notebook: not through a plain
cell's print, a displayed value, a cell's result, a traceback or a task's log.

Run in a real kernel by nbclient, as JupyterLab runs a notebook: the executed
notebook holds what the front end received and would save.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from tests.blocks.test_masking import VALUE, files_holding

from taskbook.engine import masking

pytestmark = pytest.mark.slow

CELLS = [
    "%load_ext taskbook\nfrom taskbook.blocks.system import Secret",
    "token = Secret.load('api-key').get()\nprint('plain print:', token)",
    "display('displayed ' + token)",
    "'cell result ' + token",
    "%%task use_token\nimport logging\n"
    "logging.getLogger('taskbook.task').warning('logged %s', token)\n"
    "print('task print:', token)\nlength = len(token)",
    "%flow run",
    "import sys\nsys.stderr.write('stderr ' + token + '\\n')",
    "raise RuntimeError('rejected ' + token)",
]


def test_a_secret_printed_shown_or_raised_in_a_kernel_is_masked_in_the_notebook(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(source) for source in CELLS]
    )
    saver = (
        "from taskbook.blocks.system import Secret\n"
        f"Secret(value={VALUE!r}).save('api-key')"
    )
    env = {**os.environ, "TASKBOOK_HOME": str(home)}
    subprocess.run([sys.executable, "-c", saver], env=env, check=True)
    client = NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    os.environ["TASKBOOK_HOME"] = str(home)
    try:
        with pytest.raises(CellExecutionError):
            client.execute()
    finally:
        os.environ.pop("TASKBOOK_HOME")

    saved = nbformat.writes(notebook)
    assert VALUE not in saved
    outputs = [cell.get("outputs", []) for cell in notebook.cells]
    text = [str(cell_outputs) for cell_outputs in outputs]
    assert f"plain print: {masking.MASK}" in text[1]
    assert f"displayed {masking.MASK}" in text[2]
    assert f"cell result {masking.MASK}" in text[3]
    assert f"stderr {masking.MASK}" in text[6]
    (error,) = outputs[7]
    assert error["output_type"] == "error"
    assert error["evalue"] == f"rejected {masking.MASK}"
    # The task's print and log line, wherever the run showed them.
    assert f"task print: {masking.MASK}" in saved
    assert f"logged {masking.MASK}" in saved
    assert files_holding(home, VALUE) == []
