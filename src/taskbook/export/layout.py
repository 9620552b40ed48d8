"""Lay out generated code the way ``ruff format`` would, without running ruff.

``bracket`` writes ``prefix(item, item)suffix`` on one line when it fits in 88
columns, else the items on one indented line, else one item a line with a
trailing comma (ruff's and Black's order of attempts). ``literal`` writes values
as ruff prints them (double quotes unless that needs more escapes). Pure.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

__all__ = (
    "LINE_LENGTH",
    "bracket",
    "literal",
    "number",
    "str_literal",
    "timedelta_call",
)

LINE_LENGTH = 88
"""ruff's default line length, which the generated code keeps."""


def bracket(
    prefix: str,
    items: Sequence[str],
    suffix: str = "",
    *,
    indent: str = "",
    opening: str = "(",
    closing: str = ")",
    collection: bool = False,
) -> list[str]:
    """Return the lines of ``prefix(items)suffix`` at ``indent``, laid out as ruff does.

    Args:
        prefix: Text before the opening bracket (``def f``, ``x = g``).
        items: The comma-separated items, each on one line.
        suffix: Text after the closing bracket (``:``, `` -> None:``).
        indent: The indentation of the statement.
        opening: The opening bracket.
        closing: The closing bracket.
        collection: A list, tuple, set or dict display: ruff puts its items one a
            line as soon as they do not fit on the first (arguments and
            parameters get one more try: all on one indented line).
    """
    flat = f"{indent}{prefix}{opening}{', '.join(items)}{closing}{suffix}"
    if len(flat) <= LINE_LENGTH or not items:
        return [flat]
    inner = indent + "    "
    joined = inner + ", ".join(items)
    if not collection and len(joined) <= LINE_LENGTH:
        return [f"{indent}{prefix}{opening}", joined, f"{indent}{closing}{suffix}"]
    return [
        f"{indent}{prefix}{opening}",
        *(f"{inner}{item}," for item in items),
        f"{indent}{closing}{suffix}",
    ]


def str_literal(text: str) -> str:
    """Return ``text`` as a string literal in ruff's preferred quotes."""
    written = repr(text)
    if written.startswith('"'):
        return written
    doubles, singles = text.count('"'), text.count("'")
    if doubles and doubles > singles:
        return written  # double quotes would need more escapes
    inner = written[1:-1].replace("\\'", "'").replace('"', '\\"')
    return f'"{inner}"'


def literal(value: Any, datetime_module: str = "datetime") -> str:
    """Return Python source for a parameter value (the types papermill passes).

    Args:
        value: None, a bool, number, string, date, datetime, list, tuple or dict.
        datetime_module: The name the module binds ``datetime`` to.

    Raises:
        ValueError: The value has no literal form.
    """
    if value is None or isinstance(value, (bool, int)):
        return repr(value)
    if isinstance(value, float):
        if math.isfinite(value):
            return repr(value)
        return f'float("{value}")'
    if isinstance(value, str):
        return str_literal(value)
    if isinstance(value, dt.datetime):
        return f"{datetime_module}.{value!r}"
    if isinstance(value, dt.date):
        return f"{datetime_module}.{value!r}"
    if isinstance(value, list):
        return f"[{', '.join(literal(v, datetime_module) for v in value)}]"
    if isinstance(value, tuple):
        items = [literal(v, datetime_module) for v in value]
        return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"
    if isinstance(value, dict):
        pairs = ", ".join(
            f"{literal(k, datetime_module)}: {literal(v, datetime_module)}"
            for k, v in value.items()
        )
        return f"{{{pairs}}}"
    raise ValueError(f"no literal for {type(value).__name__}")


def number(value: float) -> str:
    """Return a number as written in options: ``2`` for ``2.0``, ``0.5`` as is."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value)


def timedelta_call(delta: dt.timedelta, name: str = "timedelta") -> str:
    """Return ``timedelta(hours=1)``-style source in the largest whole unit."""
    seconds = delta.total_seconds()
    for unit, size in (("days", 86400), ("hours", 3600), ("minutes", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{name}({unit}={int(seconds // size)})"
    return f"{name}(seconds={number(seconds)})"
