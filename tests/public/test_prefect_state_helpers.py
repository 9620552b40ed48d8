"""Prefect's state and future helpers: get_state_exception, exception_to_*_state,
StateGroup, resolve_futures_to_states/results, as Prefect 3.9 gives them."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from taskbook import flow, task
from taskbook.errors import IncompleteResultError, NoExceptionError
from taskbook.exceptions import CrashedRun, FailedRun
from taskbook.futures import (
    PrefectFutureList,
    resolve_futures_to_results,
    resolve_futures_to_states,
)
from taskbook.states import (
    AwaitingConcurrencySlot,
    Cancelled,
    Completed,
    Crashed,
    Failed,
    Running,
    StateGroup,
    StateType,
    Suspended,
    exception_to_crashed_state,
    exception_to_failed_state,
    get_state_exception,
)


def test_get_state_exception_gives_the_exception_or_a_run_error_with_the_message() -> (
    None
):
    error = ValueError("v")
    assert get_state_exception(Failed(data=error)) is error
    wrapped = get_state_exception(Failed(message="m"))
    assert (type(wrapped), str(wrapped)) == (FailedRun, "m")
    assert str(get_state_exception(Crashed())) == "Run crashed."
    assert isinstance(get_state_exception(Crashed()), CrashedRun)
    assert str(get_state_exception(Cancelled(message="c"))) == "c"
    inner = get_state_exception(Failed(data=[Completed(), Failed(message="second")]))
    assert str(inner) == "second"


def test_get_state_exception_of_a_completed_state_says_what_it_expected() -> None:
    with pytest.raises(NoExceptionError) as info:
        get_state_exception(Completed())
    assert isinstance(info.value, ValueError)
    assert str(info.value).startswith(
        "Expected failed or crashed state got Completed(). Pass a Failed"
    )


def test_exception_to_failed_state_is_async_and_puts_the_message_first() -> None:
    state = asyncio.run(exception_to_failed_state(ValueError("bad"), message="oops"))
    assert (state.type, state.message) == (StateType.FAILED, "oops ValueError: bad")
    assert isinstance(state.data, ValueError)
    try:
        raise KeyError("k")
    except KeyError:
        handled = asyncio.run(exception_to_failed_state())
    assert handled.message == "KeyError: 'k'"
    with pytest.raises(NoExceptionError, match="no active exception could be found"):
        asyncio.run(exception_to_failed_state())


@pytest.mark.parametrize(
    ("exc", "message"),
    [
        (KeyboardInterrupt(), "Execution was aborted by an interrupt signal."),
        (SystemExit(1), "Execution was aborted by Python system exit call."),
        (
            RuntimeError("x"),
            "Execution was interrupted by an unexpected exception: RuntimeError: x",
        ),
    ],
)
def test_exception_to_crashed_state_words_the_cause_as_prefect(
    exc: BaseException, message: str
) -> None:
    state = asyncio.run(exception_to_crashed_state(exc))
    assert (state.type, state.message, state.data) == (StateType.CRASHED, message, exc)


def test_state_group_counts_as_prefect_words_it() -> None:
    group = StateGroup([Completed(), Failed(), Running()])
    assert repr(group) == (
        "StateGroup<total=3, not_final=1, 'COMPLETED'=1, 'FAILED'=1, 'RUNNING'=1>"
    )
    assert (group.fail_count, group.any_failed(), group.all_final()) == (1, True, False)


def test_suspended_and_awaiting_concurrency_slot_are_named_states() -> None:
    assert (Suspended().type, Suspended().name) == (StateType.PAUSED, "Suspended")
    slot = AwaitingConcurrencySlot()
    assert (slot.type, slot.name) == (StateType.SCHEDULED, "AwaitingConcurrencySlot")


@task
def add_one(x: int) -> int:
    return x + 1


@task
def fails() -> None:
    raise ValueError("no")


def test_resolving_futures_in_a_collection_to_results_and_states(
    isolated_home: Path,
) -> None:
    @flow
    def pipeline() -> tuple[object, ...]:
        mapped = add_one.map([1, 2])
        results = resolve_futures_to_results({"a": mapped, "b": (add_one.submit(5), 3)})
        (state,) = resolve_futures_to_states([add_one.submit(1)])
        failed = fails.submit()
        with pytest.raises(IncompleteResultError) as info:
            resolve_futures_to_results([failed])
        return isinstance(mapped, PrefectFutureList), results, state, str(info.value)

    is_list, results, state, error = pipeline()
    assert is_list
    assert results == {"a": [2, 3], "b": (6, 3)}
    assert state.is_completed()
    assert error.startswith(
        "At least one result did not complete successfully: task run 'fails-0' ended "
        "Failed("
    )
