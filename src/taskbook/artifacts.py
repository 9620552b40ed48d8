"""Public artifacts API."""

from __future__ import annotations

from taskbook.api.artifacts import (
    create_link_artifact,
    create_markdown_artifact,
    create_table_artifact,
)

__all__ = ("create_link_artifact", "create_markdown_artifact", "create_table_artifact")
