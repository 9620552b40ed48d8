"""Read a notebook file into nbformat 4.5 with stable cell ids, plus its code cells.

Guarantees: every cell of the returned notebook has a unique, valid id (missing or
broken ids are replaced by ids derived from the cell's position, so two reads of one
file agree); anything that is not a readable notebook raises
``UnreadableNotebookError`` naming the path.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

import nbformat
from nbformat import NotebookNode
from nbformat.v4.nbjson import JSONReader

from taskbook.core.cells import SourceCell
from taskbook.errors import UnreadableNotebookError

__all__ = ("code_cells", "notebook_language", "read_notebook", "reads_notebook")

_JSON_READER = JSONReader()
# What nbformat's readers raise on JSON that has the keys but not the shapes.
_MALFORMED = (ValueError, TypeError, KeyError, AttributeError, nbformat.ValidationError)
_CELL_ID = re.compile(r"^[a-zA-Z0-9-_]{1,64}$")


def read_notebook(
    path: str | os.PathLike[str],
) -> tuple[NotebookNode, tuple[SourceCell, ...]]:
    """Read a notebook file.

    Args:
        path: The ``.ipynb`` file.

    Returns:
        The notebook (nbformat 4.5, every cell with an id) and its code cells in
        notebook order.

    Raises:
        UnreadableNotebookError: The file is missing, unreadable, not JSON or not a
            notebook; the message names the path.
    """
    name = os.fspath(path)
    try:
        with open(name, encoding="utf-8") as file:
            text = file.read()
    except FileNotFoundError:
        raise UnreadableNotebookError.from_path(name, "no such file") from None
    except IsADirectoryError:
        raise UnreadableNotebookError.from_path(name, "it is a directory") from None
    except UnicodeDecodeError as error:
        raise UnreadableNotebookError.from_path(
            name, f"it is not UTF-8 text ({error.reason})"
        ) from None
    except OSError as error:
        raise UnreadableNotebookError.from_path(name, error.strerror or error) from None
    return reads_notebook(text, name)


def reads_notebook(
    text: str, name: str = "<string>"
) -> tuple[NotebookNode, tuple[SourceCell, ...]]:
    """Parse notebook JSON text; ``name`` is used in error messages.

    Raises:
        UnreadableNotebookError: ``text`` is not a notebook.
    """
    try:
        document = json.loads(text)
    except ValueError as error:
        raise UnreadableNotebookError.from_path(
            name, f"it is not JSON ({error})"
        ) from None
    problem = _structure_problem(document)
    if problem:
        raise UnreadableNotebookError.from_path(name, problem)
    if document["nbformat"] == 4:
        # Repair ids in the JSON first: nbformat's reader would validate, warn about
        # missing ids and invent random ones, so two reads would disagree.
        _normalize(document)
    try:
        if document["nbformat"] == 4:
            nb = _JSON_READER.to_notebook(document)
        else:
            nb = nbformat.reads(text, as_version=4)
            _normalize(nb)
        return nb, code_cells(nb)
    except _MALFORMED as error:
        raise UnreadableNotebookError.from_path(
            name, f"it is not a valid notebook ({error})"
        ) from None


def _structure_problem(document: Any) -> str:
    """Say what keeps ``document`` from being a notebook, or return ``""``."""
    if not isinstance(document, dict) or "nbformat" not in document:
        return "it is JSON but not a notebook (no 'nbformat' key)"
    version = document["nbformat"]
    if not isinstance(version, int) or not 3 <= version <= 4:
        return f"nbformat {version!r} is not supported"
    if version >= 4:
        cells = document.get("cells")
        if not isinstance(cells, list) or not all(isinstance(c, dict) for c in cells):
            return "its 'cells' is not a list of cells"
        for position, cell in enumerate(cells):
            if "cell_type" not in cell or "source" not in cell:
                return f"cell {position + 1} has no 'cell_type' or 'source'"
    return ""


def _normalize(nb: dict[str, Any]) -> None:
    """Bring ``nb`` to nbformat 4.5: unique valid ids and metadata dicts everywhere."""
    minor = nb.get("nbformat_minor", 0)
    nb["nbformat"] = 4
    nb["nbformat_minor"] = max(5, minor if isinstance(minor, int) else 0)
    if not isinstance(nb.get("metadata"), dict):
        nb["metadata"] = {}
    seen: set[str] = set()
    for position, cell in enumerate(nb["cells"]):
        if not isinstance(cell.get("metadata"), dict):
            cell["metadata"] = {}
        cell_id = cell.get("id")
        if (
            not isinstance(cell_id, str)
            or not _CELL_ID.match(cell_id)
            or cell_id in seen
        ):
            cell_id = _fresh_id(position, seen)
        cell["id"] = cell_id
        seen.add(cell_id)


def _fresh_id(position: int, seen: set[str]) -> str:
    candidate, suffix = f"cell-{position}", 0
    while candidate in seen:
        suffix += 1
        candidate = f"cell-{position}-{suffix}"
    return candidate


def code_cells(nb: NotebookNode) -> tuple[SourceCell, ...]:
    """Return the code cells of a normalized notebook, ``index`` counting all cells."""
    cells = []
    for position, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        tags = cell.metadata.get("tags", [])
        cells.append(
            SourceCell(
                id=cell.id,
                index=position,
                source=_text(cell.source),
                tags=tuple(str(t) for t in tags) if isinstance(tags, list) else (),
            )
        )
    return tuple(cells)


def _text(source: Any) -> str:
    return "".join(source) if isinstance(source, list) else str(source)


def notebook_language(nb: NotebookNode) -> str | None:
    """Return the notebook's language (kernelspec, else language_info), if recorded."""
    metadata = nb.get("metadata", {})
    for key in ("kernelspec", "language_info"):
        section = metadata.get(key) or {}
        language = section.get("language") or (
            section.get("name") if key == "language_info" else None
        )
        if isinstance(language, str) and language:
            return language.lower()
    return None
