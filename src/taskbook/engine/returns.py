"""A flow's return value as Prefect 3 reads it: futures become states, states decide.

Futures anywhere in lists, tuples, sets and dicts are replaced by their final
states; a state the user built is the flow's final state as given; a run's state,
or a list/tuple/set made only of states, gives the aggregate (``"2/3 states
failed."``); anything else is Completed with that value.
"""

from __future__ import annotations

from collections.abc import Callable
from types import GeneratorType
from typing import Any

from taskbook.core.states import State, StateType
from taskbook.engine.inputs import is_future
from taskbook.errors import IncompleteResultError

_COLLECTIONS = (list, tuple, set, frozenset, dict)
# Values that hold nothing to resolve: a returned list of them is not rebuilt.
_LEAVES = frozenset({int, float, str, bytes, bool, complex, type(None)})


def resolve_futures_to_states(value: Any) -> Any:
    """Return ``value`` with every future inside replaced by its final state.

    Waits for futures that are not done. Collections (lists, tuples, sets,
    dicts, nested) are rebuilt, same type, only when they held a future;
    anything else comes back as it is (Prefect's ``prefect.futures`` function).
    """
    return _resolve(value, _final_state, 0)


def resolve_futures_to_results(value: Any) -> Any:
    """Return ``value`` with every future inside replaced by its result.

    Raises:
        IncompleteResultError: A future's run did not end Completed.
    """
    return _resolve(value, _completed_result, 0)


def _final_state(future: Any) -> State:
    if not future.done():  # the flow's own futures are done by now
        future.wait()
    state: State = future.state
    return state


def _completed_result(future: Any) -> Any:
    state = _final_state(future)
    if not state.is_completed():
        raise IncompleteResultError.from_future(future.task_run_name, state)
    return future.result()


def _resolve(value: Any, resolve: Callable[[Any], Any], depth: int) -> Any:
    if is_future(value):
        return resolve(value)
    if depth > 8 or not isinstance(value, _COLLECTIONS):
        return value
    items = value.values() if isinstance(value, dict) else value
    if all(type(v) in _LEAVES for v in items):  # a list of plain values: cheap
        return value
    if isinstance(value, dict):
        items = {k: _resolve(v, resolve, depth + 1) for k, v in value.items()}
        if all(items[k] is v for k, v in value.items()):
            return value
        return type(value)(items) if type(value) is not dict else items
    parts = [_resolve(v, resolve, depth + 1) for v in value]
    if all(a is b for a, b in zip(parts, value, strict=True)):
        return value
    if type(value) in _COLLECTIONS:
        return type(value)(parts)
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # a namedtuple
        return type(value)(*parts)
    try:  # a subclass (TaskFutureList): Prefect hands back the plain collection
        return next(t for t in _COLLECTIONS if isinstance(value, t))(parts)
    except TypeError:
        return value


def return_value_to_state(value: Any) -> State:
    """Turn a flow's return value (futures already resolved) into its final state."""
    if isinstance(value, State) and not value.owner:
        # Built by the user: the flow ends in it, as given (Prefect keeps a None
        # result for states made without data).
        return value if value.has_result() else _with_data(value, None)
    if isinstance(value, State) or _is_state_collection(value):
        states = [value] if isinstance(value, State) else list(value)
        return _aggregate(states, value)
    if isinstance(value, GeneratorType):  # generators are not kept: a list is
        value = list(value)
    return State(StateType.COMPLETED, data=value)


def _is_state_collection(value: Any) -> bool:
    # As Prefect's is_state_iterable: only sets, lists and tuples, not dicts.
    return (
        isinstance(value, (list, tuple, set))
        and bool(value)
        and all(isinstance(v, State) for v in value)
    )


def _with_data(state: State, data: Any) -> State:
    return State(
        state.type,
        state.name,
        state.message,
        data,
        state.ts,
        state.scheduled_ts,
        state.cache_expiration,
    )


def _aggregate(states: list[State], data: Any) -> State:
    total = len(states)
    if all(s.is_completed() for s in states):
        kind, message = StateType.COMPLETED, "All states completed."
    elif cancelled := sum(s.is_cancelled() for s in states):
        kind, message = StateType.CANCELLED, f"{cancelled}/{total} states cancelled."
    elif paused := sum(s.is_paused() for s in states):
        kind, message = StateType.PAUSED, f"{paused}/{total} states paused."
    elif failed := sum(s.is_failed() or s.is_crashed() for s in states):
        kind, message = StateType.FAILED, f"{failed}/{total} states failed."
    else:
        not_final = sum(not s.is_final() for s in states)
        kind, message = StateType.FAILED, f"{not_final}/{total} states are not final."
    return State(kind, message=message, data=data)
