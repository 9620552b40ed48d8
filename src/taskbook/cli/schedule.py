"""``taskbook schedule add|ls|rm|pause|resume``: schedules of notebooks and flows.

``add`` checks everything before it stores anything: the target (a notebook, read
and its parameters validated as ``taskbook run`` would; or ``file.py:flow``,
imported and its parameters checked against the flow's signature), the cron
expression, interval or rrule, the time zone, the run options; then it prints
the next fire times. Bad input exits 2 and leaves the store as it was.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import click

from taskbook.cli.errors import NOTEBOOK_KEY, debug_option
from taskbook.cli.run_flags import (
    given_run_options,
    parameter_options,
    run_options_flags_for,
)
from taskbook.core.run_options import RunOptions
from taskbook.core.schedule import (
    CATCHUP_POLICIES,
    OVERLAP_POLICIES,
    ScheduleSpec,
)
from taskbook.errors import InvalidScheduleError
from taskbook.notebook.papermill import merge_parameters
from taskbook.schedule import registry
from taskbook.schedule.notify import check_notify
from taskbook.schedule.options import ScheduleOptions

__all__ = ("schedule", "schedule_store", "when_options")

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
# Run options a module's flow takes: its task runner and cells are its own.
_FLOW_OPTIONS = frozenset({"timeout"})


def schedule_store() -> Any:
    """The run store of the working directory (``engine.home``'s rule)."""
    from taskbook.engine.home import find_home
    from taskbook.engine.store import RunStore

    return RunStore(find_home())


@click.group("schedule")
def schedule() -> None:
    """Run notebooks and flows on a schedule (fired by `taskbook serve`)."""


_WHEN_OPTIONS = (
    click.option("--cron", metavar="EXPR", help="Cron expression, read in --tz (UTC)."),
    click.option(
        "--interval", metavar="S", help="Every S seconds (or 90s, 10m, 2h, 1d)."
    ),
    click.option(
        "--rrule", metavar="RULE", help="RFC 5545 rule (FREQ=DAILY;BYHOUR=6)."
    ),
    click.option(
        "--tz", metavar="IANA", help="Time zone of the schedule (default UTC)."
    ),
    click.option(
        "--anchor",
        metavar="DATETIME",
        help="For --interval: the slot to count from (ISO 8601, in --tz; default now).",
    ),
    click.option(
        "--day-and",
        is_flag=True,
        help="For --cron: a day must match day-of-month AND day-of-week (default OR).",
    ),
)


def when_options(command: Any) -> Any:
    """Add the schedule flags (read by ``ScheduleOptions``) to a click command:
    ``schedule add`` and ``export --target prefect`` take the same ones."""
    for option in reversed(_WHEN_OPTIONS):
        command = option(command)
    return command


@schedule.command("add")
@click.argument("target")
@when_options
@parameter_options(
    "YAML or JSON file of parameters (read now, stored with the schedule)."
)
@click.option("--name", help="The schedule's name (default: the target's name).")
@click.option(
    "--catchup",
    type=click.Choice(CATCHUP_POLICIES),
    default="latest",
    show_default=True,
    help="After downtime: run no missed slot, only the latest, or all of them.",
)
@click.option(
    "--max-catchup",
    type=click.IntRange(min=0),
    metavar="N",
    help="With --catchup all: run at most the N latest missed slots.",
)
@click.option(
    "--overlap",
    type=click.Choice(OVERLAP_POLICIES),
    default="skip",
    show_default=True,
    help="A slot due while the previous run still runs: skip it, queue it, or run both.",
)
@click.option(
    "--notify",
    metavar="TARGET",
    help="Tell when runs fail: a webhook URL, mailto:ADDRESS (SMTP server: "
    "TASKBOOK_SMTP_HOST, TASKBOOK_SMTP_PORT), or a saved notification block as "
    "TYPE-SLUG/NAME (slack-webhook/ops).",
)
@run_options_flags_for("schedule")
@debug_option
@click.pass_context
def add(
    ctx: click.Context,
    target: str,
    cron: str | None,
    interval: str | None,
    rrule: str | None,
    tz: str | None,
    anchor: str | None,
    day_and: bool,
    values: Sequence[tuple[str, str]],
    raw: Sequence[tuple[str, str]],
    files: Sequence[str],
    yaml_texts: Sequence[str],
    name: str | None,
    catchup: Any,
    max_catchup: int | None,
    overlap: Any,
    notify: str | None,
    **flags: Any,
) -> None:
    """Schedule TARGET: a notebook, or a module's flow as FILE.py:FLOW.

    Give one of --cron, --interval or --rrule. Parameters follow papermill (-p,
    -r, -f, -y) and are checked now. Prints the next fire times.
    """
    ctx.meta[NOTEBOOK_KEY] = target
    now = time.time()
    when = ScheduleOptions(cron, interval, rrule, tz, anchor, day_and).when(now)
    options = given_run_options(flags, "schedule")
    RunOptions(**options)  # the combination must be valid
    given = {"values": values, "raw": raw, "files": files, "yaml_texts": yaml_texts}
    path, parameters, default_name = _target(target, given, options)
    spec = ScheduleSpec(
        name=_name(name or default_name),
        target=path,
        when=when,
        parameters=parameters,
        options=options,
        catchup=catchup,
        max_catchup=max_catchup,
        overlap=overlap,
        notify=check_notify(notify),
        cwd=os.getcwd(),
    )
    added = registry.add(schedule_store(), spec, now)
    for line in registry.added_lines(added):
        click.echo(line)


def _name(name: str) -> str:
    if not _NAME.match(name):
        raise InvalidScheduleError.from_problem(
            f"The schedule name {name!r} has characters other than letters, digits, "
            "'.', '_' and '-'",
            "Pass --name with such a name, such as nightly-etl",
        )
    return name


def _target(
    target: str, given: Mapping[str, Any], options: Mapping[str, Any]
) -> tuple[str, dict[str, Any], str]:
    """Check the target and its parameters; return its absolute form, the
    validated parameters and a default schedule name."""
    from taskbook.api.entrypoints import (
        check_flow_parameters,
        load_flow_from_entrypoint,
        split_entrypoint,
    )

    entry = split_entrypoint(target)
    if entry is not None:
        extra = sorted(set(options) - _FLOW_OPTIONS)
        if extra:
            raise InvalidScheduleError.from_problem(
                f"--{extra[0].rstrip('_').replace('_', '-')} applies to notebook "
                f"targets, and {target!r} is a module's flow",
                "Leave it out; a flow sets its task runner in @flow(task_runner=...)",
            )
        path = f"{entry[0].resolve()}:{entry[1]}"
        flow = load_flow_from_entrypoint(path)
        values = merge_parameters(**given)
        checked = check_flow_parameters(flow, values)
        # Only what was given: the flow's defaults stay the module's to change.
        parameters = {k: v for k, v in checked.items() if k in values}
        return path, parameters, entry[1].replace("_", "-")
    from taskbook.notebook.prepared import prepare_notebook

    prepared = prepare_notebook(target)
    given_values = merge_parameters(**given, text_names=prepared.text_names)
    parameters = prepared.check(given_values)
    return str(Path(target).resolve()), parameters, Path(target).stem


@schedule.command("ls")
@debug_option
def ls() -> None:
    """List schedules: next fire times, last run, skipped slots."""
    for line in registry.listing(schedule_store(), time.time()):
        click.echo(line)


@schedule.command("rm")
@click.argument("name")
@debug_option
def rm(name: str) -> None:
    """Remove schedule NAME (its past runs stay in the store)."""
    registry.remove(schedule_store(), name)
    click.echo(f"Removed schedule {name!r}.")


@schedule.command("pause")
@click.argument("name")
@debug_option
def pause(name: str) -> None:
    """Stop firing NAME until it is resumed."""
    registry.pause(schedule_store(), name)
    click.echo(f"Paused schedule {name!r}.")


@schedule.command("resume")
@click.argument("name")
@debug_option
def resume(name: str) -> None:
    """Fire NAME again; the slots missed while paused are skipped."""
    skipped = registry.resume(schedule_store(), name, time.time())
    note = f" ({skipped} slots skipped while paused)" if skipped else ""
    click.echo(f"Resumed schedule {name!r}{note}.")


@schedule.command("run-slot", hidden=True)
@click.argument("key")
@click.pass_context
def run_slot(ctx: click.Context, key: str) -> None:
    """Run one claimed slot (what `taskbook serve` launches)."""
    from taskbook.cli.slot import run_claimed_slot

    ctx.exit(run_claimed_slot(key))
