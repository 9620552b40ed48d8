"""Notebook functions that read notebook variables get them passed in, or are refused.

In a notebook a function may read a variable another cell made; in a module the
function lives at module level and that variable in the flow. A function that
reads one gets it as a keyword-only parameter, and every call of it (in cells
and in other functions, transitively) passes it on. When that cannot work (the
function is used without being called, is a class, reads the variable when it is
defined, or assigns it through ``global``) ``NotebookGlobalError`` names the
function, the variable and the cell. Pure: ``ast`` and text edits.
"""

from __future__ import annotations

import ast
import io
import tokenize
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from taskbook.core.scopes import free_names, same_scope_children
from taskbook.errors import NotebookGlobalError
from taskbook.export.source import Edit, char_column

__all__ = ("FunctionSite", "passed_globals")

_Function = ast.FunctionDef | ast.AsyncFunctionDef
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


@dataclass(frozen=True, slots=True)
class FunctionSite:
    """A cell-level function or class: where it is and its node."""

    name: str
    cell: int
    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


def passed_globals(
    sites: Sequence[FunctionSite],
    data: frozenset[str],
    trees: Mapping[int, tuple[ast.Module, str]],
) -> tuple[dict[str, tuple[str, ...]], dict[int, list[Edit]]]:
    """Find what each notebook function needs passed in, and the edits that do it.

    Args:
        sites: The notebook's cell-level functions and classes.
        data: Names the flow holds as variables (cell variables, parameters).
        trees: Cell number -> (its translated code's tree, that code).

    Returns:
        Function name -> the variables it takes as keyword-only parameters, and
        cell number -> the edits to its code (signatures and calls).

    Raises:
        NotebookGlobalError: A function's variable cannot be passed in.
    """
    functions = {site.name: site for site in sites}
    direct: dict[str, set[str]] = {}
    calls: dict[str, set[str]] = {}
    for site in sites:
        free, writes = free_names(site.node)
        _check_definition(site, data, writes)
        direct[site.name] = (free & data) - {site.name}
        calls[site.name] = (free & functions.keys()) - {site.name}
    needs = _transitive(direct, calls, sites)
    edits: dict[int, list[Edit]] = {}
    for site in sites:
        wanted = needs.get(site.name, ())
        if not wanted:
            continue
        if isinstance(site.node, ast.ClassDef):
            raise NotebookGlobalError.from_function(
                site.name,
                site.cell,
                wanted[0],
                "and a class cannot take it as a parameter",
                f"Pass {wanted[0]!r} to the methods that use it.",
            )
        tree, code = trees[site.cell]
        edits.setdefault(site.cell, []).append(_signature_edit(site.node, code, wanted))
    for cell, (tree, code) in trees.items():
        for node, parent in _references(tree, needs):
            site = functions[node.id]
            if not isinstance(parent, ast.Call) or parent.func is not node:
                text = ast.get_source_segment(code, parent or node) or node.id
                raise NotebookGlobalError.from_function(
                    site.name,
                    site.cell,
                    needs[node.id][0],
                    f"and cell {cell} uses {site.name} without calling it "
                    f"({text.strip()})",
                )
            edit = _call_edit(parent, code, needs[node.id])
            if edit is not None:
                edits.setdefault(cell, []).append(edit)
    return {k: v for k, v in needs.items() if v}, edits


def _check_definition(
    site: FunctionSite, data: frozenset[str], writes: set[str]
) -> None:
    for name in sorted(writes & data):
        raise NotebookGlobalError.from_function(
            site.name,
            site.cell,
            name,
            "and assigns it with a global statement",
            f"Return the new value of {name!r} from {site.name}() instead.",
        )
    roots = list(same_scope_children(site.node))
    if isinstance(site.node, ast.ClassDef):
        roots += site.node.body  # a class body runs when the class is defined
    early = {
        node.id
        for node in _walk_here(roots)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
    }
    for name in sorted(early & data):
        what = (
            "in its class body"
            if isinstance(site.node, ast.ClassDef)
            else ("in its defaults, annotations or decorators")
        )
        raise NotebookGlobalError.from_function(
            site.name,
            site.cell,
            name,
            f"{what}, where the module defines it before the flow runs",
            f"Pass {name!r} in as an argument when you call it.",
        )


def _walk_here(roots: list[ast.AST]) -> Iterator[ast.AST]:
    """Walk ``roots`` without entering the bodies of functions they define."""
    stack = list(roots)
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (*_FUNCTIONS, ast.Lambda)):
            stack.extend(same_scope_children(node))
        else:
            stack.extend(ast.iter_child_nodes(node))


def _transitive(
    direct: dict[str, set[str]],
    calls: dict[str, set[str]],
    sites: Sequence[FunctionSite],
) -> dict[str, tuple[str, ...]]:
    locals_of = {site.name: _locals(site.node) for site in sites}
    needs = {name: set(names) for name, names in direct.items()}
    changed = True
    while changed:
        changed = False
        for name, callees in calls.items():
            for callee in callees:
                extra = needs[callee] - needs[name] - locals_of[name]
                if extra:
                    needs[name] |= extra
                    changed = True
    return {name: tuple(sorted(names)) for name, names in needs.items()}


def _locals(node: ast.AST) -> set[str]:
    """Names a function binds itself (its parameters and assignments)."""
    if not isinstance(node, _Function):
        return set()
    mentioned = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    mentioned |= {a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)}
    return mentioned - free_names(node)[0]


def _references(
    tree: ast.Module, needs: Mapping[str, tuple[str, ...]]
) -> Iterator[tuple[ast.Name, ast.AST | None]]:
    """Yield loads of functions that need variables, with the node holding each."""
    parents: dict[ast.AST, ast.AST] = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Name)
            and isinstance(node.ctx, ast.Load)
            and needs.get(node.id)
        ):
            yield node, parents.get(node)


def _tokens(code: str, node: ast.AST) -> list[tokenize.TokenInfo]:
    """The tokens of ``node``'s source (``node`` spans whole lines or not)."""
    text = ast.get_source_segment(code, node, padded=True) or ""
    try:
        return list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return []


_SKIP = (
    tokenize.NL,
    tokenize.NEWLINE,
    tokenize.COMMENT,
    tokenize.INDENT,
    tokenize.DEDENT,
    tokenize.ENDMARKER,
)


def _call_edit(call: ast.Call, code: str, names: tuple[str, ...]) -> Edit | None:
    given = {k.arg for k in call.keywords}
    missing = [n for n in names if n not in given]
    if not missing:
        return None
    words = ", ".join(f"{n}={n}" for n in missing)
    tokens = [t for t in _tokens(code, call) if t.type not in _SKIP]
    before = tokens[-2].string if len(tokens) >= 2 else "("
    text = words if before in ("(", ",") else f", {words}"
    line, column = call.end_lineno or call.lineno, (call.end_col_offset or 1) - 1
    return Edit.insert(line, column, text)


def _signature_edit(node: ast.AST, code: str, names: tuple[str, ...]) -> Edit:
    """Add ``names`` as keyword-only parameters to a ``def``."""
    assert isinstance(node, _Function)
    arguments = node.args
    star_done = arguments.vararg is not None or bool(arguments.kwonlyargs)
    words = ", ".join(names)
    lines = code.splitlines()
    if arguments.kwarg is not None:
        line = arguments.kwarg.lineno
        text = lines[line - 1]
        column = _byte(
            text, text.rfind("**", 0, char_column(text, arguments.kwarg.col_offset))
        )
        prefix = "" if star_done else "*, "
        return Edit.insert(line, column, f"{prefix}{words}, ")
    line, column, before = _closing_paren(node, code)
    has_any = bool(
        arguments.posonlyargs
        or arguments.args
        or arguments.kwonlyargs
        or arguments.vararg
    )
    star = "" if star_done else "*, "
    if not has_any:
        text = f"{star}{words}"
    elif before == ",":
        text = f"{star}{words}"
    else:
        text = f", {star}{words}"
    return Edit.insert(line, column, text)


def _closing_paren(node: _Function, code: str) -> tuple[int, int, str]:
    """Return (line, byte column) of the ``)`` closing the parameters, and the
    significant token before it."""
    text = "\n".join(code.splitlines()[node.lineno - 1 :])
    depth = 0
    previous = ""
    readline = io.StringIO(text).readline
    for token in tokenize.generate_tokens(readline):
        if token.type in _SKIP:
            continue
        if token.string == "(":
            depth += 1
        elif token.string == ")":
            depth -= 1
            if depth == 0:
                row, col = token.start
                line = node.lineno + row - 1
                source_line = code.splitlines()[line - 1]
                return line, _byte(source_line, col), previous
        previous = token.string
    raise ValueError("no closing parenthesis")  # the code parsed: cannot happen


def _byte(line: str, column: int) -> int:
    return len(line[:column].encode("utf-8"))
