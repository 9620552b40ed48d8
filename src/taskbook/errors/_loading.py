"""Errors of loading a flow from ``file.py:NAME`` (Prefect's entrypoint form).

``FlowEntrypointError`` is the family; ``MissingFlowError`` and ``ScriptError``
are its cases Prefect names, with Prefect's first sentence.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from taskbook.errors._base import listing
from taskbook.errors._configuration import ConfigurationError

if TYPE_CHECKING:
    from typing_extensions import Self  # typing.Self from Python 3.11


class FlowEntrypointError(ConfigurationError):
    """A ``file.py:flow`` target cannot be loaded or is not a taskbook flow."""

    @classmethod
    def from_entrypoint(cls, entrypoint: str, problem: str) -> Self:
        return cls(
            f"Cannot load the flow {entrypoint!r}: {problem}. Give PATH.py:NAME "
            f"where NAME is a function decorated with taskbook's @flow."
        )


class MissingFlowError(FlowEntrypointError):
    """A ``file.py:NAME`` whose NAME is no ``@flow`` in the file (Prefect's name)."""

    @classmethod
    def from_name(cls, entrypoint: str, found: object, flows: list[str]) -> Self:
        path, _, name = entrypoint.rpartition(":")
        first = (
            f"Flow function with name {name!r} not found in {path!r}."
            if found is None
            else f"Function with name {name!r} is not a flow."
        )
        return cls(
            f"{first} Its flows: {listing(flows)}. Give PATH.py:NAME where NAME is "
            f"a function decorated with taskbook's @flow."
        )


class ScriptError(FlowEntrypointError):
    """The file of a ``file.py:NAME`` raised while it was imported (Prefect's name)."""

    user_exc: Exception | None = None  # as Prefect's: the script's own exception

    @classmethod
    def from_exception(cls, path: str, error: Exception) -> Self:
        made = cls(
            f"Script at {path!r} encountered an exception: {error!r}. Fix the "
            f"error in the script (its traceback is the cause below)."
        )
        made.user_exc = error
        return made
