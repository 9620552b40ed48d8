"""Static dependency analysis of one notebook cell (DESIGN §3, "Dependency inference").

Turns a cell's source into the names it defines, reads, mutates and deletes, plus
the free globals of the functions it defines. Pure: stdlib ``ast`` only, nothing runs,
and a cell that does not parse is still analysed (empty sets plus the error message).
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from taskbook.core import pyast
from taskbook.core.scopes import (
    Comprehension,
    free_names,
    import_names,
    same_scope_children,
)

__all__ = ("BUILTIN_NAMES", "CellAnalysis", "analyze_cell")

BUILTIN_NAMES: frozenset[str] = frozenset(dir(builtins))
"""Names a cell may read without any cell defining them (unless the notebook does)."""

_Frees = tuple[tuple[str, frozenset[str]], ...]


@dataclass(frozen=True, slots=True)
class CellAnalysis:
    """What one cell defines and reads, as far as its source shows.

    Attributes:
        defines: Names bound at cell level and still bound at the end of the cell.
        reads: Names read before the cell binds them (builtins excluded unless
            shadowed), including free globals of functions and lambdas it defines.
        mutates: Names the cell mutates in place but does not own: always also in
            ``reads``. A name the cell bound earlier is its own value, not a mutation.
        deletes: Names removed by a cell-level ``del name`` and not rebound afterwards.
        called_on: The names in ``mutates`` whose only mutation is a bare method
            call (``time.sleep(1)``): a read only if the name is a module, which
            the graph builder knows from the cell that binds it.
        imports: Names the cell binds with ``import`` and does not rebind.
        star_import: Whether the cell runs ``from module import *``.
        functions: Sorted ``(name, free globals)`` pairs of the functions and classes
            defined at cell level; a tuple so the analysis stays hashable.
        calls: Non-builtin names called at cell level or inside cell-defined functions,
            excluding names that are only ever local to a function.
        syntax_error: The parser's message if the cell does not parse, else ``None``.
    """

    defines: frozenset[str] = frozenset()
    reads: frozenset[str] = frozenset()
    mutates: frozenset[str] = frozenset()
    deletes: frozenset[str] = frozenset()
    called_on: frozenset[str] = frozenset()
    imports: frozenset[str] = frozenset()
    star_import: bool = False
    functions: _Frees = ()
    calls: frozenset[str] = frozenset()
    syntax_error: str | None = None

    def function_globals(self) -> Mapping[str, frozenset[str]]:
        """Return ``functions`` as a read-only mapping from name to free globals."""
        return MappingProxyType(dict(self.functions))


def analyze_cell(
    source: str, shadowed_builtins: frozenset[str] = frozenset()
) -> CellAnalysis:
    """Infer the definitions and references of one cell from its source.

    Builtins are filtered here, not by the graph builder: pass the builtin names that
    the notebook redefines as ``shadowed_builtins`` so that reading them counts.

    The caller is expected to hand over plain Python (IPython's transforms applied).
    As a fallback only, a source that does not parse is retried with a leading
    ``%%magic`` line blanked and ``%line``/``!shell`` lines replaced by ``pass``.

    Args:
        source: The cell's Python source.
        shadowed_builtins: Builtin names some notebook cell defines.

    Returns:
        The analysis; on a syntax error, empty sets and ``syntax_error`` set.
    """
    try:
        tree = _parse(source)
    except SyntaxError as error:
        where = f" (line {error.lineno})" if error.lineno else ""
        return CellAnalysis(syntax_error=f"{error.msg}{where}")
    except ValueError as error:  # Python 3.11 rejects null bytes with ValueError
        return CellAnalysis(syntax_error=str(error))
    ignored = BUILTIN_NAMES - shadowed_builtins
    visitor = _CellVisitor(ignored)
    for statement in tree.body:
        visitor.visit(statement)
    return visitor.result(tree)


def _parse(source: str) -> ast.Module:
    """Parse ``source``; on failure retry once with IPython magics neutralised."""
    try:
        return _compile(source)
    except SyntaxError:
        stripped = _strip_magics(source)
        if stripped == source:
            raise
    try:
        return _compile(stripped)
    except SyntaxError:
        return _compile(source)  # report the error of the source the user wrote


def _compile(source: str) -> ast.Module:
    """Parse like IPython does: a cell may ``await`` at top level."""
    tree = pyast.parse(source, "<cell>", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    assert isinstance(tree, ast.Module)
    return tree


def _strip_magics(source: str) -> str:
    """Blank leading ``%%`` lines and turn ``%``/``!`` lines into ``pass``.

    Lines are replaced, never removed, so syntax-error line numbers stay true.
    """
    lines: list[str] = []
    at_top = True
    for line in source.splitlines():
        text = line.lstrip()
        if at_top and (not text or text.startswith("%%")):
            lines.append("")
            continue
        at_top = False
        if text.startswith(("%", "!")):
            lines.append(line[: len(line) - len(text)] + "pass")
        else:
            lines.append(line)
    return "\n".join(lines)


def _base_name(node: ast.expr) -> str | None:
    """Return ``x`` for ``x``, ``x.a``, ``x[i]``, ``x.a[i].b`` and so on."""
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


class _Frame:
    """A class body or comprehension met while walking cell-level code."""

    __slots__ = ("is_comprehension", "names")

    def __init__(self, is_comprehension: bool) -> None:
        self.is_comprehension = is_comprehension
        self.names: set[str] = set()


class _CellVisitor(ast.NodeVisitor):
    """Walk cell-level statements in execution order, tracking what is bound when."""

    def __init__(self, ignored: frozenset[str]) -> None:
        self.ignored = ignored
        self.frames: list[_Frame] = []
        self.bound: set[str] = set()
        self.ever_bound: set[str] = set()
        self.defines: set[str] = set()
        self.reads: set[str] = set()
        self.mutates: set[str] = set()
        self.called_on: set[str] = set()
        self.assigned_into: set[str] = set()
        self.imports: set[str] = set()
        self.deletes: set[str] = set()
        self.deferred: set[str] = set()
        self.functions: dict[str, frozenset[str]] = {}
        self.star_import = False

    def result(self, tree: ast.Module) -> CellAnalysis:
        """Return the analysis once every statement has been visited."""
        late = {n for n in self.deferred if n not in self.ever_bound}
        reads = self.reads | (late - self.ignored)
        called = {
            node.func.id
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        }
        visible = reads | self.ever_bound | self.deferred
        return CellAnalysis(
            defines=frozenset(self.defines),
            reads=frozenset(reads),
            mutates=frozenset(self.mutates),
            deletes=frozenset(self.deletes),
            called_on=frozenset((self.called_on & self.mutates) - self.assigned_into),
            imports=frozenset(self.imports & self.defines),
            star_import=self.star_import,
            functions=tuple(sorted(self.functions.items())),
            calls=frozenset((called & visible) - self.ignored),
            syntax_error=None,
        )

    def _is_local(self, name: str) -> bool:
        return any(name in frame.names for frame in self.frames)

    def _read(self, name: str) -> None:
        if self._is_local(name) or name in self.bound or name in self.ignored:
            return
        self.reads.add(name)

    def _bind(self, name: str) -> None:
        if self.frames:
            self.frames[-1].names.add(name)
            return
        self._bind_cell(name)

    def _bind_cell(self, name: str) -> None:
        self.imports.discard(name)  # rebound: no longer (only) a module
        self.bound.add(name)
        self.ever_bound.add(name)
        self.defines.add(name)
        self.deletes.discard(name)

    def _mutate(self, name: str | None, by_call: bool = False) -> None:
        if name is None or self._is_local(name) or name in self.bound:
            return
        if name not in self.ignored:
            self.reads.add(name)
            self.mutates.add(name)
            (self.called_on if by_call else self.assigned_into).add(name)

    def _delete(self, name: str) -> None:
        if self.frames:
            self.frames[-1].names.discard(name)
            return
        self._read(name)  # `del x` needs x to exist
        self.bound.discard(name)
        self.defines.discard(name)
        self.deletes.add(name)

    def _visit_all(self, nodes: Iterable[ast.AST]) -> None:
        for node in nodes:
            self.visit(node)

    # Names and targets -------------------------------------------------------------

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self._read(node.id)
        elif isinstance(node.ctx, ast.Store):
            self._bind(node.id)
        else:
            self._delete(node.id)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        self.generic_visit(node)
        if not isinstance(node.ctx, ast.Load):
            self._mutate(_base_name(node))

    def visit_Subscript(self, node: ast.Subscript) -> None:
        self.generic_visit(node)
        if not isinstance(node.ctx, ast.Load):
            self._mutate(_base_name(node))

    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        self._visit_all(node.targets)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self.visit(node.annotation)
        if node.value is not None:
            self.visit(node.value)
            self.visit(node.target)
        elif not isinstance(node.target, ast.Name):
            # `x.a: int` evaluates x; a bare `x: int` binds nothing.
            self.visit(node.target)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if isinstance(node.target, ast.Name):
            name = node.target.id
            self._mutate(name)
            self._read(name)
            self.visit(node.value)
            self._bind(name)
        else:
            self.visit(node.target)
            self.visit(node.value)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        owners = [f for f in self.frames if not f.is_comprehension]
        if owners:
            owners[-1].names.add(node.target.id)
        else:
            self._bind_cell(node.target.id)  # a walrus in a comprehension binds here

    def visit_Delete(self, node: ast.Delete) -> None:
        self._visit_all(node.targets)

    def visit_Expr(self, node: ast.Expr) -> None:
        self.visit(node.value)
        call = node.value.value if isinstance(node.value, ast.Await) else node.value
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute):
            self._mutate(_base_name(call.func.value), by_call=True)

    # Statements that bind ----------------------------------------------------------

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        self.visit(node.iter)
        self.visit(node.target)
        self._visit_all([*node.body, *node.orelse])

    visit_AsyncFor = visit_For

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.type is not None:
            self.visit(node.type)
        if node.name:
            self._bind(node.name)
        self._visit_all(node.body)

    def visit_MatchAs(self, node: ast.MatchAs) -> None:
        if node.pattern is not None:
            self.visit(node.pattern)
        if node.name:
            self._bind(node.name)

    def visit_MatchStar(self, node: ast.MatchStar) -> None:
        if node.name:
            self._bind(node.name)

    def visit_MatchMapping(self, node: ast.MatchMapping) -> None:
        self._visit_all([*node.keys, *node.patterns])
        if node.rest:
            self._bind(node.rest)

    def visit_Import(self, node: ast.Import) -> None:
        self._bind_imports(import_names(node))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if any(alias.name == "*" for alias in node.names):
            self.star_import = True
        self._bind_imports(import_names(node))

    def _bind_imports(self, names: Iterable[str]) -> None:
        for name in names:
            self._bind(name)
            if not self.frames:
                self.imports.add(name)

    # Nested scopes -----------------------------------------------------------------

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self._visit_all(same_scope_children(node))
        free, global_writes = free_names(node)
        self.deferred |= free
        if not self.frames:
            self.functions[node.name] = frozenset(free - self.ignored)
        for name in sorted(global_writes):
            self._bind_cell(name)
        self._bind(node.name)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._visit_all(same_scope_children(node))
        free, _ = free_names(node)
        comprehension_locals = set[str]().union(
            *(f.names for f in self.frames if f.is_comprehension)
        )
        self.deferred |= free - comprehension_locals

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._visit_all(same_scope_children(node))
        self.frames.append(_Frame(is_comprehension=False))
        self._visit_all(node.body)
        self.frames.pop()
        if not self.frames:
            free, _ = free_names(node)
            self.functions[node.name] = frozenset(free - self.ignored)
        self._bind(node.name)

    def _visit_comprehension(
        self, node: Comprehension, results: list[ast.expr]
    ) -> None:
        self.visit(node.generators[0].iter)
        self.frames.append(_Frame(is_comprehension=True))
        for index, generator in enumerate(node.generators):
            if index:
                self.visit(generator.iter)
            self.visit(generator.target)
            self._visit_all(generator.ifs)
        self._visit_all(results)
        self.frames.pop()

    def visit_ListComp(self, node: ast.ListComp) -> None:
        self._visit_comprehension(node, [node.elt])

    def visit_SetComp(self, node: ast.SetComp) -> None:
        self._visit_comprehension(node, [node.elt])

    def visit_GeneratorExp(self, node: ast.GeneratorExp) -> None:
        self._visit_comprehension(node, [node.elt])

    def visit_DictComp(self, node: ast.DictComp) -> None:
        self._visit_comprehension(node, [node.key, node.value])
