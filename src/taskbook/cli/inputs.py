"""What ``taskbook run`` and ``taskbook export`` take alike: a notebook and parameters.

``parameter_options`` adds papermill's ``-p/-r/-f/-y/-b`` to a command;
``notebook_parameters`` merges them in papermill's order and checks them against
the notebook's parameters cell; ``read_python_notebook`` refuses a notebook in
another language. One definition, so both commands say the same about bad input.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import click

from taskbook.core.cells import CellSpec, SourceCell
from taskbook.core.parameter_parsing import parse_parameters
from taskbook.core.parameter_specs import ParameterSpec, validate
from taskbook.errors import NoParametersCellError, UnreadableNotebookError
from taskbook.notebook.papermill import merge_parameters
from taskbook.notebook.read import notebook_language, read_notebook

if TYPE_CHECKING:
    from nbformat import NotebookNode

__all__ = (
    "Parameters",
    "notebook_parameters",
    "parameter_options",
    "read_python_notebook",
)


def parameter_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """Add papermill's parameter options to a click command.

    The command receives ``values``, ``raw``, ``files``, ``yaml_texts`` and
    ``base64_texts``.
    """
    options = [
        click.option(
            "-p",
            "--parameters",
            "values",
            nargs=2,
            multiple=True,
            metavar="NAME VALUE",
            help="Set a parameter; the value is typed as papermill types it "
            "(1, 1.5, True, None, text).",
        ),
        click.option(
            "-r",
            "--parameters_raw",
            "raw",
            nargs=2,
            multiple=True,
            metavar="NAME VALUE",
            help="Set a parameter to the value as a string.",
        ),
        click.option(
            "-f",
            "--parameters_file",
            "files",
            multiple=True,
            metavar="FILE",
            help="YAML or JSON file of parameters.",
        ),
        click.option(
            "-y",
            "--parameters_yaml",
            "yaml_texts",
            multiple=True,
            metavar="YAML",
            help="YAML text of parameters.",
        ),
        click.option(
            "-b",
            "--parameters_base64",
            "base64_texts",
            multiple=True,
            metavar="BASE64",
            help="Base64-encoded YAML text of parameters.",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def read_python_notebook(
    path: str,
) -> tuple[NotebookNode, tuple[SourceCell, ...]]:
    """Read a notebook and its code cells; only Python notebooks are accepted.

    Raises:
        UnreadableNotebookError: The file is no notebook, or not a Python one.
    """
    nb, cells = read_notebook(path)
    language = notebook_language(nb)
    if language not in (None, "python", "python3"):
        raise UnreadableNotebookError.from_path(
            path, f"its language is {language!r}, and taskbook runs Python"
        )
    return nb, cells


@dataclass(frozen=True, slots=True)
class Parameters:
    """The parameters a command line gives a notebook.

    Attributes:
        params_cell: The notebook's parameters cell, if it has one.
        declared: What that cell declares (``None`` without a parameters cell).
        values: The given values, merged, checked and converted.
    """

    params_cell: CellSpec | None
    declared: tuple[ParameterSpec, ...] | None
    values: dict[str, Any]


def notebook_parameters(
    specs: Sequence[CellSpec],
    notebook: str,
    given: Mapping[str, Any],
    *,
    check: bool = True,
) -> Parameters:
    """Merge the parameters given (papermill's order) and check them.

    Args:
        specs: The notebook's classified cells.
        notebook: The path as given, for messages.
        given: The command's values of ``parameter_options`` (``ctx.params``).
        check: Check the values against the declarations (``False`` leaves them
            as merged, for ``--help-notebook``).

    Raises:
        ParameterSourceError: A file, YAML or base64 value cannot be read.
        NoParametersCellError: Values given for a notebook without parameters cell.
        UnknownParameterError, ParameterValueError: A name or value is wrong.
    """
    params_cell = next((s for s in specs if s.kind == "params"), None)
    declared = parse_parameters(params_cell.body) if params_cell is not None else None
    merged = merge_parameters(
        base64_texts=given.get("base64_texts", ()),
        files=given.get("files", ()),
        yaml_texts=given.get("yaml_texts", ()),
        values=given.get("values", ()),
        raw=given.get("raw", ()),
        text_names=[s.name for s in declared or () if s.type_name == "str"],
    )
    if not check:
        return Parameters(params_cell, declared, merged)
    if merged and params_cell is None:
        raise NoParametersCellError.from_notebook(notebook, [str(k) for k in merged])
    return Parameters(params_cell, declared, validate(declared or (), merged))
