"""What a cell shows: streams, rich displays, its last value, its error — per cell."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from taskbook.cellflow.result import NotebookRunResult
from taskbook.cellflow.runner import NotebookRunner
from taskbook.core.run_options import RunOptions

from .helpers import by_name, notebook, stdout

Run = Callable[..., NotebookRunResult]


def test_print_and_stderr_are_the_cells_stream_outputs(run: Run) -> None:
    result = run(
        "import sys\nprint('one')\nprint('two')\nprint('oops', file=sys.stderr)",
        "print('other cell')",
    )

    first, second = result.cells.values()
    assert first.outputs == [
        {"output_type": "stream", "name": "stdout", "text": "one\ntwo\n"},
        {"output_type": "stream", "name": "stderr", "text": "oops\n"},
    ]
    assert second.outputs == [
        {"output_type": "stream", "name": "stdout", "text": "other cell\n"}
    ]


def test_last_expression_is_the_execute_result(run: Run) -> None:
    result = run("x = 20\nx * 2 + 2")

    (outcome,) = result.cells.values()
    (output,) = outcome.outputs
    assert output["output_type"] == "execute_result"
    assert output["data"] == {"text/plain": "42"}


def test_none_as_last_expression_shows_nothing(run: Run) -> None:
    result = run("print('p')\nNone")

    (outcome,) = result.cells.values()
    assert [o["output_type"] for o in outcome.outputs] == ["stream"]


def test_trailing_semicolon_hides_the_last_value(run: Run, shell: Any) -> None:
    result = run("x = 5\nx * 2;")

    (outcome,) = result.cells.values()
    assert outcome.state_name == "Completed"
    assert outcome.outputs == []


def test_semicolon_cell_is_not_the_cached_twin_of_the_same_expression(
    run: Run,
) -> None:
    # `x` and `x;` differ only in what they show: they must not share a cache entry.
    result = run("x = [1, 2]", "x", "x;")

    shown, hidden = list(result.cells.values())[1:]
    assert [o["output_type"] for o in shown.outputs] == ["execute_result"]
    assert hidden.outputs == []


def test_display_of_rich_objects_keeps_every_mime_type(run: Run) -> None:
    result = run(
        "from IPython.display import HTML, Markdown, display\n"
        "display(HTML('<b>bold</b>'))\n"
        "display(Markdown('# title'))"
    )

    (outcome,) = result.cells.values()
    html, markdown = outcome.outputs
    assert html["output_type"] == "display_data"
    assert html["data"]["text/html"] == "<b>bold</b>"
    assert "text/plain" in html["data"]
    assert markdown["data"]["text/markdown"] == "# title"


def test_dataframe_shows_as_text_and_html(run: Run) -> None:
    result = run(
        "import pandas as pd\n"
        "df = pd.DataFrame({'city': ['Oslo', 'Lima'], 'temp': [3, 19]})\n"
        "display(df)\n"
        "df.head(1)"
    )

    (outcome,) = result.cells.values()
    displayed, value = outcome.outputs
    assert displayed["output_type"] == "display_data"
    assert "Oslo" in displayed["data"]["text/plain"]
    assert "<table" in displayed["data"]["text/html"]
    assert "<td>Lima</td>" in displayed["data"]["text/html"]
    assert value["output_type"] == "execute_result"
    assert "Oslo" in value["data"]["text/html"]
    assert "Lima" not in value["data"]["text/html"]


def test_outputs_keep_their_order_within_a_cell(run: Run) -> None:
    result = run(
        "from IPython.display import HTML, display\n"
        "print('a')\n"
        "display(HTML('<p>b</p>'))\n"
        "print('c')\n"
        "'d'"
    )

    (outcome,) = result.cells.values()
    assert [o["output_type"] for o in outcome.outputs] == [
        "stream",
        "display_data",
        "stream",
        "execute_result",
    ]
    assert outcome.outputs[0]["text"] == "a\n"
    assert outcome.outputs[2]["text"] == "c\n"


def test_parallel_cells_do_not_mix_their_outputs(run: Run) -> None:
    result = run(
        "def noisy(tag):\n    for i in range(50):\n        print(tag, i)\n",
        "%%task left\nnoisy('L')",
        "%%task right\nnoisy('R')",
    )

    outcomes = by_name(result)
    assert stdout(outcomes["left"]) == "".join(f"L {i}\n" for i in range(50))
    assert stdout(outcomes["right"]) == "".join(f"R {i}\n" for i in range(50))


def test_output_outside_a_cell_still_reaches_the_real_stream(
    run: Run, capsys: pytest.CaptureFixture[str]
) -> None:
    run("print('in the cell')")

    print("after the run")

    assert capsys.readouterr().out == "after the run\n"


def test_failed_cell_keeps_what_it_printed_and_its_error(run: Run) -> None:
    result = run("print('before')\nx = 1\nraise ValueError(f'bad value {x}')")

    (outcome,) = result.cells.values()
    assert outcome.state_name == "Failed"
    kinds = [o["output_type"] for o in outcome.outputs]
    assert kinds == ["stream", "error"]
    error = outcome.outputs[1]
    assert (error["ename"], error["evalue"]) == ("ValueError", "bad value 1")


def test_error_traceback_points_at_the_cell_line(run: Run) -> None:
    result = run(
        "def divide(a):\n    return a / 0\n",
        "%%task boom\ny = 1\nz = divide(y)",
    )

    error = next(
        o for o in by_name(result)["boom"].outputs if o["output_type"] == "error"
    )
    trace = "\n".join(error["traceback"])
    # The user's two frames, the cell's line and the helper's, and no engine frames;
    # cells are numbered from 1, as JupyterLab's "Cell N/M" counts them.
    assert 'File "<taskbook-cell-2>", line 2, in <module>' in trace
    assert "z = divide(y)" in trace
    assert 'File "<taskbook-cell-1>", line 2, in divide' in trace
    assert "return a / 0" in trace
    assert "taskbook/engine" not in trace
    assert "cellflow" not in trace
    assert trace.endswith("ZeroDivisionError: division by zero")


def test_syntax_error_is_the_cells_error(run: Run) -> None:
    result = run("x = (1,\n")

    (outcome,) = result.cells.values()
    assert outcome.state_name == "Failed"
    assert "SyntaxError" in (outcome.message or "")


def test_listener_gets_each_output_for_the_cell_that_owns_it(shell: Any) -> None:
    seen: list[tuple[str, str, str]] = []
    lock = threading.Lock()

    def listener(spec: Any, output: dict[str, Any]) -> None:
        with lock:
            seen.append((spec.name, output["output_type"], output.get("text", "")))

    runner = NotebookRunner(shell, "nb", listener=listener)
    runner.run(
        notebook("%%task a\nprint('from a')", "%%task b\nprint('from b')\n1/0"),
        RunOptions(),
    )

    assert [s for s in seen if s[0] == "a" and s[1] == "stream"] == [
        ("a", "stream", "from a"),
        ("a", "stream", "\n"),
    ]
    assert ("b", "error", "") in seen
    assert all(name in ("a", "b") for name, _, _ in seen)
