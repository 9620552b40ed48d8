"""Parse ``%flow`` lines into subcommand + options (pure; tested without IPython).

Each subcommand declares its flags once here; an unknown flag is an error that
lists the valid ones, a bad value names the flag and what it expects.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import Any

from taskbook.errors import InvalidOptionError, UnknownMagicOptionError

__all__ = ("FlowCommand", "parse_flow_line")

# flag -> (option name, kind): "names" takes T[,T], "int" a positive int,
# "bool" stands alone, "str" one word.
_RUN_FLAGS: dict[str, tuple[str, str]] = {
    "--only": ("only", "names"),
    "--from": ("from_", "names"),
    "--to": ("to", "names"),
    "--stale": ("stale", "bool"),
    "--failed": ("failed", "bool"),
    "--force": ("force", "bool"),
    "--runner": ("runner", "str"),
    "--max-workers": ("max_workers", "int"),
    "--background": ("background", "bool"),
    "--timeout": ("timeout", "float"),
    "--no-view": ("no_view", "bool"),
}
_SUBCOMMANDS: dict[str, dict[str, tuple[str, str]]] = {
    "show": {},
    "run": _RUN_FLAGS,
    "gantt": {},
    "history": {"--limit": ("limit", "int"), "--flow": ("flow", "str")},
    "logs": {},
    "why": {},
    "cache": {},
    "status": {},
}
_POSITIONAL: dict[str, tuple[int, int]] = {
    # subcommand -> (min, max) positional arguments
    "show": (0, 0),
    "run": (0, 0),
    "gantt": (0, 1),
    "history": (0, 0),
    "logs": (1, 1),
    "why": (1, 1),
    "cache": (1, 2),
    "status": (0, 0),
}


@dataclass(frozen=True, slots=True)
class FlowCommand:
    """A parsed ``%flow`` line."""

    name: str
    args: tuple[str, ...] = ()
    options: dict[str, Any] = field(default_factory=dict)


def _value(flag: str, kind: str, text: str) -> Any:
    if kind == "names":
        names = tuple(p.strip() for p in text.split(",") if p.strip())
        if not names:
            raise InvalidOptionError.from_value(
                flag, text, "one or more task names (T[,T])", "%flow"
            )
        return names
    if kind == "int":
        try:
            number = int(text)
        except ValueError:
            number = 0
        if number < 1:
            raise InvalidOptionError.from_value(
                flag, text, "a positive integer", "%flow"
            )
        return number
    if kind == "float":
        try:
            seconds = float(text)
        except ValueError:
            seconds = 0.0
        if seconds <= 0:
            raise InvalidOptionError.from_value(
                flag, text, "a positive number", "%flow"
            )
        return seconds
    return text


def parse_flow_line(line: str) -> FlowCommand:
    """Parse the arguments of ``%flow`` (default subcommand: ``show``).

    Raises:
        UnknownMagicOptionError: Unknown subcommand or flag; lists the valid ones.
        InvalidOptionError: A flag's value or the number of arguments is wrong.
    """
    tokens = shlex.split(line)
    name = tokens.pop(0) if tokens and not tokens[0].startswith("-") else "show"
    if name not in _SUBCOMMANDS:
        raise UnknownMagicOptionError.from_flag(name, _SUBCOMMANDS, "%flow")
    flags = _SUBCOMMANDS[name]
    options: dict[str, Any] = {}
    args: list[str] = []
    while tokens:
        token = tokens.pop(0)
        if not token.startswith("-"):
            args.append(token)
            continue
        flag, has_value, text = token.partition("=")
        if flag not in flags:
            raise UnknownMagicOptionError.from_flag(flag, flags, f"%flow {name}")
        option, kind = flags[flag]
        if kind == "bool":
            options[option] = True
            continue
        if not has_value:
            if not tokens or tokens[0].startswith("--"):
                raise InvalidOptionError.from_value(
                    flag, "", f"a value after {flag}", f"%flow {name}"
                )
            text = tokens.pop(0)
        options[option] = _value(flag, kind, text)
    low, high = _POSITIONAL[name]
    if not low <= len(args) <= high:
        expected = f"{low}" if low == high else f"{low} to {high}"
        raise InvalidOptionError.from_value(
            name, " ".join(args), f"{expected} argument(s)", "%flow"
        )
    return FlowCommand(name, tuple(args), options)
