"""``taskbook concurrency-limit`` (tag limits) and ``taskbook gcl`` (global limits).

Prefect 3's commands: ``concurrency-limit create TAG N | ls | inspect TAG | reset
TAG | delete TAG`` limit the task runs carrying a tag; ``gcl create NAME --limit N
| ls | delete NAME`` the ``concurrency("NAME")`` blocks. Both act on the store of
the working directory (``$TASKBOOK_HOME`` wins), shared by every process using it.
"""

from __future__ import annotations

import click

from taskbook.engine.concurrency import TAG_PREFIX, ConcurrencyLimits, LimitInfo
from taskbook.engine.home import find_home
from taskbook.errors import ConcurrencyLimitNotFoundError

__all__ = ("concurrency_limit", "global_concurrency_limit")


def _limits() -> ConcurrencyLimits:
    return ConcurrencyLimits(find_home())


def _table(rows: list[LimitInfo], strip: str, heading: str) -> None:
    if not rows:
        click.echo("No concurrency limits.")
        return
    width = max(len(heading), *(len(r.name) - len(strip) for r in rows))
    click.echo(f"{heading:<{width}}  LIMIT  ACTIVE SLOTS")
    for r in rows:
        click.echo(
            f"{r.name[len(strip) :]:<{width}}  {r.limit:>5}  {r.active_slots:>12}"
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


@global_concurrency_limit.command("create")
@click.argument("name")
@click.option("--limit", "-l", type=click.IntRange(min=0), required=True)
def create_global_limit(name: str, limit: int) -> None:
    """Create (or resize) the global limit NAME."""
    if name.startswith(TAG_PREFIX):
        raise click.BadParameter("use `taskbook concurrency-limit create` for tags")
    _limits().create(name, limit)
    click.echo(f"Created global concurrency limit with name {name!r} limit={limit}")


@global_concurrency_limit.command("ls")
def list_global_limits() -> None:
    """List the global limits and the slots in use."""
    rows = [r for r in _limits().list() if not r.name.startswith(TAG_PREFIX)]
    _table(rows, "", "NAME")


@global_concurrency_limit.command("delete")
@click.argument("name")
def delete_global_limit(name: str) -> None:
    """Delete the global limit NAME."""
    _limits().delete(name)
    click.echo(f"Deleted global concurrency limit with name {name!r}")
