"""Tables for the pure core: states and their results, transitions, option defaults, delays."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from taskbook.core.options import (
    NOT_SET,
    FlowOptions,
    TaskOptions,
    option_default,
    option_names,
    task_flags,
)
from taskbook.core.states import FINAL_TYPES, State, StateType, is_allowed
from taskbook.engine.retry import (
    clamped_poisson_interval,
    delay_for,
    exponential_backoff,
    resolve_delays,
)
from taskbook.errors import (
    CancelledRun,
    CrashedRun,
    FailedRun,
    InvalidOptionError,
    MissingResult,
    UnfinishedRun,
    UpstreamTaskError,
)

S = StateType

# --- State.result() --------------------------------------------------------------------


@dataclass(frozen=True)
class ResultCase:
    id: str
    state: State
    returns: Any = None
    raises: type[BaseException] | None = None
    match: str = ""
    # Not a failure, so nothing to return instead (as in Prefect): always raises.
    raises_even_when_told_not_to: bool = False


_BOOM = ValueError("boom")
_UPSTREAM = UpstreamTaskError.from_upstream("load-0", "FAILED")

RESULT_CASES = [
    ResultCase("completed", State(S.COMPLETED, data=42), returns=42),
    ResultCase("completed-none", State(S.COMPLETED, data=None), returns=None),
    ResultCase("cached", State(S.COMPLETED, "Cached", data=[1]), returns=[1]),
    ResultCase(
        "completed-without-data",
        State(S.COMPLETED),
        raises=MissingResult,
        match="State 'Completed' has no result attached",
        raises_even_when_told_not_to=True,
    ),
    ResultCase(
        "failed-with-exception",
        State(S.FAILED, data=_BOOM),
        raises=ValueError,
        match="boom",
    ),
    ResultCase(
        "failed-without-exception",
        State(S.FAILED, message="2/3 states failed."),
        raises=FailedRun,
        match="2/3 states failed.",
    ),
    ResultCase("failed-bare", State(S.FAILED), raises=FailedRun, match="Run failed."),
    ResultCase(
        "timed-out",
        State(S.FAILED, "TimedOut", data=TimeoutError("slow")),
        raises=TimeoutError,
        match="slow",
    ),
    ResultCase(
        "crashed", State(S.CRASHED, message="killed"), raises=CrashedRun, match="killed"
    ),
    ResultCase(
        "cancelled",
        State(S.CANCELLED, message="stop"),
        raises=CancelledRun,
        match="stop",
    ),
    ResultCase(
        "cancelled-bare", State(S.CANCELLED), raises=CancelledRun, match="cancelled"
    ),
    ResultCase(
        "pending",
        State(S.PENDING),
        raises=UnfinishedRun,
        match="Run is in PENDING state 'Pending'",
        raises_even_when_told_not_to=True,
    ),
    ResultCase(
        "running",
        State(S.RUNNING),
        raises=UnfinishedRun,
        match="RUNNING state 'Running'",
        raises_even_when_told_not_to=True,
    ),
    ResultCase(
        "awaiting-retry",
        State(S.SCHEDULED, "AwaitingRetry"),
        raises=UnfinishedRun,
        match="'AwaitingRetry'",
        raises_even_when_told_not_to=True,
    ),
    ResultCase(
        "not-ready",
        State(S.PENDING, "NotReady", data=_UPSTREAM),
        raises=UnfinishedRun,
        match="Run is in PENDING state 'NotReady'",
        raises_even_when_told_not_to=True,
    ),
]


@pytest.mark.parametrize("case", RESULT_CASES, ids=lambda c: c.id)
def test_result_returns_the_value_or_raises_what_made_the_run_fail(case: ResultCase):
    if case.raises is None:
        assert case.state.result() == case.returns
        assert case.state.result(raise_on_failure=False) == case.returns
        return
    with pytest.raises(case.raises, match=case.match):
        case.state.result()
    if case.raises_even_when_told_not_to:
        with pytest.raises(case.raises):
            case.state.result(raise_on_failure=False)
        return
    returned = case.state.result(raise_on_failure=False)
    assert isinstance(returned, case.raises)


def test_a_failed_state_reraises_the_very_exception_object():
    with pytest.raises(ValueError, match="boom") as info:
        State(S.FAILED, data=_BOOM).result()
    assert info.value is _BOOM


# --- is_* helpers and names --------------------------------------------------------------

_HELPERS = {
    S.SCHEDULED: "is_scheduled",
    S.PENDING: "is_pending",
    S.RUNNING: "is_running",
    S.COMPLETED: "is_completed",
    S.FAILED: "is_failed",
    S.CANCELLED: "is_cancelled",
    S.CRASHED: "is_crashed",
    S.PAUSED: "is_paused",
    S.CANCELLING: "is_cancelling",
}


@pytest.mark.parametrize("state_type", list(StateType), ids=lambda t: t.value)
def test_exactly_one_is_helper_matches_each_state_type(state_type: StateType):
    state = State(state_type)
    answers = {name: getattr(state, name)() for name in _HELPERS.values()}
    assert answers == {name: t is state_type for t, name in _HELPERS.items()}


@pytest.mark.parametrize(
    ("state_type", "final"),
    [
        (S.SCHEDULED, False),
        (S.PENDING, False),
        (S.RUNNING, False),
        (S.PAUSED, False),
        (S.CANCELLING, False),
        (S.COMPLETED, True),
        (S.FAILED, True),
        (S.CANCELLED, True),
        (S.CRASHED, True),
    ],
    ids=lambda v: getattr(v, "value", str(v)),
)
def test_final_states_are_completed_failed_cancelled_and_crashed(state_type, final):
    assert State(state_type).is_final() is final
    assert (state_type in FINAL_TYPES) is final


@pytest.mark.parametrize(
    ("state", "name", "shown"),
    [
        (State(S.COMPLETED), "Completed", "Completed()"),
        (State(S.CANCELLING), "Cancelling", "Cancelling()"),
        (State(S.COMPLETED, "Cached"), "Cached", "Cached(type=COMPLETED)"),
        (
            State(S.FAILED, message="2/3 states failed."),
            "Failed",
            "Failed('2/3 states failed.')",
        ),
        (
            State(S.FAILED, "TimedOut", "too slow"),
            "TimedOut",
            "TimedOut('too slow', type=FAILED)",
        ),
    ],
)
def test_states_are_named_and_shown_as_prefect_shows_them(state, name, shown):
    assert state.name == name
    assert repr(state) == str(state) == shown


def test_has_result_and_timestamp():
    assert State(S.COMPLETED, data=None).has_result()
    assert not State(S.COMPLETED).has_result()
    stamped = State(S.RUNNING).with_time(1_700_000_000.5)
    assert stamped.timestamp == datetime(2023, 11, 14, 22, 13, 20, 500000, timezone.utc)


# --- transitions ----------------------------------------------------------------------------

_EVERY = set(StateType)

# (from, to) pairs the engine may make; every other pair is refused.
ALLOWED = {
    None: {S.PENDING, S.SCHEDULED, S.RUNNING},
    S.SCHEDULED: {S.PENDING, S.RUNNING, S.CANCELLED, S.CRASHED},
    S.PENDING: {S.PENDING, S.RUNNING, S.COMPLETED, S.CANCELLED, S.CRASHED, S.FAILED},
    S.RUNNING: {
        S.COMPLETED,
        S.FAILED,
        S.CANCELLED,
        S.CRASHED,
        S.SCHEDULED,
        S.RUNNING,
        S.PAUSED,
    },
    S.PAUSED: {S.RUNNING, S.CANCELLED, S.CRASHED},
    S.COMPLETED: set(),
    S.FAILED: set(),
    S.CANCELLED: set(),
    S.CRASHED: set(),
    S.CANCELLING: set(),
}

TRANSITIONS = [
    pytest.param(
        current,
        new,
        new in allowed,
        id=f"{getattr(current, 'value', 'NEW')}->{new.value}",
    )
    for current, allowed in ALLOWED.items()
    for new in StateType
]


@pytest.mark.parametrize(("current", "new", "allowed"), TRANSITIONS)
def test_the_transition_table(current, new, allowed):
    assert is_allowed(current, new) is allowed


@pytest.mark.parametrize("final", sorted(FINAL_TYPES, key=lambda t: t.value))
def test_a_final_state_is_final(final):
    assert not any(is_allowed(final, new) for new in _EVERY)


# --- options --------------------------------------------------------------------------------

# The defaults match Prefect 3.8.8's (checked once against
# inspect.signature(prefect.task) and prefect.tasks.Task(...) attributes; prefect is not
# installed in this virtualenv, so the comparison is not repeated at runtime):
#   task: name=None description=None tags=None(-> empty) version=None
#         cache_policy=NotSet cache_key_fn=None cache_expiration=None task_run_name=None
#         retries=None(-> 0 from settings) retry_delay_seconds=None(-> 0)
#         retry_jitter_factor=None persist_result=None timeout_seconds=None
#         log_prints=None refresh_cache=None on_completion/on_failure/on_running=None
#         retry_condition_fn=None
#   flow: name=None version=None flow_run_name=None retries=None(-> 0)
#         retry_delay_seconds=None(-> 0) task_runner=None(-> ThreadPoolTaskRunner)
#         description=None timeout_seconds=None validate_parameters=True
#         persist_result=None log_prints=None on_completion/on_failure/
#         on_cancellation/on_crashed/on_running=None
# Prefect-only options (result_storage, result_serializer, result_storage_key,
# cache_result_in_memory, on_rollback, on_commit, viz_return_value, asset_deps) are
# not offered.
TASK_DEFAULTS = {
    "name": None,
    "description": None,
    "tags": (),
    "version": None,
    "cache_policy": NOT_SET,
    "cache_key_fn": None,
    "cache_expiration": None,
    "task_run_name": None,
    "retries": 0,
    "retry_delay_seconds": None,
    "retry_jitter_factor": None,
    "persist_result": None,
    "timeout_seconds": None,
    "log_prints": None,
    "refresh_cache": None,
    "on_completion": (),
    "on_failure": (),
    "on_running": (),
    "retry_condition_fn": None,
    "on_commit": (),  # transaction hooks (Prefect's on_commit/on_rollback)
    "on_rollback": (),
}

FLOW_DEFAULTS = {
    "name": None,
    "version": None,
    "flow_run_name": None,
    "retries": 0,
    "retry_delay_seconds": 0,
    "task_runner": None,
    "description": None,
    "timeout_seconds": None,
    "validate_parameters": True,
    "persist_result": None,
    "log_prints": None,
    "on_completion": (),
    "on_failure": (),
    "on_cancellation": (),
    "on_crashed": (),
    "on_running": (),
}


@pytest.mark.parametrize(
    ("kind", "cls", "defaults"),
    [("task", TaskOptions, TASK_DEFAULTS), ("flow", FlowOptions, FLOW_DEFAULTS)],
)
def test_option_names_and_defaults_are_prefects(kind, cls, defaults):
    assert option_names(kind) == tuple(defaults)
    built = cls()
    for name, default in defaults.items():
        assert getattr(built, name) == default, name
        assert option_default(kind, name) == default, name


def test_an_unknown_option_default_is_an_invalid_option_error():
    with pytest.raises(InvalidOptionError, match=r"Unknown task option 'retry'\."):
        option_default("task", "retry")


def test_magic_flags_map_to_task_options():
    assert {f.flag: f.dest for f in task_flags()} == {
        "--tags": "tags",
        "--cache": "cache_expiration",
        "--retries": "retries",
        "--retry-delay": "retry_delay_seconds",
        "--timeout": "timeout_seconds",
        "--refresh": "refresh_cache",
    }


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        (["b", "a"], ("a", "b")),
        ({"x"}, ("x",)),
        (("z", "y"), ("z", "y")),
        (None, ()),
    ],
)
def test_tags_are_stored_as_a_tuple(given, stored):
    assert TaskOptions(tags=given).tags == stored


def test_options_are_frozen_and_merge_returns_a_checked_copy():
    base = TaskOptions(retries=1)
    changed = base.merge(retries=3, cache_expiration=timedelta(seconds=5))
    assert (base.retries, changed.retries) == (1, 3)
    with pytest.raises(AttributeError):
        base.retries = 2  # type: ignore[misc]
    with pytest.raises(InvalidOptionError, match="retries=-3 is invalid"):
        base.merge(retries=-3)


def test_flow_retries_none_means_zero_as_in_prefect():
    assert FlowOptions(retries=None, retry_delay_seconds=None).retries == 0
    assert FlowOptions(retries=None, retry_delay_seconds=None).retry_delay_seconds == 0


# --- retry delays ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "retries", "resolved"),
    [
        (None, 3, 0.0),
        (0, 3, 0.0),
        (5, 2, 5.0),
        (2.5, 1, 2.5),
        ([1, 2], 3, [1.0, 2.0]),
        ((1, 4), 2, [1.0, 4.0]),
        (exponential_backoff(2), 3, [2.0, 4.0, 8.0]),
        (lambda n: [7] * n, 2, [7.0, 7.0]),
    ],
)
def test_resolve_delays(option, retries, resolved):
    assert resolve_delays(option, retries) == resolved


@pytest.mark.parametrize(
    ("delays", "index", "delay"),
    [
        (0.0, 0, 0.0),
        (3.0, 5, 3.0),
        ([1.0, 2.0, 4.0], 0, 1.0),
        ([1.0, 2.0, 4.0], 2, 4.0),
        ([1.0, 2.0], 5, 2.0),  # a short list repeats its last delay, as Prefect does
        ([], 0, 0.0),
    ],
)
def test_delay_for_each_retry(delays, index, delay):
    assert delay_for(delays, index) == delay


def test_exponential_backoff_doubles_and_stops_at_fifty_delays():
    backoff = exponential_backoff(10)
    assert backoff(4) == [10, 20, 40, 80]
    assert backoff(0) == []
    assert len(backoff(80)) == 50


@pytest.mark.parametrize("factor", [0.3, 1.0, 2.0])
def test_jitter_stays_between_prefects_clamps_and_keeps_the_average(factor):
    rng = random.Random(1234)
    average = 10.0
    k = 1 + factor
    lower = average * math.log2(2**k / (2**k - 1))
    draws = [delay_for(average, 0, factor, rng) for _ in range(4000)]
    assert all(lower - 1e-9 <= d <= average * k + 1e-9 for d in draws)
    assert min(draws) < lower + 0.2 * average  # the range is actually used
    assert max(draws) > average * k - 0.2 * average
    assert abs(sum(draws) / len(draws) - average) < 0.1 * average


def test_no_jitter_for_a_zero_delay_or_factor():
    assert delay_for(0.0, 0, 0.5) == 0.0
    assert delay_for(4.0, 0, 0.0) == 4.0
    assert delay_for(4.0, 0, None) == 4.0
    assert clamped_poisson_interval(4.0, 0) == 4.0
