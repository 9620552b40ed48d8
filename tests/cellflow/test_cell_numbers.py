"""Every message that names a cell by number counts as JupyterLab does.

JupyterLab's status bar shows "Cell N/M" for the active cell: its position from 1,
markdown cells included ("Go to cell number between 1 and M"). Each notebook here
starts with a markdown cell, so a message counting code cells only, or from 0,
names the wrong cell.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from taskbook.cellflow.runner import NotebookRunner
from taskbook.core.cells import SourceCell, classify_all
from taskbook.core.run_options import RunOptions
from taskbook.errors import (
    DuplicateTaskNameError,
    MissingInputError,
    NotebookGraphWarning,
    UnreadableNotebookError,
)
from taskbook.notebook.read import reads_notebook

MARKDOWN = {"cell_type": "markdown", "metadata": {}, "source": "# Title"}


def _cells(*sources: str | dict[str, Any]) -> tuple[SourceCell, ...]:
    """Read a notebook of a markdown cell, then ``sources`` (a dict is a raw cell)."""
    raw = [MARKDOWN] + [
        s
        if isinstance(s, dict)
        else {"cell_type": "code", "metadata": {}, "source": s, "outputs": []}
        for s in sources
    ]
    document = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": raw}
    _nb, cells = reads_notebook(json.dumps(document))
    return cells


def _graph_warnings(shell: Any, *sources: str) -> str:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        NotebookRunner(shell, "nb").graph(classify_all(_cells(*sources)))
    return " ".join(
        str(w.message) for w in caught if issubclass(w.category, NotebookGraphWarning)
    )


def _raised(shell: Any, *sources: str, **options: Any) -> str:
    runner = NotebookRunner(shell, "nb")
    with pytest.raises((DuplicateTaskNameError, MissingInputError)) as caught:
        runner.run(classify_all(_cells(*sources)), RunOptions(**options))
    return str(caught.value)


def _outputs(shell: Any, *sources: str) -> str:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = NotebookRunner(shell, "nb").run(
            classify_all(_cells(*sources)), RunOptions()
        )
    texts = [
        "\n".join(o.get("traceback", [])) + str(o.get("text", ""))
        for outcome in result.cells.values()
        for o in outcome.outputs
    ]
    said = [str(w.message) for w in caught]
    return " ".join([*said, *texts, *(o.message or "" for o in result.cells.values())])


def _names(_shell: Any, *sources: str) -> str:
    return " ".join(spec.name for spec in classify_all(_cells(*sources)))


def _unreadable(_shell: Any, *sources: str) -> str:
    with pytest.raises(UnreadableNotebookError) as caught:
        _cells(*sources, {"cell_type": "code"})
    return str(caught.value)


@dataclass(frozen=True)
class NumberCase:
    """Cells after the markdown cell; the text naming them must contain ``expected``."""

    id: str
    message: Callable[..., str]
    sources: tuple[str, ...]
    expected: str
    options: tuple[tuple[str, Any], ...] = ()


CASES = [
    NumberCase(
        "hidden state",
        _graph_warnings,
        ("a = 1", "y = undefined_name"),
        "Cell 3 ('cell-3') reads 'undefined_name'",
    ),
    NumberCase(
        "a name deleted before it is read",
        _graph_warnings,
        ("x = 1", "del x", "y = x"),
        "Cell 4 ('cell-4') reads 'x', but cell 3 deletes it before. Move the cell "
        "above cell 3",
    ),
    NumberCase(
        "star import",
        _graph_warnings,
        ("from os.path import *",),
        "Cell 2 ('cell-2') uses a star import",
    ),
    NumberCase(
        "duplicate task names",
        _raised,
        ("%%task load\nx = 1", "y = 2", "%%task load\nz = 3"),
        "used by more than one cell (cells 2, 4)",
    ),
    NumberCase(
        "a missing input",
        _raised,
        ("%%task make\nbase = 1", "%%task use\nd = base_missing"),
        "Task 'use' (cell 3) reads 'base_missing'",
        (("only", ("use",)), ("check_inputs", True)),
    ),
    NumberCase(
        "a bad %%task line",
        _outputs,
        ("x = 1", "%%task load --retires 2\ny = x"),
        "Cell 3 (%%task load --retires 2): Unknown option '--retires'",
    ),
    NumberCase(
        "a traceback",
        _outputs,
        ("x = 1", "y = 2\nraise ValueError(x)"),
        'File "<taskbook-cell-3>", line 2, in <module>',
    ),
    NumberCase(
        "default names of plain and task cells",
        _names,
        ("x = 1", "%%task\ny = x"),
        "cell-2 task-3",
    ),
    NumberCase(
        "a notebook cell that cannot be read",
        _unreadable,
        ("x = 1",),
        "cell 3 has no 'cell_type' or 'source'",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_messages_name_cells_as_jupyterlab_counts_them(
    case: NumberCase, shell: Any
) -> None:
    if case.options:
        text = case.message(shell, *case.sources, **dict(case.options))
    else:
        text = case.message(shell, *case.sources)

    assert case.expected in text, text
    # No other number names a cell in the message.
    numbers = set(re.findall(r"[Cc]ells? (\d+)|cell-(\d+)", text))
    expected = set(re.findall(r"[Cc]ells? (\d+)|cell-(\d+)", case.expected))
    assert numbers <= expected, text
