"""How a notebook run goes: parallel tasks, ordered plain cells, failures, exits."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import taskbook
from taskbook.cellflow.headless import run_notebook
from taskbook.cellflow.result import NotebookRunResult
from taskbook.core.run_options import RunOptions
from taskbook.errors import (
    AbandonedThreadWarning,
    DependencyCycleError,
    HiddenStateError,
    NotebookGraphWarning,
    UnknownTaskError,
)

from .helpers import by_name, notebook, states, stdout

Run = Callable[..., NotebookRunResult]


# --- parallel tasks, ordered plain cells -------------------------------------------


def test_independent_task_cells_run_in_parallel(run: Run, shell: Any) -> None:
    sleeper = "%%task {name}\nimport time\n{name}_start = time.time()\ntime.sleep(0.5)\n{name}_end = time.time()"

    began = time.perf_counter()
    result = run(sleeper.format(name="a"), sleeper.format(name="b"))
    elapsed = time.perf_counter() - began

    assert states(result) == {"a": "Completed", "b": "Completed"}
    ns = shell.user_ns
    assert ns["a_start"] < ns["b_end"]
    assert ns["b_start"] < ns["a_end"]
    assert elapsed < 0.9


def test_plain_cells_keep_notebook_order(run: Run, shell: Any) -> None:
    result = run(
        "import time\ntime.sleep(0.3)\nfirst_done = time.time()",
        "import time\nsecond_start = time.time()",
        "third = 3",
    )

    assert set(states(result).values()) == {"Completed"}
    assert shell.user_ns["first_done"] <= shell.user_ns["second_start"]
    counts = [c.execution_count for c in result.cells.values()]
    assert counts == sorted(counts)


def test_a_task_waits_for_the_cells_it_reads(run: Run, shell: Any) -> None:
    result = run(
        "%%task slow\nimport time\ntime.sleep(0.3)\ndata = [1, 2, 3]",
        "%%task total\ntotal = sum(data)",
    )

    assert states(result) == {"slow": "Completed", "total": "Completed"}
    assert shell.user_ns["total"] == 6


def test_after_orders_tasks_without_data(run: Run, shell: Any) -> None:
    result = run(
        "%%task setup\nimport time\ntime.sleep(0.3)\nsetup_done = time.time()",
        "%%task later --after setup\nimport time\nlater_start = time.time()",
    )

    assert states(result) == {"setup": "Completed", "later": "Completed"}
    assert shell.user_ns["setup_done"] <= shell.user_ns["later_start"]


def test_run_is_recorded_as_one_flow_run_with_a_task_run_per_cell(run: Run) -> None:
    result = run("x = 1", "%%task double\ny = 2 * x")

    runs = taskbook.runs()
    assert list(runs["flow_name"]) == ["nb"]
    assert list(runs["task_runs"]) == [2]
    assert list(runs["id"]) == [result.flow_run_id]


# --- failures ------------------------------------------------------------------------


def test_a_failing_cell_stops_its_dependents_only(run: Run, shell: Any) -> None:
    result = run(
        "base = 2",
        "%%task broken\nbad = base / 0",
        "%%task uses_bad\nworse = bad + 1",
        "%%task independent\nfine = base * 10",
        "after_all = 1",
    )

    assert states(result) == {
        "cell-1": "Completed",
        "broken": "Failed",
        "uses_bad": "NotReady",
        "independent": "Completed",
        "cell-5": "Completed",
    }
    assert not result.ok
    assert result.state.is_failed()
    assert [c.name for c in result.failed_cells] == ["broken"]
    assert "ZeroDivisionError" in (by_name(result)["broken"].message or "")
    assert shell.user_ns["fine"] == 20
    assert "worse" not in shell.user_ns


def test_plain_cells_stop_at_the_first_error(run: Run, shell: Any) -> None:
    result = run("a = 1", "raise RuntimeError('stop here')", "c = 3")

    assert states(result) == {
        "cell-1": "Completed",
        "cell-2": "Failed",
        "cell-3": "NotReady",
    }
    assert "c" not in shell.user_ns
    assert [c.name for c in result.failed_cells] == ["cell-2"]


def _flaky(counter: Path, failures: int) -> str:
    return (
        f"%%task flaky --retries 2\n"
        f"import pathlib\n"
        f"p = pathlib.Path({str(counter)!r})\n"
        f"n = int(p.read_text()) if p.exists() else 0\n"
        f"p.write_text(str(n + 1))\n"
        f"print('attempt', n)\n"
        f"if n < {failures}:\n"
        f"    raise RuntimeError(f'flake {{n}}')\n"
        f"ok = n"
    )


def test_retries_end_completed_with_the_last_attempts_outputs(
    run: Run, shell: Any, tmp_path: Path
) -> None:
    counter = tmp_path / "count"

    result = run(_flaky(counter, failures=2))

    flaky = by_name(result)["flaky"]
    assert flaky.state_name == "Completed"
    assert counter.read_text() == "3"
    assert stdout(flaky) == "attempt 2\n"
    assert shell.user_ns["ok"] == 2


def test_retries_are_counted_as_attempts(run: Run, tmp_path: Path) -> None:
    result = run(_flaky(tmp_path / "count", failures=2))

    assert by_name(result)["flaky"].attempts == 3


def test_retries_run_out(run: Run, tmp_path: Path) -> None:
    counter = tmp_path / "count"

    result = run(_flaky(counter, failures=5))

    assert by_name(result)["flaky"].state_name == "Failed"
    assert "flake 2" in (by_name(result)["flaky"].message or "")
    assert counter.read_text() == "3"


def test_timeout_ends_the_cell_timed_out(run: Run, shell: Any) -> None:
    began = time.perf_counter()
    result = run(
        "%%task spin --timeout 0.3\nimport time\nend = time.time() + 10\n"
        "while time.time() < end:\n    pass\nspun = True",
        "%%task reader\nr = spun",
    )

    assert states(result) == {"spin": "TimedOut", "reader": "NotReady"}
    assert "exceeded timeout of 0.3 second" in (by_name(result)["spin"].message or "")
    assert time.perf_counter() - began < 5
    assert "spun" not in shell.user_ns


def test_timeout_on_a_blocking_call_warns_naming_the_task(run: Run) -> None:
    with pytest.warns(AbandonedThreadWarning) as caught:
        result = run("%%task nap --timeout 0.2\nimport time\ntime.sleep(1.5)")

    assert states(result) == {"nap": "TimedOut"}
    assert "Task 'nap'" in str(caught[0].message)


# --- SystemExit ----------------------------------------------------------------------


def test_system_exit_zero_stops_the_run_as_success(run: Run, shell: Any) -> None:
    result = run(
        "a = 1",
        "print('leaving')\nraise SystemExit(0)",
        "b = 2",
        "%%task c\nc = b + 1",
    )

    assert result.ok
    assert (result.stopped_by_exit, result.system_exit) == (True, 0)
    assert states(result)["cell-2"] == "Completed"
    assert stdout(by_name(result)["cell-2"]) == "leaving\n"
    assert by_name(result)["cell-3"].execution_count is None
    assert by_name(result)["c"].execution_count is None
    assert "b" not in shell.user_ns
    assert "c" not in shell.user_ns
    assert result.failed_cells == []


def test_bare_system_exit_is_success(run: Run, shell: Any) -> None:
    result = run("raise SystemExit", "later = 1")

    assert result.ok
    assert result.stopped_by_exit
    assert result.system_exit is None
    assert "later" not in shell.user_ns


def test_system_exit_with_a_code_is_a_failure(run: Run, shell: Any) -> None:
    result = run("a = 1", "raise SystemExit(3)", "b = 2")

    assert not result.ok
    assert (result.stopped_by_exit, result.system_exit) == (True, 3)
    assert [c.name for c in result.failed_cells] == ["cell-2"]
    assert by_name(result)["cell-3"].execution_count is None
    assert "b" not in shell.user_ns


def test_system_exit_with_a_code_shows_the_exit_in_the_cell(run: Run) -> None:
    result = run("print('bye')\nraise SystemExit(3)")

    outputs = by_name(result)["cell-1"].outputs
    assert [o["output_type"] for o in outputs] == ["stream", "error"]
    assert outputs[1]["ename"] == "SystemExit"


# --- a bad DAG fails before anything runs --------------------------------------------


def test_hidden_state_is_an_error_before_anything_runs(
    run: Run, shell: Any, tmp_path: Path
) -> None:
    marker = tmp_path / "ran"

    with pytest.raises(HiddenStateError) as caught:
        run(
            f"import pathlib\npathlib.Path({str(marker)!r}).write_text('x')",
            "y = undefined_thing + 1",
            strict=True,
        )

    message = str(caught.value)
    assert (
        "reads 'undefined_thing', which no earlier cell defines (hidden state)"
        in message
    )
    assert "Define 'undefined_thing' in a cell above" in message
    assert not marker.exists()
    assert "pathlib" not in shell.user_ns
    assert taskbook.runs().empty


def test_hidden_state_is_a_warning_interactively(run: Run, shell: Any) -> None:
    shell.user_ns["typed_by_hand"] = 41

    with pytest.warns(NotebookGraphWarning, match="reads 'nowhere'"):
        result = run("y = typed_by_hand + 1", "z = nowhere")

    assert states(result) == {"cell-1": "Completed", "cell-2": "Failed"}
    assert shell.user_ns["y"] == 42


def test_after_cycle_is_an_error_naming_it(run: Run, tmp_path: Path) -> None:
    marker = tmp_path / "ran"

    with pytest.raises(
        DependencyCycleError,
        match=re.escape("Dependency cycle detected: a -> b -> a."),
    ):
        run(
            f"%%task a --after b\nimport pathlib\npathlib.Path({str(marker)!r}).write_text('x')\nx = 1",
            "%%task b\ny = x",
        )

    assert not marker.exists()
    assert taskbook.runs().empty


def test_after_an_unknown_task_is_an_error(run: Run) -> None:
    with pytest.raises(UnknownTaskError, match=re.escape("No task named 'nope'")):
        run("%%task a --after nope\nx = 1")


# --- selection -----------------------------------------------------------------------


def test_to_runs_a_task_and_its_upstream_only(run: Run, shell: Any) -> None:
    result = run(
        "n = 2",
        "%%task square\nsq = n * n",
        "%%task cube\ncu = n ** 3",
        to=["square"],
    )

    assert states(result) == {"cell-1": "Completed", "square": "Completed"}
    assert "cu" not in shell.user_ns


def test_failed_reruns_what_failed_last_time(
    run: Run, shell: Any, tmp_path: Path
) -> None:
    flag = tmp_path / "fixed"
    cells = (
        "base = 1",
        f"%%task fragile --no-cache\nimport pathlib\nif not pathlib.Path({str(flag)!r}).exists():\n    raise RuntimeError('not yet')\nv = base",
        "%%task steady\ns = base + 1",
    )
    first = run(*cells)
    flag.write_text("ok")

    second = run(*cells, failed=True)

    assert states(first)["fragile"] == "Failed"
    assert states(second) == {"fragile": "Completed"}
    assert shell.user_ns["v"] == 1


# --- headless entry point ------------------------------------------------------------


def test_run_notebook_is_strict_and_applies_parameters(shell: Any) -> None:
    specs = notebook("%%params\nn = 1", "%%task double\nd = n * 2")

    result = run_notebook(
        specs, notebook_name="hl", options=RunOptions(parameters={"n": 21})
    )

    assert result.ok
    assert shell.user_ns["d"] == 42
    assert result.parameters == {"n": 21}
    with pytest.raises(HiddenStateError):
        run_notebook(
            notebook("y = nowhere"),
            notebook_name="hl",
            options=RunOptions(parameters={}),
        )


def test_parameters_are_part_of_the_cache_key(shell: Any) -> None:
    specs = notebook("%%params\nn = 1", "%%task double\nd = n * 2")

    first = run_notebook(
        specs, notebook_name="hl", options=RunOptions(parameters={"n": 2})
    )
    other = run_notebook(
        specs, notebook_name="hl", options=RunOptions(parameters={"n": 3})
    )
    again = run_notebook(
        specs, notebook_name="hl", options=RunOptions(parameters={"n": 2})
    )

    assert states(first) == {"params": "Completed", "double": "Completed"}
    assert states(other) == {"params": "Completed", "double": "Completed"}
    assert states(again) == {"params": "Cached", "double": "Cached"}
    assert shell.user_ns["d"] == 4


def test_flow_timeout_reports_the_cell_it_stopped(run: Run) -> None:
    with pytest.warns(AbandonedThreadWarning) as caught:
        result = run("import time\ntime.sleep(1.5)\nslow = 1", "after = 2", timeout=0.3)

    assert result.state.name == "TimedOut"
    assert not result.ok
    # The cell that was running when the run timed out did start: it is not Pending.
    assert by_name(result)["cell-1"].state_name != "Pending"
    assert by_name(result)["cell-2"].execution_count is None
    assert "'nb'" in str(caught[0].message)


def test_cells_that_call_an_imported_module_run_at_the_same_time(
    run: Run, tmp_path: Path
) -> None:
    # Each middle cell announces itself, then waits (with time.sleep) for the other:
    # run one after the other, the first would wait out its 60 s and fail.
    def meet(me: str, other: str) -> str:
        return (
            f"%%task {me}\n"
            f"(pathlib.Path({str(tmp_path)!r}) / {me!r}).touch()\n"
            f"waited = 0\n"
            f"while not (pathlib.Path({str(tmp_path)!r}) / {other!r}).exists():\n"
            f"    time.sleep(0.01)\n"
            f"    waited += 1\n"
            f"    if waited > 6000:\n"
            f"        raise TimeoutError('{other} never started')\n"
            f"{me}_done = True"
        )

    result = run(
        "import pathlib\nimport time",
        meet("left", "right"),
        meet("right", "left"),
        "%%task join\nboth = left_done and right_done",
    )

    assert states(result) == {
        "cell-1": "Completed",
        "left": "Completed",
        "right": "Completed",
        "join": "Completed",
    }
