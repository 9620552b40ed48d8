"""The ``taskbook`` command: a click group whose commands live one per module.

Every ``TaskbookError`` a command raises becomes one line plus a hint on stderr and
the exit code of ``cli.errors``; Ctrl-C exits with 130.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click

from taskbook.cli.errors import debug_option, report_error, report_interrupt
from taskbook.cli.graph import graph
from taskbook.cli.run import run
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


def main(argv: Sequence[str] | None = None) -> None:
    """Run the ``taskbook`` command line (the console script's entry point)."""
    cli.main(args=list(argv) if argv is not None else None, prog_name="taskbook")
