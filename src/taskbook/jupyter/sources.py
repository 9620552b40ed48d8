"""Where the kernel gets the notebook's cells for ``%flow``: the saved file or history.

The kernel learns its notebook's path from the Jupyter session (``__session__`` /
``JPY_SESSION_NAME``, VS Code's ``__vsc_ipynb_file__``). Cells executed in this
kernel are remembered by cell id (JupyterLab sends ``cellId``) so that, without a
file, the executed cells are the notebook; callers say which source they used.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from typing import Any

from taskbook.core.cells import SourceCell

__all__ = ("ExecutedCells", "NotebookSource", "notebook_path")


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
        return f"task-{task_name}"
    return "src-" + hashlib.blake2b(source.encode(), digest_size=6).hexdigest()


@dataclass(frozen=True, slots=True)
class NotebookSource:
    """The cells a ``%flow`` command works on, and where they came from."""

    cells: tuple[SourceCell, ...]
    description: str


class ExecutedCells:
    """Cells executed in this kernel, by id, in first-execution order."""

    def __init__(self) -> None:
        self._cells: dict[str, str] = {}

    def record(self, cell_id: str, source: str) -> None:
        """Remember the latest source of a cell that ran."""
        self._cells[cell_id] = source

    def source_of(self, cell_id: str) -> str | None:
        """Return the source last executed for ``cell_id``."""
        return self._cells.get(cell_id)

    def as_cells(self) -> tuple[SourceCell, ...]:
        """Return the executed cells as a notebook, in first-execution order."""
        return tuple(
            SourceCell(cell_id, index, source)
            for index, (cell_id, source) in enumerate(self._cells.items())
        )

    def current(self, namespace: dict[str, Any]) -> NotebookSource:
        """Return the notebook's cells: the saved file if known, else this history.

        Raises:
            UnreadableNotebookError: The session names a file that cannot be read.
        """
        path = notebook_path(namespace)
        if path is None:
            cells = self.as_cells()
            return NotebookSource(
                cells,
                f"{len(cells)} cell(s) executed in this kernel (no saved notebook "
                f"file is known to the kernel)",
            )
        from taskbook.notebook.read import read_notebook

        _notebook, cells = read_notebook(path)
        return NotebookSource(cells, f"the saved notebook {path}")

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
