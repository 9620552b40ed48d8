"""``prefect.runtime.task_run``: the current task run: ``id``, ``name``, ``task_name``...

Each attribute is read when asked for (``from taskbook.runtime.task_run import name``
reads it then), as in Prefect.
"""

from __future__ import annotations

from taskbook.runtime._views import TASK_RUN_FIELDS, module_getattr

__all__ = TASK_RUN_FIELDS

__getattr__ = module_getattr("task_run", TASK_RUN_FIELDS)


def __dir__() -> list[str]:
    return sorted(TASK_RUN_FIELDS)
