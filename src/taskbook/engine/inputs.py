"""Futures, states and annotations inside a run's inputs: finding and resolving them.

A run's parameters dict is the outermost collection; futures are found inside
lists, tuples, sets, dicts, dataclass instances and pydantic models, nested up to
``MAX_DEPTH`` deep (``allow_failure``/``unmapped`` wrappers seen through; ``quote``
and ``opaque`` values not entered). Resolving replaces each future or state by its
result and rebuilds only the collections that held one; a rebuilt dataclass or
model is constructed anew, so ``__post_init__`` runs again, as in Prefect.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from taskbook.core.states import State
from taskbook.engine.annotations import AllowFailure, Opaque, Quote, Unmapped

MAX_DEPTH = 8
_SEQUENCES = (list, tuple, set, frozenset)
# Input types that can hold no future, state or annotation (exact types only):
# checked first, they keep the walk cheap.
_LEAVES = frozenset({int, float, str, bytes, bool, complex, type(None)})


def is_future(value: Any) -> bool:
    """Return whether ``value`` is a taskbook future (of any task runner)."""
    return getattr(value, "_is_taskbook_future", False) is True


def _fields(value: Any) -> dict[str, Any] | None:
    """The fields of a dataclass instance or pydantic model, else None."""
    kind = type(value)
    if dataclasses.is_dataclass(kind):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if hasattr(kind, "model_construct") and hasattr(value, "model_fields_set"):
        return dict(value.__dict__)
    return None


def _children(value: Any) -> Any:
    """The values inside a collection, or None for a leaf."""
    if isinstance(value, dict):
        return value.values()
    if isinstance(value, _SEQUENCES):
        return value
    fields = None if type(value) in _LEAVES else _fields(value)
    return fields.values() if fields is not None else None


def collect_futures(
    value: Any, allowed: bool = False, depth: int = 0
) -> list[tuple[Any, bool]]:
    """Find futures (and allow_failure-wrapped ones) in inputs.

    Returns ``(future, allowed)`` pairs in the order met, allowed when the future
    was wrapped in ``allow_failure``. A task's parameters dict is the outermost
    collection (depth 0); ``wait_for`` lists are walked the same way.
    """
    if depth > MAX_DEPTH or type(value) in _LEAVES or isinstance(value, Quote):
        return []
    if isinstance(value, AllowFailure):
        return collect_futures(value.value, True, depth + 1)
    if isinstance(value, (Unmapped, Opaque)):
        inner = value.value
        if isinstance(value, Opaque):  # only the value itself, not what it holds
            return [(inner, allowed)] if is_future(inner) else []
        return collect_futures(inner, allowed, depth + 1)
    if is_future(value):
        return [(value, allowed)]
    children = _children(value)
    if children is None:
        return []
    return [p for v in children for p in collect_futures(v, allowed, depth + 1)]


def resolve_values(value: Any, depth: int = 0) -> Any:
    """Replace futures and states in inputs by their results.

    Raises:
        UnfinishedRun: If a state given as an input is not final.
    """
    if depth > MAX_DEPTH or type(value) in _LEAVES:
        return value
    if isinstance(value, Quote):
        return value.value
    if isinstance(value, Opaque):
        inner = value.value
        return _result(inner) if is_future(inner) or isinstance(inner, State) else inner
    if isinstance(value, (AllowFailure, Unmapped)):
        return resolve_values(value.value, depth + 1)
    if is_future(value) or isinstance(value, State):
        return _result(value)
    if depth == 0 and isinstance(value, dict):  # the parameters: always a new dict
        return {k: resolve_values(v, 1) for k, v in value.items()}
    if not _needs_resolving(value):
        return value
    if isinstance(value, dict):
        return {k: resolve_values(v, depth + 1) for k, v in value.items()}
    if isinstance(value, _SEQUENCES):
        parts = [resolve_values(v, depth + 1) for v in value]
        if isinstance(value, tuple) and hasattr(value, "_fields"):  # a namedtuple
            return type(value)(*parts)
        return type(value)(parts)
    fields = _fields(value)
    if fields is None:
        return value
    resolved = {k: resolve_values(v, depth + 1) for k, v in fields.items()}
    return _rebuild(value, resolved)


def _result(value: Any) -> Any:
    state = value.state if is_future(value) else value
    return state.data if state.is_completed() else state.result(raise_on_failure=False)


def _rebuild(value: Any, fields: dict[str, Any]) -> Any:
    """A dataclass or model like ``value`` with ``fields``, constructed anew."""
    kind = type(value)
    if dataclasses.is_dataclass(kind):
        init = {f.name for f in dataclasses.fields(value) if f.init}
        return kind(**{k: v for k, v in fields.items() if k in init})
    return kind.model_construct(_fields_set=value.model_fields_set, **fields)


def _needs_resolving(value: Any) -> bool:
    return (
        is_future(value)
        or isinstance(value, (State, AllowFailure, Unmapped, Opaque, Quote))
        or (_children(value) is not None and bool(_holds_any(value)))
    )


def _holds_any(value: Any, depth: int = 0) -> bool:
    """Whether a future, state or annotation is anywhere inside ``value``."""
    if depth > MAX_DEPTH:
        return False
    children = _children(value)
    if children is None:
        return False
    for v in children:
        if type(v) in _LEAVES:
            continue
        if is_future(v) or isinstance(
            v, (State, AllowFailure, Unmapped, Opaque, Quote)
        ):
            return True
        if _holds_any(v, depth + 1):
            return True
    return False


def all_plain(parameters: dict[str, Any]) -> bool:
    """Whether no parameter can hold a future, state or annotation (cheap)."""
    plain = _LEAVES
    for value in parameters.values():
        if type(value) not in plain:
            return False
    return True
