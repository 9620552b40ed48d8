"""Render ``messages.py`` as TypeScript: the extension's ``src/protocol.ts``.

``render()`` is deterministic, so a test compares it with the committed file and
fails when someone changes a message without regenerating
(``python scripts/gen_protocol.py``).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

from taskbook.protocol import messages

__all__ = ("render",)

_HEADER = """\
// Generated from src/taskbook/protocol/messages.py by scripts/gen_protocol.py.
// Do not edit: change the Python messages and regenerate.
"""

_SCALARS = {str: "string", int: "number", float: "number", bool: "boolean"}


def render() -> str:
    """Return the TypeScript module for every message of the protocol."""
    parts = [
        _HEADER,
        f"export const COMM_TARGET = '{messages.COMM_TARGET}';",
        f"export const PROTOCOL_VERSION = {messages.PROTOCOL_VERSION};",
        "",
    ]
    for cls in _classes():
        parts.append(_interface(cls))
    for alias, group in (
        ("FrontendMessage", messages.FRONTEND_MESSAGES),
        ("KernelMessage", messages.KERNEL_MESSAGES),
    ):
        names = " | ".join(cls.__name__ for cls in group)
        parts.append(f"export type {alias} = {names};\n")
    return "\n".join(parts)


def _classes() -> list[type]:
    """The message classes and the records they hold, in definition order."""
    found = [
        obj
        for obj in vars(messages).values()
        if isinstance(obj, type)
        and dataclasses.is_dataclass(obj)
        and obj.__module__ == messages.__name__
    ]
    return found


def _interface(cls: type) -> str:
    hints = get_type_hints(cls)
    doc = " ".join((cls.__doc__ or "").split("\n\n")[0].split())
    lines = [f"/** {doc} */", f"export interface {cls.__name__} {{"]
    for field in dataclasses.fields(cls):
        lines.append(f"  {field.name}: {_ts(hints[field.name])};")
    lines.append("}\n")
    return "\n".join(lines)


def _ts(hint: Any) -> str:
    origin = get_origin(hint)
    if hint in _SCALARS:
        return _SCALARS[hint]
    if hint is type(None):
        return "null"
    if origin is Literal:
        return " | ".join(f"'{value}'" for value in get_args(hint))
    if origin in (Union, types.UnionType):
        return " | ".join(_ts(arg) for arg in get_args(hint))
    if origin is list:
        (item,) = get_args(hint)
        inner = _ts(item)
        return f"{inner}[]" if " " not in inner else f"({inner})[]"
    if origin is dict:
        _key, value = get_args(hint)
        return f"{{ [key: string]: {_ts(value)} }}"
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return hint.__name__
    if hint is typing.Any:
        return "unknown"
    raise TypeError(f"no TypeScript for {hint!r} in the protocol; add it to _ts")
