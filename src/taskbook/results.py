"""``prefect.results``: the store transactions record their keys in, and lock them by."""

from __future__ import annotations

from taskbook.engine.result_store import ResultStore

__all__ = ("ResultStore",)
