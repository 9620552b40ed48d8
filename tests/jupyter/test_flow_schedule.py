"""``%flow schedule ...`` in the notebook: the same command, checks and store as
``taskbook schedule``; ``add`` without a target schedules the kernel's notebook."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
import pytest
from IPython.core.error import UsageError
from IPython.utils.capture import capture_output

from taskbook.engine.store import RunStore
from taskbook.jupyter.magic_args import parse_flow_line
from taskbook.schedule.rows import load_schedules


def test_schedule_words_are_passed_on_unparsed() -> None:
    command = parse_flow_line("schedule add --cron '0 6 * * *' --tz Europe/Berlin")
    assert command.name == "schedule"
    assert command.args == ("add", "--cron", "0 6 * * *", "--tz", "Europe/Berlin")


@pytest.fixture
def notebook(tmp_path: Path, ip: Any) -> Path:
    path = tmp_path / "etl.ipynb"
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("n = 3")
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell, nbformat.v4.new_code_cell("print(n)")]
    nbformat.write(nb, path)
    ip.user_ns["__session__"] = str(path)  # what JupyterLab's kernel session sets
    yield path
    ip.user_ns.pop("__session__", None)


def test_flow_schedule_add_schedules_this_notebook_in_the_kernels_store(
    ip: Any, notebook: Path, isolated_home: Path
) -> None:
    with capture_output() as captured:
        ip.run_line_magic("flow", "schedule add --cron '0 6 * * 1-5' -p n 5")

    assert captured.stdout.startswith(
        f"Added schedule 'etl': {notebook} -p n 5, cron '0 6 * * 1-5' in UTC."
    )
    [row] = load_schedules(RunStore(isolated_home))
    assert row.spec.target == str(notebook)
    assert row.spec.parameters == {"n": 5}

    with capture_output() as captured:
        ip.run_line_magic("flow", "schedule ls")
    assert "etl [active]" in captured.stdout
    with capture_output() as captured:
        ip.run_line_magic("flow", "schedule pause etl")
    assert captured.stdout == "Paused schedule 'etl'.\n"


def test_flow_schedule_errors_are_one_line_and_store_nothing(
    ip: Any, notebook: Path, isolated_home: Path
) -> None:
    with pytest.raises(UsageError, match="Invalid cron expression 'every day'"):
        ip.run_line_magic("flow", "schedule add --cron 'every day'")
    with pytest.raises(UsageError, match="No schedule named 'nope'"):
        ip.run_line_magic("flow", "schedule rm nope")
    assert load_schedules(RunStore(isolated_home)) == []


def test_flow_serve_in_a_cell_says_to_export_or_schedule_the_notebook(ip: Any) -> None:
    from taskbook.errors import UnservableFlowError

    result = ip.run_cell(
        "from taskbook import flow\n"
        "@flow\n"
        "def in_cell(): pass\n"
        "in_cell.serve(name='cell', interval=60)\n"
    )
    assert isinstance(result.error_in_exec, UnservableFlowError)
    message = str(result.error_in_exec)
    assert message.startswith(
        "Cannot serve flow 'in-cell': it was defined in a notebook"
    )
    assert "taskbook export NOTEBOOK" in message
    assert "%flow schedule add --cron EXPR" in message
