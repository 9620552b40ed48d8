"""How the command line reports errors: one line, a hint, and an exit code.

Exit codes: 0 success, 1 the flow failed, 2 usage or parameter error (click's own
usage errors too), 130 interrupted (143 terminated: 128 + the signal, as shells do). The full traceback appears only with ``--debug``.
"""

from __future__ import annotations

import traceback
from typing import Any

import click

from taskbook.errors import (
    ConfigurationError,
    DependencyCycleError,
    DuplicateTaskNameError,
    ExportConflictError,
    HiddenStateError,
    InvalidSlotDecayError,
    NoParametersCellError,
    NotebookGlobalError,
    ParameterValueError,
    RunNotFoundError,
    SchedulerUnreachableError,
    ServeAlreadyRunningError,
    TaskbookError,
    UnexportableImportError,
    UnknownExportTargetError,
    UnknownParameterError,
    UnknownScheduleError,
    UnknownTaskError,
    UnparsableCellError,
    UnreadableNotebookError,
    UntranslatableMagicError,
    UnwritableOutputError,
)

__all__ = (
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "debug_option",
    "exit_code_for",
    "hint_for",
    "report_error",
    "report_interrupt",
)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

DEBUG_KEY = "taskbook.debug"
NOTEBOOK_KEY = "taskbook.notebook"


def _set_debug(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        ctx.meta[DEBUG_KEY] = True


def debug_option(function: Any) -> Any:
    """Add ``--debug`` (show full tracebacks) to a command or group."""
    return click.option(
        "--debug",
        is_flag=True,
        expose_value=False,
        is_eager=True,
        callback=_set_debug,
        help="Show the full traceback of errors.",
    )(function)


def exit_code_for(error: BaseException) -> int:
    """Return the exit code for an error raised by a command."""
    if isinstance(error, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    if isinstance(
        error,
        (
            ConfigurationError,
            InvalidSlotDecayError,  # a bad --slot-decay-per-second
            UnreadableNotebookError,
            SchedulerUnreachableError,
            ServeAlreadyRunningError,
            RunNotFoundError,
            UnwritableOutputError,
        ),
    ):
        return EXIT_USAGE
    return EXIT_FAILED


def hint_for(error: TaskbookError, notebook: str = "NOTEBOOK") -> str:
    """Return the hint line printed under an error."""
    if isinstance(
        error, (UnknownParameterError, ParameterValueError, NoParametersCellError)
    ):
        if ".py:" in notebook:  # a module's flow (schedule add FILE.py:FLOW)
            return f"The signature of the flow {notebook} lists its parameters."
        return f"`taskbook run {notebook} --help-notebook` lists its parameters."
    if isinstance(
        error,
        (
            HiddenStateError,
            DependencyCycleError,
            DuplicateTaskNameError,
            UnknownTaskError,
        ),
    ):
        return f"`taskbook graph {notebook}` shows what each cell reads and defines."
    if isinstance(error, UnreadableNotebookError):
        return "Open the file in JupyterLab to check it is a notebook."
    if isinstance(
        error,
        (
            UntranslatableMagicError,
            NotebookGlobalError,
            ExportConflictError,
            UnparsableCellError,
            UnexportableImportError,
        ),
    ):
        return "Change the cell in the notebook as the message says, then export again."
    if isinstance(error, UnknownExportTargetError):
        return "`taskbook export --help` describes the targets."
    if isinstance(error, UnwritableOutputError):
        return "Give -o a file in a folder you can write to."
    if isinstance(error, SchedulerUnreachableError):
        return "`dask scheduler` prints the address to give: tcp://HOST:PORT."
    if isinstance(error, UnknownScheduleError):
        return "`taskbook schedule ls` lists the schedules."
    if isinstance(error, RunNotFoundError):
        return "`taskbook runs` lists the runs in the store, newest first."
    if isinstance(error, ServeAlreadyRunningError):
        return "`taskbook schedule ls` shows which process serves this store."
    return "Run again with --debug to see the full traceback."


def report_error(ctx: click.Context, error: TaskbookError) -> int:
    """Print ``error`` as one line plus a hint on stderr; return its exit code."""
    if ctx.meta.get(DEBUG_KEY):
        click.echo("".join(traceback.format_exception(error)).rstrip(), err=True)
    message = " ".join(str(error).split())
    click.echo(f"Error: {message}", err=True)
    notebook = ctx.meta.get(NOTEBOOK_KEY, "NOTEBOOK")
    click.echo(f"Hint: {hint_for(error, notebook)}", err=True)
    return exit_code_for(error)


def report_interrupt(
    ctx: click.Context, error: BaseException | None = None, signum: int = 2
) -> int:
    """Print that the run was interrupted; return 128 + the signal (130 for Ctrl-C)."""
    if ctx.meta.get(DEBUG_KEY) and error is not None:
        click.echo("".join(traceback.format_exception(error)).rstrip(), err=True)
    click.echo("Interrupted.", err=True)
    return 128 + signum
