"""Artifacts: markdown, tables and links attached to the current run."""

from __future__ import annotations

import uuid
from typing import Any

from taskbook.core.events import ArtifactCreated
from taskbook.engine.context import flow_run_ctx, task_run_ctx
from taskbook.engine.session import session_for_runs
from taskbook.errors import InvalidOptionError

__all__ = [
    "create_link_artifact",
    "create_markdown_artifact",
    "create_table_artifact",
]


def _create(kind: str, data: Any, key: str | None, description: str | None) -> str:
    if key is not None and (
        not isinstance(key, str)
        or not key
        or not all(c.islower() or c.isdigit() or c == "-" for c in key)
    ):
        raise InvalidOptionError(
            f"Artifact key {key!r} is invalid: keys may only contain lowercase "
            f"letters, numbers and dashes. Use a key like 'daily-report'."
        )
    tctx = task_run_ctx.get()
    fctx = flow_run_ctx.get()
    session = tctx.session if tctx else fctx.session if fctx else session_for_runs()
    artifact_id = str(uuid.uuid4())
    session.bus.publish(
        ArtifactCreated(
            artifact_id=artifact_id,
            key=key,
            type=kind,
            data=data,
            description=description,
            flow_run_id=fctx.flow_run.id if fctx else None,
            task_run_id=tctx.task_run.id if tctx else None,
            ts=session.clock.now(),
        )
    )
    return artifact_id


def create_markdown_artifact(
    markdown: str, key: str | None = None, description: str | None = None
) -> str:
    """Record a markdown artifact for the current run; return its id."""
    if not isinstance(markdown, str):
        raise InvalidOptionError(
            f"markdown must be a string, got {type(markdown).__name__}. Pass text."
        )
    return _create("markdown", markdown, key, description)


def create_table_artifact(
    table: dict[str, list[Any]] | list[dict[str, Any]] | list[list[Any]],
    key: str | None = None,
    description: str | None = None,
) -> str:
    """Record a table artifact (dict of columns, list of rows or list of lists)."""
    if hasattr(table, "to_dict") and callable(table.to_dict):
        table = table.to_dict(orient="records")  # a pandas DataFrame
    if not isinstance(table, (dict, list)):
        raise InvalidOptionError(
            f"table must be a dict of columns or a list of rows, got "
            f"{type(table).__name__}. Convert it first."
        )
    return _create("table", table, key, description)


def create_link_artifact(
    link: str,
    link_text: str | None = None,
    key: str | None = None,
    description: str | None = None,
) -> str:
    """Record a link artifact; the markdown shown is ``[link_text](link)``."""
    data = f"[{link_text}]({link})" if link_text else link
    return _create("link", data, key, description)
