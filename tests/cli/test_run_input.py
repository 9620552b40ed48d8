"""``taskbook run`` with bad input: the error, the hint, exit code 2, nothing written.

All of these fail before any cell runs, so they run in-process.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from tests.corpora import PAPERMILL

TYPED = [("%%params\nn: int = Param(5, min=1)  # rows\nname = 'x'\nrate = 0.5", ())]


def assert_usage_error(
    result: Result, first_line: str, hint: str | None = None
) -> None:
    assert result.exit_code == 2, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == first_line
    if hint is not None:
        assert lines[1] == f"Hint: {hint}"
    assert "Traceback" not in result.stderr


@pytest.fixture
def typed(tmp_path: Path) -> Path:
    from tests.cli.conftest import write_notebook

    return write_notebook(
        tmp_path / "typed.ipynb",
        [
            "from taskbook import Param",
            "%%params\nn: int = Param(5, min=1)  # rows\nname = 'x'\nrate = 0.5",
            "print(n, name, rate)",
        ],
    )


def test_p_without_a_parameters_cell(
    tmp_path: Path, invoke: Callable[..., Result]
) -> None:
    out = tmp_path / "out.ipynb"
    nb = str(PAPERMILL / "no_parameters.ipynb")
    result = invoke("run", nb, str(out), "-p", "msg", "hello", "-y", "other: 1")
    assert_usage_error(
        result,
        f"Error: Notebook {nb!r} has no parameters cell, so other, msg cannot be set. "
        "Add a %%params cell (or tag a cell 'parameters') declaring them.",
        f"`taskbook run {nb} --help-notebook` lists its parameters.",
    )
    assert not out.exists()


def test_unknown_parameter(typed: Path, invoke: Callable[..., Result]) -> None:
    out = typed.with_name("out.ipynb")
    result = invoke("run", str(typed), str(out), "-p", "rows", "5")
    assert_usage_error(
        result,
        "Error: Unknown parameter 'rows'. The parameters cell declares: n (int), "
        "name (str), rate (float). Check the spelling, or declare 'rows' in the "
        "parameters cell.",
        f"`taskbook run {typed} --help-notebook` lists its parameters.",
    )
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["-p", "n", "many"],
            "Error: Parameter 'n' got 'many', which is not an int >= 1. Pass an int >= 1.",
        ),
        (
            ["-p", "n", "0"],
            "Error: Parameter 'n' got 0, which is not an int >= 1. Pass an int >= 1.",
        ),
        (
            ["-p", "n", "2.5"],
            "Error: Parameter 'n' got 2.5, which is not an int >= 1. Pass an int >= 1.",
        ),
        (
            ["-y", "rate: [1]"],
            "Error: Parameter 'rate' got [1], which is not a float. Pass a float.",
        ),
        (
            ["-r", "rate", "fast"],
            "Error: Parameter 'rate' got 'fast', which is not a float. Pass a float.",
        ),
    ],
    ids=[
        "word-for-int",
        "below-min",
        "fraction-for-int",
        "list-for-float",
        "raw-word-for-float",
    ],
)
def test_ill_typed_parameter(
    typed: Path, invoke: Callable[..., Result], args: list[str], message: str
) -> None:
    result = invoke("run", str(typed), str(typed.with_name("out.ipynb")), *args)
    assert_usage_error(
        result, f"{message} Valid parameters: n (int), name (str), rate (float)."
    )
    assert not typed.with_name("out.ipynb").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["-y", "[1, 2]"],
            "Error: Cannot read parameters from -y '[1, 2]': it is a list, not a mapping.",
        ),
        (
            ["-f", "/nonexistent.yaml"],
            "Error: Cannot read parameters from file '/nonexistent.yaml': No such file or directory.",
        ),
        (["-b", "@@"], "Error: Cannot read parameters from -b '@@': invalid base64"),
    ],
    ids=["yaml-list", "missing-file", "bad-base64"],
)
def test_unreadable_parameter_source(
    typed: Path, invoke: Callable[..., Result], args: list[str], message: str
) -> None:
    result = invoke("run", str(typed), *args)
    assert result.exit_code == 2
    assert result.stderr.startswith(message)


def test_unreadable_notebook(tmp_path: Path, invoke: Callable[..., Result]) -> None:
    path = tmp_path / "notes.ipynb"
    path.write_text("# not a notebook")
    result = invoke("run", str(path))
    assert_usage_error(
        result,
        f"Error: Cannot read notebook {str(path)!r}: it is not JSON (Expecting value: "
        "line 1 column 1 (char 0)). Check the path and that the file is a Jupyter "
        "notebook (.ipynb, nbformat 4).",
    )


def test_a_notebook_in_another_language(
    tmp_path: Path, invoke: Callable[..., Result]
) -> None:
    import nbformat

    nb = nbformat.v4.new_notebook(
        metadata={"kernelspec": {"name": "ir", "language": "R", "display_name": "R"}}
    )
    nbformat.write(nb, tmp_path / "r.ipynb")
    result = invoke("run", str(tmp_path / "r.ipynb"))
    assert result.exit_code == 2
    assert "its language is 'r', and taskbook runs Python" in result.stderr


def test_hidden_state_is_an_error_before_anything_runs(
    tmp_path: Path, make_notebook: Callable[..., Path], invoke: Callable[..., Result]
) -> None:
    marker = tmp_path / "ran.txt"
    path = make_notebook(
        [f"open({str(marker)!r}, 'w').close()", "print(undefined_thing)"]
    )
    out = tmp_path / "out.ipynb"
    result = invoke("run", str(path), str(out))
    assert_usage_error(
        result,
        "Error: Cell 2 ('cell-2') reads 'undefined_thing', which no earlier cell "
        "defines (hidden state). Define 'undefined_thing' in a cell above, or move "
        "this cell below its definition.",
        f"`taskbook graph {path}` shows what each cell reads and defines.",
    )
    assert not marker.exists()
    assert not out.exists()


def test_output_folder_must_exist(typed: Path, invoke: Callable[..., Result]) -> None:
    result = invoke("run", str(typed), str(typed.parent / "nope" / "out.ipynb"))
    assert result.exit_code == 2
    assert "Invalid value for OUTPUT: the folder" in result.stderr
    assert (
        "does not exist; create it first or write the output elsewhere."
        in result.stderr
    )


def test_two_different_output_paths(typed: Path, invoke: Callable[..., Result]) -> None:
    result = invoke("run", str(typed), "a.ipynb", "--output", "b.ipynb")
    assert result.exit_code == 2
    assert (
        "Two output paths given: 'a.ipynb' and --output 'b.ipynb'. Give one."
        in result.stderr
    )


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (
            ["--max-workers", "0"],
            "Invalid value for '--max-workers': expected a positive integer, got '0'.",
        ),
        (["--timeout", "0"], "Invalid value for '--timeout': expected a positive"),
        (
            ["--runner", "cluster"],
            "Invalid value for '--runner': expected 'threads' or 'processes' or "
            "'dask', got 'cluster'.",
        ),
        (
            ["--address", "tcp://127.0.0.1:8786"],
            "run option --address='tcp://127.0.0.1:8786' is invalid: expected a "
            "scheduler address together with --runner dask",
        ),
        (
            ["--cwd", "/nonexistent-dir"],
            "Invalid value for '--cwd': Directory '/nonexistent-dir' does not exist.",
        ),
        (["-p", "n"], "Option '-p' requires 2 arguments."),
    ],
)
def test_bad_flags_are_usage_errors(
    typed: Path, invoke: Callable[..., Result], args: list[str], fragment: str
) -> None:
    result = invoke("run", str(typed), *args)
    assert result.exit_code == 2
    assert fragment in result.stderr


# --- --help-notebook -------------------------------------------------------------------


def test_help_notebook_lists_types_defaults_and_descriptions(
    typed: Path, invoke: Callable[..., Result]
) -> None:
    result = invoke("run", str(typed), "--help-notebook")
    assert result.exit_code == 0
    assert result.stdout == (
        "Usage: taskbook run [OPTIONS] NOTEBOOK [OUTPUT]\n"
        f"\nParameters inferred for notebook '{typed}':\n"
        "  n: int (default 5)              rows (min 1)\n"
        "  name: str (default 'x')         \n"
        "  rate: float (default 0.5)       \n"
    )


def test_help_notebook_without_parameters_cell_exits_1_as_papermill(
    invoke: Callable[..., Result],
) -> None:
    nb = str(PAPERMILL / "no_parameters.ipynb")
    result = invoke("run", nb, "--help-notebook")
    assert result.exit_code == 1
    assert result.stdout.endswith(
        f"Parameters inferred for notebook '{nb}':\n\n  No cell tagged 'parameters'\n"
    )


def test_help_notebook_runs_nothing_and_ignores_parameter_values(
    typed: Path, invoke: Callable[..., Result]
) -> None:
    result = invoke(
        "run", str(typed), "out.ipynb", "-p", "n", "many", "--help-notebook"
    )
    assert result.exit_code == 0
    assert not typed.with_name("out.ipynb").exists()


def test_help_notebook_of_papermills_complex_parameters(
    invoke: Callable[..., Result],
) -> None:
    nb = str(PAPERMILL / "complex_parameters.ipynb")
    result = invoke("run", nb, "--help-notebook")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[3:] == [
        "  msg: Unknown type (default None)",
        "  a: float (default 2.25)         Variable a",
        "  b: list (default ['Hello','World'])",
        "                                  Nice list",
        "  c: Unknown type (default None)",
        "  d: Unknown type (default a == 3)",
    ]


def test_base64_parameters_are_accepted(
    typed: Path, invoke: Callable[..., Result]
) -> None:
    encoded = base64.b64encode(b"n: 0").decode()
    result = invoke("run", str(typed), "-b", encoded)
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "Error: Parameter 'n' got 0, which is not an int >= 1."
    )


def test_a_language_other_than_python_is_refused(
    typed: Path, invoke: Callable[..., Result]
) -> None:
    result = invoke("run", str(typed), "-l", "R")
    assert result.exit_code == 2
    assert "--language R was given, and taskbook runs Python notebooks" in result.stderr
