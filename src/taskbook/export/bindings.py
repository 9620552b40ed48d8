"""Which names a cell's code binds for certain, and whether it awaits.

A task returns the names it binds; a name bound only on some paths (inside an
``if`` or a loop) may be unbound when the function returns, so the exporter
passes its earlier value in. ``awaits`` tells whether code needs ``async def``.
Pure: ``ast`` only.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

__all__ = ("awaits", "surely_bound")

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def _targets(node: ast.AST) -> set[str]:
    if isinstance(node, ast.Name):
        return {node.id}
    if isinstance(node, (ast.Tuple, ast.List)):
        return set().union(*(_targets(e) for e in node.elts)) if node.elts else set()
    if isinstance(node, ast.Starred):
        return _targets(node.value)
    return set()


def _walrus(node: ast.AST) -> set[str]:
    found: set[str] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.NamedExpr):
            found.add(current.target.id)
        if not isinstance(current, (*_SCOPES, ast.comprehension)):
            stack.extend(ast.iter_child_nodes(current))
    return found


def surely_bound(statements: Iterable[ast.stmt]) -> set[str]:
    """Return the names bound on every path through ``statements`` that ends normally."""
    bound: set[str] = set()
    for statement in statements:
        if isinstance(statement, ast.Assign):
            for target in statement.targets:
                bound |= _targets(target)
            bound |= _walrus(statement.value)
        elif isinstance(statement, (ast.AnnAssign, ast.AugAssign)):
            if getattr(statement, "value", None) is not None:
                bound |= _targets(statement.target)
        elif isinstance(statement, (ast.Import, ast.ImportFrom)):
            for alias in statement.names:
                if alias.name != "*":
                    bound.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(
            statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
        ):
            bound.add(statement.name)
        elif isinstance(statement, (ast.With, ast.AsyncWith)):
            for item in statement.items:
                if item.optional_vars is not None:
                    bound |= _targets(item.optional_vars)
            bound |= surely_bound(statement.body)
        elif isinstance(statement, ast.If):
            bound |= _walrus(statement.test)
            if statement.orelse:
                bound |= surely_bound(statement.body) & surely_bound(statement.orelse)
        elif isinstance(statement, ast.Delete):
            for target in statement.targets:
                bound -= _targets(target)
        elif isinstance(statement, ast.Expr):
            bound |= _walrus(statement.value)
    return bound


def awaits(tree: ast.Module) -> bool:
    """Whether module-level code awaits (``await``, ``async for``, ``async with``)."""
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Await, ast.AsyncFor, ast.AsyncWith)):
            return True
        if isinstance(node, ast.comprehension) and node.is_async:
            return True
        if not isinstance(node, _SCOPES):
            stack.extend(ast.iter_child_nodes(node))
    return False
