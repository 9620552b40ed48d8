"""The ``taskbook`` command: a click group whose commands live one per module.

Every ``TaskbookError`` a command raises becomes one line plus a hint on stderr and
the exit code of ``cli.errors``; Ctrl-C exits with 130.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Sequence
from typing import Any

import click

from taskbook.cli.errors import debug_option, report_error, report_interrupt
from taskbook.cli.export import export
from taskbook.cli.graph import graph
from taskbook.cli.history import gantt, logs, runs, show
from taskbook.cli.limits import concurrency_limit, global_concurrency_limit
from taskbook.cli.run import run
from taskbook.cli.schedule import schedule
from taskbook.cli.serve import serve
from taskbook.cli.upkeep import doctor, gc
from taskbook.engine.runners import TASK_THREAD_PREFIX
from taskbook.errors import TaskbookError

__all__ = ("cli", "main")


class TaskbookGroup(click.Group):
    """A group that turns taskbook's errors into exit codes (see ``cli.errors``)."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the subcommand; report taskbook errors and interrupts."""
        try:
            return super().invoke(ctx)
        except TaskbookError as error:
            ctx.exit(report_error(ctx, error))
        except KeyboardInterrupt as error:
            ctx.exit(report_interrupt(ctx, error))


@click.group(
    "taskbook",
    cls=TaskbookGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(package_name="taskbook", prog_name="taskbook")
@debug_option
def cli() -> None:
    """Run notebooks as flows: cached, parallel, headless."""


cli.add_command(run)
cli.add_command(graph)
cli.add_command(concurrency_limit)
cli.add_command(global_concurrency_limit)
cli.add_command(schedule)
cli.add_command(serve)
for command in (runs, show, logs, gantt):
    cli.add_command(command)
cli.add_command(export)
cli.add_command(doctor)
cli.add_command(gc)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the ``taskbook`` command line (the console script's entry point).

    Raises:
        SystemExit: Always, with the command's exit code.
    """
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="taskbook")
    except SystemExit as exit_:
        _leave_stuck_threads_behind(exit_.code)
        raise


def _leave_stuck_threads_behind(code: int | str | None) -> None:
    """Exit now if cell code still runs in a thread that cannot be stopped.

    After Ctrl-C or an abandoned timeout a worker thread may sit in user code (a
    ``sleep``, a blocking read); the interpreter would wait for it before exiting.
    The run is already recorded and the output written, so flush and leave.
    """
    stuck = [
        thread
        for thread in threading.enumerate()
        if thread is not threading.main_thread()
        # Task workers are joined at exit even when daemon (concurrent.futures
        # does), and inherit daemon from the flow body's thread under --timeout.
        and (not thread.daemon or thread.name.startswith(TASK_THREAD_PREFIX))
        and thread.is_alive()
    ]
    if not stuck:
        return
    if isinstance(code, str):
        click.echo(code, err=True)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code if isinstance(code, int) else (0 if code is None else 1))
