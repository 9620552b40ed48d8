"""Notebook functions live at module level; the notebook variables they read are
passed in at every call, or the export names the function, variable and cell."""

from __future__ import annotations

import pytest
from tests.export.conftest import export_text

from taskbook.errors import NotebookGlobalError


def lines(cells: list[str]) -> set[str]:
    return {line.strip() for line in export_text(cells).splitlines()}


def test_a_function_reading_a_notebook_variable_gets_it_passed_in():
    text = lines(
        [
            "rate = 3",
            "def cost(n):\n    return n * rate",
            "def total(items):\n    return sum(cost(i) for i in items)",
            "%%task bill\nbill = total([1, 2])",
            "print(cost(2))",
        ]
    )
    assert {
        "def cost(n, *, rate):",
        "return n * rate",
        "def total(items, *, rate):",  # it calls cost, so it needs rate too
        "return sum(cost(i, rate=rate) for i in items)",
        "def bill_task(rate):",
        "bill = total([1, 2], rate=rate)",
        "print(cost(2, rate=rate))",
    } <= text


@pytest.mark.parametrize(
    ("definition", "signature", "call", "passed"),
    [
        ("def f():\n    return k", "def f(*, k):", "f()", "f(k=k)"),
        ("def f(a, **kw):\n    return k", "def f(a, *, k, **kw):", "f(1)", "f(1, k=k)"),
        ("def f(*a):\n    return k", "def f(*a, k):", "f(1, 2)", "f(1, 2, k=k)"),
        (
            "def f(a, *, b=1):\n    return k",
            "def f(a, *, b=1, k):",
            "f(1)",
            "f(1, k=k)",
        ),
        ("def f(\n    a,\n):\n    return k", "*, k):", "f(\n    1,\n)", "f(\n1,\nk=k)"),
    ],
    ids=["no parameters", "kwargs", "args", "keyword-only", "trailing commas"],
)
def test_the_variable_becomes_a_keyword_only_parameter(
    definition, signature, call, passed
):
    text = export_text(["k = 1", definition, f"y = {call}"])
    flat = "\n".join(line.strip() for line in text.splitlines())
    assert signature in flat
    assert f"y = {passed}" in flat


def test_a_recursive_function_passes_the_variable_to_itself():
    text = lines(["base = 1", "def f(n):\n    return base if n == 0 else f(n - 1)"])
    assert "return base if n == 0 else f(n - 1, base=base)" in text


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        (
            ["k = 2", "def f(x):\n    return x * k", "ys = list(map(f, [1, 2]))"],
            "Function 'f' (cell 2) reads the notebook variable 'k', and cell 3 uses "
            "f without calling it (map(f, [1, 2])), so the export cannot pass it in. "
            "Make 'k' a parameter of f() and pass it where you call it.",
        ),
        (
            ["k = 2", "class C:\n    def g(self):\n        return k"],
            "Function 'C' (cell 2) reads the notebook variable 'k', and a class cannot "
            "take it as a parameter, so the export cannot pass it in. Pass 'k' to the "
            "methods that use it.",
        ),
        (
            ["k = 2", "def f(x=k):\n    return x"],
            "Function 'f' (cell 2) reads the notebook variable 'k', in its defaults, "
            "annotations or decorators, where the module defines it before the flow "
            "runs, so the export cannot pass it in. Pass 'k' in as an argument when "
            "you call it.",
        ),
        (
            ["k = 2", "def bump():\n    global k\n    k += 1", "bump()"],
            "Function 'bump' (cell 2) reads the notebook variable 'k', and assigns it "
            "with a global statement, so the export cannot pass it in. Return the new "
            "value of 'k' from bump() instead.",
        ),
    ],
    ids=["used without calling", "class", "default value", "global statement"],
)
def test_a_variable_that_cannot_be_passed_in_stops_the_export(cells, message):
    with pytest.raises(NotebookGlobalError) as caught:
        export_text(cells)
    assert str(caught.value) == message


def test_functions_without_notebook_variables_stay_as_written():
    source = "import math\n\n\ndef area(r):\n    # the usual formula\n    return math.pi * r**2"
    text = export_text([source, "a = area(2)"])
    assert "# %% [cell 1 id=c0]\ndef area(r):\n    # the usual formula\n" in text
    assert "    a = area(2)" in text
