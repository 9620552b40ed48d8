"""Bad input to @task/@flow: its own exception class, a message naming value and fix.

And nothing a user gets wrong leaves a flow run unfinished in the run store.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest

import taskbook
from taskbook import flow, task
from taskbook.errors import (
    ConfigurationError,
    InvalidNameError,
    InvalidOptionError,
    MappingLengthMismatch,
    MappingMissingIterable,
    ParameterBindError,
    ParameterTypeError,
    ReservedArgumentError,
    RunNameTemplateError,
    SignatureMismatchError,
    TaskbookError,
)
from taskbook.task_runners import ThreadPoolTaskRunner

pytestmark = pytest.mark.usefixtures("isolated_home")


def _fn(x: int = 1) -> int:
    return x


@dataclass(frozen=True)
class OptionCase:
    """One bad option of a decorator: the error it raises and what the message says."""

    id: str
    decorator: Any
    options: dict[str, Any]
    error: type[Exception]
    builtins: tuple[type[Exception], ...]
    says: list[str] = field(default_factory=list)


_SHOULD_BE_INT = "expected a non-negative int. Pass retries as a non-negative int."
_DELAY = "a non-negative number, a list of numbers or a function of the retry count"

OPTION_CASES = [
    OptionCase(
        "task-retries-negative",
        task,
        {"retries": -1},
        InvalidOptionError,
        (TypeError, ValueError),
        ["task option retries=-1 is invalid", _SHOULD_BE_INT],
    ),
    OptionCase(
        "task-retries-string",
        task,
        {"retries": "2"},
        InvalidOptionError,
        (TypeError, ValueError),
        ["task option retries='2' is invalid", _SHOULD_BE_INT],
    ),
    OptionCase(
        "task-retries-bool",
        task,
        {"retries": True},
        InvalidOptionError,
        (TypeError,),
        ["retries=True is invalid"],
    ),
    OptionCase(
        "task-timeout-zero",
        task,
        {"timeout_seconds": 0},
        InvalidOptionError,
        (TypeError, ValueError),
        [
            "task option timeout_seconds=0 is invalid: expected a positive number.",
            "Pass timeout_seconds as a positive number.",
        ],
    ),
    OptionCase(
        "task-retry-delay-string",
        task,
        {"retry_delay_seconds": "x"},
        InvalidOptionError,
        (TypeError,),
        [
            "retry_delay_seconds='x' is invalid",
            f"Pass retry_delay_seconds as {_DELAY}.",
        ],
    ),
    OptionCase(
        "task-retry-delay-negative-in-list",
        task,
        {"retry_delay_seconds": [1, -1]},
        InvalidOptionError,
        (TypeError,),
        ["retry_delay_seconds=[1, -1] is invalid"],
    ),
    OptionCase(
        "task-tags-string",
        task,
        {"tags": "a"},
        InvalidOptionError,
        (TypeError,),
        ["task option tags='a' is invalid", "Pass tags as a list of strings."],
    ),
    OptionCase(
        "task-cache-expiration-number",
        task,
        {"cache_expiration": 5},
        InvalidOptionError,
        (TypeError,),
        [
            "cache_expiration=5 is invalid",
            "Pass cache_expiration as a datetime.timedelta.",
        ],
    ),
    OptionCase(
        "task-jitter-negative",
        task,
        {"retry_jitter_factor": -0.5},
        InvalidOptionError,
        (TypeError, ValueError),  # ValueError: what Prefect raises
        ["`retry_jitter_factor` must be >= 0.", "got -0.5"],
    ),
    OptionCase(
        "task-hook-not-a-list",
        task,
        {"on_failure": print},
        InvalidOptionError,
        (TypeError,),
        [
            "on_failure=<built-in function print> is invalid",
            "Pass on_failure as a list",
        ],
    ),
    OptionCase(
        "task-unknown-option",
        task,
        {"retrys": 2},
        InvalidOptionError,
        (TypeError, ValueError),
        ["Unknown task option 'retrys'.", "Valid options are: ", "retries, "],
    ),
    OptionCase(
        "flow-task-runner-string",
        flow,
        {"task_runner": "threads"},
        InvalidOptionError,
        (TypeError, ValueError),
        [
            "flow option task_runner='threads' is invalid",
            "ThreadPoolTaskRunner()",
        ],
    ),
    OptionCase(
        "flow-task-runner-class",
        flow,
        {"task_runner": ThreadPoolTaskRunner},
        InvalidOptionError,
        (TypeError,),
        ["task_runner=<class", "a task runner instance"],
    ),
    OptionCase(
        "flow-retries-negative",
        flow,
        {"retries": -1},
        InvalidOptionError,
        (TypeError,),
        ["flow option retries=-1 is invalid", _SHOULD_BE_INT],
    ),
    OptionCase(
        "flow-retry-delay-string",
        flow,
        {"retry_delay_seconds": "x"},
        InvalidOptionError,
        (TypeError,),
        ["flow option retry_delay_seconds='x' is invalid"],
    ),
    OptionCase(
        "flow-timeout-zero",
        flow,
        {"timeout_seconds": 0},
        InvalidOptionError,
        (TypeError,),
        ["flow option timeout_seconds=0 is invalid"],
    ),
    OptionCase(
        "flow-validate-parameters-string",
        flow,
        {"validate_parameters": "yes"},
        InvalidOptionError,
        (TypeError,),
        [
            "validate_parameters='yes' is invalid",
            "Pass validate_parameters as True or False.",
        ],
    ),
    OptionCase(
        "flow-unknown-option",
        flow,
        {"cache_policy": None},
        InvalidOptionError,
        (TypeError,),
        ["Unknown flow option 'cache_policy'.", "task_runner, "],
    ),
    OptionCase(
        "flow-name-with-slash",
        flow,
        {"name": "etl/daily"},
        InvalidNameError,
        (ValueError,),
        ["Name 'etl/daily' of the flow contains an invalid character '/'."],
    ),
    OptionCase(
        "flow-name-with-percent",
        flow,
        {"name": "100%"},
        InvalidNameError,
        (ValueError,),
        ["invalid character '%'"],
    ),
]


def _assert_says(exc: BaseException, says: list[str]) -> None:
    message = str(exc)
    for part in says:
        assert part in message, f"{part!r} not in {message!r}"


@pytest.mark.parametrize("case", OPTION_CASES, ids=lambda c: c.id)
def test_a_bad_decorator_option_raises_its_own_error_naming_value_and_fix(
    case: OptionCase,
):
    with pytest.raises(case.error) as info:
        case.decorator(**case.options)(_fn)
    assert type(info.value) is case.error
    assert isinstance(info.value, (TaskbookError, *case.builtins))
    for builtin in case.builtins:
        assert isinstance(info.value, builtin)
    _assert_says(info.value, case.says)


@pytest.mark.parametrize(
    "case", [c for c in OPTION_CASES if c.decorator is task], ids=lambda c: c.id
)
def test_with_options_checks_task_options_the_same_way(case: OptionCase):
    with pytest.raises(case.error) as info:
        task(_fn).with_options(**case.options)
    _assert_says(info.value, case.says)


@pytest.mark.parametrize(
    "case", [c for c in OPTION_CASES if c.decorator is flow], ids=lambda c: c.id
)
def test_with_options_checks_flow_options_the_same_way(case: OptionCase):
    with pytest.raises(case.error) as info:
        flow(_fn).with_options(**case.options)
    _assert_says(info.value, case.says)


def test_good_options_are_accepted():
    t = task(
        retries=2,
        retry_delay_seconds=[1, 2.5],
        tags=["a", "b"],
        cache_expiration=timedelta(minutes=5),
        timeout_seconds=0.5,
        name="load-clean",
    )(_fn)
    assert (t.name, t.retries, t.tags) == ("load-clean", 2, {"a", "b"})
    f = flow(retries=1, retry_delay_seconds=0, task_runner=ThreadPoolTaskRunner(2))(_fn)
    assert f.retries == 1


def test_task_names_may_contain_characters_banned_in_flow_names():
    # As in Prefect: only flow names are checked for / % & > <.
    assert task(name="load/clean")(_fn).name == "load/clean"
    with pytest.raises(InvalidNameError, match="'load/clean' of the flow"):
        flow(name="load/clean")(_fn)


def test_a_reserved_parameter_name_is_rejected_when_decorating():
    def uses_reserved(x, return_state=False):
        return x

    with pytest.raises(
        ReservedArgumentError,
        match=r"'return_state' is a reserved argument name .* Rename the parameter\.",
    ):
        task(uses_reserved)
    with pytest.raises(ReservedArgumentError, match="'wait_for'"):
        flow(lambda wait_for: None)


# --- errors at call time: none leaves a flow run unfinished ------------------------------


def _no_unfinished_runs() -> None:
    frame = taskbook.runs()
    final = {"COMPLETED", "FAILED", "CANCELLED", "CRASHED"}
    assert set(frame.state_type) <= final, frame[["flow_name", "state_type"]]
    for run_id in frame.id:
        for task_run in taskbook.get_run(run_id).task_runs:
            assert task_run.state_type in final | {"PENDING"}, task_run
            assert task_run.state_type != "PENDING" or task_run.state_name == "NotReady"


def test_a_flow_run_name_template_naming_no_parameter_is_an_error_listing_them():
    @flow(flow_run_name="report-{missing}")
    def report(day: str, region: str = "eu"):
        return day

    with pytest.raises(
        RunNameTemplateError,
        match=re.escape(
            "Run name template 'report-{missing}' refers to {missing}, which is not a "
            "parameter (parameters: day, region). Use one of the parameter names or "
            "pass a callable."
        ),
    ) as info:
        report("mon")
    assert isinstance(info.value, ConfigurationError)
    assert len(taskbook.runs()) == 0  # nothing was started
    _no_unfinished_runs()


def test_a_task_run_name_template_naming_no_parameter_fails_the_flow_run():
    @task(task_run_name="load-{missing}")
    def load(path: str):
        return path

    @flow
    def pipeline():
        return load("a.csv")

    with pytest.raises(RunNameTemplateError, match=r"refers to \{missing\}.*path"):
        pipeline()
    assert list(taskbook.runs().state_type) == ["FAILED"]
    _no_unfinished_runs()


def test_a_bad_format_string_is_a_run_name_template_error():
    @flow(flow_run_name="report-{0}")
    def report(day: str):
        return day

    with pytest.raises(RunNameTemplateError, match=r"'report-\{0\}' is not a valid"):
        report("mon")


@pytest.mark.parametrize(
    ("value", "says"),
    [
        pytest.param("abc", "Input should be a valid integer", id="string-for-int"),
        pytest.param([1], "Input should be a valid integer", id="list-for-int"),
    ],
)
def test_parameters_failing_validation_raise_parameter_type_error(value, says):
    @flow
    def pipeline(n: int):
        return n

    with pytest.raises(ParameterTypeError) as info:
        pipeline(value)
    message = str(info.value)
    # Prefect's first line, then one line per field (users match on these).
    assert message.startswith(f"Flow run received invalid parameters:\n - n: {says}")
    assert "flow 'pipeline'" in message
    assert "set validate_parameters=False" in message
    assert isinstance(info.value, TypeError)
    (state_type,) = taskbook.runs().state_type
    assert state_type == "FAILED"
    _no_unfinished_runs()


def test_parameters_are_coerced_when_they_fit_and_not_checked_when_disabled():
    @flow
    def pipeline(n: int):
        return n

    assert pipeline("42") == 42
    assert pipeline.with_options(validate_parameters=False)("abc") == "abc"


def test_arguments_that_do_not_bind_name_the_signature():
    @flow
    def pipeline(n):
        return n

    with pytest.raises(ParameterBindError) as info:
        pipeline(1, 2)
    assert str(info.value) == (
        "Error binding parameters for function 'pipeline': too many positional "
        "arguments.\nFunction 'pipeline' has signature 'n' but received args: "
        "(1, 2) and kwargs: []. Pass the arguments the function declares."
    )
    # Prefect's class, under the name taskbook used before and the builtin.
    assert isinstance(info.value, SignatureMismatchError)
    assert isinstance(info.value, TypeError)
    assert len(taskbook.runs()) == 0


@pytest.mark.parametrize(
    ("call", "error", "says"),
    [
        pytest.param(
            lambda t: t.map([1, 2], [1]),
            MappingLengthMismatch,
            "Got lengths: {'x': 2, 'y': 1}.",
            id="length-mismatch",
        ),
        pytest.param(
            lambda t: t.map(1, 2),
            MappingMissingIterable,
            "No iterable parameters were received",
            id="no-iterable",
        ),
    ],
)
def test_bad_map_calls_fail_the_flow_run_with_their_error(call, error, says):
    @task
    def add(x, y):
        return x + y

    @flow
    def pipeline():
        return call(add)

    with pytest.raises(error) as info:
        pipeline()
    assert says in str(info.value)
    assert isinstance(info.value, ValueError)
    assert list(taskbook.runs().state_type) == ["FAILED"]
    _no_unfinished_runs()
