"""What a nested scope (function, lambda, class body, comprehension) takes from outside.

Pure ``ast`` walking that follows Python's scoping rules: parameters, assignments,
imports and ``except``/``match`` captures bind locally, ``global``/``nonlocal`` do
not, methods skip the class scope, a comprehension's walrus binds in the scope
around it. Used by ``core.analysis`` for the free globals of cell-level functions.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator

__all__ = ("Comprehension", "free_names", "import_names", "same_scope_children")

_FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
Comprehension = ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp


def _arguments_parts(args: ast.arguments) -> list[ast.expr]:
    """Return the defaults and annotations of a signature (evaluated at def time)."""
    parts: list[ast.expr] = [*args.defaults]
    parts += [d for d in args.kw_defaults if d is not None]
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    every += [a for a in (args.vararg, args.kwarg) if a is not None]
    parts += [a.annotation for a in every if a.annotation is not None]
    return parts


def _parameter_names(args: ast.arguments) -> set[str]:
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    every += [a for a in (args.vararg, args.kwarg) if a is not None]
    return {a.arg for a in every}


def same_scope_children(node: ast.AST) -> list[ast.AST]:
    """Return the children of ``node`` that are evaluated in the scope holding it."""
    if isinstance(node, _FunctionNode):
        returns = [node.returns] if node.returns is not None else []
        return [*node.decorator_list, *_arguments_parts(node.args), *returns]
    if isinstance(node, ast.Lambda):
        return [*node.args.defaults, *(d for d in node.args.kw_defaults if d)]
    if isinstance(node, ast.ClassDef):
        return [*node.decorator_list, *node.bases, *node.keywords]
    if isinstance(node, Comprehension):
        return [node.generators[0].iter]
    return list(ast.iter_child_nodes(node))


def _walk_scope(roots: Iterable[ast.AST]) -> Iterator[ast.AST]:
    """Yield the nodes run in the current scope; nested scopes are not entered."""
    stack = list(roots)[::-1]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(same_scope_children(node)[::-1])


def _walrus_targets(comprehension: ast.AST) -> set[str]:
    """Return walrus targets in a comprehension: they bind in the enclosing scope."""
    found: set[str] = set()
    stack: list[ast.AST] = [comprehension]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.NamedExpr):
            found.add(node.target.id)
        if not isinstance(node, _FunctionNode | ast.Lambda | ast.ClassDef):
            stack.extend(ast.iter_child_nodes(node))
    return found


def _scope_body(node: ast.AST) -> tuple[set[str], list[ast.AST]]:
    """Return the parameters and the body nodes of a nested scope."""
    if isinstance(node, _FunctionNode):
        return _parameter_names(node.args), list(node.body)
    if isinstance(node, ast.Lambda):
        return _parameter_names(node.args), [node.body]
    if isinstance(node, ast.ClassDef):
        return set(), list(node.body)
    assert isinstance(node, Comprehension)
    body: list[ast.AST] = []
    for index, generator in enumerate(node.generators):
        body += [generator.target] if index == 0 else [generator.iter, generator.target]
        body += generator.ifs
    if isinstance(node, ast.DictComp):
        return set(), [*body, node.key, node.value]
    return set(), [*body, node.elt]


def free_names(scope: ast.AST) -> tuple[set[str], set[str]]:
    """Return a nested scope's free names and the names it writes via ``global``."""
    params, body = _scope_body(scope)
    bound, loads, nested_free = set(params), set[str](), set[str]()
    declared_global, declared_nonlocal = set[str](), set[str]()
    global_writes: set[str] = set()
    for node in _walk_scope(body):
        if isinstance(node, ast.Name):
            (loads if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.Global):
            declared_global.update(node.names)
        elif isinstance(node, ast.Nonlocal):
            declared_nonlocal.update(node.names)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            bound.update(import_names(node))
        elif isinstance(node, ast.ExceptHandler | ast.MatchAs | ast.MatchStar):
            if node.name:
                bound.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            bound.add(node.rest)
        if isinstance(node, _FunctionNode | ast.ClassDef):
            bound.add(node.name)
        if isinstance(node, _FunctionNode | ast.ClassDef | ast.Lambda | Comprehension):
            free, writes = free_names(node)
            nested_free |= free
            global_writes |= writes
        if isinstance(node, Comprehension):
            bound |= _walrus_targets(node)
    if isinstance(scope, Comprehension):
        bound -= _walrus_targets(scope)  # the enclosing scope owns them
    local = bound - declared_global - declared_nonlocal
    global_writes |= declared_global & bound
    if isinstance(scope, ast.ClassDef):
        return (loads - local) | nested_free, global_writes  # methods skip class scope
    return (loads | nested_free) - local, global_writes


def import_names(node: ast.Import | ast.ImportFrom) -> list[str]:
    """Return the names an import binds (``import a.b`` binds ``a``)."""
    return [
        alias.asname or alias.name.split(".")[0]
        for alias in node.names
        if alias.name != "*"
    ]
