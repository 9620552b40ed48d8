"""``taskbook export NOTEBOOK``: write the notebook as a flow module.

Order of work, so that bad input leaves nothing behind: read the notebook, check
the parameters, build the whole module text, and only then write it, atomically.
Every error is one line naming the cell and the fix, exit code 2.
"""

from __future__ import annotations

import os
from typing import Any

import click

from taskbook.cli.errors import NOTEBOOK_KEY, debug_option
from taskbook.cli.run_flags import parameter_options
from taskbook.cli.schedule import when_options
from taskbook.export import (
    ExportRequest,
    ServeSchedule,
    export_module,
    exporter,
    write_module,
)
from taskbook.notebook.papermill import merge_parameters
from taskbook.notebook.prepared import prepare_notebook
from taskbook.schedule.options import ScheduleOptions

__all__ = ("export",)


@click.command("export")
@click.argument("notebook", type=click.Path(dir_okay=True))
@click.option(
    "-o",
    "--output",
    metavar="FILE.py",
    help="Where to write the module ('-' for stdout). Default: the notebook's "
    "name with .py, next to it.",
)
@click.option(
    "--target",
    default="taskbook",
    show_default=True,
    metavar="TARGET",
    help="taskbook: runs on taskbook; prefect: a Prefect 3 flow that does not "
    "import taskbook.",
)
@parameter_options("YAML or JSON file of parameters.")
@when_options
@click.option(
    "--name",
    help="With a schedule: the name flow.serve gives the deployment (default: the "
    "flow's name).",
)
@debug_option
@click.pass_context
def export(
    ctx: click.Context,
    notebook: str,
    output: str | None,
    target: str,
    name: str | None,
    cron: str | None,
    interval: str | None,
    rrule: str | None,
    tz: str | None,
    anchor: str | None,
    day_and: bool,
    **given: Any,  # parameter_options' values
) -> None:
    """Write NOTEBOOK as a flow module that runs with plain python.

    One task per %%task cell, the plain cells as the flow's body, the parameters
    cell as the flow's typed signature, and a command line that takes papermill's
    -p/-r/-f/-y. Parameters given here become the flow's defaults. Exit code 0
    on success, 2 for bad input (nothing is written).
    """
    ctx.meta[NOTEBOOK_KEY] = notebook
    chosen = exporter(target)  # an unknown target fails before anything is read
    prepared = prepare_notebook(notebook)
    defaults = prepared.check(merge_parameters(**given, text_names=prepared.text_names))
    cells = tuple(spec.cell for spec in prepared.specs)
    schedule = None
    if (cron, interval, rrule) != (None, None, None) or tz or anchor or day_and:
        options = ScheduleOptions(cron, interval, rrule, tz, anchor, day_and)
        schedule = ServeSchedule(options.when(), name)  # checked as schedule add does
    request = ExportRequest(cells, os.path.basename(notebook), defaults, schedule)
    text = export_module(request, chosen.name)
    if output == "-":
        click.echo(text, nl=False)
        return
    path = output if output is not None else _default_path(notebook)
    written = write_module(text, path)
    click.echo(
        f"Exported {notebook} to {os.path.relpath(written)} (target {chosen.name}).",
        err=True,
    )


def _default_path(notebook: str) -> str:
    stem, _ = os.path.splitext(notebook)
    return f"{stem}.py"
