"""Cut a cell's code into what goes to module level and what stays in its step.

Imports and ``def``/``class`` statements at cell level move to the module (so
every task sees them, as every cell does in a notebook); the other statements
are the cell's body: the task function's or the flow's. Each piece keeps the
comments written above it. A cell's last line that only shows a value (``df``,
``df.shape``) does nothing in a module: it stays, as a comment. Pure.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from taskbook.export.names import Binding, import_bindings
from taskbook.export.source import parse, segment, statements, tidy

__all__ = ("Definition", "ImportStatement", "Pieces", "split")

_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


@dataclass(frozen=True, slots=True)
class ImportStatement:
    """A cell-level import: its text and what it binds."""

    text: str
    node: ast.Import | ast.ImportFrom
    bindings: dict[str, Binding] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Definition:
    """A cell-level function or class, with the comments above it."""

    name: str
    text: str
    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


@dataclass(frozen=True, slots=True)
class Pieces:
    """A cell's code, cut into module-level pieces and its body."""

    imports: tuple[ImportStatement, ...]
    definitions: tuple[Definition, ...]
    body: str
    tree: ast.Module


def split(python: str) -> Pieces:
    """Cut plain-Python cell code into imports, definitions and the rest.

    Statements joined by ``;`` stay in the body unless all of them are imports.

    Raises:
        SyntaxError: The code does not parse.
    """
    tree = parse(python)
    lines = python.splitlines()
    imports: list[ImportStatement] = []
    definitions: list[Definition] = []
    body: list[str] = []
    end = 0
    for group in statements(tree):
        nodes = group.nodes
        end = group.end
        if all(isinstance(n, (ast.Import, ast.ImportFrom)) for n in nodes):
            comments = segment(lines, group.first, group.start - 1)
            for position, node in enumerate(nodes):
                assert isinstance(node, (ast.Import, ast.ImportFrom))
                text = ast.get_source_segment(python, node) or ast.unparse(node)
                if position == 0 and comments and len(nodes) == 1:
                    text = segment(lines, group.first, group.end)
                imports.append(ImportStatement(text, node, import_bindings(node)))
        elif len(nodes) == 1 and isinstance(nodes[0], _DEFINITIONS):
            node = nodes[0]
            text = segment(lines, group.first, group.end)
            definitions.append(Definition(node.name, text, node))
        else:
            body.append("\n".join(lines[group.first - 1 : group.end]))
    body.append("\n".join(lines[end:]))  # comments after the last statement
    text, body_tree = _quiet_shown_value(tidy("\n".join(body)))
    return Pieces(tuple(imports), tuple(definitions), text, body_tree)


_EFFECTS = (ast.Call, ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr, ast.Lambda)


def _quiet_shown_value(body: str) -> tuple[str, ast.Module]:
    """Comment out a last statement that only computes a value for display.

    Returns the body and its tree.
    """
    tree = parse(body)
    if not tree.body or not isinstance(tree.body[-1], ast.Expr):
        return body, tree
    last = tree.body[-1]
    value = last.value
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return body, tree  # a string on its own is a note, not a display
    if any(isinstance(node, _EFFECTS) for node in ast.walk(value)):
        return body, tree
    lines = body.splitlines()
    start, end = last.lineno, last.end_lineno or last.lineno
    if lines[start - 1][: last.col_offset].strip():
        return body, tree  # shares its line with another statement
    shown = [f"# {line}" for line in lines[start - 1 : end]]
    shown[0] = f"{shown[0]}  (the notebook shows this value)"
    text = "\n".join([*lines[: start - 1], *shown, *lines[end:]])
    return text, parse(text)
