"""Errors where they belong: a bad ``%%task`` line fails its own cell; tracebacks
show the user's frames, not taskbook's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from taskbook.cellflow.result import NotebookRunResult
from taskbook.errors import NotebookGraphWarning

from .helpers import by_name, states

Run = Callable[..., NotebookRunResult]


def _error_lines(result: NotebookRunResult, name: str) -> list[str]:
    (error,) = [o for o in by_name(result)[name].outputs if o["output_type"] == "error"]
    return "\n".join(error["traceback"]).splitlines()


def test_a_bad_task_line_fails_its_cell_and_the_rest_runs_as_around_a_failure(
    run: Run, shell: Any
) -> None:
    with pytest.warns(NotebookGraphWarning) as said:
        result = run(
            "base = 2",
            "%%task broken --retires 2\nbad = base + 1",
            "%%task uses_bad\nworse = bad + 1",
            "%%task independent\nfine = base * 10",
            "%%task unnamed --after\nalso = base",
            "after_all = 1",
        )

    # Said before the run starts, cell by cell.
    assert [str(w.message)[:28] for w in said] == [
        "Cell 2 (%%task broken --reti",
        "Cell 5 (%%task unnamed --aft",
    ]

    assert states(result) == {
        "cell-1": "Completed",
        "broken": "Failed",
        "uses_bad": "NotReady",
        "independent": "Completed",
        "unnamed": "Failed",
        "cell-6": "Completed",
    }
    assert shell.user_ns["fine"] == 20
    assert "bad" not in shell.user_ns  # the cell's code never ran
    broken = by_name(result)["broken"]
    assert broken.message is not None
    assert (
        "UnknownMagicOptionError: Cell 2 (%%task broken --retires 2): Unknown option "
        "'--retires' for %%task. Did you mean --retries?" in broken.message
    )
    # The cell's output is the error, in one line: no traceback of taskbook's.
    assert _error_lines(result, "broken")[0].startswith(
        "UnknownMagicOptionError: Cell 2 (%%task broken --retires 2)"
    )
    assert _error_lines(result, "unnamed") == [
        "InvalidOptionError: Cell 5 (%%task unnamed --after): %%task option --after "
        "has no value. Write --after followed by T[,T...]."
    ]


def test_a_bad_task_line_is_never_served_from_the_cache(run: Run) -> None:
    good = run("%%task load --retries 1\nx = 1")
    assert states(good) == {"load": "Completed"}

    bad_line = "%%task load --retires 1\nx = 1"
    with pytest.warns(NotebookGraphWarning, match="Unknown option '--retires'"):
        bad = run(bad_line)
    with pytest.warns(NotebookGraphWarning, match="Unknown option '--retires'"):
        stale = run(bad_line, stale=True)
    assert states(bad) == {"load": "Failed"}
    assert states(stale) == {"load": "Failed"}


def test_a_task_calling_the_python_api_shows_only_the_users_frames(
    run: Run,
) -> None:
    result = run(
        "from taskbook import task\n"
        "@task\n"
        "def inner(v):\n"
        "    raise ValueError(f'bad {v}')",
        "%%task outer\nvalue = inner(3)",
    )

    assert states(result)["outer"] == "Failed"
    lines = _error_lines(result, "outer")
    assert lines == [
        "Traceback (most recent call last):",
        '  File "<taskbook-cell-2>", line 1, in <module>',
        "    value = inner(3)",
        "            ^^^^^^^^",
        '  File "<taskbook-cell-1>", line 4, in inner',
        "    raise ValueError(f'bad {v}')",
        "ValueError: bad 3",
    ]


def test_xmode_show_gives_a_task_cell_its_full_traceback(run: Run, shell: Any) -> None:
    cells = (
        "from taskbook import task\n"
        "@task\n"
        "def inner(v):\n"
        "    raise ValueError(f'bad {v}')",
        "%%task outer\nvalue = inner(3)",
    )
    shell.run_line_magic("xmode", "--show")
    try:
        full = "\n".join(_error_lines(run(*cells), "outer"))
    finally:
        shell.run_line_magic("xmode", "--hide")

    assert "taskbook/api/tasks.py" in full
    assert "taskbook/" not in "\n".join(_error_lines(run(*cells), "outer"))
