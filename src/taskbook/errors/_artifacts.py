"""Errors of artifacts: a key with banned characters, data of the wrong kind, an unknown id.

Where Prefect has a sentence (its key rule, "Artifact not found."), it comes first,
since users match on it; the offending value and the fix follow. Prefect raises
pydantic's ``ValidationError`` for the first two, a ``ValueError``: so do these.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from taskbook.errors._base import TaskbookError, short_repr

if TYPE_CHECKING:
    from typing_extensions import Self  # typing.Self from Python 3.11


class InvalidArtifactKeyError(TaskbookError, ValueError):
    """An artifact key with other characters than lowercase letters, numbers and dashes."""

    @classmethod
    def from_key(cls, key: object) -> Self:
        return cls(
            "Artifact key must only contain lowercase letters, numbers, and dashes. "
            f"Got {short_repr(key)}; use a key like 'daily-report'."
        )


class ArtifactDataError(TaskbookError, ValueError, TypeError):
    """An artifact's data of the wrong type: markdown not text, progress not a number..."""

    @classmethod
    def from_field(
        cls, artifact: str, field: str, value: Any, problem: str, expected: str
    ) -> Self:
        return cls(
            f"{artifact} {field}={short_repr(value)} is invalid: {problem}. "
            f"Pass {field} as {expected}."
        )


class ArtifactNotFoundError(TaskbookError, KeyError):
    """``update_progress_artifact`` of an id no artifact in the run store has."""

    @classmethod
    def from_id(cls, artifact_id: object, store: str) -> Self:
        return cls(
            f"Artifact not found. No artifact has the id {str(artifact_id)!r} in the "
            f"run store at {store}; pass the id create_progress_artifact returned."
        )
