"""Prefect 3's ``prefect.artifacts``: markdown, tables, links, progress and images.

``create_*_artifact`` record one for the current flow or task run and return its
UUID; ``update_progress_artifact`` changes a progress artifact in place; the typed
classes (``MarkdownArtifact(...).create()``) do the same as objects, and
``Artifact.get(key)`` returns the latest artifact of a key. Artifacts go to the run
store (masked for secrets), not to a server. Each function has an ``a``-prefixed
async twin, and inside ``async def`` code the plain names return it, as Prefect's do.
"""

from __future__ import annotations

import json
import logging
import math
import uuid
from datetime import datetime, timezone
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from taskbook.api import artifacts as _store
from taskbook.errors import ArtifactDataError
from taskbook.utilities.asyncutils import async_dispatch

__all__ = (
    "Artifact",
    "ArtifactRecord",
    "ImageArtifact",
    "LinkArtifact",
    "MarkdownArtifact",
    "ProgressArtifact",
    "TableArtifact",
    "acreate_image_artifact",
    "acreate_link_artifact",
    "acreate_markdown_artifact",
    "acreate_progress_artifact",
    "acreate_table_artifact",
    "aupdate_progress_artifact",
    "create_image_artifact",
    "create_link_artifact",
    "create_markdown_artifact",
    "create_progress_artifact",
    "create_table_artifact",
    "update_progress_artifact",
)

logger = logging.getLogger("taskbook.artifacts")

Table = dict[str, list[Any]] | list[dict[str, Any]] | list[list[Any]]
_EXPECTED = {
    "markdown": "a string of markdown",
    "table": "a list of rows (dicts or lists) or a dict of columns",
    "progress": "a number from 0 to 100",
    "image_url": "a string (the image's public URL)",
    "link": "a string (the URL)",
}


class ArtifactRecord(BaseModel):
    """A stored artifact, as ``Artifact.get`` and ``.create()`` return it.

    ``data`` is what Prefect's API returns: the markdown (a link's is
    ``[text](url)``), a table as JSON text, the progress as a number, the image URL.
    """

    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    created: datetime
    key: str | None = None
    type: str | None = None
    description: str | None = None
    data: Any = None
    flow_run_id: str | None = None
    task_run_id: str | None = None


def _record(row: dict[str, Any]) -> ArtifactRecord:
    data = json.loads(row["data"]) if row["data"] is not None else None
    if row["type"] == "table":
        data = json.dumps(data)  # Prefect keeps a table as JSON text
    return ArtifactRecord(
        id=uuid.UUID(row["id"]),
        created=datetime.fromtimestamp(row["created"] or 0.0, tz=timezone.utc),
        key=row["key"],
        type=row["type"] or None,
        description=row["description"],
        data=data,
        flow_run_id=row["flow_run_id"],
        task_run_id=row["task_run_id"],
    )


class Artifact(BaseModel):
    """An artifact to create: a piece of data a flow or task run shows to people.

    Attributes:
        type: What shape ``data`` has (``"markdown"``, ``"table"``...).
        key: Groups the versions of one artifact; lowercase letters, numbers and
            dashes only. ``Artifact.get(key)`` returns the latest version.
        description: A markdown description.
        data: The payload; the base class stores it as JSON text.
    """

    model_config = ConfigDict(extra="forbid")

    key: str | None = None
    type: str | None = None
    description: str | None = None
    data: Any = None
    metadata_: dict[str, str] | None = None
    flow_run_id: uuid.UUID | str | None = None
    task_run_id: uuid.UUID | str | None = None

    def __init__(self, **data: Any) -> None:
        _store.check_key(data.get("key"))
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise _data_error(type(self).__name__, exc, data) from exc

    def _payload(self) -> Any:
        """What the run store keeps for this artifact."""
        return json.dumps(self.data)

    def _save(self) -> uuid.UUID:
        return _store.record(
            self.type,
            self._payload(),
            self.key,
            self.description,
            flow_run_id=str(self.flow_run_id) if self.flow_run_id else None,
            task_run_id=str(self.task_run_id) if self.task_run_id else None,
        )

    async def aformat(self) -> Any:
        """``format`` for async code."""
        return self.format(_sync=True)

    @async_dispatch(aformat)
    def format(self) -> Any:
        """Return the data as Prefect sends it to its API (JSON text for tables)."""
        payload = self._payload()
        return (
            payload if isinstance(payload, (str, int, float)) else json.dumps(payload)
        )

    async def acreate(self) -> ArtifactRecord:
        """``create`` for async code."""
        return self.create(_sync=True)

    @async_dispatch(acreate)
    def create(self) -> ArtifactRecord:
        """Record the artifact for the current flow or task run; return it as stored."""
        row = _store.read(self._save())
        assert row is not None  # the store was flushed by the read
        return _record(row)

    @classmethod
    async def aget(cls, key: str | None = None) -> ArtifactRecord | None:
        """``get`` for async code."""
        return cls.get(key, _sync=True)

    @classmethod
    @async_dispatch(aget)
    def get(cls, key: str | None = None) -> ArtifactRecord | None:
        """Return the latest artifact with ``key`` (the latest of all when None), or None."""
        row = _store.latest(key)
        return None if row is None else _record(row)

    @classmethod
    async def aget_or_create(
        cls,
        key: str | None = None,
        description: str | None = None,
        data: Any = None,
        **kwargs: Any,
    ) -> tuple[ArtifactRecord, bool]:
        """``get_or_create`` for async code."""
        return cls.get_or_create(key, description, data, _sync=True, **kwargs)

    @classmethod
    @async_dispatch(aget_or_create)
    def get_or_create(
        cls,
        key: str | None = None,
        description: str | None = None,
        data: Any = None,
        **kwargs: Any,
    ) -> tuple[ArtifactRecord, bool]:
        """Return the latest artifact of ``key`` and False, or create it and return True."""
        found = cls.get(key, _sync=True)
        if found is not None:
            return found, False
        new = cls(key=key, description=description, data=data, **kwargs)
        return new.create(_sync=True), True


def _data_error(name: str, exc: ValidationError, given: dict[str, Any]) -> Exception:
    error = exc.errors()[0]
    field = str(error["loc"][0]) if error["loc"] else "data"
    problem = error["msg"][:1].lower() + error["msg"][1:]
    expected = _EXPECTED.get(field, "a string" if field != "data" else "JSON data")
    return ArtifactDataError.from_field(
        name, field, given.get(field), problem, expected
    )


class LinkArtifact(Artifact):
    """A link, stored as the markdown ``[link_text](link)`` (Prefect's type "markdown")."""

    link: str
    link_text: str | None = None
    type: str | None = "markdown"

    def _payload(self) -> str:
        return f"[{self.link_text or self.link}]({self.link})"


class MarkdownArtifact(Artifact):
    """Markdown text, rendered (don't indent it: indented lines read as code)."""

    markdown: str
    type: str | None = "markdown"

    def _payload(self) -> str:
        return self.markdown


class TableArtifact(Artifact):
    """A table: a list of row dicts, a list of row lists or a dict of columns.

    A pandas DataFrame is taken as its records; NaN becomes None (JSON has no NaN).
    """

    table: Table
    type: str | None = "table"

    @field_validator("table", mode="before")
    @classmethod
    def _from_frame(cls, value: Any) -> Any:
        if hasattr(value, "to_dict") and callable(value.to_dict):
            return value.to_dict(orient="records")  # a pandas DataFrame
        return value

    @classmethod
    def _sanitize(cls, item: Any) -> Any:
        if isinstance(item, list):
            return [cls._sanitize(sub) for sub in item]
        if isinstance(item, dict):
            return {k: cls._sanitize(v) for k, v in item.items()}
        if isinstance(item, float) and math.isnan(item):
            return None
        return item

    def _payload(self) -> Any:
        return self._sanitize(self.table)


class ProgressArtifact(Artifact):
    """The progress of a long task, a percentage from 0 to 100 (others are clamped)."""

    progress: float
    type: str | None = "progress"

    def _payload(self) -> float:
        if not 0.0 <= self.progress <= 100.0:
            # Prefect's two warnings, word for word.
            logger.warning(
                "ProgressArtifact received an invalid value, Progress: %s%%",
                self.progress,
            )
            self.progress = max(0.0, min(self.progress, 100.0))
            logger.warning("Interpreting as %s%% progress", self.progress)
        return self.progress


class ImageArtifact(Artifact):
    """An image shown from a publicly accessible URL."""

    image_url: str
    type: str | None = "image"

    def _payload(self) -> str:
        return self.image_url


# -- functions: the async twin first, so the sync name can dispatch to it ----------


async def acreate_link_artifact(
    link: str,
    link_text: str | None = None,
    key: str | None = None,
    description: str | None = None,
) -> uuid.UUID:
    """``create_link_artifact`` for async code."""
    return create_link_artifact(link, link_text, key, description, _sync=True)


@async_dispatch(acreate_link_artifact)
def create_link_artifact(
    link: str,
    link_text: str | None = None,
    key: str | None = None,
    description: str | None = None,
) -> uuid.UUID:
    """Record a link artifact (the markdown ``[link_text](link)``); return its id.

    Raises:
        InvalidArtifactKeyError: ``key`` has other characters than lowercase
            letters, numbers and dashes.
    """
    artifact = LinkArtifact(
        key=key, description=description, link=link, link_text=link_text
    )
    return artifact._save()


async def acreate_markdown_artifact(
    markdown: str, key: str | None = None, description: str | None = None
) -> uuid.UUID:
    """``create_markdown_artifact`` for async code."""
    return create_markdown_artifact(markdown, key, description, _sync=True)


@async_dispatch(acreate_markdown_artifact)
def create_markdown_artifact(
    markdown: str, key: str | None = None, description: str | None = None
) -> uuid.UUID:
    """Record a markdown artifact for the current run; return its id.

    Raises:
        InvalidArtifactKeyError: ``key`` breaks the key rule.
        ArtifactDataError: ``markdown`` is not a string.
    """
    artifact = MarkdownArtifact(key=key, description=description, markdown=markdown)
    return artifact._save()


async def acreate_table_artifact(
    table: Table, key: str | None = None, description: str | None = None
) -> uuid.UUID:
    """``create_table_artifact`` for async code."""
    return create_table_artifact(table, key, description, _sync=True)


@async_dispatch(acreate_table_artifact)
def create_table_artifact(
    table: Table, key: str | None = None, description: str | None = None
) -> uuid.UUID:
    """Record a table artifact (rows as dicts or lists, or a dict of columns).

    Raises:
        InvalidArtifactKeyError: ``key`` breaks the key rule.
        ArtifactDataError: ``table`` is none of the three shapes.
    """
    artifact = TableArtifact(key=key, description=description, table=table)
    return artifact._save()


async def acreate_progress_artifact(
    progress: float, key: str | None = None, description: str | None = None
) -> uuid.UUID:
    """``create_progress_artifact`` for async code."""
    return create_progress_artifact(progress, key, description, _sync=True)


@async_dispatch(acreate_progress_artifact)
def create_progress_artifact(
    progress: float, key: str | None = None, description: str | None = None
) -> uuid.UUID:
    """Record a progress artifact (a percentage, 0 to 100); return its id.

    Raises:
        InvalidArtifactKeyError: ``key`` breaks the key rule.
        ArtifactDataError: ``progress`` is not a number.
    """
    artifact = ProgressArtifact(key=key, description=description, progress=progress)
    return artifact._save()


async def aupdate_progress_artifact(
    artifact_id: uuid.UUID | str, progress: float, description: str | None = None
) -> uuid.UUID:
    """``update_progress_artifact`` for async code."""
    return update_progress_artifact(artifact_id, progress, description, _sync=True)


@async_dispatch(aupdate_progress_artifact)
def update_progress_artifact(
    artifact_id: uuid.UUID | str, progress: float, description: str | None = None
) -> uuid.UUID:
    """Set a progress artifact's percentage (and description) in place; return its id.

    Raises:
        ArtifactNotFoundError: No artifact has ``artifact_id``.
        ArtifactDataError: ``progress`` is not a number.
    """
    artifact = ProgressArtifact(description=description, progress=progress)
    return _store.update(artifact_id, artifact._payload(), description)


async def acreate_image_artifact(
    image_url: str, key: str | None = None, description: str | None = None
) -> uuid.UUID:
    """``create_image_artifact`` for async code."""
    return create_image_artifact(image_url, key, description, _sync=True)


@async_dispatch(acreate_image_artifact)
def create_image_artifact(
    image_url: str, key: str | None = None, description: str | None = None
) -> uuid.UUID:
    """Record an image artifact shown from a public URL; return its id.

    Raises:
        InvalidArtifactKeyError: ``key`` breaks the key rule.
        ArtifactDataError: ``image_url`` is not a string.
    """
    artifact = ImageArtifact(key=key, description=description, image_url=image_url)
    return artifact._save()
