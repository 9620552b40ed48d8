from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import pytest

from taskbook.core.params import (
    Param,
    ParameterSpec,
    coerce,
    describe_type,
    parse_parameters,
    validate,
)
from taskbook.errors import ParameterValueError, UnknownParameterError

# --- parse_parameters ------------------------------------------------------------------


@dataclass(frozen=True)
class ParseCase:
    """A parameters cell and the declarations it must yield (in order)."""

    name: str
    source: str
    expected: tuple[ParameterSpec, ...]
    xfail: bool = False


def spec(
    name: str, type_name: Any, default: Any, source: str, **extra: Any
) -> ParameterSpec:
    return ParameterSpec(name, type_name, default, default_source=source, **extra)


PARSE_CASES = [
    ParseCase("empty cell", "", ()),
    ParseCase("int from value", "n = 100", (spec("n", "int", 100, "100"),)),
    ParseCase("float from value", "rate = 0.5", (spec("rate", "float", 0.5, "0.5"),)),
    ParseCase(
        "bool before int", "debug = False", (spec("debug", "bool", False, "False"),)
    ),
    ParseCase("str from value", "name = 'x'", (spec("name", "str", "x", "'x'"),)),
    ParseCase("None is any", "msg = None", (spec("msg", "any", None, "None"),)),
    ParseCase("negative number", "low = -3", (spec("low", "int", -3, "-3"),)),
    ParseCase(
        "list from value", "xs = [1, 2]", (spec("xs", "list", [1, 2], "[1, 2]"),)
    ),
    ParseCase(
        "tuple is a list", "xs = (1, 2)", (spec("xs", "list", (1, 2), "(1, 2)"),)
    ),
    ParseCase(
        "dict from value", "d = {'a': 1}", (spec("d", "dict", {"a": 1}, "{'a': 1}"),)
    ),
    ParseCase(
        "annotation wins over value",
        "n: float = 1",
        (spec("n", "float", 1, "1"),),
    ),
    ParseCase(
        "string annotation",
        "n: 'int' = 1",
        (spec("n", "int", 1, "1"),),
    ),
    ParseCase(
        "optional annotation is its inner type",
        "n: Optional[int] = None\nm: int | None = None",
        (spec("n", "int", None, "None"), spec("m", "int", None, "None")),
    ),
    ParseCase(
        "generic annotation",
        "xs: list[str] = []\nys: List[int] = []\nd: Dict[str, int] = {}",
        (
            spec("xs", "list", [], "[]"),
            spec("ys", "list", [], "[]"),
            spec("d", "dict", {}, "{}"),
        ),
    ),
    ParseCase(
        "unknown annotation is any",
        "df: pd.DataFrame = None",
        (spec("df", "any", None, "None"),),
    ),
    ParseCase(
        "dates from annotation and from calls",
        "day: datetime.date = date(2024, 1, 31)\n"
        "at = datetime.datetime(2024, 1, 31, 12, 30)\n"
        "iso = date.fromisoformat('2024-02-01')",
        (
            spec("day", "date", dt.date(2024, 1, 31), "date(2024, 1, 31)"),
            spec(
                "at",
                "datetime",
                dt.datetime(2024, 1, 31, 12, 30),
                "datetime.datetime(2024, 1, 31, 12, 30)",
            ),
            spec(
                "iso", "date", dt.date(2024, 2, 1), "date.fromisoformat('2024-02-01')"
            ),
        ),
    ),
    ParseCase(
        "non-literal default is kept as source only",
        "path = os.path.join('a', 'b')",
        (spec("path", "any", None, "os.path.join('a', 'b')"),),
    ),
    ParseCase(
        "annotated declaration without value",
        "n: int",
        (ParameterSpec("n", "int", None),),
    ),
    ParseCase(
        "trailing comment is the description",
        "n = 5  # how many rows",
        (spec("n", "int", 5, "5", description="how many rows"),),
    ),
    ParseCase(
        "comment on its own line is not a description",
        "# rows\nn = 5",
        (spec("n", "int", 5, "5"),),
    ),
    ParseCase(
        "type comment gives type and description (papermill)",
        "b = [] # type: List[str] Nice list",
        (spec("b", "list", [], "[]", description="Nice list"),),
    ),
    ParseCase(
        "multi-line value: the comment after its last line describes it",
        "b = [\n    'Hello', # First\n    'World'\n] # Nice",
        (
            spec(
                "b",
                "list",
                ["Hello", "World"],
                "[\n    'Hello', # First\n    'World'\n]",
                description="Nice",
            ),
        ),
    ),
    ParseCase(
        "Param gives default and constraints",
        "n: int = Param(100, min=1, max=1000, description='rows')",
        (spec("n", "int", 100, "100", minimum=1, maximum=1000, description="rows"),),
    ),
    ParseCase(
        "Param positional arguments",
        "n = taskbook.Param(5, 1, 9)",
        (spec("n", "int", 5, "5", minimum=1, maximum=9),),
    ),
    ParseCase(
        "Param options; the type comes from the default",
        "mode = Param('fast', options=['fast', 'slow'])  # speed",
        (
            spec(
                "mode",
                "str",
                "fast",
                "'fast'",
                options=("fast", "slow"),
                description="speed",
            ),
        ),
    ),
    ParseCase(
        "Param description wins over the comment",
        "n = Param(1, description='from Param')  # from comment",
        (spec("n", "int", 1, "1", description="from Param"),),
    ),
    ParseCase(
        "imports, tuple targets, attributes and expressions are not parameters",
        "from taskbook import Param\nimport os\na, b = 1, 2\nx.y = 3\nprint(1)\nn = 1",
        (spec("n", "int", 1, "1"),),
    ),
    ParseCase(
        "a name assigned twice keeps its first place and its last value",
        "a = 1\nb = 2\na = 'x'",
        (spec("a", "str", "x", "'x'"), spec("b", "int", 2, "2")),
    ),
    ParseCase(
        "lines that do not parse are skipped (papermill skips them too)",
        "a = 1\n= 2\n%matplotlib inline\nb = 2",
        (spec("a", "int", 1, "1"), spec("b", "int", 2, "2")),
    ),
    ParseCase(
        "a computed value is still declared",
        "a = 2\nd = a == 3",
        (spec("a", "int", 2, "2"), spec("d", "any", None, "a == 3")),
    ),
]


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(c, id=c.name, marks=[pytest.mark.xfail] if c.xfail else [])
        for c in PARSE_CASES
    ],
)
def test_parse_parameters(case: ParseCase) -> None:
    assert parse_parameters(case.source) == case.expected


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
