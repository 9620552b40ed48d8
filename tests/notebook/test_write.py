from __future__ import annotations

import datetime as dt
import json
import os
import stat
from pathlib import Path

import nbformat
import pytest
from tests.corpora import PAPERMILL

from taskbook.cellflow.result import CellOutcome
from taskbook.notebook.read import read_notebook
from taskbook.notebook.write import (
    ERROR_MARKER_TAG,
    build_output_notebook,
    jsonable,
    write_notebook,
)


def stream(text: str) -> dict[str, object]:
    return {"output_type": "stream", "name": "stdout", "text": text}


def notebook_with_stale_outputs(tmp_path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("a = 1", execution_count=7),
        nbformat.v4.new_markdown_cell("text"),
        nbformat.v4.new_code_cell("print(a)\na", execution_count=8),
        nbformat.v4.new_code_cell("%flow show", execution_count=9),
    ]
    for cell in (nb.cells[0], nb.cells[2], nb.cells[3]):
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="stale\n")]
        cell.metadata["taskbook"] = {"state": "COMPLETED", "stale": True}
    path = tmp_path / "in.ipynb"
    nbformat.write(nb, path)
    return path


def test_cells_carry_this_runs_outputs_and_nothing_stale(tmp_path: Path) -> None:
    nb, cells = read_notebook(notebook_with_stale_outputs(tmp_path))
    first, second, control = (c.id for c in cells)
    outcomes = {
        first: CellOutcome(
            first,
            "cell-1",
            "cell",
            "COMPLETED",
            "Completed",
            execution_count=1,
            duration=0.5,
            attempts=1,
        ),
        second: CellOutcome(
            second,
            "cell-3",
            "cell",
            "COMPLETED",
            "Cached",
            outputs=[
                stream("1\n"),
                {
                    "output_type": "execute_result",
                    "data": {"text/plain": "1"},
                    "metadata": {},
                    "execution_count": None,
                },
            ],
            execution_count=2,
            cache_key="k2",
        ),
    }
    out = build_output_notebook(
        nb, outcomes, summary={"flow_run_id": "r1", "state": "COMPLETED"}
    )
    nbformat.validate(out)
    by_id = {c.id: c for c in out.cells}
    assert by_id[first].outputs == []
    assert by_id[first].execution_count == 1
    assert by_id[first].metadata.taskbook == {
        "name": "cell-1",
        "kind": "cell",
        "state": "COMPLETED",
        "state_name": "Completed",
        "message": None,
        "duration": 0.5,
        "attempts": 1,
        "cache_key": None,
    }
    assert [o.output_type for o in by_id[second].outputs] == [
        "stream",
        "execute_result",
    ]
    assert by_id[second].outputs[1].execution_count == 2
    assert by_id[second].metadata.taskbook["state_name"] == "Cached"
    # A code cell that is no DAG node (a control cell) keeps no stale outputs.
    assert by_id[control].outputs == []
    assert by_id[control].execution_count is None
    assert "taskbook" not in by_id[control].metadata
    assert out.metadata.taskbook == {"flow_run_id": "r1", "state": "COMPLETED"}
    # The input notebook is not modified.
    assert nb.cells[0].outputs[0].text == "stale\n"


def test_cells_that_never_ran_have_state_but_no_outputs(tmp_path: Path) -> None:
    nb, cells = read_notebook(notebook_with_stale_outputs(tmp_path))
    failed, never, _ = (c.id for c in cells)
    error = {
        "output_type": "error",
        "ename": "ValueError",
        "evalue": "bad",
        "traceback": ["ValueError: bad"],
    }
    outcomes = {
        failed: CellOutcome(
            failed, "cell-1", "cell", "FAILED", "Failed", "ValueError: bad", [error], 1
        ),
        never: CellOutcome(never, "cell-3", "cell", "PENDING", "NotReady"),
    }
    out = build_output_notebook(nb, outcomes, summary={}, failed_cell_ids=[failed])
    nbformat.validate(out)
    cells_out = [c for c in out.cells if c.cell_type == "code"]
    assert cells_out[0].outputs[0].ename == "ValueError"
    assert cells_out[1].outputs == []
    assert cells_out[1].execution_count is None
    assert cells_out[1].metadata.taskbook["state_name"] == "NotReady"


def test_a_failed_run_gets_papermills_error_markers_once(tmp_path: Path) -> None:
    nb, cells = read_notebook(PAPERMILL / "broken1.ipynb")
    # broken1 carries markers from an earlier papermill run: they go.
    assert sum(ERROR_MARKER_TAG in c.metadata.get("tags", []) for c in nb.cells) == 2
    failing = cells[1].id
    outcomes = {
        failing: CellOutcome(
            failing, "cell-7", "cell", "FAILED", "Failed", execution_count=2
        )
    }
    out = build_output_notebook(nb, outcomes, summary={}, failed_cell_ids=[failing])
    nbformat.validate(out)
    markers = [
        i
        for i, c in enumerate(out.cells)
        if ERROR_MARKER_TAG in c.metadata.get("tags", [])
    ]
    assert markers[0] == 0
    assert "In [2]" in out.cells[0].source
    assert out.cells[markers[1] + 1].id == failing
    assert len(markers) == 2
    clean = build_output_notebook(nb, {}, summary={})
    assert not any(ERROR_MARKER_TAG in c.metadata.get("tags", []) for c in clean.cells)


def test_papermill_metadata_is_written_when_given(tmp_path: Path) -> None:
    nb, _ = read_notebook(PAPERMILL / "simple_execute.ipynb")
    out = build_output_notebook(
        nb,
        {},
        summary={"parameters": {"day": dt.date(2024, 1, 2)}},
        papermill={"parameters": {"msg": "x"}, "input_path": "in.ipynb"},
    )
    assert out.metadata.papermill == {
        "parameters": {"msg": "x"},
        "input_path": "in.ipynb",
    }
    assert out.metadata.taskbook == {"parameters": {"day": "2024-01-02"}}


def test_jsonable() -> None:
    assert jsonable(
        {"t": (1, dt.datetime(2024, 1, 2, 3, 4)), 5: float("nan"), "o": object}
    ) == {
        "t": [1, "2024-01-02T03:04:00"],
        "5": "nan",
        "o": "<class 'object'>",
    }


def test_write_is_atomic_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    nb, _ = read_notebook(PAPERMILL / "simple_execute.ipynb")
    target = tmp_path / "out.ipynb"
    write_notebook(nb, target)
    assert nbformat.read(target, as_version=4) == nb
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o644
    os.chmod(target, 0o600)
    nb.metadata["changed"] = True
    write_notebook(nb, target)
    assert json.loads(target.read_text())["metadata"]["changed"] is True
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.ipynb"]


def test_write_into_a_missing_folder_fails_without_leftovers(tmp_path: Path) -> None:
    nb, _ = read_notebook(PAPERMILL / "simple_execute.ipynb")
    with pytest.raises(FileNotFoundError):
        write_notebook(nb, tmp_path / "missing" / "out.ipynb")
    assert list(tmp_path.iterdir()) == []


def test_write_dash_goes_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    nb, _ = read_notebook(PAPERMILL / "simple_execute.ipynb")
    write_notebook(nb, "-")
    assert nbformat.reads(capsys.readouterr().out, as_version=4) == nb
