"""One cell's code as IPython runs it: shown value, ``;``, ``await``, tracebacks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from taskbook.cellflow.capture import OutputCapture
from taskbook.cellflow.execute import CellCode, execute, format_error


@dataclass(frozen=True)
class ShowCase:
    """A cell and the ``text/plain`` of the value it shows (``None``: shows nothing)."""

    id: str
    source: str
    shown: str | None
    xfail: bool = False
    reason: str = ""


SHOW_CASES = [
    ShowCase("last expression", "x = 2\nx + 1", "3"),
    ShowCase("only an expression", "'hi'", "'hi'"),
    ShowCase("assignment shows nothing", "x = 2", None),
    ShowCase("None shows nothing", "None", None),
    ShowCase("semicolon hides", "x = 2\nx;", None),
    ShowCase("semicolon then blank lines hides", "x = 2\nx;\n\n", None),
    ShowCase("semicolon before a comment hides", "x = 2\nx;  # quiet", None),
    ShowCase("semicolon inside a comment does not hide", "x = 2\nx  # note;", "2"),
    ShowCase("semicolon inside a string does not hide", "'a;'", "'a;'"),
    ShowCase("expression statement not last shows nothing", "1\nx = 3", None),
    ShowCase("expression in a block is not shown", "if True:\n    5", None),
    ShowCase("top-level await", "import asyncio\nawait asyncio.sleep(0)\n7", "7"),
    ShowCase(
        "awaited last expression", "import asyncio\nawait asyncio.sleep(0, 8)", "8"
    ),
    ShowCase("call returning a value", "len([1, 2])", "2"),
]


def _params(cases: list[ShowCase]) -> list[Any]:
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


@pytest.mark.parametrize("case", _params(SHOW_CASES))
def test_shown_value(case: ShowCase) -> None:
    capture = OutputCapture()
    namespace: dict[str, Any] = {}

    execute(CellCode(case.source, "<taskbook-cell-0>"), namespace, capture)

    results = [o for o in capture.outputs if o["output_type"] == "execute_result"]
    if case.shown is None:
        assert results == []
    else:
        (result,) = results
        assert result["data"] == {"text/plain": case.shown}
        assert repr(namespace["_"]) == case.shown


def test_cell_code_runs_in_the_given_namespace() -> None:
    namespace: dict[str, Any] = {"base": 10}

    execute(
        CellCode("def f(v):\n    return v + base\ny = f(1)", "<taskbook-cell-0>"),
        namespace,
        OutputCapture(),
    )

    assert namespace["y"] == 11
    namespace["base"] = 20
    assert namespace["f"](1) == 21


def test_traceback_starts_at_the_cell_and_names_its_lines() -> None:
    namespace: dict[str, Any] = {}
    execute(
        CellCode("def g():\n    raise KeyError('k')\n", "<taskbook-cell-4>"),
        namespace,
        OutputCapture(),
    )

    with pytest.raises(KeyError) as caught:
        execute(CellCode("a = 1\ng()", "<taskbook-cell-6>"), namespace, OutputCapture())
    ename, evalue, lines = format_error(caught.value, "<taskbook-cell-")

    assert (ename, evalue) == ("KeyError", "'k'")
    # Jupyter joins the lines with newlines; an entry may hold two of them.
    assert "\n".join(lines).splitlines() == [
        "Traceback (most recent call last):",
        '  File "<taskbook-cell-6>", line 2, in <module>',
        "    g()",
        '  File "<taskbook-cell-4>", line 2, in g',
        "    raise KeyError('k')",
        "KeyError: 'k'",
    ]


def test_syntax_error_is_reported_at_its_line() -> None:
    with pytest.raises(SyntaxError) as caught:
        CellCode("x = 1\ny = (", "<taskbook-cell-2>")
    ename, _, lines = format_error(caught.value, "<taskbook-cell-")

    assert ename == "SyntaxError"
    assert lines[0] == '  File "<taskbook-cell-2>", line 2'
    assert lines[-1] == "SyntaxError: '(' was never closed"
