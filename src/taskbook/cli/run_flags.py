"""The run options as click flags, derived from ``RunOptions`` (one definition).

``run_options_flags`` adds one click option per ``RunOptions`` field offered on the
command line, with the field's help; ``run_options_from`` turns the values click
collected back into a ``RunOptions``. A value is parsed and checked by the same
``Flag`` as in ``%flow run``, so both say the same about a bad value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import click

from taskbook.core.flags import Flag
from taskbook.core.run_options import RunOptions, flag_metavar, run_flags
from taskbook.errors import InvalidOptionError

__all__ = ("run_options_flags", "run_options_from")


class _FlagType(click.ParamType):
    """A click type that reads a value as the flag's ``Flag`` does."""

    def __init__(self, flag: Flag) -> None:
        self.flag = flag
        self.name = flag.dest

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> Any:
        if not isinstance(value, str):  # a default, already a value
            return value
        try:
            return self.flag.convert(value, "taskbook run")
        except InvalidOptionError:
            self.fail(f"expected {self.flag.expected}, got {value!r}.", param, ctx)


def _option(flag: Flag) -> Callable[[Any], Any]:
    if flag.value == "none":
        return click.option(flag.flag, flag.dest, is_flag=True, help=flag.help)
    return click.option(
        flag.flag,
        flag.dest,
        type=_FlagType(flag),
        metavar=flag_metavar(flag.dest),
        help=flag.help,
    )


def run_options_flags(command: Any) -> Any:
    """Add the command-line flags of ``RunOptions`` to a click command."""
    for flag in reversed(run_flags("cli")):
        command = _option(flag)(command)
    return command


def run_options_from(values: Mapping[str, Any], **fixed: Any) -> RunOptions:
    """Build ``RunOptions`` from the flags click collected (and ``fixed`` values).

    Flags that were not given keep the field's default.

    Raises:
        InvalidOptionError: The combination is invalid (``--address`` without
            ``--runner dask``).
    """
    given: dict[str, Any] = {}
    for flag in run_flags("cli"):
        value = values.get(flag.dest)
        if value is None or (flag.value == "none" and value is False):
            continue
        given[flag.dest] = flag.parse("") if flag.value == "none" else value
    return RunOptions(**given, **fixed)
