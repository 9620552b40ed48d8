"""``except PrefectException`` (and Prefect's finer names) catch what they catch under Prefect."""

from __future__ import annotations

from pathlib import Path

import pytest

import taskbook
from taskbook import flow
from taskbook.api.entrypoints import load_flow_from_entrypoint
from taskbook.exceptions import (
    FailedRun,
    MissingContextError,
    MissingFlowError,
    ObjectNotFound,
    ParameterBindError,
    PrefectException,
    ScriptError,
)
from taskbook.states import Failed


@flow
def takes_one(x: int) -> int:
    return x


def test_a_call_that_does_not_bind_raises_parameter_bind_error_a_type_error() -> None:
    with pytest.raises(ParameterBindError, match="Error binding parameters") as info:
        takes_one(1, 2)  # type: ignore[call-arg]
    assert isinstance(info.value, (PrefectException, TypeError))


def test_run_outcomes_and_missing_context_are_prefect_exceptions() -> None:
    with pytest.raises(PrefectException) as info:
        Failed(message="no rows").result()
    assert isinstance(info.value, FailedRun)
    with pytest.raises(PrefectException) as context:
        taskbook.get_run_logger()
    assert isinstance(context.value, MissingContextError)


def test_a_run_id_not_in_the_store_is_object_not_found_and_key_error(
    isolated_home: Path,
) -> None:
    with pytest.raises(ObjectNotFound, match="No run with id 'nope'") as info:
        taskbook.get_run("nope")
    assert isinstance(info.value, KeyError)


def test_an_entrypoint_naming_no_flow_raises_missing_flow_error(tmp_path: Path) -> None:
    script = tmp_path / "flows.py"
    script.write_text("from taskbook import flow\n@flow\ndef etl(): pass\nx = 1\n")
    with pytest.raises(MissingFlowError) as missing:
        load_flow_from_entrypoint(f"{script}:nope")
    assert str(missing.value).startswith(
        f"Flow function with name 'nope' not found in {str(script)!r}. Its flows: etl."
    )
    with pytest.raises(MissingFlowError, match="Function with name 'x' is not a flow"):
        load_flow_from_entrypoint(f"{script}:x")


def test_an_entrypoint_whose_script_raises_gives_script_error_with_its_exception(
    tmp_path: Path,
) -> None:
    script = tmp_path / "broken.py"
    script.write_text("raise RuntimeError('boom')\n")
    with pytest.raises(ScriptError) as info:
        load_flow_from_entrypoint(f"{script}:etl")
    assert str(info.value).startswith(
        f"Script at {str(script)!r} encountered an exception: RuntimeError('boom')."
    )
    assert isinstance(info.value.user_exc, RuntimeError)
    assert isinstance(info.value, PrefectException)
