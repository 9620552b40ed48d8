"""Prefect 3's documented semantics, through taskbook's public API only.

Every expectation here was first observed under real Prefect 3.8.8 (same small flow,
run in a venv with Prefect 3); where taskbook deliberately differs, the test asserts
taskbook's documented behaviour and a comment says what Prefect does instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import taskbook
from taskbook import allow_failure, flow, get_run_logger, task, unmapped
from taskbook.cache_policies import INPUTS
from taskbook.engine.clock import FakeClock
from taskbook.engine.session import Session, set_session
from taskbook.exceptions import (
    InvalidNameError,
    MappingLengthMismatch,
    MappingMissingIterable,
    ParameterTypeError,
    ReservedArgumentError,
)
from taskbook.states import State, StateType
from taskbook.task_runners import ThreadPoolTaskRunner
from taskbook.tasks import exponential_backoff

# --- helpers ---------------------------------------------------------------------------


@pytest.fixture
def fake_clock(isolated_home: Path) -> FakeClock:
    """A session whose clock only moves when the engine sleeps (sleeps are recorded)."""
    clock = FakeClock()
    set_session(Session(home=isolated_home, clock=clock))
    return clock  # isolated_home's teardown closes the session


def run_flow(body: Callable[..., Any], *args: Any, **options: Any) -> tuple[State, Any]:
    """Run ``body`` as a flow; return its final state and its record from the store."""
    ids: list[str] = []
    wrapped = flow(on_running=[lambda _f, run, _s: ids.append(run.id)], **options)(body)
    state = wrapped(*args, return_state=True)
    return state, taskbook.get_run(ids[0])


def state_names(record: Any, index: int = 0) -> list[str]:
    return [s.name for s in record.task_runs[index].states]


def flaky(failures: int | None, errors: tuple[type[Exception], ...] = (ValueError,)):
    """A function failing ``failures`` times (always when None), then returning "ok"."""
    calls = {"n": 0}

    def extract() -> str:
        calls["n"] += 1
        if failures is None or calls["n"] <= failures:
            raise errors[min(calls["n"], len(errors)) - 1](f"attempt {calls['n']}")
        return "ok"

    return extract, calls


def retry_states(retries: int, delayed: bool, final: str) -> list[str]:
    between = ["AwaitingRetry", "Retrying"] if delayed else ["Retrying"]
    return ["Pending", "Running", *between * retries, final]


# --- retries -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryCase:
    id: str
    options: dict[str, Any]
    failures: int | None  # None: always fails
    states: list[str]
    run_count: int
    sleeps: list[float]
    errors: tuple[type[Exception], ...] = (ValueError,)


RETRY_CASES = [
    RetryCase(
        "no retries: one attempt",
        {},
        None,
        ["Pending", "Running", "Failed"],
        1,
        [],
    ),
    RetryCase(
        "no delay: Retrying without AwaitingRetry",  # Prefect 3.8.8, observed
        {"retries": 2, "retry_delay_seconds": 0},
        None,
        retry_states(2, delayed=False, final="Failed"),
        3,
        [],
    ),
    RetryCase(
        "a delay: AwaitingRetry then Retrying, then success",
        {"retries": 2, "retry_delay_seconds": 5},
        1,
        retry_states(1, delayed=True, final="Completed"),
        2,
        [5.0],
    ),
    RetryCase(
        "a short delay list repeats its last delay",
        {"retries": 4, "retry_delay_seconds": [1, 2]},
        None,
        retry_states(4, delayed=True, final="Failed"),
        5,
        [1.0, 2.0, 2.0, 2.0],
    ),
    RetryCase(
        "exponential backoff doubles each delay",
        {"retries": 3, "retry_delay_seconds": exponential_backoff(backoff_factor=2)},
        None,
        retry_states(3, delayed=True, final="Failed"),
        4,
        [2.0, 4.0, 8.0],
    ),
    RetryCase(
        "retry_condition_fn returning False stops retries",
        {"retries": 3, "retry_condition_fn": lambda task, task_run, state: False},
        None,
        ["Pending", "Running", "Failed"],
        1,
        [],
    ),
    RetryCase(
        "retry_condition_fn retries only the errors it names",
        {
            "retries": 3,
            "retry_condition_fn": lambda task, task_run, state: isinstance(
                state.result(raise_on_failure=False), ConnectionError
            ),
        },
        None,
        retry_states(1, delayed=False, final="Failed"),
        2,
        [],
        errors=(ConnectionError, ValueError),
    ),
]


@pytest.mark.parametrize("case", RETRY_CASES, ids=[c.id for c in RETRY_CASES])
def test_task_run_states_and_retry_delays_follow_prefect(
    case: RetryCase, fake_clock: FakeClock
) -> None:
    fn, calls = flaky(case.failures, case.errors)
    extract = task(fn, **case.options)

    def body() -> Any:
        return extract(return_state=True)

    _, record = run_flow(body)
    assert state_names(record) == case.states
    assert record.task_runs[0].run_count == case.run_count
    assert calls["n"] == case.run_count
    assert fake_clock.sleeps == case.sleeps


def test_exponential_backoff_gives_factor_times_powers_of_two() -> None:
    assert exponential_backoff(backoff_factor=2)(3) == [2, 4, 8]
    assert exponential_backoff(backoff_factor=0.5)(4) == [0.5, 1, 2, 4]


def test_a_task_holds_its_retry_delays_as_prefect_does() -> None:
    # Prefect's Task calls a retry_delay_seconds callable with retries at once.
    @task(retries=4, retry_delay_seconds=exponential_backoff(backoff_factor=2))
    def backing_off() -> None: ...

    @task(retries=2, retry_delay_seconds=[1, 5])
    def listed() -> None: ...

    assert backing_off.retry_delay_seconds == [2, 4, 8, 16]
    assert listed.retry_delay_seconds == [1, 5]


def test_retry_jitter_stays_within_prefects_clamped_bounds(
    fake_clock: FakeClock,
) -> None:
    extract = task(
        flaky(None)[0], retries=30, retry_delay_seconds=10, retry_jitter_factor=0.5
    )
    run_flow(lambda: extract(return_state=True))
    # Prefect: upper bound 10 * 1.5; lower bound 10 * log2(2**1.5 / (2**1.5 - 1)) ≈ 6.30.
    assert len(fake_clock.sleeps) == 30
    assert all(6.29 <= s <= 15.0 for s in fake_clock.sleeps), fake_clock.sleeps
    assert len(set(fake_clock.sleeps)) > 1  # jittered, not constant


def test_failure_hook_fires_once_after_the_last_retry_and_running_hook_per_attempt(
    fake_clock: FakeClock,
) -> None:
    seen: list[tuple[str, str, str, int]] = []

    def hook(kind: str) -> Callable[..., None]:
        def record(task_: Any, task_run: Any, state: State) -> None:
            seen.append((kind, type(task_).__name__, state.name, task_run.run_count))

        return record

    extract = task(
        flaky(None)[0],
        retries=2,
        on_running=[hook("running")],
        on_failure=[hook("failure")],
        on_completion=[hook("completion")],
    )
    run_flow(lambda: extract(return_state=True))
    assert seen == [
        ("running", "Task", "Running", 1),
        ("running", "Task", "Retrying", 2),
        ("running", "Task", "Retrying", 3),
        ("failure", "Task", "Failed", 3),
    ]


def test_completion_hook_gets_task_task_run_and_state_after_a_retry(
    fake_clock: FakeClock,
) -> None:
    seen: list[Any] = []
    extract = task(
        flaky(1)[0],
        retries=1,
        tags=["etl"],
        on_completion=[lambda t, run, state: seen.append((t, run, state))],
    )
    _, record = run_flow(lambda: extract(return_state=True))
    ((hooked_task, task_run, hooked_state),) = seen
    assert hooked_task.name == "extract"
    assert task_run.id == record.task_runs[0].id
    assert task_run.name == "extract-0"
    assert task_run.run_count == 2
    assert task_run.flow_run_id == record.id
    assert "etl" in task_run.tags
    assert hooked_state.is_completed()
    assert hooked_state.result() == "ok"


# --- timeouts ------------------------------------------------------------------------------


def busy(seconds: float) -> None:
    """Sleep in small steps, so a timed-out thread can be interrupted between them."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        time.sleep(0.005)


def test_timeout_fails_the_task_run_as_timed_out_with_a_timeout_error(
    isolated_home: Path,
) -> None:
    @task(timeout_seconds=0.1)
    def slow() -> None:
        busy(3)

    start = time.monotonic()
    state, record = run_flow(lambda: slow(return_state=True))
    assert time.monotonic() - start < 2
    assert state_names(record) == ["Pending", "Running", "TimedOut"]
    final = record.task_runs[0]
    assert (final.state_type, final.state_name) == ("FAILED", "TimedOut")
    # The flow returned the task's state: as in Prefect, its result is that state.
    state = state.result(raise_on_failure=False)
    exc = state.result(raise_on_failure=False)
    assert isinstance(exc, TimeoutError)
    assert type(exc).__name__ == "TaskRunTimeoutError"  # Prefect's name
    with pytest.raises(
        TimeoutError, match=r"^Scope timed out after 0\.1 second\(s\)\.$"
    ):
        state.result()


def test_timeout_clock_restarts_for_each_retry(isolated_home: Path) -> None:
    attempts = {"n": 0}

    # Each attempt takes 0.3 s: together more than the 0.5 s timeout, each less.
    @task(timeout_seconds=0.5, retries=1)
    def restart() -> str:
        attempts["n"] += 1
        time.sleep(0.3)
        if attempts["n"] == 1:
            raise ValueError("first attempt fails")
        return "done"

    state, record = run_flow(lambda: restart(return_state=True))
    assert state.result().result() == "done"  # the flow returned the task's state
    assert state_names(record) == ["Pending", "Running", "Retrying", "Completed"]


# --- caching -------------------------------------------------------------------------------


def counted(result: Any = None) -> tuple[Callable[[int], Any], dict[str, int]]:
    calls = {"n": 0}

    def compute(x: int) -> Any:
        calls["n"] += 1
        return calls["n"] if result == "count" else result

    return compute, calls


def test_a_cached_none_is_a_cache_hit(isolated_home: Path) -> None:
    compute, calls = counted(None)
    cached = task(compute, cache_policy=INPUTS)

    def body() -> list[State]:
        return [cached(1, return_state=True), cached(1, return_state=True)]

    state, record = run_flow(body)
    first, second = state.result()
    assert [first.name, second.name] == ["Completed", "Cached"]
    assert second.type is StateType.COMPLETED
    assert second.result() is None
    assert calls["n"] == 1
    assert [t.state_name for t in record.task_runs] == ["Completed", "Cached"]


def test_cache_expiration_expires_entries(fake_clock: FakeClock) -> None:
    compute, _ = counted("count")
    cached = task(compute, cache_policy=INPUTS, cache_expiration=timedelta(seconds=60))

    def body() -> list[tuple[str, Any]]:
        a = cached(7, return_state=True)
        b = cached(7, return_state=True)
        fake_clock.sleep(61)
        c = cached(7, return_state=True)
        return [(s.name, s.result()) for s in (a, b, c)]

    state, _ = run_flow(body)
    assert state.result() == [("Completed", 1), ("Cached", 1), ("Completed", 2)]


def test_refresh_cache_reruns_and_replaces_the_entry(isolated_home: Path) -> None:
    compute, _ = counted("count")
    cached = task(compute, cache_policy=INPUTS)

    def body() -> list[tuple[str, Any]]:
        a = cached(3, return_state=True)
        b = cached.with_options(refresh_cache=True)(3, return_state=True)
        c = cached(3, return_state=True)
        return [(s.name, s.result()) for s in (a, b, c)]

    state, _ = run_flow(body)
    assert state.result() == [("Completed", 1), ("Completed", 2), ("Cached", 2)]


# --- mapping -------------------------------------------------------------------------------


@task
def join(a: Any, b: Any) -> str:
    return f"{a}{b}"


@task
def numbers(n: int) -> list[int]:
    return list(range(n))


@dataclass(frozen=True)
class MapCase:
    id: str
    call: Callable[[], Any]
    expected: list[str]


MAP_CASES = [
    MapCase(
        "a string is broadcast, not iterated",
        lambda: join.map([1, 2], "x"),
        ["1x", "2x"],
    ),
    MapCase(
        "unmapped passes a list whole",
        lambda: join.map([1, 2], unmapped([9])),
        ["1[9]", "2[9]"],
    ),
    MapCase(
        "keyword iterables map too",
        lambda: join.map(a=(1, 2), b=["p", "q"]),
        ["1p", "2q"],
    ),
    MapCase(
        "a dict maps over its keys",
        lambda: join.map({"k1": 1, "k2": 2}, "d"),
        ["k1d", "k2d"],
    ),
    MapCase(
        "a future's result is mapped over",
        lambda: join.map(numbers.submit(3), "n"),
        ["0n", "1n", "2n"],
    ),
]


@pytest.mark.parametrize("case", MAP_CASES, ids=[c.id for c in MAP_CASES])
def test_map_iterates_like_prefect(case: MapCase, isolated_home: Path) -> None:
    state, _ = run_flow(lambda: case.call().result())
    assert state.result() == case.expected


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (
            lambda: join.map([1, 2], [1, 2, 3]),
            MappingLengthMismatch,
            "Received iterable parameters with different lengths",
        ),
        (
            lambda: join.map(1, "x"),
            MappingMissingIterable,
            "No iterable parameters were received",
        ),
    ],
    ids=["length mismatch", "no iterable"],
)
def test_map_rejects_bad_iterables(
    call: Callable[[], Any], error: type[Exception], match: str, isolated_home: Path
) -> None:
    def body() -> None:
        with pytest.raises(error, match=match):
            call()

    state, _ = run_flow(body)
    assert state.is_completed()


# --- names -------------------------------------------------------------------------------


def test_task_run_names_count_per_task_inside_a_flow(isolated_home: Path) -> None:
    @task
    def plain(x: int) -> int:
        return x

    @task(task_run_name="load-{table}-{mode}")
    def load(table: str, mode: str = "append") -> str:
        return table

    def body() -> None:
        plain(1)
        plain(2)
        plain.submit(3).result()
        plain.map([4, 5]).result()
        load("users")

    _, record = run_flow(body)
    # taskbook keeps Prefect 3.0's counted names; Prefect 3.8 appends 3 random hex
    # characters instead ("plain-c6a"). The template with a default is as in Prefect.
    assert sorted(t.name for t in record.task_runs) == [
        "load-users-append",
        "plain-0",
        "plain-1",
        "plain-2",
        "plain-3",
        "plain-4",
    ]


def test_a_task_called_outside_a_flow_is_named_after_the_task(
    isolated_home: Path,
) -> None:
    names: list[str] = []

    @task(on_completion=[lambda t, run, s: names.append(run.name)])
    def standalone() -> int:
        return 1

    assert standalone() == 1
    assert names == ["standalone"]


def test_flow_run_name_template_and_flow_name_dashes(isolated_home: Path) -> None:
    runs: list[Any] = []

    @flow(
        flow_run_name="nightly-{day}-{tz}",
        on_completion=[lambda f, r, s: runs.append(r)],
    )
    def my_nightly_flow(day: int, tz: str = "UTC") -> int:
        return day

    assert my_nightly_flow.name == "my-nightly-flow"
    assert flow(name="keep_me")(lambda: 1).name == "keep_me"
    assert my_nightly_flow(3) == 3
    assert runs[0].name == "nightly-3-UTC"
    assert runs[0].parameters == {"day": 3, "tz": "UTC"}
    assert taskbook.get_run(runs[0].id).flow_name == "my-nightly-flow"


def test_a_flow_name_with_a_slash_is_invalid() -> None:
    with pytest.raises(InvalidNameError, match=r"'a/b'.*invalid character"):
        flow(name="a/b")(lambda: 1)


def _uses_return_state(x: int, return_state: bool) -> int:
    return x


def _uses_wait_for(x: int, wait_for: list[int]) -> int:
    return x


@pytest.mark.parametrize("decorator", [task, flow], ids=["task", "flow"])
@pytest.mark.parametrize(
    ("fn", "name"),
    [(_uses_return_state, "return_state"), (_uses_wait_for, "wait_for")],
    ids=["return_state", "wait_for"],
)
def test_reserved_argument_names_are_rejected(
    decorator: Callable[..., Any], fn: Callable[..., Any], name: str
) -> None:
    with pytest.raises(
        ReservedArgumentError, match=f"'{name}' is a reserved argument name"
    ):
        decorator(fn)


# --- parameters -------------------------------------------------------------------------


@flow
def typed(n: int, ratio: float = 0.5) -> list[Any]:
    return [n, type(n).__name__, ratio]


def test_flow_parameters_are_coerced_to_their_annotations(isolated_home: Path) -> None:
    assert typed("5") == [5, "int", 0.5]


def test_a_bad_flow_parameter_raises_parameter_type_error(isolated_home: Path) -> None:
    with pytest.raises(ParameterTypeError, match="invalid parameters"):
        typed("abc")
    state = typed("abc", return_state=True)
    assert state.is_failed()
    assert state.message.startswith("Validation of flow parameters failed with error")
    assert isinstance(state.result(raise_on_failure=False), ParameterTypeError)


# --- states, dependencies and flow results ----------------------------------------------


@task
def boom() -> None:
    raise ValueError("up")


@task
def ok(x: Any = None) -> str:
    return "ran"


def test_return_state_gives_states_for_tasks_and_flows(isolated_home: Path) -> None:
    # A dict of states is returned as is; a list or tuple would be aggregated.
    def body() -> dict[str, State]:
        return {"good": ok(return_state=True), "bad": boom(return_state=True)}

    state, _ = run_flow(body)
    assert state.is_completed()
    good, bad = state.result()["good"], state.result()["bad"]
    assert (good.name, good.result()) == ("Completed", "ran")
    assert bad.is_failed()
    assert bad.message == "Task run encountered an exception ValueError: up"
    err = bad.result(raise_on_failure=False)
    assert isinstance(err, ValueError)
    assert str(err) == "up"
    with pytest.raises(ValueError, match=r"^up$"):
        bad.result()


def test_upstream_failure_makes_dependents_not_ready_unless_allowed(
    isolated_home: Path,
) -> None:
    def body() -> dict[str, Any]:
        failed = boom.submit()
        allowed = ok.submit(allow_failure(failed))
        by_data = ok.submit(failed)
        by_order = ok.submit(wait_for=[failed])
        by_data.wait()
        by_order.wait()
        return {
            "allowed": allowed.result(),
            "data": by_data.state,
            "order": by_order.state,
        }

    state, _ = run_flow(body)
    out = state.result()
    assert out["allowed"] == "ran"
    for key in ("data", "order"):
        assert (out[key].type, out[key].name) == (StateType.PENDING, "NotReady")
        assert "did not reach a 'COMPLETED' state" in out[key].message


@pytest.mark.parametrize(
    ("returned", "state_type", "message"),
    [
        (
            lambda: [boom.submit(), ok.submit(), boom.submit()],
            StateType.FAILED,
            "2/3 states failed.",
        ),
        (
            lambda: [ok.submit(), ok.submit()],
            StateType.COMPLETED,
            "All states completed.",
        ),
    ],
    ids=["two of three failed", "all completed"],
)
def test_a_flow_returning_futures_takes_their_aggregate_state(
    returned: Callable[[], Any],
    state_type: StateType,
    message: str,
    isolated_home: Path,
) -> None:
    state, record = run_flow(returned)
    assert (state.type, state.message) == (state_type, message)
    assert (record.state_type, record.message) == (state_type.value, message)


def test_flow_hooks_get_flow_flow_run_and_state(isolated_home: Path) -> None:
    seen: list[tuple[str, str, str, str]] = []

    def hook(kind: str) -> Callable[..., None]:
        def record(flow_: Any, flow_run: Any, state: State) -> None:
            seen.append((kind, flow_.name, flow_run.name, state.name))

        return record

    hooks = {
        "on_running": [hook("running")],
        "on_completion": [hook("completion")],
        "on_failure": [hook("failure")],
    }

    @flow(flow_run_name="good-run", **hooks)
    def good() -> int:
        return 1

    @flow(flow_run_name="bad-run", **hooks)
    def bad() -> int:
        raise RuntimeError("bad")

    good()
    assert bad(return_state=True).is_failed()
    assert seen == [
        ("running", "good", "good-run", "Running"),
        ("completion", "good", "good-run", "Completed"),
        ("running", "bad", "bad-run", "Running"),
        ("failure", "bad", "bad-run", "Failed"),
    ]


def test_with_options_returns_a_changed_copy() -> None:
    @task(name="base", retries=0)
    def base() -> int:
        return 1

    renamed = base.with_options(name="renamed", retries=3, tags={"x"})
    assert (renamed.name, renamed.retries, sorted(renamed.tags)) == (
        "renamed",
        3,
        ["x"],
    )
    assert (base.name, base.retries, base.tags) == ("base", 0, set())


# --- logs ---------------------------------------------------------------------------------


def test_log_prints_and_run_logger_lines_are_recorded_with_the_run(
    isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    @task(log_prints=True)
    def printer() -> None:
        print("hello from task")
        get_run_logger().warning("careful %s", 1)

    @task
    def quiet() -> None:
        print("plain stdout", flush=True)

    def body() -> None:
        print("hello from flow")
        printer()
        quiet.with_options(log_prints=False)()

    _, record = run_flow(body, log_prints=True)
    lines = [
        (log["message"], log["level"], log["task_run_id"] is not None)
        for log in record.logs
    ]
    assert ("hello from flow", 20, False) in lines
    assert ("hello from task", 20, True) in lines
    assert ("careful 1", 30, True) in lines
    assert not any("plain stdout" in message for message, _, _ in lines)
    assert "plain stdout" in capsys.readouterr().out


# --- deliberate differences ----------------------------------------------------------------


def test_submitted_futures_finish_before_the_flow_does(isolated_home: Path) -> None:
    done: list[str] = []

    @task
    def late() -> None:
        time.sleep(0.05)
        done.append("late")

    def body() -> str:
        late.submit()  # neither waited for nor returned
        return "body done"

    state, record = run_flow(body)
    # taskbook waits for every submitted run before the flow ends; Prefect 3's thread
    # runner cancels dropped futures that have not started yet when the flow exits.
    assert state.result() == "body done"
    assert done == ["late"]
    assert record.task_runs[0].state_name == "Completed"


def test_default_thread_pool_is_bounded() -> None:
    import os

    # taskbook uses the standard library's bound; Prefect's default is unbounded.
    assert ThreadPoolTaskRunner().max_workers == min(32, (os.cpu_count() or 1) + 4)
