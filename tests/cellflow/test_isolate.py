"""``--isolate process``: the cell runs in a child process, values come back, kills are hard."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from taskbook.cellflow.capture import OutputCapture, capturing
from taskbook.cellflow.execute import format_error
from taskbook.cellflow.isolate import run_isolated
from taskbook.cellflow.remote import CellJob
from taskbook.cellflow.result import NotebookRunResult
from taskbook.errors import UnpicklableInputError, UnpicklableOutputError

from .helpers import by_name, states, stdout

Run = Callable[..., NotebookRunResult]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_isolated_cell_runs_in_another_process_and_returns_its_values(
    run: Run, shell: Any
) -> None:
    result = run(
        "base = 5",
        "%%task iso --isolate process\nimport os\nchild_pid = os.getpid()\n"
        "doubled = base * 2\nprint('in the child', doubled)\ndoubled",
        "%%task after\nplus_one = doubled + 1",
    )

    assert states(result) == {
        "cell-1": "Completed",
        "iso": "Completed",
        "after": "Completed",
    }
    ns = shell.user_ns
    assert ns["child_pid"] != os.getpid()
    assert (ns["doubled"], ns["plus_one"]) == (10, 11)
    iso = by_name(result)["iso"]
    assert stdout(iso) == "in the child 10\n"
    assert iso.outputs[-1]["output_type"] == "execute_result"
    assert iso.outputs[-1]["data"]["text/plain"] == "10"


def test_isolated_cell_displays_rich_output(run: Run) -> None:
    result = run(
        "%%task iso --isolate process\nfrom IPython.display import HTML, display\n"
        "display(HTML('<i>from the child</i>'))"
    )

    (output,) = by_name(result)["iso"].outputs
    assert output["output_type"] == "display_data"
    assert output["data"]["text/html"] == "<i>from the child</i>"


def test_isolated_cell_is_cached_like_any_other(run: Run, shell: Any) -> None:
    cells = ("%%task iso --isolate process\nimport os\nchild_pid = os.getpid()",)
    first = run(*cells)
    pid = shell.user_ns["child_pid"]

    second = run(*cells)

    assert states(first) == {"iso": "Completed"}
    assert states(second) == {"iso": "Cached"}
    assert shell.user_ns["child_pid"] == pid


def test_timeout_kills_the_isolated_child(run: Run, tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"

    # The limit leaves a busy machine time to start the child; the sleep is far longer than
    # any start, so only a kill ends the cell before it.
    began = time.perf_counter()
    result = run(
        f"%%task sleeper --isolate process --timeout 5\nimport os, pathlib, time\n"
        f"pathlib.Path({str(pid_file)!r}).write_text(str(os.getpid()))\ntime.sleep(600)"
    )
    elapsed = time.perf_counter() - began

    assert states(result) == {"sleeper": "TimedOut"}
    assert elapsed < 300
    pid = int(pid_file.read_text())
    assert pid != os.getpid()
    assert not _alive(pid)


def test_error_in_the_child_fails_the_cell_with_that_error(run: Run) -> None:
    result = run("%%task iso --isolate process\nraise KeyError('missing')")

    iso = by_name(result)["iso"]
    assert iso.state_name == "Failed"
    assert "KeyError" in (iso.message or "")
    assert "missing" in (iso.message or "")


def test_unpicklable_output_of_an_isolated_cell_names_the_variable(run: Run) -> None:
    result = run(
        "%%task iso --isolate process\nimport threading\nlock = threading.Lock()\nok = 1"
    )

    iso = by_name(result)["iso"]
    assert iso.state_name == "Failed"
    message = iso.message or ""
    assert "UnpicklableOutputError" in message
    assert "Output 'lock' of Task 'iso' (cell 1) cannot be pickled" in message


def test_run_isolated_raises_unpicklable_output_error_with_the_fix() -> None:
    with pytest.raises(UnpicklableOutputError) as caught:
        run_isolated(
            CellJob(
                "import threading\nlock = threading.Lock()",
                "<taskbook-cell-0>",
                {},
                ["lock"],
                "Task 'iso' (cell 1)",
            )
        )

    message = str(caught.value)
    assert "Output 'lock' of Task 'iso' (cell 1) cannot be pickled" in message
    assert (
        "Drop --isolate process, or delete 'lock' at the end of the cell (del lock)."
        in message
    )


def test_run_isolated_refuses_an_unpicklable_input() -> None:
    import threading

    with pytest.raises(UnpicklableInputError, match="input 'guard' \\(lock"):
        run_isolated(
            CellJob(
                "x = 1",
                "<taskbook-cell-0>",
                {"guard": threading.Lock()},
                ["x"],
                "Task 'iso' (cell 1)",
            )
        )


def test_run_isolated_passes_system_exit_through() -> None:
    with pytest.raises(SystemExit) as caught:
        run_isolated(
            CellJob(
                "raise SystemExit(4)", "<taskbook-cell-0>", {}, [], "Cell 'c' (cell 1)"
            )
        )

    assert caught.value.code == 4


def test_a_crashing_child_is_an_error_naming_the_cell() -> None:
    with pytest.raises(
        RuntimeError,
        match=r"Task 'iso' \(cell 1\) crashed in its isolated process \(exit code 7\)",
    ):
        run_isolated(
            CellJob(
                "import os\nos._exit(7)",
                "<taskbook-cell-0>",
                {},
                [],
                "Task 'iso' (cell 1)",
            )
        )


def test_processes_runner_isolates_every_cell(run: Run, shell: Any) -> None:
    result = run(
        "import os\nfirst_pid = os.getpid()",
        "import os\nsecond_pid = os.getpid()",
        runner="processes",
    )

    assert set(states(result).values()) == {"Completed"}
    pids = {shell.user_ns["first_pid"], shell.user_ns["second_pid"], os.getpid()}
    assert len(pids) == 3


def test_isolated_cell_that_exits_keeps_what_it_printed(run: Run, shell: Any) -> None:
    # Plain cells in child processes: the second waits for the first, then never runs.
    result = run(
        "print('leaving early')\nraise SystemExit(0)",
        "later = 1",
        runner="processes",
    )

    assert result.ok
    assert result.stopped_by_exit
    assert stdout(by_name(result)["cell-1"]) == "leaving early\n"
    assert "later" not in shell.user_ns


def test_failing_isolated_cell_shows_its_output_and_the_childs_traceback() -> None:
    capture = OutputCapture()

    with capturing(capture), pytest.raises(KeyError) as caught:
        run_isolated(
            CellJob(
                "print('before')\nx = 1\nraise KeyError('missing')",
                "<taskbook-cell-4>",
                {},
                ["x"],
                "Task 'iso' (cell 5)",
            )
        )

    assert capture.outputs == [
        {"output_type": "stream", "name": "stdout", "text": "before\n"}
    ]
    _, _, lines = format_error(caught.value, "<taskbook-cell-")
    trace = "\n".join(lines)
    assert 'File "<taskbook-cell-4>", line 3, in <module>' in trace
    assert "raise KeyError('missing')" in trace


def test_functions_defined_in_an_isolated_cell_see_the_notebooks_globals(
    run: Run, shell: Any
) -> None:
    run(
        "factor = 2",
        "%%task iso --isolate process\ndef times(v):\n    return v * factor\n",
    )

    shell.user_ns["factor"] = 10

    assert shell.user_ns["times"](3) == 30
