"""``prefect.runtime.task_run``: the current task run: ``id``, ``name``, ``task_name``...

Each attribute is read when asked for (``from taskbook.runtime.task_run import name``
reads it then), as in Prefect.
"""

# ruff: noqa: F822
from __future__ import annotations

from taskbook.runtime._views import module_getattr

# Literal, so documentation tools read it. The names are answered by __getattr__
# when read (PEP 562), which ruff does not see.
__all__ = (
    "api_url",
    "id",
    "name",
    "parameters",
    "run_count",
    "tags",
    "task_name",
    "ui_url",
)

__getattr__ = module_getattr("task_run", __all__)


def __dir__() -> list[str]:
    return sorted(__all__)
