"""What a flow hands back when it returns states or futures, and runs that never start.

Each expectation was observed under Prefect 3.9.1 (scripts/returned_states.py runs
the same flows there); Prefect's docs: "Final state determination" in
https://docs.prefect.io/v3/concepts/states and the flow parameter validation page.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import taskbook
from taskbook import flow, task
from taskbook.exceptions import CancelledRun, FailedRun, ParameterTypeError
from taskbook.states import Cancelled, Completed, Failed, State, StateType


@task
def ok(x: Any) -> Any:
    return x


@task
def bad(x: Any) -> None:
    raise ValueError(f"bad {x}")


def kinds(states: Any) -> list[tuple[str, str | None]]:
    return [(s.type.value, s.message) for s in states]


# --- a flow returning futures or states hands back states --------------------------------


def test_a_flow_returning_one_future_returns_its_state(isolated_home: Path) -> None:
    @flow
    def one() -> Any:
        return ok.submit(1)

    returned = one()
    assert isinstance(returned, State)
    assert (returned.type, returned.result()) == (StateType.COMPLETED, 1)
    final = one(return_state=True)
    assert final.message == "All states completed."
    assert final.result(raise_on_failure=False).result() == 1


@pytest.mark.parametrize(
    ("body", "shape", "final"),
    [
        (lambda: ok.map((1, 2)), list, ("COMPLETED", "All states completed.")),
        (
            lambda: [ok.submit(1), bad.submit(2), bad.submit(3)],
            list,
            ("FAILED", "2/3 states failed."),
        ),
        (
            lambda: (ok.submit(1), Cancelled(), bad.submit(3)),
            tuple,
            ("CANCELLED", "1/3 states cancelled."),
        ),
    ],
    ids=["map", "two of three failed", "one cancelled"],
)
def test_a_flow_returning_a_collection_of_futures_returns_their_states(
    body: Callable[[], Any],
    shape: type,
    final: tuple[str, str],
    isolated_home: Path,
) -> None:
    returning = flow(name="returning")(body)
    returned = returning()  # no raise, even when some failed: the states come back
    assert type(returned) is shape
    assert all(isinstance(s, State) for s in returned)
    state = returning(return_state=True)
    assert (state.type.value, state.message) == final
    assert type(state.result(raise_on_failure=False)) is shape
    recorded = taskbook.runs()  # newest first
    assert (recorded["state_type"][0], recorded["message"][0]) == final


def test_a_dict_of_futures_comes_back_as_states_and_the_flow_completes(
    isolated_home: Path,
) -> None:
    @flow
    def by_name() -> Any:
        return {"a": ok.submit(1), "b": bad.submit(2)}

    returned = by_name()
    assert kinds(returned.values()) == [
        ("COMPLETED", None),
        ("FAILED", "Task run encountered an exception ValueError: bad 2"),
    ]
    assert by_name(return_state=True).is_completed()  # dicts are not aggregated


def test_a_flow_returning_failed_ends_in_it_with_its_data(isolated_home: Path) -> None:
    @flow
    def refuses() -> Any:
        return Failed(message="no rows", data={"rows": 0})

    state = refuses(return_state=True)
    assert (state.type, state.message) == (StateType.FAILED, "no rows")
    assert state.result(raise_on_failure=False) == {"rows": 0}
    with pytest.raises(FailedRun, match=r"^no rows$"):
        refuses()


def test_a_flow_returning_cancelled_ends_cancelled(isolated_home: Path) -> None:
    @flow
    def stops() -> Any:
        return Cancelled()

    state = stops(return_state=True)
    assert state.type is StateType.CANCELLED
    assert state.result(raise_on_failure=False) is None
    with pytest.raises(CancelledRun, match=r"^Run cancelled\.$"):
        stops()


def test_a_task_returning_a_state_ends_in_it(isolated_home: Path) -> None:
    @task
    def says_no() -> Any:
        return Failed(message="task said no", data=42)

    @task
    def says_yes() -> Any:
        return Completed(message="task said yes", data=7)

    @flow
    def asks() -> Any:
        return [says_no(return_state=True), says_yes(return_state=True)]

    no, yes = asks()
    assert (no.type, no.message, no.result(raise_on_failure=False)) == (
        StateType.FAILED,
        "task said no",
        42,
    )
    assert (yes.type, yes.message, yes.result()) == (
        StateType.COMPLETED,
        "task said yes",
        7,
    )
    assert asks(return_state=True).message == "1/2 states failed."


# --- runs that never start -------------------------------------------------------------


def test_invalid_parameters_record_a_failed_run_and_list_each_field(
    isolated_home: Path,
) -> None:
    @flow
    def typed(n: int, name: str) -> int:
        return n

    with pytest.raises(ParameterTypeError) as info:
        typed("many", ["x"])
    assert str(info.value).startswith(
        "Flow run received invalid parameters:\n"
        " - n: Input should be a valid integer, unable to parse string as an integer\n"
        " - name: Input should be a valid string\n"
    )
    state = typed("many", "x", return_state=True)
    assert state.message.startswith(
        "Validation of flow parameters failed with error: ParameterTypeError: "
        "Flow run received invalid parameters:"
    )
    assert list(taskbook.runs()["state_type"]) == ["FAILED", "FAILED"]


def test_a_subflow_with_invalid_parameters_fires_on_failure_once(
    isolated_home: Path,
) -> None:
    seen: list[str] = []

    @flow(on_failure=[lambda _flow, _run, state: seen.append(state.type.value)])
    def child(n: int) -> int:
        return n

    @flow
    def parent() -> str:
        try:
            child("x")
        except ParameterTypeError as exc:
            return type(exc).__name__
        return "no error"

    assert parent() == "ParameterTypeError"
    assert seen == ["FAILED"]


def test_a_subflow_waiting_for_a_failed_future_is_not_ready_and_does_not_run(
    isolated_home: Path,
) -> None:
    ran: list[str] = []

    @flow
    def child() -> None:
        ran.append("child")

    @flow
    def parent() -> tuple[str, str, str | None]:
        failed = bad.submit(1)
        state = child(wait_for=[failed], return_state=True)
        return state.type.value, state.name, state.message

    kind, name, message = parent()
    assert (kind, name) == ("PENDING", "NotReady")
    assert message is not None
    assert message.startswith("Upstream task run 'bad-0' did not reach")
    assert ran == []


def test_calling_a_task_that_returns_a_state_gives_that_state(
    isolated_home: Path,
) -> None:
    @task
    def says_no() -> Any:
        return Failed(message="task said no", data=42)

    @flow
    def calls() -> tuple[str, str | None]:
        state = says_no()  # as Prefect: the state comes back, nothing is raised
        return state.type.value, state.message

    assert calls() == ("FAILED", "task said no")


def test_a_retried_task_gives_its_last_attempts_value(isolated_home: Path) -> None:
    attempts: list[int] = []

    @task(retries=1)
    def second_time_lucky() -> Any:
        attempts.append(1)
        return Failed(message="not yet") if len(attempts) == 1 else "done"

    @flow
    def calls() -> Any:
        return second_time_lucky()

    assert calls() == "done"
