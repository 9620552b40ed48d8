"""``prefect.runtime.deployment``: the run's deployment: none here, so ``id`` is None

Each attribute is read when asked for (``from taskbook.runtime.deployment import name``
reads it then), as in Prefect.
"""

# ruff: noqa: F822
from __future__ import annotations

from taskbook.runtime._views import module_getattr

# Literal, so documentation tools read it. The names are answered by __getattr__
# when read (PEP 562), which ruff does not see.
__all__ = (
    "flow_run_id",
    "id",
    "name",
    "parameters",
    "version",
)

__getattr__ = module_getattr("deployment", __all__)


def __dir__() -> list[str]:
    return sorted(__all__)
