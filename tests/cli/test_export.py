"""``taskbook export``: what it writes, and bad input (exit 2, one line, nothing written)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import Result

from taskbook import errors

Invoke = Callable[..., Result]
Make = Callable[..., Path]
OLD = "# an older module, kept when an export fails\n"


@dataclass(frozen=True)
class Bad:
    """One bad input: cells (or raw file text), the CLI arguments, what stderr says."""

    id: str
    error: type[errors.TaskbookError]
    message: str
    cells: tuple[str, ...] = ("x = 1",)
    raw: str | None = None  # the notebook file's text, when it is no notebook
    args: tuple[str, ...] = ()
    output: str = "nb.py"


BAD = [
    Bad(
        "unknown target",
        errors.UnknownExportTargetError,
        "Unknown export target 'prefekt'. Did you mean prefect? Use one of: prefect, "
        "taskbook.",
        args=("--target", "prefekt"),
    ),
    Bad(
        "unreadable notebook",
        errors.UnreadableNotebookError,
        "nb.ipynb",
        raw="{not json",
    ),
    Bad(
        "output folder missing",
        errors.UnwritableOutputError,
        "no/such/folder/nb.py",
        output="no/such/folder/nb.py",
    ),
    Bad("output is a folder", errors.UnwritableOutputError, "folder", output="."),
    Bad(
        "untranslatable magic",
        errors.UntranslatableMagicError,
        "Cell 2, line 2: '%timeit total = x + 1' is IPython syntax that an exported "
        "module cannot run. Rewrite",
        cells=("x = 1", "print(x)\n%timeit total = x + 1"),
    ),
    Bad(
        "function reading a notebook global",
        errors.NotebookGlobalError,
        "Function 'bump' (cell 2) reads the notebook variable 'k', and assigns it "
        "with a global statement, so the export cannot pass it in. Return the new "
        "value of 'k' from bump() instead.",
        cells=("k = 2", "def bump():\n    global k\n    k += 1", "bump()"),
    ),
    Bad(
        "taskbook-only call for the prefect target",
        errors.UnexportableImportError,
        "Cell 2, line 2 uses taskbook.runs, which --target prefect has no "
        "counterpart for. Read run history in Prefect's UI or client instead.",
        cells=("import taskbook as tb", "x = 1\nrows = tb.runs()"),
        args=("--target", "prefect"),
    ),
    # The schedule flags are read as `taskbook schedule add` reads them.
    Bad(
        "invalid cron",
        errors.InvalidCronError,
        "Invalid cron expression '0 25 * * *'",
        args=("--target", "prefect", "--cron", "0 25 * * *"),
    ),
    Bad(
        "unknown time zone",
        errors.UnknownTimeZoneError,
        "Unknown time zone 'Europe/Berln'",
        args=("--target", "prefect", "--cron", "0 6 * * *", "--tz", "Europe/Berln"),
    ),
    Bad(
        "schedule for the taskbook target",
        errors.InvalidOptionError,
        "A schedule is written into the module only with --target prefect",
        args=("--interval", "1h"),
    ),
]


@pytest.mark.parametrize("bad", BAD, ids=[b.id for b in BAD])
def test_bad_input_exits_2_naming_the_fix_and_writes_nothing(
    bad: Bad, invoke: Invoke, make_notebook: Make, tmp_path: Path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    notebook = make_notebook(list(bad.cells))
    if bad.raw is not None:
        notebook.write_text(bad.raw, encoding="utf-8")
    (tmp_path / "nb.py").write_text(OLD, encoding="utf-8")
    before = sorted(p.name for p in tmp_path.iterdir())
    result = invoke("export", str(notebook), "-o", bad.output, *bad.args)
    assert result.exit_code == 2, result.output
    first = result.stderr.splitlines()[0]
    assert first.startswith("Error: ")
    assert bad.message in first
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no temporary left
    assert (tmp_path / "nb.py").read_text(encoding="utf-8") == OLD
    debug = invoke("export", "--debug", str(notebook), "-o", bad.output, *bad.args)
    assert f".{bad.error.__name__}: " in debug.stderr  # the traceback names the class


def test_every_bad_input_has_its_own_error_class():
    classes = [bad.error for bad in BAD]
    assert len(set(classes)) == len(classes) - 1  # two unwritable outputs share one
    assert all(issubclass(c, errors.TaskbookError) for c in classes)


def test_a_schedule_makes_the_prefect_module_serve_the_flow(
    invoke: Invoke, make_notebook: Make, tmp_path: Path
):
    notebook = make_notebook(["x = 1"])
    out = tmp_path / "served.py"
    args = ("--target", "prefect", "--cron", "30 6 * * 1-5", "--tz", "America/New_York")
    result = invoke("export", str(notebook), "-o", str(out), *args, "--name", "daily")
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "schedule=Cron('30 6 * * 1-5', timezone='America/New_York')" in text
    assert 'name="daily"' in text
    compile(text, str(out), "exec")


def test_re_export_is_byte_identical(invoke: Invoke, tmp_path: Path):
    notebook = Path(__file__).resolve().parents[2] / "notebooks" / "01_etl.ipynb"
    first, second = tmp_path / "first.py", tmp_path / "second.py"
    assert invoke("export", str(notebook), "-o", str(first)).exit_code == 0
    assert invoke("export", str(notebook), "-o", str(second)).exit_code == 0
    assert first.read_bytes() == second.read_bytes()
    for target in ("taskbook", "prefect"):
        text = invoke("export", str(notebook), "-o", "-", "--target", target).stdout
        again = invoke("export", str(notebook), "-o", "-", "--target", target).stdout
        assert text == again
        assert "import" in text


def test_the_module_compiles_passes_ruff_and_importing_it_runs_nothing(
    invoke: Invoke, tmp_path: Path
):
    notebook = Path(__file__).resolve().parents[2] / "notebooks" / "01_etl.ipynb"
    for target in ("taskbook", "prefect"):
        module = tmp_path / f"etl_{target}.py"
        done = invoke("export", str(notebook), "-o", str(module), "--target", target)
        assert done.exit_code == 0, done.output
        compiled = subprocess.run(
            [sys.executable, "-m", "py_compile", str(module)], check=False
        )
        assert compiled.returncode == 0
        ruff = subprocess.run(
            [sys.executable, "-m", "ruff", "check", "--isolated", module.name],
            cwd=tmp_path,  # a user's folder: taskbook and prefect are third-party
            capture_output=True,
            text=True,
            check=False,
        )
        assert ruff.returncode == 0, ruff.stdout
    imported = subprocess.run(
        [sys.executable, "-c", "import etl_taskbook"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout == ""
    assert not (tmp_path / "output").exists()
