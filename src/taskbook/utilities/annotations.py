"""``prefect.utilities.annotations``: how a value passed to a task is treated."""

from __future__ import annotations

from taskbook.engine.annotations import allow_failure, opaque, quote, unmapped

__all__ = ("allow_failure", "opaque", "quote", "unmapped")
