"""Every way to start a notebook run offers the run options RunOptions declares.

The flags of ``%flow run``, ``taskbook run`` and ``taskbook schedule add`` are
derived from ``RunOptions``;
these tests fail when a field is missing from a surface without a stated reason,
when a surface has a flag RunOptions does not declare, when a flag does not
reach the runner, or when the runner never reads a field (parsed but unused).
"""

from __future__ import annotations

import ast
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from taskbook.cli.main import cli
from taskbook.core.run_options import SURFACES, RunOptions, surface_gaps
from taskbook.errors import TaskbookError
from taskbook.jupyter import magic_args

SRC = Path(__file__).resolve().parents[2] / "src" / "taskbook"

# For each flag: the words that set it, and the value the runner must then see.
SAMPLES: dict[str, tuple[list[str], Any]] = {
    "only": (["--only", "a,b"], ("a", "b")),
    "from_": (["--from", "a"], ("a",)),
    "to": (["--to", "b"], ("b",)),
    "stale": (["--stale"], True),
    "failed": (["--failed"], True),
    "force": (["--force"], True),
    "runner": (["--runner", "processes"], "processes"),
    "address": (
        ["--runner", "dask", "--address", "tcp://127.0.0.1:9"],
        "tcp://127.0.0.1:9",
    ),
    "max_workers": (["--max-workers", "3"], 3),
    "timeout": (["--timeout", "90"], 90.0),
    "background": (["--background"], True),
    "view": (["--no-view"], False),
}

# Options of `taskbook run` that are not run options: papermill's parameters and
# flags, where the notebook and its output are, and the CLI's own.
CLI_ONLY = {
    "values",
    "raw",
    "files",
    "yaml_texts",
    "base64_texts",
    "output_option",
    "cwd",
    "help_notebook",
    "prepare_only",
    "quiet",
    "kernel",
    "language",
    "progress_bar",
    "log_output",
    "log_level",
    "start_timeout",
    "autosave_cell_every",
    "request_save_on_cell_execute",
    "stdout_file",
    "stderr_file",
    "debug",
    "help",
    "notebook",
    "output",
}


# Options of `taskbook schedule add` that are not run options: the target, when,
# papermill's parameters, the schedule's name and policies, the CLI's own.
SCHEDULE_ONLY = {
    "target",
    "cron",
    "interval",
    "rrule",
    "tz",
    "anchor",
    "day_and",
    "values",
    "raw",
    "files",
    "yaml_texts",
    "name",
    "catchup",
    "max_catchup",
    "overlap",
    "notify",
    "debug",
    "help",
}


def _flagged() -> list[Any]:
    return [f for f in fields(RunOptions) if f.metadata["flag"]]


def _magic_flags() -> dict[str, str]:
    flags, _low, _high = magic_args._SUBCOMMANDS["run"]
    return {f.flag: f.dest for f in flags}


def _cli_flags() -> dict[str, str]:
    command = cli.commands["run"]
    return {
        name: param.name
        for param in command.params
        for name in param.opts
        if param.name not in CLI_ONLY and name.startswith("--")
    }


def _schedule_flags() -> dict[str, str]:
    command = cli.commands["schedule"].commands["add"]  # type: ignore[attr-defined]
    return {
        name: param.name
        for param in command.params
        for name in param.opts
        if param.name not in SCHEDULE_ONLY and name.startswith("--")
    }


def test_every_flagged_field_is_on_every_surface_or_says_why_not() -> None:
    gaps = surface_gaps()
    for f in _flagged():
        on = {
            "magic": f.metadata["flag"] in _magic_flags(),
            "cli": f.metadata["flag"] in _cli_flags(),
            "schedule": f.metadata["flag"] in _schedule_flags(),
        }
        for surface in SURFACES:
            if not on[surface]:
                reason = gaps.get(f.name, {}).get(surface, "")
                assert reason, f"{f.name} is not offered by {surface} and no reason"


def test_no_surface_has_a_flag_that_runoptions_does_not_declare() -> None:
    declared = {f.metadata["flag"]: f.name for f in _flagged()}
    surfaces = (
        ("magic", _magic_flags()),
        ("cli", _cli_flags()),
        ("schedule", _schedule_flags()),
    )
    for surface, flags in surfaces:
        for flag, dest in flags.items():
            assert declared.get(flag) == dest, f"{surface} has {flag} -> {dest}"


def test_every_field_with_a_flag_has_a_sample_here() -> None:
    # A new run option must be added to SAMPLES, so the tests below cover it.
    assert set(SAMPLES) == {f.name for f in _flagged()}


class _Stop(TaskbookError):
    """Raised by the spy once it has seen the options."""


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> list[RunOptions]:
    """The RunOptions the notebook runner is called with (the run stops there)."""
    from taskbook.cellflow.runner import NotebookRunner

    calls: list[RunOptions] = []

    def spy(self: Any, specs: Any, options: RunOptions) -> Any:
        calls.append(options)
        raise _Stop("seen")

    monkeypatch.setattr(NotebookRunner, "run", spy)
    # The samples name cells these notebooks lack; %flow run checks the selection
    # before it draws anything, which is not what these tests are about.
    monkeypatch.setattr(NotebookRunner, "select", lambda self, graph, options: ())
    return calls


def _magic_fields() -> list[str]:
    return [n for n in SAMPLES if n in _magic_flags().values()]


def _cli_fields() -> list[str]:
    return [n for n in SAMPLES if n in _cli_flags().values()]


@pytest.mark.parametrize("name", _magic_fields())
def test_each_flow_run_flag_reaches_the_runner(
    name: str, seen: list[RunOptions], ip: Any
) -> None:
    words, expected = SAMPLES[name]
    ip.run_cell("a = 1")
    ip.run_cell("b = a + 1")
    side = ip._taskbook_magics[0].side

    ip.run_cell("%flow run " + " ".join(words))  # the spy's error is shown
    if side.background is not None:
        side.background.join(timeout=30)

    assert len(seen) == 1
    assert getattr(seen[0], name) == expected
    assert getattr(RunOptions(), name) != expected  # the flag changed something


@pytest.mark.parametrize("name", _cli_fields())
def test_each_taskbook_run_flag_reaches_the_runner(
    name: str, seen: list[RunOptions], tmp_path: Path, isolated_home: Path
) -> None:
    import nbformat

    words, expected = SAMPLES[name]
    notebook = tmp_path / "nb.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("a = 1"), nbformat.v4.new_code_cell("b = a")]
    nbformat.write(nb, notebook)

    result = CliRunner().invoke(cli, ["run", str(notebook), *words])

    assert "seen" in result.output, result.output
    assert len(seen) == 1
    assert getattr(seen[0], name) == expected
    assert getattr(RunOptions(), name) != expected


def _schedule_fields() -> list[str]:
    return [n for n in SAMPLES if n in _schedule_flags().values()]


@pytest.mark.parametrize("name", _schedule_fields())
def test_each_schedule_add_flag_reaches_the_runner_of_the_scheduled_run(
    name: str, seen: list[RunOptions], tmp_path: Path, isolated_home: Path
) -> None:
    # `schedule add` stores the flags; the run's process passes them to
    # `taskbook run` (cli.slot): that run's runner sees the value.
    import nbformat

    from taskbook.cli.run_flags import run_options_args
    from taskbook.engine.store import RunStore
    from taskbook.schedule.rows import load_schedules

    words, expected = SAMPLES[name]
    notebook = tmp_path / "nb.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("a = 1"), nbformat.v4.new_code_cell("b = a")]
    nbformat.write(nb, notebook)

    added = CliRunner().invoke(
        cli, ["schedule", "add", str(notebook), "--interval", "60", *words]
    )
    assert added.exit_code == 0, added.output
    [schedule] = load_schedules(RunStore(isolated_home))
    args = run_options_args(schedule.spec.options, "schedule")
    result = CliRunner().invoke(cli, ["run", str(notebook), *args])

    assert "seen" in result.output, result.output
    assert getattr(seen[0], name) == expected
    assert getattr(RunOptions(), name) != expected


def _attributes_read(paths: list[Path]) -> set[str]:
    """Attribute names read as ``<something>options.<name>`` in these modules."""
    names: set[str] = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Attribute):
                continue
            owner = node.value
            owner_name = (
                owner.id
                if isinstance(owner, ast.Name)
                else owner.attr
                if isinstance(owner, ast.Attribute)
                else ""
            )
            if owner_name.endswith("options"):
                names.add(node.attr)
    return names


def test_every_run_option_is_read_by_the_code_that_runs_notebooks() -> None:
    # Parsed but unused (as --stale once was): a field nothing reads.
    runners = [
        *sorted((SRC / "cellflow").glob("*.py")),
        SRC / "jupyter" / "kernel.py",
    ]
    read = _attributes_read(runners)
    unused = [f.name for f in fields(RunOptions) if f.name not in read]
    assert unused == []
