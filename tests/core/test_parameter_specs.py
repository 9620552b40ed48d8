from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import pytest

from taskbook.core.parameter_parsing import parse_parameters
from taskbook.core.parameter_specs import (
    Param,
    ParameterSpec,
    coerce,
    describe_type,
    validate,
)
from taskbook.errors import ParameterValueError, UnknownParameterError

# --- coerce ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoerceCase:
    """A declaration, a given value and the coerced value (or the error text)."""

    name: str
    declaration: str
    value: Any
    expected: Any = None
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


COERCE_CASES = [
    CoerceCase("int stays int", "n = 1", 5, 5),
    CoerceCase("int from text", "n = 1", " 7 ", 7),
    CoerceCase("int from integral float", "n = 1", 5.0, 5),
    CoerceCase(
        "int rejects fraction", "n = 1", 5.5, error=r"got 5\.5, which is not an int"
    ),
    CoerceCase(
        "int rejects bool", "n = 1", True, error="got True, which is not an int"
    ),
    CoerceCase(
        "int rejects words", "n = 1", "many", error="got 'many', which is not an int"
    ),
    CoerceCase("float from int", "x = 1.0", 2, 2.0),
    CoerceCase("float from text", "x = 1.0", "1e3", 1000.0),
    CoerceCase("float rejects bool", "x = 1.0", False, error="not a float"),
    CoerceCase("bool stays bool", "b = True", False, False),
    CoerceCase("bool from text", "b = True", "false", False),
    CoerceCase("bool rejects 1", "b = True", 1, error=r"not a bool \(True or False\)"),
    CoerceCase("str stays str", "s = 'a'", "b", "b"),
    CoerceCase("str from number", "s = 'a'", 5, "5"),
    CoerceCase(
        "str rejects list", "s = 'a'", [1], error=r"got \[1\], which is not a str"
    ),
    CoerceCase("None for a None default", "s: str = None", None, None),
    CoerceCase("None rejected for a value default", "n = 1", None, error="got None"),
    CoerceCase("any keeps everything", "m = None", {"a": [1]}, {"a": [1]}),
    CoerceCase("any keeps typed -p values", "m = None", 1.5, 1.5),
    CoerceCase(
        "date from ISO text", "d = date(2024, 1, 1)", "2019-01-01", dt.date(2019, 1, 1)
    ),
    CoerceCase(
        "date from midnight datetime",
        "d = date(2024, 1, 1)",
        dt.datetime(2019, 1, 1),
        dt.date(2019, 1, 1),
    ),
    CoerceCase(
        "date rejects bad text",
        "d = date(2024, 1, 1)",
        "2019-13-01",
        error=r"not a date \(YYYY-MM-DD\)",
    ),
    CoerceCase(
        "datetime from ISO text",
        "t: datetime = None",
        "2019-01-01T10:30:00",
        dt.datetime(2019, 1, 1, 10, 30),
    ),
    CoerceCase("list from tuple", "xs = [1]", (1, 2), [1, 2]),
    CoerceCase("list from text", "xs = [1]", "[1, 2]", [1, 2]),
    CoerceCase("list rejects scalar text", "xs = [1]", "a", error="not a list"),
    CoerceCase("dict from text", "d = {}", "{'a': 1}", {"a": 1}),
    CoerceCase("dict rejects list", "d = {}", [1], error="not a dict"),
    CoerceCase("minimum holds", "n = Param(5, min=1)", 1, 1),
    CoerceCase(
        "below minimum",
        "n = Param(5, min=1)",
        0,
        error=r"got 0, which is not an int >= 1\. Pass an int >= 1\.",
    ),
    CoerceCase(
        "above maximum",
        "n = Param(5, min=1, max=10)",
        11,
        error="not an int >= 1 and <= 10",
    ),
    CoerceCase("within options", "m = Param('a', options=['a', 'b'])", "b", "b"),
    CoerceCase(
        "outside options",
        "m = Param('a', options=['a', 'b'])",
        "c",
        error=r"got 'c', which is not a str \(one of 'a', 'b'\)",
    ),
    CoerceCase(
        "list options apply to each item",
        "m = Param(['a'], options=['a', 'b'])",
        ["b", "a"],
        ["b", "a"],
    ),
    CoerceCase(
        "list item outside options",
        "m = Param(['a'], options=['a', 'b'])",
        ["c"],
        error=r"with items from 'a', 'b'",
    ),
    CoerceCase(
        "date bounds",
        "d = Param(date(2024, 1, 5), min=date(2024, 1, 1))",
        "2024-01-02",
        dt.date(2024, 1, 2),
    ),
]


@pytest.mark.parametrize("case", COERCE_CASES, ids=[c.name for c in COERCE_CASES])
def test_coerce(case: CoerceCase) -> None:
    (declared,) = parse_parameters(case.declaration)
    if case.error is None:
        result = coerce(declared, case.value)
        assert result == case.expected
        assert type(result) is type(case.expected)
    else:
        with pytest.raises(ParameterValueError, match=case.error):
            coerce(declared, case.value)


# --- validate ----------------------------------------------------------------------------

CELL = "n: int = Param(100, min=1)  # rows\nmsg = None\nrate = 0.5"


def test_validate_coerces_in_given_order() -> None:
    specs = parse_parameters(CELL)
    values = validate(specs, {"rate": "2", "n": "5", "msg": "hi"})
    assert list(values.items()) == [("rate", 2.0), ("n", 5), ("msg", "hi")]


def test_unknown_parameter_names_the_valid_ones() -> None:
    specs = parse_parameters(CELL)
    with pytest.raises(
        UnknownParameterError,
        match=re.escape(
            "Unknown parameter 'row'. The parameters cell declares: n (int), "
            "msg (any), rate (float). Check the spelling, or declare 'row' in the "
            "parameters cell."
        ),
    ):
        validate(specs, {"row": 1})


def test_unknown_parameter_is_a_key_error_with_a_readable_message() -> None:
    with pytest.raises(KeyError) as info:
        validate((), {"x": 1})
    assert str(info.value).startswith(
        "Unknown parameter 'x'. The parameters cell declares: none."
    )


def test_bad_value_names_value_type_and_valid_parameters() -> None:
    specs = parse_parameters(CELL)
    with pytest.raises(ParameterValueError) as info:
        validate(specs, {"n": "lots"})
    assert str(info.value) == (
        "Parameter 'n' got 'lots', which is not an int >= 1. Pass an int >= 1. "
        "Valid parameters: n (int), msg (any), rate (float)."
    )
    assert isinstance(info.value, TypeError)


def test_describe_type_lists_constraints() -> None:
    (declared,) = parse_parameters("x = Param(0.5, min=0, max=1, options=[0, 0.5, 1])")
    assert describe_type(declared) == "a float >= 0 and <= 1 (one of 0, 0.5, 1)"


# --- Param ---------------------------------------------------------------------------------


def test_param_evaluates_to_its_default() -> None:
    namespace: dict[str, Any] = {"Param": Param}
    exec("n: int = Param(100, min=1)\nmode = Param('a', options=['a', 'b'])", namespace)
    assert namespace["n"] == 100
    assert namespace["mode"] == "a"


def test_param_rejects_a_default_outside_its_constraints() -> None:
    with pytest.raises(ParameterValueError, match=r"got 0, which is not an int >= 1"):
        Param(0, min=1)
    with pytest.raises(ParameterValueError, match=r"one of 'a', 'b'"):
        Param("c", options=["a", "b"])


def test_parameter_spec_is_a_frozen_value() -> None:
    declared = ParameterSpec("n", "int", 1)
    with pytest.raises(AttributeError):
        declared.name = "m"  # type: ignore[misc]
    assert declared == ParameterSpec("n", "int", 1)
