from __future__ import annotations

from pathlib import Path

import pytest

from taskbook import flow
from taskbook.errors import (
    InvalidBlockNameError,
    VariableExistsError,
    VariableValueError,
)
from taskbook.variables import Variable


@pytest.fixture(autouse=True)
def _home(isolated_home: Path) -> Path:
    return isolated_home


def test_set_get_and_overwrite_as_prefect_documents() -> None:
    @flow
    def configure() -> None:
        assert Variable.get("my_new_variable") is None
        created = Variable.set("my_new_variable", "my_value", tags=["123", "456"])
        assert (created.value, created.tags) == ("my_value", ["123", "456"])
        with pytest.raises(
            VariableExistsError,
            match=r"^Variable 'my_new_variable' already exists\. Use `overwrite=True` "
            r"to update it\.",
        ):
            Variable.set(name="my_new_variable", value="other_value")
        updated = Variable.set(
            name="my_new_variable", value="other_value", overwrite=True
        )
        assert updated.value == "other_value"

    configure()

    assert Variable.get("my_new_variable") == "other_value"


def test_get_returns_the_default_for_an_unknown_name() -> None:
    assert Variable.get("missing", default={"a": 1}) == {"a": 1}


def test_json_values_round_trip() -> None:
    Variable.set("limits", {"rows": [1, 2], "on": True, "ratio": 0.5})

    assert Variable.get("limits") == {"rows": [1, 2], "on": True, "ratio": 0.5}


def test_unset_says_whether_there_was_a_variable() -> None:
    Variable.set("gone", 1)

    assert Variable.unset("gone") is True
    assert Variable.unset("gone") is False
    assert Variable.get("gone") is None


def test_a_value_json_cannot_hold_is_refused_naming_its_type() -> None:
    with pytest.raises(VariableValueError, match="of type object"):
        Variable.set("odd", object())
    assert Variable.get("odd") is None


def test_a_bad_name_is_refused() -> None:
    with pytest.raises(InvalidBlockNameError, match="'My Var'"):
        Variable.set("My Var", 1)


@pytest.mark.anyio
async def test_async_twins() -> None:
    await Variable.aset("async_var", "v")

    assert await Variable.aget("async_var") == "v"
    assert await Variable.aunset("async_var") is True
