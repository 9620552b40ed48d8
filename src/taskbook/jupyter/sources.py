"""Where the kernel gets the notebook's cells for ``%flow``: the saved file and history.

The kernel learns its notebook's path from the Jupyter session (``__session__`` /
``JPY_SESSION_NAME``, VS Code's ``__vsc_ipynb_file__``). Cells executed in this
kernel are remembered by cell id (JupyterLab sends ``cellId``): what the user ran
after the last save replaces the saved cell, so a run matches what the user sees.
Once the JupyterLab extension sends the editor's cells, they are the notebook:
unsaved edits and cells never run included. Without a file, the executed cells
are the notebook. Callers say which source they used, and what differs.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from typing import Any

from taskbook.core.cells import SourceCell, classify

__all__ = ("ExecutedCells", "NotebookSource", "cell_id_for", "notebook_path")

_INVENTED = ("task-", "src-")
"""Prefixes of the ids ``cell_id_for`` invents when the frontend sends none."""


def notebook_path(namespace: dict[str, Any]) -> str | None:
    """Return the path of the kernel's notebook file, if the session names one."""
    for candidate in (
        namespace.get("__vsc_ipynb_file__"),
        namespace.get("__session__"),
        os.environ.get("JPY_SESSION_NAME"),
    ):
        if isinstance(candidate, str) and candidate.endswith(".ipynb"):
            if os.path.isfile(candidate):
                return candidate
    return None


def cell_id_for(
    parent: dict[str, Any] | None, source: str, task_name: str | None = None
) -> str:
    """Return the executing cell's id.

    JupyterLab sends ``cellId``. Without it (nbclient, terminal IPython) a task cell
    is known by its name, so editing and rerunning it replaces it; other cells by a
    hash of their source.
    """
    metadata = (parent or {}).get("metadata") or {}
    cell_id = metadata.get("cellId") or metadata.get("cell_id")
    if isinstance(cell_id, str) and cell_id:
        return cell_id
    if task_name is not None:
        return f"{_INVENTED[0]}{task_name}"
    return _INVENTED[1] + hashlib.blake2b(source.encode(), digest_size=6).hexdigest()


@dataclass(frozen=True, slots=True)
class NotebookSource:
    """The cells a ``%flow`` command works on, and where they came from.

    Attributes:
        cells: The code cells, in notebook order.
        description: Where they came from ("the saved notebook PATH").
        changes: One sentence naming the cells whose source is the one last run
            in this kernel rather than the saved one, or "" when none is.
    """

    cells: tuple[SourceCell, ...]
    description: str
    changes: str = ""


@dataclass(frozen=True, slots=True)
class _Run:
    source: str
    at: float  # time.time() when it ran: compared with the file's mtime


class ExecutedCells:
    """Cells executed in this kernel, by id, in first-execution order."""

    def __init__(self) -> None:
        self._cells: dict[str, _Run] = {}
        self._editor: tuple[SourceCell, ...] | None = None

    def use_editor(self, cells: tuple[SourceCell, ...]) -> None:
        """Take ``cells`` (the editor's, from the extension) as the notebook."""
        self._editor = cells

    def record(self, cell_id: str, source: str) -> None:
        """Remember the source of a cell the user runs now."""
        self._cells[cell_id] = _Run(source, time.time())

    def source_of(self, cell_id: str) -> str | None:
        """Return the source last executed for ``cell_id``."""
        run = self._cells.get(cell_id)
        return run.source if run is not None else None

    def as_cells(self) -> tuple[SourceCell, ...]:
        """Return the executed cells as a notebook, in first-execution order."""
        return tuple(
            SourceCell(cell_id, index, run.source)
            for index, (cell_id, run) in enumerate(self._cells.items())
        )

    def current(self, namespace: dict[str, Any]) -> NotebookSource:
        """Return the notebook's cells: the saved file merged with this history.

        A cell run in this kernel after the file was saved counts with the source
        it ran with (the file has an older one, or lacks the cell: then it goes
        last). A cell saved after it ran counts as saved: the file is newer.
        Without a file, the executed cells are the notebook.

        Raises:
            UnreadableNotebookError: The session names a file that cannot be read.
        """
        if self._editor is not None:
            return NotebookSource(
                self._editor,
                "the notebook open in JupyterLab (the editor's cells, saved or not)",
            )
        path = notebook_path(namespace)
        if path is None:
            cells = self.as_cells()
            return NotebookSource(
                cells,
                f"{len(cells)} cell(s) executed in this kernel (no saved notebook "
                f"file is known to the kernel)",
            )
        from taskbook.notebook.read import read_notebook

        _notebook, saved = read_notebook(path)
        saved_at = os.path.getmtime(path)
        newer = {i: r for i, r in self._cells.items() if r.at > saved_at}
        cells, edited = [], []
        for cell in saved:
            run = newer.get(cell.id)
            if run is not None and not _same_code(run.source, cell.source):
                cell = SourceCell(cell.id, cell.index, run.source, cell.tags)
                edited.append(cell)
            cells.append(cell)
        ids = {cell.id for cell in saved}
        index = max((cell.index for cell in saved), default=-1)
        added = []
        for cell_id, run in newer.items():
            if cell_id not in ids and not cell_id.startswith(_INVENTED):
                index += 1
                added.append(SourceCell(cell_id, index, run.source))
        return NotebookSource(
            (*cells, *added),
            f"the saved notebook {path}",
            _changes(edited, [c for c in added if classify(c).kind != "control"]),
        )

    def with_current(
        self, source: NotebookSource, cell_id: str, text: str
    ) -> tuple[SourceCell, ...]:
        """Return ``source``'s cells with the executing cell's text in its place.

        A cell not in the file yet (unsaved) goes last.
        """
        cells = list(source.cells)
        for i, cell in enumerate(cells):
            if cell.id == cell_id:
                cells[i] = SourceCell(cell.id, cell.index, text, cell.tags)
                return tuple(cells)
        index = max((c.index for c in cells), default=-1) + 1
        return (*cells, SourceCell(cell_id, index, text))


def _same_code(ran: str, saved: str) -> bool:
    """Whether two sources of a cell are the same code (trailing blanks aside).

    A ``%%task`` cell is rebuilt from IPython's magic line, which drops the
    trailing blanks of the first line.
    """

    def lines(text: str) -> list[str]:
        return [line.rstrip() for line in text.strip("\n").splitlines()]

    return lines(ran) == lines(saved)


def _changes(edited: list[SourceCell], added: list[SourceCell]) -> str:
    """Say which cells run with a source other than the saved one, in one line."""
    parts = []
    if edited:
        numbers = [str(cell.index + 1) for cell in edited]
        listed = ", ".join(numbers[:-1]) + " and " if len(numbers) > 1 else ""
        one = len(numbers) == 1
        parts.append(
            f"{'Cell' if one else 'Cells'} {listed}{numbers[-1]} "
            f"{'differs' if one else 'differ'} from the saved file and "
            f"{'runs' if one else 'run'} as last executed in this kernel"
        )
    if added:
        one = len(added) == 1
        parts.append(
            f"{len(added)} new {'cell' if one else 'cells'}, executed here but not "
            f"saved, {'runs' if one else 'run'} last"
        )
    if not parts:
        return ""
    sentence = "; ".join(parts)
    sentence = sentence[0].upper() + sentence[1:]
    return f"{sentence} (save the notebook to make the file match)."
