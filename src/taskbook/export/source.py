"""Edit cell source as text, so the user's code keeps its comments and layout.

``Edit`` replaces a span given by ``ast`` positions (UTF-8 byte columns, as ``ast``
reports them); ``apply_edits`` applies many at once. ``indent`` shifts code without
touching the inside of multi-line strings; ``statements`` cuts a cell into its
top-level statements, each with the comments written above it. Pure: stdlib only.
"""

from __future__ import annotations

import ast
import io
import tokenize
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from taskbook.core import pyast

__all__ = (
    "Edit",
    "Statement",
    "apply_edits",
    "char_column",
    "indent",
    "parse",
    "segment",
    "statements",
    "tidy",
)


def parse(source: str) -> ast.Module:
    """Parse cell code as IPython does (top-level ``await`` allowed)."""
    tree = pyast.parse(source, "<cell>", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    assert isinstance(tree, ast.Module)
    return tree


def char_column(line: str, byte_column: int) -> int:
    """Return the character column of ``ast``'s UTF-8 byte column on ``line``."""
    return len(line.encode("utf-8")[:byte_column].decode("utf-8", errors="replace"))


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace the text from (line, column) to (end_line, end_column) with ``text``.

    Lines count from 1, columns are UTF-8 byte offsets (``ast``'s); an insertion
    has its end equal to its start.
    """

    line: int
    column: int
    end_line: int
    end_column: int
    text: str

    @classmethod
    def insert(cls, line: int, column: int, text: str) -> Edit:
        """An edit that inserts ``text`` at (line, column)."""
        return cls(line, column, line, column, text)

    @classmethod
    def replace_node(cls, node: ast.AST, text: str) -> Edit:
        """An edit that replaces the source of ``node``."""
        return cls(
            node.lineno,  # type: ignore[attr-defined]
            node.col_offset,  # type: ignore[attr-defined]
            node.end_lineno or node.lineno,  # type: ignore[attr-defined]
            node.end_col_offset or 0,  # type: ignore[attr-defined]
            text,
        )


def apply_edits(source: str, edits: Iterable[Edit]) -> str:
    """Apply non-overlapping edits to ``source`` (in any order)."""
    lines = source.splitlines(keepends=True) or [""]
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(line: int, column: int) -> int:
        if line > len(lines):
            return len(source)
        return starts[line - 1] + char_column(lines[line - 1], column)

    text = source
    ordered = sorted(edits, key=lambda e: (e.line, e.column), reverse=True)
    for edit in ordered:
        start = offset(edit.line, edit.column)
        end = offset(edit.end_line, edit.end_column)
        text = text[:start] + edit.text + text[end:]
    return text


def _string_lines(source: str) -> set[int]:
    """Return the lines (from 1) that start inside a multi-line string."""
    inside: set[int] = set()
    if '"""' not in source and "'''" not in source and "\\\n" not in source:
        return inside  # only these open a string across lines: skip tokenizing
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            kind = token.type
            if kind == tokenize.STRING or kind == getattr(
                tokenize, "FSTRING_MIDDLE", -1
            ):
                inside.update(range(token.start[0] + 1, token.end[0] + 1))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass  # code that does not tokenize is shifted line by line
    return inside


def indent(source: str, prefix: str = "    ") -> str:
    """Shift every line of ``source`` right by ``prefix``, except inside strings.

    Lines that continue a multi-line string keep their text: indenting them
    would change the string's value. Blank lines stay empty.
    """
    keep = _string_lines(source)
    out = []
    for number, line in enumerate(source.splitlines(), start=1):
        if number in keep or not line.strip():
            out.append(line if number in keep else "")
        else:
            out.append(prefix + line)
    return "\n".join(out)


@dataclass(frozen=True, slots=True)
class Statement:
    """Top-level statements that share lines, with the comments written above.

    Attributes:
        nodes: The statements (more than one when joined by ``;``).
        first: First line of the text (the comments above the statement included).
        start: Line where the statement itself starts (its first decorator).
        end: Last line of the statement.
    """

    nodes: tuple[ast.stmt, ...]
    first: int
    start: int
    end: int


def _start(node: ast.stmt) -> int:
    decorators = getattr(node, "decorator_list", None) or []
    return min([node.lineno, *(d.lineno for d in decorators)])


def statements(tree: ast.Module) -> list[Statement]:
    """Group a module's top-level statements by the lines they occupy.

    Comments and blank lines between two statements belong to the one below, so a
    function keeps the comment that introduces it.
    """
    groups: list[list[ast.stmt]] = []
    end = 0
    for node in tree.body:
        if groups and _start(node) <= end:
            groups[-1].append(node)
        else:
            groups.append([node])
        end = max(end, node.end_lineno or node.lineno)
    result: list[Statement] = []
    previous_end = 0
    for group in groups:
        start = _start(group[0])
        last = max(n.end_lineno or n.lineno for n in group)
        result.append(Statement(tuple(group), previous_end + 1, start, last))
        previous_end = last
    return result


def segment(lines: Sequence[str], first: int, last: int) -> str:
    """Return lines ``first``..``last`` (from 1, inclusive), as ``tidy`` leaves them."""
    return tidy("\n".join(lines[first - 1 : last]))


def tidy(source: str) -> str:
    """Drop blank lines at both ends, trailing spaces and runs of blank lines.

    What a formatter would do to code placed in a function body; the inside of
    multi-line strings is left as it is.
    """
    keep = _string_lines(source)
    out: list[str] = []
    for number, line in enumerate(source.splitlines(), start=1):
        if number in keep:
            out.append(line)
        elif line.strip():
            out.append(line.rstrip())
        elif out and out[-1] != "":
            out.append("")
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out)
