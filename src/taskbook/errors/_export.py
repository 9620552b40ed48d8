"""Errors of ``taskbook export``: a notebook that cannot become a flow module as it is.

All derive ``ConfigurationError``; each message names the cell (and line) and the
fix, and the export writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from taskbook.errors._configuration import ConfigurationError, _unknown

if TYPE_CHECKING:
    from typing_extensions import Self  # typing.Self from Python 3.11


class UnknownExportTargetError(ConfigurationError, KeyError):
    """``taskbook export --target`` names no exporter."""

    @classmethod
    def from_name(cls, name: str, known: Iterable[str]) -> Self:
        return cls(_unknown("export target", name, known))


class UntranslatableMagicError(ConfigurationError):
    """A cell uses IPython syntax that an exported module cannot carry."""

    @classmethod
    def from_line(cls, cell: int, line: int, text: str, fix: str) -> Self:
        """Build the message; ``line`` counts from 1 within the cell body."""
        return cls(
            f"Cell {cell}, line {line}: {text.strip()!r} is IPython syntax that an "
            f"exported module cannot run. {fix}"
        )


class NotebookGlobalError(ConfigurationError):
    """A notebook function reads a notebook variable that cannot be passed in."""

    @classmethod
    def from_function(
        cls, function: str, cell: int, name: str, problem: str, fix: str = ""
    ) -> Self:
        fix = fix or (
            f"Make {name!r} a parameter of {function}() and pass it where you call it."
        )
        return cls(
            f"Function {function!r} (cell {cell}) reads the notebook variable "
            f"{name!r}, {problem}, so the export cannot pass it in. {fix}"
        )


class ExportConflictError(ConfigurationError):
    """Two cells give one name meanings a single flow module cannot hold."""

    @classmethod
    def from_name(cls, name: str, first: str, second: str, fix: str = "") -> Self:
        """Build the message: ``first`` and ``second`` say what each cell does."""
        return cls(
            f"{first} and {second}: a flow module has one {name!r} for both. "
            f"{fix or f'Rename {name!r} in one of the cells.'}"
        )


class SecretInExportError(ConfigurationError):
    """The exported module would hold a secret's value in plain text."""

    @classmethod
    def from_cell(
        cls, cell: int, line: int, secret: str | None, saves: bool = False
    ) -> Self:
        fix = (
            "The store keeps a saved secret: read the value from the environment "
            "or a file there, or save it outside the notebook."
            if saves
            else _load_instead(secret)
        )
        return cls(
            f"Cell {cell}, line {line} holds {_secret(secret)} as plain text, so "
            f"the exported module would carry it. {fix}"
        )

    @classmethod
    def from_parameter(cls, parameter: str, secret: str | None) -> Self:
        return cls(
            f"The value given for parameter {parameter!r} is {_secret(secret)}, so "
            f"the exported module would carry it as a default. Give it when the "
            f"flow runs (-p {parameter}=...), or {_load_instead(secret).lower()}"
        )

    @classmethod
    def from_module(cls, secret: str | None) -> Self:
        return cls(
            f"The exported module would hold {_secret(secret)} as plain text. "
            f"{_load_instead(secret)}"
        )


def _secret(name: str | None) -> str:
    return f"the value of Secret {name!r}" if name else "a secret value"


def _load_instead(name: str | None) -> str:
    if name:
        return f"Load it where it is used instead: Secret.load({name!r}).get()."
    return (
        "Save it once with Secret(value=...).save('NAME') and load it where it is "
        "used: Secret.load('NAME').get()."
    )


class UnparsableCellError(ConfigurationError):
    """A cell that does not parse cannot become part of an exported module."""

    @classmethod
    def from_syntax(cls, cell: int, error: SyntaxError) -> Self:
        where = f", line {error.lineno}" if error.lineno else ""
        return cls(
            f"Cell {cell} does not parse ({error.msg}{where}), so it cannot be "
            f"exported. Fix the cell, then export again."
        )


class UnexportableImportError(ConfigurationError, ImportError):
    """A cell imports a taskbook name that the export target has no counterpart for."""

    @classmethod
    def from_name(cls, cell: int, name: str, target: str, fix: str) -> Self:
        return cls(
            f"Cell {cell} imports {name}, which --target {target} has no "
            f"counterpart for. {fix}"
        )

    @classmethod
    def from_use(cls, cell: int, line: int, name: str, target: str, fix: str) -> Self:
        return cls(
            f"Cell {cell}, line {line} uses {name}, which --target {target} has no "
            f"counterpart for. {fix}"
        )
