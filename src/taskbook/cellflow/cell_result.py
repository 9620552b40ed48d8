"""``CellResult``: what one cell run leaves behind, and the value the engine caches.

The values a cell defines and the outputs it showed; restoring a hit puts the
values back into the namespace, functions rebound to the notebook's globals.
"""

from __future__ import annotations

import types
from dataclasses import dataclass, field
from typing import Any

from taskbook.errors import UnpicklableOutputError

__all__ = ("CellResult", "rebind")


@dataclass(slots=True)
class CellResult:
    """The values a cell defines and its outputs (the cached value of a cell).

    Attributes:
        values: Every name the cell defines.
        outputs: nbformat v4 outputs, replayed on a cache hit.
        exit_code: The code of a ``SystemExit`` the cell raised.
        exited: Whether the cell raised ``SystemExit``.
        fingerprints: Content fingerprints of ``values`` taken when it ran.
    """

    values: dict[str, Any]
    outputs: list[dict[str, Any]]
    exit_code: int | str | None = None
    exited: bool = False
    fingerprints: dict[str, str | None] = field(default_factory=dict)

    def __reduce__(self) -> Any:
        import cloudpickle

        for name, value in self.values.items():
            try:
                cloudpickle.dumps(value)
            except Exception as error:
                # The engine turns this into a warning naming the task; name the
                # variable and the way out here.
                raise UnpicklableOutputError.for_cache(name, value, error) from None
        return (
            CellResult,
            (
                self.values,
                self.outputs,
                self.exit_code,
                self.exited,
                self.fingerprints,
            ),
        )


def rebind(value: Any, namespace: dict[str, Any]) -> Any:
    """Make a function that comes back from a pickle see the live namespace again.

    cloudpickle gives functions it pickles by value a private globals dict; a
    function defined in a cell must read the notebook's globals, as before.
    """
    if not isinstance(value, types.FunctionType) or value.__globals__ is namespace:
        return value
    module = value.__module__
    if module not in ("__main__", None) and not module.startswith("__"):
        return value
    fresh = types.FunctionType(
        value.__code__,
        namespace,
        value.__name__,
        value.__defaults__,
        value.__closure__,
    )
    fresh.__kwdefaults__ = value.__kwdefaults__
    fresh.__dict__.update(value.__dict__)
    fresh.__qualname__ = value.__qualname__
    fresh.__annotations__ = value.__annotations__
    fresh.__doc__ = value.__doc__
    fresh.__module__ = module
    return fresh
