"""``taskbook run NOTEBOOK [OUTPUT]``: run a notebook headless, papermill-style.

Order of work, so that bad input leaves nothing half-done: read the notebook, merge
and validate the parameters, check the output path, and only then run; the output
notebook is written (atomically) whatever the cells did, also after Ctrl-C or
SIGTERM (``cli.interrupts``). Exit codes: ``cli.errors``.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from taskbook.cli.compat import PapermillFlags, papermill_flags
from taskbook.cli.errors import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    NOTEBOOK_KEY,
    debug_option,
    report_interrupt,
)
from taskbook.cli.interrupts import Interrupts
from taskbook.cli.report import echo_outputs, echo_summary
from taskbook.cli.run_flags import (
    parameter_options,
    run_options_flags,
    run_options_from,
)
from taskbook.core.cells import CellSpec
from taskbook.core.parameter_specs import ParameterSpec
from taskbook.core.run_options import RunOptions
from taskbook.notebook.papermill import (
    INJECTED_TAG,
    help_lines,
    inject_parameters,
    merge_parameters,
)
from taskbook.notebook.prepared import prepare_notebook
from taskbook.notebook.write import build_output_notebook, jsonable, write_notebook

if TYPE_CHECKING:
    from nbformat import NotebookNode

    from taskbook.cellflow.result import NotebookRunResult

__all__ = ("run",)


@click.command("run")
@click.argument("notebook", type=click.Path(dir_okay=True))
@click.argument("output", required=False)
@parameter_options("YAML or JSON file of parameters.")
@click.option(
    "-b",
    "--parameters_base64",
    "base64_texts",
    multiple=True,
    metavar="BASE64",
    help="Base64-encoded YAML text of parameters.",
)
@click.option(
    "-o",
    "--output",
    "output_option",
    metavar="OUT.ipynb",
    help="Where to write the executed notebook ('-' for stdout).",
)
@click.option(
    "--cwd",
    type=click.Path(exists=True, file_okay=False),
    help="Working directory to run the notebook in.",
)
@click.option(
    "--help-notebook",
    is_flag=True,
    help="Show the notebook's parameters and exit.",
)
@click.option(
    "--prepare-only",
    is_flag=True,
    help="Write OUTPUT with the parameters injected, without running it (papermill).",
)
@click.option(
    "-q",
    "--quiet",
    is_flag=True,
    help="Do not echo what the cells print.",
)
@run_options_flags
@papermill_flags
@debug_option
@click.pass_context
def run(
    ctx: click.Context,
    notebook: str,
    output: str | None,
    values: Sequence[tuple[str, str]],
    raw: Sequence[tuple[str, str]],
    files: Sequence[str],
    yaml_texts: Sequence[str],
    base64_texts: Sequence[str],
    output_option: str | None,
    cwd: str | None,
    help_notebook: bool,
    prepare_only: bool,
    quiet: bool,
    **flags: Any,
) -> None:
    """Run NOTEBOOK as a flow and write the executed notebook to OUTPUT.

    Parameters follow papermill: -b, then -f, then -y, then -p, then -r, the last
    value winning; they are checked against the notebook's parameters cell before
    anything runs. Exit code 0 on success, 1 when a cell failed, 2 for bad input,
    130 when interrupted.
    """
    ctx.meta[NOTEBOOK_KEY] = notebook
    options = run_options_from(flags)
    papermill = PapermillFlags.from_options(flags, notebook)
    target = _output_path(output, output_option)
    prepared = prepare_notebook(notebook)
    nb, specs = prepared.nb, prepared.specs
    params_cell, declared = prepared.params_cell, prepared.declared
    given = merge_parameters(
        base64_texts=base64_texts,
        files=files,
        yaml_texts=yaml_texts,
        values=values,
        raw=raw,
        text_names=prepared.text_names,
    )
    if help_notebook:
        for line in help_lines(declared, notebook, ctx.get_usage()):
            click.echo(line)
        # papermill's exit status: 1 when there is no parameters cell.
        ctx.exit(EXIT_FAILED if declared is None else EXIT_OK)
    parameters = prepared.check(given)
    if parameters:
        # A previous run's injected cell would override the new values: replace it.
        specs = tuple(s for s in specs if INJECTED_TAG not in s.cell.tags)
        assert params_cell is not None
        nb, _ = inject_parameters(nb, parameters, params_cell.cell.id)
    if prepare_only:
        _prepare(ctx, nb, parameters, notebook, target)

    started = time.monotonic()
    with Interrupts() as interrupts:
        with _working_directory(cwd), _session_for(notebook):
            result = _run(specs, notebook, options.merge(parameters=parameters))
        duration = time.monotonic() - started
        if target is not None:
            write_notebook(
                _output_notebook(nb, result, declared, notebook, target, duration),
                target,
            )
    if not quiet and target != "-":
        echo_outputs(specs, result, papermill.stdout_file, papermill.stderr_file)
    echo_summary(result, duration, target)
    if interrupts.signal is not None:
        ctx.exit(report_interrupt(ctx, None, interrupts.signal))
    ctx.exit(_exit_code(result))


def _prepare(
    ctx: click.Context,
    nb: NotebookNode,
    parameters: Mapping[str, Any],
    notebook: str,
    target: str | None,
) -> None:
    """Write the parameterized notebook without running it, then exit 0."""
    if target is None:
        raise click.UsageError("--prepare-only writes a notebook: give OUTPUT.")
    nb.metadata["papermill"] = jsonable(
        {"parameters": parameters, "input_path": notebook, "output_path": target}
    )
    write_notebook(nb, target)
    ctx.exit(EXIT_OK)


def _run(
    specs: Sequence[CellSpec], notebook: str, options: RunOptions
) -> NotebookRunResult:
    from taskbook.cellflow.headless import run_notebook

    return run_notebook(specs, notebook_name=Path(notebook).stem, options=options)


def _output_path(output: str | None, option: str | None) -> str | None:
    """Return the absolute output path (or ``-``), checked before anything runs."""
    if output is not None and option is not None and output != option:
        raise click.UsageError(
            f"Two output paths given: {output!r} and --output {option!r}. Give one."
        )
    target = output if output is not None else option
    if target is None or target == "-":
        return target
    path = os.path.abspath(target)
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        raise click.BadParameter(
            f"the folder {os.path.dirname(target) or '.'!r} does not exist; create it "
            f"first or write the output elsewhere.",
            param_hint="OUTPUT",
        )
    if os.path.isdir(path):
        raise click.BadParameter(
            f"{target!r} is a directory; give a file name such as "
            f"{os.path.join(target, 'out.ipynb')!r}.",
            param_hint="OUTPUT",
        )
    _check_writable(directory, target)
    return path


def _check_writable(directory: str, target: str) -> None:
    """Create and remove a file where the output goes, as writing it will.

    A real write, not ``os.access``: root passes every permission check, and only
    a write finds a read-only or full disk.
    """
    try:
        descriptor, probe = tempfile.mkstemp(dir=directory, prefix=".taskbook-probe-")
        os.close(descriptor)
        os.unlink(probe)
    except OSError as exc:
        raise click.BadParameter(
            f"cannot write to the folder {directory!r} ({exc.strerror}); make it "
            f"writable or write the output elsewhere. Nothing was run.",
            param_hint="OUTPUT",
        ) from exc


@contextlib.contextmanager
def _working_directory(cwd: str | None) -> Iterator[None]:
    """Run in ``cwd`` (papermill's ``--cwd``), back to where we were afterwards."""
    if cwd is None:
        yield
        return
    previous = os.getcwd()
    os.chdir(cwd)
    try:
        yield
    finally:
        os.chdir(previous)


@contextlib.contextmanager
def _session_for(notebook: str) -> Iterator[None]:
    """Use the notebook's run store and cache (``engine.home``'s rule).

    A kernel started in the notebook's folder finds the same store, so a headless
    run shares the notebook's cache. A new store in a read-only folder (a shared
    corpus) goes to the working directory's instead.
    """
    from taskbook.engine.home import find_home
    from taskbook.engine.session import Session, default_home, using_session

    home = find_home(Path(notebook).resolve().parent)
    if not home.is_dir() and not _writable(home.parent):
        home = default_home().resolve()
    with using_session(Session(home)):
        yield


def _writable(folder: Path) -> bool:
    """Whether ``folder`` is meant to be written: root may write anywhere, but a
    folder without write bits (a shared, read-only corpus) is left alone."""
    try:
        mode = folder.stat().st_mode
    except OSError:
        return False
    return os.access(folder, os.W_OK) and bool(mode & 0o222)


def _output_notebook(
    nb: NotebookNode,
    result: NotebookRunResult,
    declared: Sequence[ParameterSpec] | None,
    notebook: str,
    target: str,
    duration: float,
) -> NotebookNode:
    state = result.state
    summary = {
        "flow_run_id": result.flow_run_id,
        "state": state.type.value,
        "state_name": state.name,
        "message": state.message,
        "ok": result.ok,
        "parameters": result.parameters,
        "duration": round(duration, 6),
        "system_exit": result.system_exit if result.stopped_by_exit else None,
        "notebook": notebook,
    }
    failed = [] if result.ok else [c.cell_id for c in result.failed_cells]
    papermill = {
        "parameters": result.parameters,
        "default_parameters": {s.name: s.default for s in declared or ()},
        "input_path": notebook,
        "output_path": target,
        "exception": not result.ok,
        "duration": round(duration, 6),
    }
    return build_output_notebook(
        nb,
        result.cells,
        summary=summary,
        failed_cell_ids=failed,
        papermill=papermill,
    )


def _exit_code(result: NotebookRunResult) -> int:
    if result.ok:
        return EXIT_OK
    if result.state.type.value == "CANCELLED":
        return EXIT_INTERRUPTED
    return EXIT_FAILED
