"""A notebook read for a run: its cells classified, its parameters cell found, and
given parameter values checked against it, before anything runs.

What ``taskbook run`` and ``taskbook schedule add`` both do first, so a schedule
is refused for exactly the input a run would refuse.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from nbformat import NotebookNode

from taskbook.core.cells import CellSpec, classify_all
from taskbook.core.parameter_parsing import parse_parameters
from taskbook.core.parameter_specs import ParameterSpec, validate
from taskbook.errors import NoParametersCellError, UnreadableNotebookError
from taskbook.notebook.read import notebook_language, read_notebook

__all__ = ("PreparedNotebook", "prepare_notebook")


@dataclass(frozen=True, slots=True)
class PreparedNotebook:
    """A notebook, its classified code cells and its declared parameters."""

    path: str
    nb: NotebookNode
    specs: tuple[CellSpec, ...]
    params_cell: CellSpec | None
    declared: Sequence[ParameterSpec] | None

    @property
    def text_names(self) -> list[str]:
        """Parameters declared ``str``: their ``-p`` values stay text (papermill)."""
        return [s.name for s in self.declared or () if s.type_name == "str"]

    def check(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """Return ``given`` validated against the parameters cell.

        Raises:
            NoParametersCellError: Values were given and there is no such cell.
            UnknownParameterError, ParameterValueError: A name or value is wrong.
        """
        if given and self.params_cell is None:
            raise NoParametersCellError.from_notebook(
                self.path, [str(k) for k in given]
            )
        return validate(self.declared or (), dict(given))


def prepare_notebook(path: str) -> PreparedNotebook:
    """Read ``path`` and find its parameters.

    Raises:
        UnreadableNotebookError: It is missing, no notebook, or not Python.
    """
    nb, cells = read_notebook(path)
    language = notebook_language(nb)
    if language not in (None, "python", "python3"):
        raise UnreadableNotebookError.from_path(
            path, f"its language is {language!r}, and taskbook runs Python"
        )
    specs = classify_all(cells)
    params_cell = next((s for s in specs if s.kind == "params"), None)
    declared = parse_parameters(params_cell.body) if params_cell is not None else None
    return PreparedNotebook(path, nb, specs, params_cell, declared)
