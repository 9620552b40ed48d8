"""Futures, states and annotations inside a run's inputs: finding and resolving them.

A run's parameters dict is the outermost collection; futures are found one
collection deep below it (``allow_failure``/``unmapped`` wrappers seen through),
and resolving replaces each future or state by its result, leaving other values
(and the collections holding none) as they are.
"""

from __future__ import annotations

from typing import Any

from taskbook.core.states import State
from taskbook.engine.annotations import AllowFailure, Unmapped


def is_future(value: Any) -> bool:
    """Return whether ``value`` is a taskbook future (of any task runner)."""
    return getattr(value, "_is_taskbook_future", False) is True


def collect_futures(
    value: Any, allowed: bool = False, depth: int = 0
) -> list[tuple[Any, bool]]:
    """Find futures (and allow_failure-wrapped ones) in inputs, one collection deep.

    Returns ``(future, allowed)`` pairs in the order met, allowed when the future
    was wrapped in ``allow_failure``. A task's parameters dict is the outermost
    collection (depth 0); ``wait_for`` lists are walked the same way.
    """
    if depth > 3:
        return []
    if isinstance(value, AllowFailure):
        return collect_futures(value.value, True, depth + 1)
    if isinstance(value, Unmapped):
        return collect_futures(value.value, allowed, depth + 1)
    if is_future(value):
        return [(value, allowed)]
    if isinstance(value, dict):
        return [
            p for v in value.values() for p in collect_futures(v, allowed, depth + 1)
        ]
    if isinstance(value, (list, tuple, set)):
        return [p for v in value for p in collect_futures(v, allowed, depth + 1)]
    return []


def resolve_values(value: Any, depth: int = 0) -> Any:
    """Replace futures and states in inputs by their results.

    Raises:
        UnfinishedRun: If a state given as an input is not final.
    """
    if depth > 4:
        return value
    if isinstance(value, (AllowFailure, Unmapped)):
        return resolve_values(value.value, depth + 1)
    if is_future(value):
        state = value.state
        return (
            state.data if state.is_completed() else state.result(raise_on_failure=False)
        )
    if isinstance(value, State):
        return (
            value.data if value.is_completed() else value.result(raise_on_failure=False)
        )
    if isinstance(value, dict):
        if depth == 0:
            return {k: resolve_values(v, depth + 1) for k, v in value.items()}
        if any(_needs_resolving(v) for v in value.values()):
            return {k: resolve_values(v, depth + 1) for k, v in value.items()}
        return value
    if isinstance(value, (list, tuple, set)) and any(
        _needs_resolving(v) for v in value
    ):
        return type(value)(resolve_values(v, depth + 1) for v in value)
    return value


def _needs_resolving(value: Any) -> bool:
    return (
        is_future(value)
        or isinstance(value, (State, AllowFailure, Unmapped))
        or (
            isinstance(value, (list, tuple, set, dict)) and bool(collect_futures(value))
        )
    )


# Input types that can hold no future, state or annotation (exact types only).
_PLAIN_TYPES = frozenset({int, float, str, bytes, bool, complex, type(None)})


def all_plain(parameters: dict[str, Any]) -> bool:
    """Whether no parameter can hold a future, state or annotation (cheap)."""
    plain = _PLAIN_TYPES
    for value in parameters.values():
        if type(value) not in plain:
            return False
    return True
