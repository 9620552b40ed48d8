"""``prefect.runtime.deployment``: the run's deployment: none here, so ``id`` is None

Each attribute is read when asked for (``from taskbook.runtime.deployment import name``
reads it then), as in Prefect.
"""

from __future__ import annotations

from taskbook.runtime._views import DEPLOYMENT_FIELDS, module_getattr

__all__ = DEPLOYMENT_FIELDS

__getattr__ = module_getattr("deployment", DEPLOYMENT_FIELDS)


def __dir__() -> list[str]:
    return sorted(DEPLOYMENT_FIELDS)
