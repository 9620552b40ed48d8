"""A ``%%task`` line's options as ``@task(...)`` keyword arguments.

``--retries``, ``--retry-delay``, ``--timeout``, ``--tags`` and ``--refresh`` carry
over by their Prefect names. Caching is explicit: ``--cache[=EXPIRY]`` gives
``cache_policy=INPUTS + TASK_SOURCE`` (and ``cache_expiration``); without it a
task has ``NO_CACHE``: the notebook caches every cell and checks the files it
wrote, a shipped flow reruns what it was not told to cache. Pure.
"""

from __future__ import annotations

from collections.abc import Callable

from taskbook.core.cells import CellSpec
from taskbook.export.layout import number, str_literal, timedelta_call

__all__ = ("task_options",)


def task_options(
    spec: CellSpec, name: Callable[[str], str]
) -> tuple[tuple[str, str], ...]:
    """Return the ``@task`` keywords of a task cell, as (keyword, source) pairs.

    Args:
        spec: The task cell.
        name: Gives the module's name for ``NO_CACHE``, ``INPUTS``,
            ``TASK_SOURCE`` and ``timedelta`` (imported when asked for).
    """
    header = spec.header
    given = header.options
    keywords: list[tuple[str, str]] = [("name", str_literal(spec.name))]
    if given.get("tags"):
        tags = ", ".join(str_literal(tag) for tag in given["tags"])
        keywords.append(("tags", f"[{tags}]"))
    if header.cache and "cache_expiration" in given:
        keywords.append(("cache_policy", f"{name('INPUTS')} + {name('TASK_SOURCE')}"))
        expiration = given["cache_expiration"]
        if expiration is not None:
            keywords.append(
                ("cache_expiration", timedelta_call(expiration, name("timedelta")))
            )
    else:
        keywords.append(("cache_policy", name("NO_CACHE")))
    if given.get("retries"):
        keywords.append(("retries", str(given["retries"])))
    delay = given.get("retry_delay_seconds")
    if delay is not None:
        delays = delay if isinstance(delay, list) else None
        text = f"[{', '.join(number(d) for d in delays)}]" if delays else number(delay)
        keywords.append(("retry_delay_seconds", text))
    if given.get("timeout_seconds") is not None:
        keywords.append(("timeout_seconds", number(given["timeout_seconds"])))
    if given.get("refresh_cache"):
        keywords.append(("refresh_cache", "True"))
    return tuple(keywords)
