"""One parser for magic lines: ``%%task load --retries 2`` and ``%flow run --only a``.

A line is words and flags. Each flag is declared once, by the options it sets
(``Flag``), so the parser knows whether it takes a value, how to convert and check
it, and what to say when it is wrong. Pure: stdlib only.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from taskbook.errors import InvalidOptionError, UnknownMagicOptionError

__all__ = ("Flag", "ParsedLine", "parse_line")

ValueKind = Literal["required", "optional", "none"]


@dataclass(frozen=True, slots=True)
class Flag:
    """One flag of a magic line.

    Attributes:
        flag: As written, ``--retries``.
        dest: The option it sets.
        parse: Text -> value; for ``value="none"`` the value is ``parse("")``.
        expected: Words for the error, "a non-negative int".
        value: ``required`` (``--f V`` or ``--f=V``), ``optional`` (``--f`` alone or
            ``--f=V``) or ``none`` (stands alone).
        check: Accepts the parsed value (the option's own rule), else an error.
        help: One line for ``--help`` and the docs.
    """

    flag: str
    dest: str
    parse: Callable[[str], Any] = str
    expected: str = "a value"
    value: ValueKind = "required"
    check: Callable[[Any], bool] | None = None
    help: str = ""

    def convert(self, text: str, where: str) -> Any:
        """Return the value ``text`` gives this flag.

        Raises:
            InvalidOptionError: The text does not parse or fails the check.
        """
        try:
            value = self.parse(text)
        except (ValueError, TypeError):
            raise InvalidOptionError.from_value(
                self.flag, text, self.expected, where
            ) from None
        if self.check is not None and not self.check(value):
            raise InvalidOptionError.from_value(self.flag, text, self.expected, where)
        return value


@dataclass(frozen=True, slots=True)
class ParsedLine:
    """A magic line: its words in order and ``{dest: value}`` for the flags given."""

    words: tuple[str, ...] = ()
    values: dict[str, Any] = field(default_factory=dict)


def _table(flags: Mapping[str, Flag] | Iterable[Flag]) -> dict[str, Flag]:
    if isinstance(flags, Mapping):
        return dict(flags)
    return {f.flag: f for f in flags}


def parse_line(
    line: str | list[str], flags: Mapping[str, Flag] | Iterable[Flag], where: str
) -> ParsedLine:
    """Split ``line`` into words and flag values.

    A required value is the next token unless that token starts with ``--`` (so
    ``--retry-delay -1`` is a value, to be rejected by the check, not a flag).

    Args:
        line: The text after the magic's name, or its tokens.
        flags: The flags this line may have.
        where: The magic, for messages (``%%task``, ``%flow run``).

    Raises:
        UnknownMagicOptionError: A flag is not in ``flags``; the message lists them.
        InvalidOptionError: Bad quoting, a missing value, a value given to a flag
            that takes none, or a value that does not parse or check.
    """
    table = _table(flags)
    if isinstance(line, str):
        try:
            tokens = shlex.split(line)
        except ValueError as error:
            raise InvalidOptionError.from_value(
                where, line, f"a well-quoted argument list ({error})", where
            ) from None
    else:
        tokens = list(line)
    words: list[str] = []
    values: dict[str, Any] = {}
    position = 0
    while position < len(tokens):
        token = tokens[position]
        position += 1
        if not token.startswith("-"):
            words.append(token)
            continue
        name, has_value, text = token.partition("=")
        spec = table.get(name)
        if spec is None:
            raise UnknownMagicOptionError.from_flag(name, table, where)
        if spec.value == "none" and has_value:
            # `--no-cache=false` would otherwise silently mean --no-cache.
            raise InvalidOptionError.from_value(
                name, text, f"no value (write {name} alone)", where
            )
        if spec.value == "required" and not has_value:
            if position >= len(tokens) or tokens[position].startswith("--"):
                raise InvalidOptionError.from_missing(name, spec.expected, where)
            text = tokens[position]
            position += 1
        values[spec.dest] = spec.convert(text, where)
    return ParsedLine(tuple(words), values)
