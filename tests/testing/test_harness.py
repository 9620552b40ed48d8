"""The seed's pytest fixture, with ``prefect`` swapped for ``taskbook``."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from taskbook import flow, task
from taskbook.blocks.system import Secret
from taskbook.engine.session import get_session
from taskbook.testing.utilities import assert_does_not_warn, prefect_test_harness
from taskbook.variables import Variable


@task
def add_one(x: int) -> int:
    return x + 1


@flow
def increment(x: int) -> int:
    return add_one(x)


@pytest.fixture
def harness(isolated_home: Path) -> Iterator[Path]:
    with prefect_test_harness():
        yield get_session().home


def test_the_seed_fixture_runs_flows_in_a_temporary_store(
    harness: Path, isolated_home: Path
) -> None:
    assert increment(41) == 42
    assert add_one.fn(41) == 42
    get_session().store.flush()

    assert harness != isolated_home
    assert (harness / "runs.sqlite").exists()
    assert not (isolated_home / "runs.sqlite").exists()
    assert os.environ["TASKBOOK_HOME"] == str(harness)


def test_blocks_and_variables_of_the_harness_are_gone_after_it(
    isolated_home: Path,
) -> None:
    with prefect_test_harness():
        Secret(value="tb-harness-secret-9").save("k")
        Variable.set("v", 1)
        inner = get_session().home
    assert not inner.exists()
    assert os.environ["TASKBOOK_HOME"] == str(isolated_home)
    assert Variable.get("v") is None


def test_assert_does_not_warn() -> None:
    import warnings

    with assert_does_not_warn():
        pass
    with (
        pytest.raises(AssertionError, match="Warning was raised"),
        assert_does_not_warn(),
    ):
        warnings.warn("careful", UserWarning, stacklevel=1)
