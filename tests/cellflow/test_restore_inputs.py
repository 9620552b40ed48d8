"""``--only`` after a restart: the inputs of the selected cells come back from the cache.

Real shell and diskcache; a "restart" forgets every name the cells defined and uses
a fresh runner, as a new kernel would.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from taskbook.cellflow.result import NotebookRunResult
from taskbook.cellflow.runner import NotebookRunner
from taskbook.core.run_options import RunOptions
from taskbook.errors import MissingInputError, NotebookGraphWarning

from .helpers import notebook, states

Run = Callable[..., NotebookRunResult]

CELLS = (
    "factor = 3",
    "%%task load\nraw = list(range(5))",
    "%%task clean\nclean = [x * factor for x in raw]",
    "%%task slow_a\na = sum(clean)\nprint('a', a)",
    "%%task slow_b\nb = max(clean)",
)


def _after_restart(
    shell: Any, restart: Callable[[], None], *cells: str, **options: Any
):
    restart()
    return NotebookRunner(shell, "nb").run(notebook(*cells), RunOptions(**options))


def test_only_after_a_restart_restores_the_inputs_of_the_selected_cell(
    run: Run, shell: Any, restart: Callable[[], None]
) -> None:
    run(*CELLS)

    result = _after_restart(shell, restart, *CELLS, only=("slow_a",))

    assert states(result) == {"slow_a": "Cached"}
    assert result.restored == ("cell-1", "load", "clean")
    assert (shell.user_ns["clean"], shell.user_ns["a"]) == ([0, 3, 6, 9, 12], 30)
    assert "b" not in shell.user_ns


def test_an_input_still_in_the_namespace_is_left_as_it_is(
    run: Run, shell: Any, restart: Callable[[], None]
) -> None:
    run(*CELLS)
    restart()
    shell.user_ns["clean"] = [1, 1]

    result = NotebookRunner(shell, "nb").run(
        notebook(*CELLS), RunOptions(only=("slow_a",))
    )

    assert (states(result), result.restored) == ({"slow_a": "Completed"}, ())
    assert shell.user_ns["a"] == 2


def test_a_producer_whose_source_changed_is_named_before_anything_runs(
    run: Run, shell: Any, restart: Callable[[], None]
) -> None:
    run(*CELLS)
    edited = list(CELLS)
    edited[2] = "%%task clean\nclean = [x * factor + 1 for x in raw]"

    with pytest.raises(MissingInputError) as caught:
        _after_restart(shell, restart, *edited, only=("slow_a",))

    assert str(caught.value) == (
        "Task 'slow_a' (cell 4) reads 'clean', which 'clean' produces; it has not "
        "run in this kernel and its cached result cannot be used: no cached result "
        "matches its source and inputs. Run it first: %flow run --to clean"
    )
    assert "a" not in shell.user_ns


def test_a_producer_without_caching_is_named(
    run: Run, shell: Any, restart: Callable[[], None]
) -> None:
    cells = list(CELLS)
    cells[2] = "%%task clean --no-cache\nclean = [x * factor for x in raw]"
    run(*cells)

    with pytest.raises(MissingInputError, match=r"caching is off \(--no-cache\)"):
        _after_restart(shell, restart, *cells, only=("slow_b",))


def test_a_producer_with_a_bad_task_line_is_named_for_that_line(
    run: Run, shell: Any, restart: Callable[[], None]
) -> None:
    run(*CELLS)
    cells = list(CELLS)
    cells[2] = "%%task clean --retires 2\nclean = [x * factor for x in raw]"

    with pytest.warns(NotebookGraphWarning, match="--retires"):
        with pytest.raises(MissingInputError) as caught:
            _after_restart(shell, restart, *cells, only=("slow_a",))

    assert "cannot be used: its %%task line is bad; fix that line." in str(caught.value)
    assert "a" not in shell.user_ns


def test_a_producer_whose_output_file_is_gone_is_named(
    run: Run,
    shell: Any,
    restart: Callable[[], None],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    cells = list(CELLS)
    cells[1] = (
        "%%task load\nraw = list(range(5))\n"
        "open('raw.txt', 'w').write(','.join(map(str, raw)))"
    )
    run(*cells)
    os.remove("raw.txt")

    with pytest.raises(
        MissingInputError, match=r"its output file 'raw\.txt' was deleted"
    ):
        _after_restart(shell, restart, *cells, only=("slow_a",))
