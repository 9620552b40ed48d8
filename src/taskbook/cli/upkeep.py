"""``taskbook doctor [--repair]`` and ``taskbook gc``: the project's store and cache.

Both work on the store the working directory uses (``$TASKBOOK_HOME`` or the
nearest ``.taskbook/``, as ``taskbook run`` finds it). ``doctor`` exits 1 while a
problem remains; ``gc`` applies the limits given, or those saved with ``--save``.
"""

from __future__ import annotations

import time

import click

from taskbook.cli.errors import EXIT_FAILED, EXIT_OK, debug_option
from taskbook.engine.home import find_home
from taskbook.engine.upkeep import (
    Limits,
    collect,
    examine,
    human_size,
    parse_age,
    parse_size,
    repair,
)

__all__ = ("doctor", "gc")


@click.command("doctor")
@click.option("--repair", is_flag=True, help="Fix what can be fixed, and say what.")
@debug_option
@click.pass_context
def doctor(ctx: click.Context, **flags: bool) -> None:
    """Check the run store and the result cache: integrity, stuck runs, sizes.

    Exit code 0 when all is well (after --repair: when nothing is left to fix).
    """
    home = find_home()
    if flags.get("repair"):
        for finding in repair(home):
            mark = "!" if finding.problem else "fixed:"
            click.echo(f"{mark} {finding.subject}: {finding.text}")
        remaining = [f for f in examine(home) if f.problem]
    else:
        remaining = []
        for finding in examine(home):
            mark = "!" if finding.problem else " "
            click.echo(f"{mark} {finding.subject}: {finding.text}")
            if finding.problem:
                remaining.append(finding)
    if remaining and not flags.get("repair"):
        click.echo("Run `taskbook doctor --repair` to fix what can be fixed.", err=True)
    ctx.exit(EXIT_FAILED if remaining else EXIT_OK)


@click.command("gc")
@click.option("--older-than", metavar="AGE", help="Delete finished runs older (30d).")
@click.option(
    "--keep-last",
    type=click.IntRange(min=0),
    metavar="N",
    help="Keep the N newest runs of each flow whatever their age.",
)
@click.option(
    "--max-cache-size",
    metavar="SIZE",
    help="Delete the oldest cached results beyond this size (5GB).",
)
@click.option(
    "--save",
    is_flag=True,
    help="Save these limits for this store: a plain `taskbook gc` applies them.",
)
@debug_option
def gc(
    older_than: str | None,
    keep_last: int | None,
    max_cache_size: str | None,
    save: bool,
) -> None:
    """Delete old runs and cached results, by age, count and size."""
    home = find_home()
    limits = Limits(
        older_than=parse_age(older_than) if older_than is not None else None,
        keep_last=keep_last,
        max_cache_size=parse_size(max_cache_size) if max_cache_size else None,
    )
    if save:
        limits.save(home)
        click.echo(f"Saved the limits for {home}.")
    elif not limits.any():
        limits = Limits.saved(home)
        if not limits.any():
            raise click.UsageError(
                "No limits: give --older-than, --keep-last or --max-cache-size "
                "(add --save to keep them for this store)."
            )
    done = collect(home, limits, time.time())
    click.echo(
        f"Deleted {done.runs} run(s) and {done.cache_entries} cached result(s) "
        f"({human_size(done.cache_bytes)})."
    )
    for note in done.notes:
        click.echo(f"Note: {note}", err=True)
