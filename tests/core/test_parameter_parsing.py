from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from taskbook.core.parameter_parsing import parse_parameters
from taskbook.core.parameter_specs import ParameterSpec

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
