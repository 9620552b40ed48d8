"""Public task API (``from taskbook.tasks import task_input_hash, exponential_backoff``)."""

from __future__ import annotations

from taskbook.api.tasks import Task, exponential_backoff, task, task_input_hash

__all__ = ("Task", "exponential_backoff", "task", "task_input_hash")
