"""Parse ``%flow`` lines into a subcommand and its options (pure; no IPython).

One parser (``core.flags``) serves ``%%task`` and ``%flow``; ``%flow run``'s flags are
derived from ``RunOptions``, so the magic offers exactly the run options declared
for it. An unknown flag lists the valid ones; a bad value names the flag.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import Any

from taskbook.core.flags import Flag, parse_line
from taskbook.core.run_options import RunOptions, run_flags
from taskbook.errors import InvalidOptionError, UnknownMagicOptionError

__all__ = ("FlowCommand", "parse_flow_line")


def _limit(text: str) -> int:
    number = int(text)
    if number < 1:
        raise ValueError(text)
    return number


_HISTORY_FLAGS = (
    Flag("--limit", "limit", _limit, "a positive integer", help="Runs to list."),
    Flag("--flow", "flow", str, "a flow name", help="Only runs of this flow."),
)

_EXPORT_FLAGS = (
    Flag(
        "--target",
        "target",
        str,
        "an export target (taskbook, prefect)",
        help="What the module runs on: taskbook (default) or prefect.",
    ),
)

# subcommand -> (flags, least and most positional arguments)
_SUBCOMMANDS: dict[str, tuple[tuple[Flag, ...], int, int]] = {
    "show": ((), 0, 0),
    "run": (run_flags("magic"), 0, 0),
    "gantt": ((), 0, 1),
    "history": (_HISTORY_FLAGS, 0, 0),
    "logs": ((), 1, 1),
    "why": ((), 1, 1),
    "cache": ((), 1, 2),
    "status": ((), 0, 0),
    "export": (_EXPORT_FLAGS, 1, 1),
}
# Subcommands whose words go to the command line's namesake unparsed, so they
# take exactly its flags (``%flow schedule add`` = ``taskbook schedule add``).
_PASSED_ON = ("schedule",)


@dataclass(frozen=True, slots=True)
class FlowCommand:
    """A parsed ``%flow`` line: the subcommand, its words and its flag values."""

    name: str
    args: tuple[str, ...] = ()
    options: dict[str, Any] = field(default_factory=dict)

    def run_options(self) -> RunOptions:
        """Return the ``RunOptions`` of a ``%flow run`` line."""
        return RunOptions(**self.options)


def parse_flow_line(line: str) -> FlowCommand:
    """Parse the arguments of ``%flow`` (default subcommand: ``show``).

    Raises:
        UnknownMagicOptionError: Unknown subcommand or flag; lists the valid ones.
        InvalidOptionError: A flag's value or the number of arguments is wrong.
    """
    try:
        tokens = shlex.split(line)
    except ValueError as error:
        raise InvalidOptionError.from_value(
            "%flow", line, f"a well-quoted argument list ({error})", "%flow"
        ) from None
    name = tokens.pop(0) if tokens and not tokens[0].startswith("-") else "show"
    if name in _PASSED_ON:
        return FlowCommand(name, tuple(tokens))
    if name not in _SUBCOMMANDS:
        raise UnknownMagicOptionError.from_flag(
            name, [*_SUBCOMMANDS, *_PASSED_ON], "%flow"
        )
    flags, low, high = _SUBCOMMANDS[name]
    parsed = parse_line(tokens, flags, f"%flow {name}")
    if not low <= len(parsed.words) <= high:
        expected = f"{low}" if low == high else f"{low} to {high}"
        raise InvalidOptionError.from_value(
            name, " ".join(parsed.words), f"{expected} argument(s)", "%flow"
        )
    return FlowCommand(name, parsed.words, parsed.values)
