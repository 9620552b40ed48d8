"""The run options as click flags, derived from ``RunOptions`` (one definition).

``run_options_flags`` adds one click option per ``RunOptions`` field offered on the
command line (``taskbook run``; ``taskbook schedule add`` through
``run_options_flags_for("schedule")``), with the field's help; ``run_options_from``
turns the values click collected back into a ``RunOptions`` and ``run_options_args``
writes given values as flags again. A value is parsed and checked by the same
``Flag`` as in ``%flow run``, so both say the same about a bad value.
``parameter_options`` adds papermill's parameter flags (``-p``, ``-r``, ``-f``,
``-y``) that ``taskbook run`` and ``taskbook schedule add`` share.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import click

from taskbook.core.flags import Flag
from taskbook.core.run_options import RunOptions, Surface, flag_metavar, run_flags
from taskbook.errors import InvalidOptionError

__all__ = (
    "parameter_options",
    "run_options_args",
    "run_options_flags",
    "run_options_flags_for",
    "run_options_from",
)

_COMMANDS: dict[Surface, str] = {
    "cli": "taskbook run",
    "schedule": "taskbook schedule add",
    "magic": "%flow run",
}


class _FlagType(click.ParamType):
    """A click type that reads a value as the flag's ``Flag`` does."""

    def __init__(self, flag: Flag, command: str) -> None:
        self.flag = flag
        self.name = flag.dest
        self.command = command

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> Any:
        if not isinstance(value, str):  # a default, already a value
            return value
        try:
            return self.flag.convert(value, self.command)
        except InvalidOptionError:
            self.fail(f"expected {self.flag.expected}, got {value!r}.", param, ctx)


def _option(flag: Flag, command: str) -> Callable[[Any], Any]:
    if flag.value == "none":
        return click.option(flag.flag, flag.dest, is_flag=True, help=flag.help)
    return click.option(
        flag.flag,
        flag.dest,
        type=_FlagType(flag, command),
        metavar=flag_metavar(flag.dest),
        help=flag.help,
    )


def run_options_flags_for(surface: Surface) -> Callable[[Any], Any]:
    """Return a decorator adding the flags ``surface`` offers to a click command."""

    def decorate(command: Any) -> Any:
        for flag in reversed(run_flags(surface)):
            command = _option(flag, _COMMANDS[surface])(command)
        return command

    return decorate


run_options_flags = run_options_flags_for("cli")
"""Add the command-line flags of ``RunOptions`` to a click command (``taskbook run``)."""


def given_run_options(
    values: Mapping[str, Any], surface: Surface = "cli"
) -> dict[str, Any]:
    """Return the run options among the flags click collected that were given."""
    given: dict[str, Any] = {}
    for flag in run_flags(surface):
        value = values.get(flag.dest)
        if value is None or (flag.value == "none" and value is False):
            continue
        given[flag.dest] = flag.parse("") if flag.value == "none" else value
    return given


def run_options_from(
    values: Mapping[str, Any], surface: Surface = "cli", **fixed: Any
) -> RunOptions:
    """Build ``RunOptions`` from the flags click collected (and ``fixed`` values).

    Flags that were not given keep the field's default.

    Raises:
        InvalidOptionError: The combination is invalid (``--address`` without
            ``--runner dask``).
    """
    return RunOptions(**given_run_options(values, surface), **fixed)


def run_options_args(given: Mapping[str, Any], surface: Surface = "cli") -> list[str]:
    """Return the flags that set ``given`` (field name -> value) on ``surface``."""
    words: list[str] = []
    for flag in run_flags(surface):
        if flag.dest not in given:
            continue
        value = given[flag.dest]
        if flag.value == "none":
            words.append(flag.flag)
        elif isinstance(value, (tuple, list)):
            words += [flag.flag, ",".join(value)]
        else:
            words += [flag.flag, str(value)]
    return words


def parameter_options(files_help: str) -> Callable[[Any], Any]:
    """papermill's parameter flags, collected as ``values``, ``raw``, ``files`` and
    ``yaml_texts`` (merged by ``notebook.papermill.merge_parameters``)."""
    options = [
        click.option(
            "-p",
            "--parameters",
            "values",
            nargs=2,
            multiple=True,
            metavar="NAME VALUE",
            help="Set a parameter; the value is typed as papermill types it "
            "(1, 1.5, True, None, text).",
        ),
        click.option(
            "-r",
            "--parameters_raw",
            "raw",
            nargs=2,
            multiple=True,
            metavar="NAME VALUE",
            help="Set a parameter to the value as a string.",
        ),
        click.option(
            "-f",
            "--parameters_file",
            "files",
            multiple=True,
            metavar="FILE",
            help=files_help,
        ),
        click.option(
            "-y",
            "--parameters_yaml",
            "yaml_texts",
            multiple=True,
            metavar="YAML",
            help="YAML text of parameters.",
        ),
    ]

    def decorate(function: Any) -> Any:
        for option in reversed(options):
            function = option(function)
        return function

    return decorate
