"""The output notebook of a headless run, and writing notebooks atomically.

Guarantees: every code cell of the output either carries what this run produced
(outputs, execution count, ``metadata.taskbook``) or nothing at all (no stale outputs
from an earlier run); the notebook-level ``metadata.taskbook`` holds the run summary;
a file is replaced in one step, so a reader never sees half a notebook.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import os
import stat
import sys
import tempfile
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import nbformat
from nbformat import NotebookNode

from taskbook.engine.masking import mask

__all__ = (
    "ERROR_MARKER_TAG",
    "CellRecord",
    "build_output_notebook",
    "jsonable",
    "write_notebook",
)

# papermill's marker cells: removed from the input, added for a failed run, so a later
# papermill run (or ours) removes them again.
ERROR_MARKER_TAG = "papermill-error-cell-tag"
_ERROR_STYLE = (
    'style="color:red; font-family:Helvetica Neue, Helvetica, Arial, sans-serif; '
    'font-size:2em;"'
)
_ERROR_BANNER = (
    f"<span {_ERROR_STYLE}>An Exception was encountered at "
    "'<a href=\"#papermill-error-cell\">In [{count}]</a>'.</span>"
)
_ERROR_ANCHOR = (
    f'<span id="papermill-error-cell" {_ERROR_STYLE}>'
    "Execution using taskbook encountered an exception here and stopped:</span>"
)


class CellRecord(Protocol):
    """What the writer needs of a cell's run outcome (``cellflow.CellOutcome``)."""

    @property
    def outputs(self) -> list[dict[str, Any]]: ...

    @property
    def execution_count(self) -> int | None: ...

    def to_metadata(self) -> dict[str, Any]: ...


def build_output_notebook(
    nb: NotebookNode,
    cells: Mapping[str, CellRecord],
    *,
    summary: Mapping[str, Any],
    failed_cell_ids: Sequence[str] = (),
    papermill: Mapping[str, Any] | None = None,
) -> NotebookNode:
    """Return a copy of ``nb`` carrying a run's results.

    Args:
        nb: The input notebook (parameters already injected); not modified.
        cells: Outcomes by cell id. Code cells without one (control cells, the
            injected-parameters cell) get no outputs and no execution count.
        summary: The run summary stored as ``metadata.taskbook`` (flow_run_id, state,
            parameters, duration...); made JSON-safe.
        failed_cell_ids: Cells whose own code failed, in notebook order; when given,
            papermill's error banner and anchor point at the first one.
        papermill: papermill-compatible ``metadata.papermill`` fields (parameters,
            input/output paths), for tools that read papermill output; ``None`` to
            leave that metadata out.

    Returns:
        The output notebook.
    """
    result = copy.deepcopy(nb)
    result.cells = [
        cell
        for cell in result.cells
        if ERROR_MARKER_TAG not in cell.get("metadata", {}).get("tags", [])
    ]
    for cell in result.cells:
        cell.source = mask(cell.source)  # a secret injected as a parameter, say
        if cell.cell_type != "code":
            continue
        record = cells.get(cell.id)
        cell.metadata.pop("taskbook", None)
        if record is None:
            cell.outputs, cell.execution_count = [], None
            continue
        cell.execution_count = record.execution_count
        cell.outputs = [_output(o, record.execution_count) for o in record.outputs]
        cell.metadata["taskbook"] = jsonable(record.to_metadata())
    result.metadata["taskbook"] = jsonable(dict(summary))
    if papermill is not None:
        result.metadata["papermill"] = jsonable(dict(papermill))
    if failed_cell_ids:
        _mark_error(result, failed_cell_ids[0])
    return result


def _output(output: Mapping[str, Any], count: int | None) -> NotebookNode:
    node: NotebookNode = nbformat.from_dict(jsonable(output))
    if node.get("output_type") == "execute_result":
        # The result belongs to the cell's execution, whatever the runner counted.
        node["execution_count"] = count
    return node


def _mark_error(nb: NotebookNode, cell_id: str) -> None:
    position = next((i for i, c in enumerate(nb.cells) if c.get("id") == cell_id), None)
    if position is None:
        return
    count = nb.cells[position].get("execution_count")
    banner = nbformat.v4.new_markdown_cell(_ERROR_BANNER.format(count=count))
    anchor = nbformat.v4.new_markdown_cell(_ERROR_ANCHOR)
    taken = {c.get("id") for c in nb.cells}
    for cell, name in ((banner, "taskbook-error-banner"), (anchor, "taskbook-error")):
        cell.metadata["tags"] = [ERROR_MARKER_TAG]
        cell.id = name if name not in taken else f"{name}-{len(taken)}"
    nb.cells.insert(position, anchor)
    nb.cells.insert(0, banner)


def jsonable(value: Any) -> Any:
    """Return ``value`` as JSON-safe data: dates as ISO text, tuples as lists.

    Non-finite floats and objects JSON has no form for become their ``repr``.
    """
    if isinstance(value, str):
        return mask(value)  # the notebook is shared: no secret value in it
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return repr(value)


def write_notebook(nb: NotebookNode, path: str | os.PathLike[str]) -> None:
    """Write ``nb`` to ``path`` atomically (``-`` writes it to stdout).

    The text goes to a temporary file in the same directory, which then replaces
    ``path`` in one rename, so an interrupted write leaves the old file intact.

    Raises:
        OSError: The directory does not exist or is not writable.
    """
    text = nbformat.writes(nb)
    target = os.fspath(path)
    if target == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    directory = os.path.dirname(os.path.abspath(target))
    descriptor, temporary = tempfile.mkstemp(
        dir=directory, prefix=".taskbook-", suffix=".ipynb.tmp"
    )
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(text)
        # mkstemp makes the file private (0600); give it the mode a plain write would.
        mode = (
            stat.S_IMODE(os.stat(target).st_mode) if os.path.exists(target) else 0o644
        )
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        # Also on KeyboardInterrupt: never leave the temporary file behind.
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
