"""Prefect's ``async_dispatch``: one name for a sync and an async implementation.

Prefect 3's docs: "In a sync context (such as an ``if __name__ == "__main__"``
block or simple def scope), these methods are used synchronously. In an async
context (such as an async def scope), they are used asynchronously." So
``Variable.get``, ``Block.save`` and ``notify`` return a coroutine when called
from an ``async def`` (``await Variable.get("x")``) and the value elsewhere.

taskbook decides by the calling frame itself: code of an ``async def`` (or a
notebook cell that uses top-level ``await``) gets the coroutine. Prefect asks
whether an event loop is running, and every Jupyter cell runs under one, which
would make ``Variable.get("x")`` in a plain cell hand back an unawaited
coroutine. ``_sync=True`` or ``_sync=False`` forces one side, as in Prefect.
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable, Coroutine
from typing import Any

__all__ = ("async_dispatch",)

_ASYNC_CODE = (
    inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR | inspect.CO_ITERABLE_COROUTINE
)


def async_dispatch(
    async_impl: Callable[..., Coroutine[Any, Any, Any]] | classmethod,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Make the decorated function call ``async_impl`` when called from async code.

    Put it under ``@classmethod`` for class methods; ``async_impl`` may be the
    class's async twin as defined above it (a classmethod object).
    """
    impl = async_impl.__func__ if isinstance(async_impl, classmethod) else async_impl

    def decorator(sync_fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(sync_fn)
        def dispatch(*args: Any, _sync: bool | None = None, **kwargs: Any) -> Any:
            if _sync is None:
                _sync = not sys._getframe(1).f_code.co_flags & _ASYNC_CODE
            return (sync_fn if _sync else impl)(*args, **kwargs)

        dispatch.aio = impl  # type: ignore[attr-defined]  # as Prefect's wrapper
        return dispatch

    return decorator
