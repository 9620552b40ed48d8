"""``prefect.runtime.flow_run``: the current flow run: ``id``, ``name``, ``parameters``...

Each attribute is read when asked for (``from taskbook.runtime.flow_run import name``
reads it then), as in Prefect.
"""

from __future__ import annotations

from taskbook.runtime._views import FLOW_RUN_FIELDS, module_getattr

__all__ = FLOW_RUN_FIELDS

__getattr__ = module_getattr("flow_run", FLOW_RUN_FIELDS)


def __dir__() -> list[str]:
    return sorted(FLOW_RUN_FIELDS)
