"""papermill's run flags that ``taskbook run`` accepts, so papermill command lines work.

taskbook runs cells in this Python process, so kernel, progress-bar, logging and
autosave flags have nothing to steer: they are accepted and ignored (a language other
than Python is an error). ``--stdout-file``/``--stderr-file`` do what papermill's do.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import IO, Any

import click

from taskbook.errors import UnreadableNotebookError

__all__ = ("PapermillFlags", "papermill_flags")

_IGNORED = "papermill compatibility; no effect"


@dataclass(frozen=True, slots=True)
class PapermillFlags:
    """The papermill flags that change what ``taskbook run`` does."""

    stdout_file: IO[str] | None = None
    stderr_file: IO[str] | None = None

    @classmethod
    def from_options(cls, options: Mapping[str, Any], notebook: str) -> PapermillFlags:
        """Collect the flags; reject a language other than Python.

        Raises:
            UnreadableNotebookError: ``--language`` names another language.
        """
        language = options.get("language")
        if language is not None and language.lower() not in ("python", "python3"):
            raise UnreadableNotebookError.from_path(
                notebook,
                f"--language {language} was given, and taskbook runs Python notebooks",
            )
        return cls(options.get("stdout_file"), options.get("stderr_file"))


def papermill_flags(function: Callable[..., Any]) -> Callable[..., Any]:
    """Add papermill's run flags to a click command (see the module docstring)."""
    options = [
        click.option(
            "-k", "--kernel", metavar="NAME", help=f"Kernel name ({_IGNORED})."
        ),
        click.option(
            "-l", "--language", metavar="LANG", help="Notebook language: python."
        ),
        click.option("--progress-bar/--no-progress-bar", default=None, help=_IGNORED),
        click.option("--log-output/--no-log-output", default=None, help=_IGNORED),
        click.option("--log-level", metavar="LEVEL", help=_IGNORED),
        click.option("--start-timeout", "--start_timeout", type=int, help=_IGNORED),
        click.option("--autosave-cell-every", type=int, help=_IGNORED),
        click.option(
            "--request-save-on-cell-execute/--no-request-save-on-cell-execute",
            default=None,
            help=_IGNORED,
        ),
        click.option(
            "--stdout-file",
            type=click.File(mode="w", encoding="utf-8"),
            help="Write what the cells print to stdout to this file instead.",
        ),
        click.option(
            "--stderr-file",
            type=click.File(mode="w", encoding="utf-8"),
            help="Write what the cells print to stderr to this file instead.",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function
