"""``taskbook run`` over papermill's own test notebooks, with papermill's outcomes.

Each run is a child process, as users run it. Where taskbook deliberately differs
(DESIGN §8: a failure stops only the cells that depend on it; ``-p`` without a
parameters cell is an error) the test says so.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
import pytest
from tests.corpora import PAPERMILL

Run = Callable[..., subprocess.CompletedProcess[str]]


def read(path: Path) -> Any:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    return nb


def code_cells(nb: Any) -> list[Any]:
    return [c for c in nb.cells if c.cell_type == "code"]


def printed(cell: Any) -> str:
    return "".join(o.text for o in cell.outputs if o.output_type == "stream")


def state(cell: Any) -> str:
    return cell.metadata.get("taskbook", {}).get("state_name", "")


# --- parameters --------------------------------------------------------------------


def test_simple_execute_prints_the_injected_value(
    taskbook: Run, tmp_path: Path
) -> None:
    out = tmp_path / "out.ipynb"
    result = taskbook(
        "run", str(PAPERMILL / "simple_execute.ipynb"), str(out), "-p", "msg", "hello"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "hello\n"
    nb = read(out)
    assert [c.metadata.get("tags", []) for c in nb.cells] == [
        ["parameters"],
        ["injected-parameters"],
        [],
        [],
    ]
    assert nb.cells[1].source == '# Parameters\nmsg = "hello"\n'
    assert printed(nb.cells[2]) == "hello\n"
    assert nb.metadata.papermill.parameters == {"msg": "hello"}
    summary = nb.metadata.taskbook
    assert summary["state"] == "COMPLETED"
    assert summary["parameters"] == {"msg": "hello"}
    assert summary["flow_run_id"]
    assert summary["duration"] > 0
    assert [state(c) for c in code_cells(nb)] == ["Completed", "", "Completed"]


def test_output_as_option_and_stdout(taskbook: Run, tmp_path: Path) -> None:
    result = taskbook(
        "run", str(PAPERMILL / "simple_execute.ipynb"), "--output", "o.ipynb"
    )
    assert result.returncode == 0, result.stderr
    assert printed(read(tmp_path / "o.ipynb").cells[1]) == "None\n"
    piped = taskbook(
        "run", str(PAPERMILL / "simple_execute.ipynb"), "-", "-p", "msg", "x"
    )
    assert piped.returncode == 0, piped.stderr
    assert printed(nbformat.reads(piped.stdout, as_version=4).cells[2]) == "x\n"


TYPED_NOTEBOOK = [
    (
        "a = None\nb = None\nc = None\nd = None\ne = None\nf = None\ng = None\nh = None",
        ["parameters"],
    ),
    "for name in 'abcdefgh':\n    print(name, repr(globals()[name]))",
]
TYPED_ARGS = {
    "-p typing and -r": [
        "-p",
        "a",
        "1",
        "-p",
        "b",
        "1.5",
        "-p",
        "c",
        "True",
        "-p",
        "d",
        "None",
        "-p",
        "e",
        "hello world",
        "-r",
        "f",
        "1",
        "-p",
        "g",
        "1_000",
        "-p",
        "h",
        "nan",
    ],
    "-f/-y/-p precedence": [
        "-p",
        "a",
        "from-p",
        "-y",
        "a: from-y\nb: from-y\nh: [1, {k: v}]",
        "-f",
        str(PAPERMILL / "example.yaml"),
        "-y",
        "e: 2",
        "-r",
        "g",
        "raw",
        "-f",
        str(PAPERMILL / "example.json"),
    ],
}


@pytest.mark.parametrize("case", TYPED_ARGS, ids=list(TYPED_ARGS))
def test_parameter_typing_is_papermills(
    taskbook: Run, tmp_path: Path, make_notebook: Callable[..., Path], case: str
) -> None:
    """Run real papermill (with a kernel) and taskbook on one notebook and compare."""
    notebook = make_notebook(TYPED_NOTEBOOK)
    args = TYPED_ARGS[case]
    if "-f" in args:
        # example.yaml/json set foo/bar/baz/a_date: declare those too.
        nb = nbformat.read(notebook, as_version=4)
        nb.cells[0].source += "\nfoo = None\nbar = None\nbaz = None\na_date = None"
        nb.cells[1].source = (
            "for name in ['a', 'b', 'e', 'g', 'h', 'foo', 'bar', 'baz', 'a_date']:\n"
            "    print(name, repr(globals()[name]))"
        )
        nbformat.write(nb, notebook)
    ours = taskbook("run", str(notebook), "ours.ipynb", *args)
    assert ours.returncode == 0, ours.stderr
    theirs = subprocess.run(
        [
            sys.executable,
            "-m",
            "papermill",
            str(notebook),
            str(tmp_path / "pm.ipynb"),
            "-k",
            "python3",
            "--no-progress-bar",
            *args,
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert theirs.returncode == 0, theirs.stderr
    expected = printed(code_cells(read(tmp_path / "pm.ipynb"))[-1])
    assert printed(code_cells(read(tmp_path / "ours.ipynb"))[-1]) == expected
    assert ours.stdout == expected
    ours_injected = read(tmp_path / "ours.ipynb").cells[1]
    theirs_injected = read(tmp_path / "pm.ipynb").cells[1]
    assert ours_injected.source == theirs_injected.source


def test_declared_types_coerce_and_params_cells_may_use_param(
    taskbook: Run, tmp_path: Path, make_notebook: Callable[..., Path]
) -> None:
    notebook = make_notebook(
        [
            "%%params\nimport datetime\nfrom taskbook import Param\n"
            "n: int = Param(5, min=1)\nday = datetime.date(2024, 1, 1)\nversion: str = '1.0'",
            "print(repr(n), repr(day), repr(version))",
        ]
    )
    result = taskbook(
        "run",
        str(notebook),
        "out.ipynb",
        "-p",
        "n",
        "7",
        "-p",
        "day",
        "2024-02-01",
        "-p",
        "version",
        "1.10",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "7 datetime.date(2024, 2, 1) '1.10'\n"
    injected = read(tmp_path / "out.ipynb").cells[1]
    assert injected.source == (
        '# Parameters\nimport datetime\nn = 7\nday = datetime.date(2024, 2, 1)\nversion = "1.10"\n'
    )
    bad = taskbook("run", str(notebook), "-p", "n", "0")
    assert bad.returncode == 2
    assert bad.stderr.startswith(
        "Error: Parameter 'n' got 0, which is not an int >= 1."
    )


def test_parameters_cell_of_nbformat_4_4(taskbook: Run, tmp_path: Path) -> None:
    result = taskbook(
        "run", str(PAPERMILL / "nb_version_4.4.ipynb"), "out.ipynb", "-p", "var", "2"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "2\n"
    nb = read(tmp_path / "out.ipynb")
    assert (nb.nbformat, nb.nbformat_minor) == (4, 5)


def test_report_mode_notebook_uses_both_parameters(taskbook: Run) -> None:
    result = taskbook(
        "run", str(PAPERMILL / "report_mode_test.ipynb"), "-p", "a", "2", "-p", "b", "3"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "5\n"


def test_a_rerun_replaces_the_injected_cell(taskbook: Run, tmp_path: Path) -> None:
    first = taskbook(
        "run", str(PAPERMILL / "simple_execute.ipynb"), "one.ipynb", "-p", "msg", "one"
    )
    assert first.returncode == 0, first.stderr
    again = taskbook(
        "run", str(tmp_path / "one.ipynb"), "two.ipynb", "-p", "msg", "two"
    )
    assert again.returncode == 0, again.stderr
    assert again.stdout == "two\n"
    nb = read(tmp_path / "two.ipynb")
    assert [
        c.source
        for c in nb.cells
        if "injected-parameters" in c.metadata.get("tags", [])
    ] == ['# Parameters\nmsg = "two"\n']
    # Without new parameters the earlier injected cell runs as it is (papermill).
    kept = taskbook("run", str(tmp_path / "one.ipynb"))
    assert kept.stdout == "one\n"


def test_p_without_parameters_cell_is_an_error(taskbook: Run) -> None:
    """DESIGN §8 differs on purpose: papermill would inject at the top and warn."""
    result = taskbook("run", str(PAPERMILL / "no_parameters.ipynb"), "-p", "msg", "x")
    assert result.returncode == 2
    assert "has no parameters cell, so msg cannot be set" in result.stderr


def test_no_parameters_notebook_runs_as_is(taskbook: Run) -> None:
    result = taskbook("run", str(PAPERMILL / "no_parameters.ipynb"))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "None\n"


def test_prepare_only_injects_without_running(taskbook: Run, tmp_path: Path) -> None:
    result = taskbook(
        "run",
        str(PAPERMILL / "simple_execute.ipynb"),
        "p.ipynb",
        "-p",
        "msg",
        "x",
        "--prepare-only",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    nb = read(tmp_path / "p.ipynb")
    assert nb.cells[1].source == '# Parameters\nmsg = "x"\n'
    assert nb.metadata.papermill.parameters == {"msg": "x"}
    assert all(c.get("outputs", []) == [] for c in code_cells(nb))


# --- failures, exits, working directory ----------------------------------------------------


def test_broken1_fails_at_the_assert_and_stops_there(
    taskbook: Run, tmp_path: Path
) -> None:
    result = taskbook("run", str(PAPERMILL / "broken1.ipynb"), "out.ipynb")
    assert result.returncode == 1
    assert result.stdout == "We're good.\n"
    assert "Cell 'cell-7' (cell 7) failed:" in result.stderr
    assert "AssertionError" in result.stderr
    nb = read(tmp_path / "out.ipynb")
    good, failing, never = code_cells(nb)
    assert (state(good), state(failing), state(never)) == (
        "Completed",
        "Failed",
        "NotReady",
    )
    assert [o.ename for o in failing.outputs if o.output_type == "error"] == [
        "AssertionError"
    ]
    assert never.outputs == []
    assert never.execution_count is None
    # papermill's markers: a banner first, an anchor right before the failing cell.
    tags = [c.metadata.get("tags", []) for c in nb.cells]
    assert tags[0] == ["papermill-error-cell-tag"]
    position = nb.cells.index(failing)
    assert tags[position - 1] == ["papermill-error-cell-tag"]
    assert sum(t == ["papermill-error-cell-tag"] for t in tags) == 2
    assert nb.metadata.taskbook["state"] == "FAILED"
    assert nb.metadata.papermill["exception"] is True


def test_broken2_keeps_the_display_and_the_error(taskbook: Run, tmp_path: Path) -> None:
    result = taskbook("run", str(PAPERMILL / "broken2.ipynb"), "out.ipynb")
    assert result.returncode == 1
    assert result.stdout == "We're good.\n"
    _good, failing, never = code_cells(read(tmp_path / "out.ipynb"))
    assert state(failing) == "Failed"
    assert [o.output_type for o in failing.outputs][-1] == "error"
    assert state(never) == "NotReady"


def test_an_unknown_line_magic_fails_its_cell(taskbook: Run, tmp_path: Path) -> None:
    result = taskbook("run", str(PAPERMILL / "line_magic_error.ipynb"), "out.ipynb")
    assert result.returncode == 1
    assert "Cell should not execute." not in result.stdout
    failing, never = code_cells(read(tmp_path / "out.ipynb"))
    assert [o.ename for o in failing.outputs if o.output_type == "error"] == [
        "UsageError"
    ]
    assert state(never) == "NotReady"


def test_a_failure_stops_only_its_dependents(
    taskbook: Run, tmp_path: Path, make_notebook: Callable[..., Path]
) -> None:
    """DESIGN §8 differs from papermill on purpose: independent tasks still run."""
    notebook = make_notebook(
        [
            "%%task broken\nx = 1\nraise ValueError('bad input')",
            "%%task independent\nprint('independent ran')",
            "%%task dependent\nprint(x)",
        ]
    )
    result = taskbook("run", str(notebook), "out.ipynb")
    assert result.returncode == 1
    assert result.stdout == "independent ran\n"
    assert "ValueError: bad input" in result.stderr
    cells = code_cells(read(tmp_path / "out.ipynb"))
    assert [state(c) for c in cells] == ["Failed", "Completed", "NotReady"]


@pytest.mark.parametrize(
    ("notebook", "code"),
    [
        ("sysexit.ipynb", 0),
        ("sysexit0.ipynb", 0),
        ("systemexit.ipynb", 0),
        ("sysexit1.ipynb", 1),
    ],
)
def test_system_exit_stops_the_run_with_papermills_status(
    taskbook: Run, tmp_path: Path, notebook: str, code: int
) -> None:
    result = taskbook("run", str(PAPERMILL / notebook), "out.ipynb")
    assert result.returncode == code, result.stderr
    assert "Cell should not execute." not in result.stdout
    _imports, exiting, never = code_cells(read(tmp_path / "out.ipynb"))
    assert never.outputs == []
    assert state(never) in ("Pending", "NotReady")
    if code:
        assert state(exiting) == "Failed"
        assert [o.ename for o in exiting.outputs if o.output_type == "error"] == [
            "SystemExit"
        ]
    else:
        assert state(exiting) == "Completed"
        assert not any(o.output_type == "error" for o in exiting.outputs)


def test_cwd_is_where_the_cells_run(taskbook: Run, tmp_path: Path) -> None:
    workdir = tmp_path / "data"
    workdir.mkdir()
    (workdir / "check.txt").write_text("x")
    result = taskbook(
        "run", str(PAPERMILL / "read_check.ipynb"), "out.ipynb", "--cwd", "data"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"NB_CWD {workdir}\n"
    # OUTPUT is relative to where taskbook was started, not to --cwd (papermill).
    assert (tmp_path / "out.ipynb").exists()
    assert not (workdir / "out.ipynb").exists()


def test_without_cwd_the_cells_run_where_taskbook_was_started(
    taskbook: Run, tmp_path: Path
) -> None:
    result = taskbook("run", str(PAPERMILL / "read_check.ipynb"), "out.ipynb")
    assert result.returncode == 1
    assert result.stdout == f"NB_CWD {tmp_path}\n"
    assert "AssertionError" in result.stderr


def test_a_run_in_another_directory_does_not_reuse_results_from_cwd(
    taskbook: Run, tmp_path: Path
) -> None:
    """The working directory is an input of every cell (os.getcwd(), relative paths)."""
    workdir = tmp_path / "data"
    workdir.mkdir()
    (workdir / "check.txt").write_text("x")
    first = taskbook("run", str(PAPERMILL / "read_check.ipynb"), "--cwd", "data")
    assert first.returncode == 0, first.stderr
    again = taskbook("run", str(PAPERMILL / "read_check.ipynb"))
    assert again.stdout == f"NB_CWD {tmp_path}\n"
    assert again.returncode == 1


def test_small_notebooks_of_the_corpus(taskbook: Run) -> None:
    hello = taskbook("run", str(PAPERMILL / "test_notebooknode_io.ipynb"))
    assert (hello.returncode, hello.stdout) == (0, "Hello World\n")
    blank = taskbook("run", str(PAPERMILL / "blank-vscode.ipynb"))
    assert (blank.returncode, blank.stdout) == (0, "")
    nothing = taskbook("run", str(PAPERMILL / "result_no_exec.ipynb"), "-p", "foo", "2")
    assert nothing.returncode == 0


def test_a_syntax_error_in_the_parameters_cell_fails_the_run(taskbook: Run) -> None:
    result = taskbook(
        "run", str(PAPERMILL / "complex_parameters.ipynb"), "-p", "a", "3"
    )
    assert result.returncode == 1
    assert "SyntaxError" in result.stderr


def test_interrupt_exits_130_at_once(tmp_path: Path) -> None:
    env = {"TASKBOOK_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "taskbook.cli",
            "run",
            str(PAPERMILL / "keyboard_interrupt.ipynb"),
            "out.ipynb",
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while b"Beginning flow run" not in _peek(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.1)
        if process.poll() is not None:
            break
    time.sleep(0.5)  # the cell is now sleeping for 60 s
    process.send_signal(signal.SIGINT)
    sent = time.monotonic()
    _out, err = process.communicate(timeout=30)
    assert process.returncode == 130, err
    assert time.monotonic() - sent < 5
    assert err.rstrip().endswith("Interrupted.")


def _peek(tmp_path: Path) -> bytes:
    home = tmp_path / "home"
    return b"Beginning flow run" if home.exists() and any(home.iterdir()) else b""


# --- caching and the run store ------------------------------------------------------------


def test_a_second_run_is_all_cached_and_force_runs_again(
    taskbook: Run, tmp_path: Path, make_notebook: Callable[..., Path]
) -> None:
    notebook = make_notebook([("n = 2", ["parameters"]), "print(n * 21)"])
    first = taskbook("run", str(notebook), "one.ipynb")
    assert first.stdout == "42\n"
    assert "(2 ran)" in first.stderr
    second = taskbook("run", str(notebook), "two.ipynb")
    assert second.stdout == "42\n"  # a cache hit replays what the cell printed
    assert "(0 ran, 2 cached)" in second.stderr
    assert [state(c) for c in code_cells(read(tmp_path / "two.ipynb"))] == [
        "Cached",
        "Cached",
    ]
    changed = taskbook("run", str(notebook), "-p", "n", "3")
    assert changed.stdout == "63\n"
    forced = taskbook("run", str(notebook), "--force")
    assert "(2 ran)" in forced.stderr


def test_the_store_lives_next_to_the_notebook(
    tmp_path: Path, make_notebook: Callable[..., Path]
) -> None:
    folder = tmp_path / "project"
    folder.mkdir()
    notebook = make_notebook(["x = 1"], name="project/nb.ipynb")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "taskbook.cli", "run", str(notebook)],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert (folder / ".taskbook").is_dir()
    assert not (elsewhere / ".taskbook").exists()
    # A read-only notebook folder (the corpus) falls back to the working directory.
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "taskbook.cli",
            "run",
            str(PAPERMILL / "test_notebooknode_io.ipynb"),
        ],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert (elsewhere / ".taskbook").is_dir()


def test_summary_and_quiet(taskbook: Run) -> None:
    quiet = taskbook("run", str(PAPERMILL / "test_notebooknode_io.ipynb"), "-q")
    assert quiet.stdout == ""
    last = quiet.stderr.strip().splitlines()[-1]
    assert last.startswith("taskbook: run ")
    assert "Completed in" in last
    document = json.loads(json.dumps({"ok": True}))
    assert document == {"ok": True}


def test_papermill_command_lines_work_as_they_are(
    taskbook: Run, tmp_path: Path
) -> None:
    """papermill's own test_stdout_file, with taskbook in papermill's place."""
    secret = "3f1c0a62-secret"
    result = taskbook(
        "run",
        str(PAPERMILL / "simple_execute.ipynb"),
        "out.ipynb",
        "-k",
        "python3",
        "-p",
        "msg",
        secret,
        "--stdout-file",
        "notebook.stdout",
        "--no-progress-bar",
        "--log-output",
        "--log-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert (tmp_path / "notebook.stdout").read_text() == f"{secret}\n"


def test_cells_in_their_own_processes(taskbook: Run, tmp_path: Path) -> None:
    result = taskbook(
        "run",
        str(PAPERMILL / "report_mode_test.ipynb"),
        "out.ipynb",
        "--runner",
        "processes",
        "-p",
        "a",
        "4",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "5\n"


def test_param_needs_no_import_in_a_params_cell(
    taskbook: Run, make_notebook: Callable[..., Path]
) -> None:
    """DESIGN §3 writes `n: int = Param(100, min=1)` in a %%params cell as is."""
    notebook = make_notebook(["%%params\nn: int = Param(100, min=1)", "print(n)"])
    assert taskbook("run", str(notebook)).stdout == "100\n"
    assert taskbook("run", str(notebook), "-p", "n", "3").stdout == "3\n"
