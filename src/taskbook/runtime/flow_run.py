"""``prefect.runtime.flow_run``: the current flow run: ``id``, ``name``, ``parameters``...

Each attribute is read when asked for (``from taskbook.runtime.flow_run import name``
reads it then), as in Prefect.
"""

# ruff: noqa: F822
from __future__ import annotations

from taskbook.runtime._views import module_getattr

# Literal, so documentation tools read it. The names are answered by __getattr__
# when read (PEP 562), which ruff does not see.
__all__ = (
    "api_url",
    "flow_name",
    "flow_version",
    "id",
    "job_variables",
    "name",
    "parameters",
    "parent_deployment_id",
    "parent_flow_run_id",
    "root_flow_run_id",
    "run_count",
    "scheduled_start_time",
    "tags",
    "ui_url",
)

__getattr__ = module_getattr("flow_run", __all__)


def __dir__() -> list[str]:
    return sorted(__all__)
