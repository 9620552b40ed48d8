"""``taskbook concurrency-limit`` (tag limits) and ``taskbook gcl`` (global limits).

Prefect 3's commands: ``concurrency-limit create TAG N | ls | inspect TAG | reset
TAG | delete TAG`` limit the task runs carrying a tag; ``gcl create NAME --limit N
[--slot-decay-per-second X] | ls | inspect NAME | update NAME | delete NAME`` the
``concurrency("NAME")`` blocks and ``rate_limit("NAME")`` calls. Both act on the
store of the working directory (``$TASKBOOK_HOME`` wins), shared by every process
using it.
"""

from __future__ import annotations

import click

from taskbook.engine.concurrency import TAG_PREFIX, ConcurrencyLimits, LimitInfo
from taskbook.engine.home import find_home
from taskbook.errors import ConcurrencyLimitNotFoundError

__all__ = ("concurrency_limit", "global_concurrency_limit")


def _limits() -> ConcurrencyLimits:
    return ConcurrencyLimits(find_home())


def _table(
    rows: list[LimitInfo], strip: str, heading: str, decay: bool = False
) -> None:
    if not rows:
        click.echo("No concurrency limits.")
        return
    width = max(len(heading), *(len(r.name) - len(strip) for r in rows))
    extra = "  SLOT DECAY PER SECOND" if decay else ""
    click.echo(f"{heading:<{width}}  LIMIT  ACTIVE SLOTS{extra}")
    for r in rows:
        extra = f"  {r.slot_decay_per_second:>21}" if decay else ""
        click.echo(
            f"{r.name[len(strip) :]:<{width}}  {r.limit:>5}  {r.active_slots:>12}"
            f"{extra}"
        )


@click.group("concurrency-limit")
def concurrency_limit() -> None:
    """Limit how many task runs with a tag run at once, across processes."""


@concurrency_limit.command("create")
@click.argument("tag")
@click.argument("limit", type=click.IntRange(min=0))
def create_tag_limit(tag: str, limit: int) -> None:
    """Let at most LIMIT task runs tagged TAG run at once."""
    _limits().create(TAG_PREFIX + tag, limit)
    click.echo(f"Created concurrency limit with properties: tag={tag!r} limit={limit}")


@concurrency_limit.command("ls")
def list_tag_limits() -> None:
    """List the tag limits and the slots in use."""
    _table(_limits().list(TAG_PREFIX), TAG_PREFIX, "TAG")


@concurrency_limit.command("inspect")
@click.argument("tag")
def inspect_tag_limit(tag: str) -> None:
    """Show one tag limit."""
    every = _limits().list(TAG_PREFIX)
    rows = [r for r in every if r.name == TAG_PREFIX + tag]
    if not rows:
        raise ConcurrencyLimitNotFoundError.from_name(
            TAG_PREFIX + tag, [r.name for r in every]
        )
    _table(rows, TAG_PREFIX, "TAG")


@concurrency_limit.command("reset")
@click.argument("tag")
def reset_tag_limit(tag: str) -> None:
    """Free every slot of TAG (held by runs that died elsewhere, say)."""
    _limits().reset(TAG_PREFIX + tag)
    click.echo(f"Reset concurrency limit set on the tag: {tag}")


@concurrency_limit.command("delete")
@click.argument("tag")
def delete_tag_limit(tag: str) -> None:
    """Delete the limit of TAG."""
    _limits().delete(TAG_PREFIX + tag)
    click.echo(f"Deleted concurrency limit set on the tag: {tag}")


concurrency_limit.add_command(delete_tag_limit, "rm")


@click.group("gcl")
def global_concurrency_limit() -> None:
    """Global concurrency limits for ``concurrency("NAME")`` blocks."""


_DECAY_HELP = (
    "Slots freed per second, for rate_limit (Prefect's slot_decay_per_second); "
    "0: slots are given back when the concurrency block exits."
)


def _global_rows(name: str | None = None) -> list[LimitInfo]:
    every = [r for r in _limits().list() if not r.name.startswith(TAG_PREFIX)]
    if name is None:
        return every
    rows = [r for r in every if r.name == name]
    if not rows:
        raise ConcurrencyLimitNotFoundError.from_name(name, [r.name for r in every])
    return rows


@global_concurrency_limit.command("create")
@click.argument("name")
@click.option("--limit", "-l", type=click.IntRange(min=0), required=True)
@click.option("--slot-decay-per-second", type=float, default=0.0, help=_DECAY_HELP)
def create_global_limit(name: str, limit: int, slot_decay_per_second: float) -> None:
    """Create (or resize) the global limit NAME."""
    if name.startswith(TAG_PREFIX):
        raise click.BadParameter("use `taskbook concurrency-limit create` for tags")
    _limits().create(name, limit, slot_decay_per_second)
    decay = (
        f" slot_decay_per_second={slot_decay_per_second}"
        if slot_decay_per_second
        else ""
    )
    click.echo(
        f"Created global concurrency limit with name {name!r} limit={limit}{decay}"
    )


@global_concurrency_limit.command("ls")
def list_global_limits() -> None:
    """List the global limits, the slots in use and their decay."""
    _table(_global_rows(), "", "NAME", decay=True)


@global_concurrency_limit.command("inspect")
@click.argument("name")
def inspect_global_limit(name: str) -> None:
    """Show one global limit."""
    _table(_global_rows(name), "", "NAME", decay=True)


@global_concurrency_limit.command("update")
@click.argument("name")
@click.option("--limit", "-l", type=click.IntRange(min=0), default=None)
@click.option("--slot-decay-per-second", type=float, default=None, help=_DECAY_HELP)
def update_global_limit(
    name: str, limit: int | None, slot_decay_per_second: float | None
) -> None:
    """Change the size or the slot decay of the global limit NAME."""
    if limit is None and slot_decay_per_second is None:
        raise click.UsageError(
            "No update arguments provided. Pass --limit N or --slot-decay-per-second X."
        )
    _global_rows(name)  # a tag limit is not a global one
    _limits().update(name, limit, slot_decay_per_second)
    click.echo(f"Updated global concurrency limit with name {name!r}.")


@global_concurrency_limit.command("delete")
@click.argument("name")
def delete_global_limit(name: str) -> None:
    """Delete the global limit NAME."""
    _limits().delete(name)
    click.echo(f"Deleted global concurrency limit with name {name!r}")
