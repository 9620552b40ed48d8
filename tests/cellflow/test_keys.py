"""Cache keys of cells: normalized source, helper functions, and ``why`` sentences."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from taskbook.cellflow.keys import (
    KeyParts,
    NotebookFunctions,
    explain_miss,
    normalize_source,
)


def _params(cases: list[Any]) -> list[Any]:
    return [
        pytest.param(
            case,
            id=case.id,
            marks=[pytest.mark.xfail(reason=case.reason, strict=True)]
            if case.xfail
            else [],
        )
        for case in cases
    ]


# --- normalize_source ---------------------------------------------------------------


@dataclass(frozen=True)
class SourceCase:
    id: str
    before: str
    after: str
    same: bool
    xfail: bool = False
    reason: str = ""


SOURCE_CASES = [
    SourceCase("comment added", "x = 1", "x = 1  # one", same=True),
    SourceCase("comment line added", "x = 1", "# setup\nx = 1", same=True),
    SourceCase("spacing", "x=f( 1,2 )", "x = f(1, 2)", same=True),
    SourceCase("quote style", "s = 'a'", 's = "a"', same=True),
    SourceCase("blank lines", "a = 1\nb = 2", "a = 1\n\n\nb = 2\n", same=True),
    SourceCase(
        "parentheses that change nothing", "y = (x + 1)", "y = x + 1", same=True
    ),
    SourceCase("a value changed", "x = 1", "x = 2", same=False),
    SourceCase("a name changed", "x = a", "x = b", same=False),
    SourceCase("string content changed", "s = 'a'", "s = 'b'", same=False),
    SourceCase(
        "docstring changed", "def f():\n    'a'", "def f():\n    'b'", same=False
    ),
    SourceCase("statement order", "a = 1\nb = a", "b = a\na = 1", same=False),
    SourceCase("semicolon hides the value: not the same cell", "x", "x;", same=False),
    SourceCase(
        "semicolon after a comment edit still hides", "x;", "x;  # quiet", same=True
    ),
    SourceCase("syntax error: compared as text", "x = (", "x = (  ", same=True),
    SourceCase("syntax error edited", "x = (", "y = (", same=False),
]


@pytest.mark.parametrize("case", _params(SOURCE_CASES))
def test_normalized_source(case: SourceCase) -> None:
    same = normalize_source(case.before) == normalize_source(case.after)

    assert same is case.same


# --- NotebookFunctions.used_by ------------------------------------------------------

CELLS = [
    "import math\ndef area(r):\n    return math.pi * square(r)\n",
    "def square(v):\n    return v * v\n",
    "def unrelated():\n    return 0\n",
    "class Shape:\n    def size(self):\n        return area(1)\n",
    "x = (",  # a cell that does not parse is skipped, not fatal
]


@dataclass(frozen=True)
class HelperCase:
    id: str
    names: tuple[str, ...]
    expected: tuple[str, ...]
    xfail: bool = False
    reason: str = ""


HELPER_CASES = [
    HelperCase("a leaf function", ("square",), ("square",)),
    HelperCase("a function and what it calls", ("area",), ("area", "square")),
    HelperCase(
        "a class and what its methods call", ("Shape",), ("Shape", "area", "square")
    ),
    HelperCase("names that are not functions", ("x", "math"), ()),
    HelperCase("several", ("unrelated", "square"), ("square", "unrelated")),
]


@pytest.mark.parametrize("case", _params(HELPER_CASES))
def test_helpers_used(case: HelperCase) -> None:
    used = NotebookFunctions(CELLS).used_by(case.names)

    assert sorted(used) == sorted(case.expected)


def test_editing_a_helper_changes_only_the_hash_of_its_callers() -> None:
    before = NotebookFunctions(CELLS)
    edited = list(CELLS)
    edited[1] = "def square(v):\n    return v ** 2\n"
    after = NotebookFunctions(edited)

    assert before.used_by(["area"]) != after.used_by(["area"])
    assert before.used_by(["Shape"]) != after.used_by(["Shape"])
    assert before.used_by(["unrelated"]) == after.used_by(["unrelated"])


def test_a_comment_in_a_helper_changes_nothing() -> None:
    edited = list(CELLS)
    edited[1] = "def square(v):\n    # the square\n    return v * v\n"

    assert NotebookFunctions(CELLS).used_by(["area"]) == NotebookFunctions(
        edited
    ).used_by(["area"])


def test_a_later_definition_replaces_an_earlier_one() -> None:
    cells = ["def f():\n    return 1\n", "def f():\n    return 2\n"]

    assert NotebookFunctions(cells).used_by(["f"]) == NotebookFunctions(
        cells[1:]
    ).used_by(["f"])


# --- KeyParts ----------------------------------------------------------------------


def test_key_depends_on_every_component() -> None:
    base = KeyParts("s", {"h": "1"}, {"x": "a"}, "isolate=thread")
    variants = [
        KeyParts("s2", {"h": "1"}, {"x": "a"}, "isolate=thread"),
        KeyParts("s", {"h": "2"}, {"x": "a"}, "isolate=thread"),
        KeyParts("s", {"h": "1"}, {"x": "b"}, "isolate=thread"),
        KeyParts("s", {"h": "1"}, {"y": "a"}, "isolate=thread"),
        KeyParts("s", {"h": "1"}, {"x": "a"}, "isolate=process"),
    ]

    keys = {base.key(), *(v.key() for v in variants)}

    assert len(keys) == 6
    assert base.key() == KeyParts("s", {"h": "1"}, {"x": "a"}, "isolate=thread").key()


def test_key_ignores_the_order_of_helpers_and_inputs() -> None:
    one = KeyParts("s", {"a": "1", "b": "2"}, {"x": "1", "y": "2"})
    two = KeyParts("s", {"b": "2", "a": "1"}, {"y": "2", "x": "1"})

    assert one.key() == two.key()


def test_an_input_without_fingerprint_makes_the_cell_uncacheable() -> None:
    assert KeyParts("s", inputs={"x": "a"}).cacheable
    assert not KeyParts("s", inputs={"x": "a", "lock": None}).cacheable


def test_parts_round_trip_through_plain_data() -> None:
    parts = KeyParts("s", {"h": "1"}, {"x": "a", "y": None}, "isolate=process")

    assert KeyParts.from_dict(parts.to_dict()) == parts


# --- explain_miss ------------------------------------------------------------------


@dataclass(frozen=True)
class MissCase:
    id: str
    previous: KeyParts | None
    current: KeyParts
    sentences: tuple[str, ...] = field(default_factory=tuple)
    xfail: bool = False
    reason: str = ""


BASE = KeyParts("src", {"clean": "h1"}, {"df": "f1", "n": "f2"}, "isolate=thread")

MISS_CASES = [
    MissCase(
        "never ran",
        None,
        BASE,
        ("it has never run with caching on in this project (no earlier key).",),
    ),
    MissCase(
        "nothing changed",
        BASE,
        BASE,
        ("nothing in its key changed: the entry expired, was refreshed or cleared.",),
    ),
    MissCase(
        "source",
        BASE,
        KeyParts("src2", BASE.helpers, BASE.inputs, BASE.options),
        ("its source changed.",),
    ),
    MissCase(
        "helper changed",
        BASE,
        KeyParts("src", {"clean": "h2"}, BASE.inputs, BASE.options),
        ("helper function 'clean' changed.",),
    ),
    MissCase(
        "helper new",
        BASE,
        KeyParts("src", {"clean": "h1", "fix": "h3"}, BASE.inputs, BASE.options),
        ("helper function 'fix' is new.",),
    ),
    MissCase(
        "helper no longer called",
        BASE,
        KeyParts("src", {}, BASE.inputs, BASE.options),
        ("helper function 'clean' is no longer called.",),
    ),
    MissCase(
        "input changed",
        BASE,
        KeyParts("src", BASE.helpers, {"df": "f9", "n": "f2"}, BASE.options),
        ("input 'df' changed.",),
    ),
    MissCase(
        "input cannot be fingerprinted",
        BASE,
        KeyParts("src", BASE.helpers, {"df": None, "n": "f2"}, BASE.options),
        ("input 'df' cannot be fingerprinted (not cached).",),
    ),
    MissCase(
        "options",
        BASE,
        KeyParts("src", BASE.helpers, BASE.inputs, "isolate=process"),
        ("its options changed ('isolate=thread' -> 'isolate=process').",),
    ),
    MissCase(
        "several, in a fixed order",
        BASE,
        KeyParts("src2", {"clean": "h2"}, {"df": "f9", "n": "f3"}, "isolate=process"),
        (
            "its source changed.",
            "helper function 'clean' changed.",
            "input 'df' changed.",
            "input 'n' changed.",
            "its options changed ('isolate=thread' -> 'isolate=process').",
        ),
    ),
]


@pytest.mark.parametrize("case", _params(MISS_CASES))
def test_explain_miss(case: MissCase) -> None:
    assert explain_miss(case.previous, case.current) == list(case.sentences)
