"""The module's imports: the notebook's and its own, once each, sorted as isort sorts.

Cells import as they like; the module imports each name once, at the top, in
ruff's isort order (``__future__``, standard library, third party, relative; plain
``import`` lines first, ``from`` lines merged by module, names by type then name).
Two cells binding one name to different things is an ``ExportConflictError``. An
import the exported code never reads is kept (for its side effects) with
``# noqa: F401``, except in the parameters cell, whose imports served its
declarations. The module's own imports go through the ``Namer``. Pure.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field

from taskbook.errors import ExportConflictError
from taskbook.export.layout import LINE_LENGTH
from taskbook.export.names import Binding, Namer, import_bindings
from taskbook.export.pieces import ImportStatement

__all__ = ("Generated", "ModuleImports")

_STDLIB = frozenset(sys.stdlib_module_names)

Translate = Callable[[ast.Import | ast.ImportFrom, int], ast.Import | ast.ImportFrom]


@dataclass(frozen=True, slots=True)
class _Import:
    """One imported name: ``import module [as alias]`` or ``from module import name``."""

    module: str
    name: str | None = None
    alias: str | None = None

    @property
    def bound(self) -> str:
        if self.alias:
            return self.alias
        return self.name if self.name is not None else self.module.split(".")[0]

    @property
    def binding(self) -> Binding:
        if self.name is None:
            return Binding(self.module if self.alias else self.bound)
        return Binding(self.module, self.name)


def _entries(node: ast.Import | ast.ImportFrom) -> list[_Import]:
    if isinstance(node, ast.Import):
        return [_Import(a.name, None, a.asname) for a in node.names]
    module = "." * node.level + (node.module or "")
    return [_Import(module, a.name, a.asname) for a in node.names if a.name != "*"]


def _section(module: str) -> int:
    if module == "__future__":
        return 0
    if module.startswith("."):
        return 3
    return 1 if module.split(".")[0] in _STDLIB else 2


def _name_key(name: str) -> tuple[int, str]:
    """isort's ``order-by-type``: CONSTANTS, then Classes, then the rest."""
    kind = 0 if len(name) > 1 and name.isupper() else 1 if name[:1].isupper() else 2
    return kind, name.lower()


def _statements(entries: Iterable[_Import]) -> list[tuple[int, str, list[_Import]]]:
    """Group entries into statements: (section, sort key, the names of one line)."""
    statements: list[tuple[int, str, list[_Import]]] = []
    merged: dict[str, list[_Import]] = {}
    for entry in entries:
        section = _section(entry.module)
        if entry.name is None:
            key = f"0 {entry.module.lower()} {entry.module} {entry.alias or ''}"
            statements.append((section, key, [entry]))
        elif entry.alias:
            key = f"1 {entry.module.lower()} {entry.module} 1 {entry.name.lower()}"
            statements.append((section, key, [entry]))
        else:
            merged.setdefault(entry.module, []).append(entry)
    for module, names in merged.items():
        key = f"1 {module.lower()} {module} 0"
        statements.append((_section(module), key, names))
    return sorted(statements, key=lambda s: (s[0], s[1]))


def _lines(names: list[_Import], unread: Collection[str]) -> list[str]:
    first = names[0]
    noqa = "  # noqa: F401"
    if first.name is None:
        alias = f" as {first.alias}" if first.alias else ""
        return [
            f"import {first.module}{alias}" + (noqa if first.bound in unread else "")
        ]
    names = sorted(names, key=lambda n: _name_key(n.name or ""))
    items = [n.name + (f" as {n.alias}" if n.alias else "") for n in names if n.name]
    flat = f"from {first.module} import {', '.join(items)}"
    quiet = first.module != "__future__" and any(n.bound in unread for n in names)
    if len(flat) <= LINE_LENGTH:
        return [flat + (noqa if quiet else "")]
    return [
        f"from {first.module} import (",
        *(
            f"    {item}," + (noqa if name.bound in unread else "")
            for item, name in zip(items, names, strict=True)
        ),
        ")",
    ]


@dataclass
class ModuleImports:
    """Collects the module's imports, one binding per name."""

    translate: Translate
    entries: dict[_Import, None] = field(default_factory=dict)
    bound: dict[str, tuple[_Import, int]] = field(default_factory=dict)
    unread: set[str] = field(default_factory=set)

    def add(
        self,
        statement: ImportStatement,
        cell: int,
        reads: Collection[str],
        from_parameters: bool = False,
    ) -> None:
        """Add one cell-level import statement.

        Args:
            statement: The import as the cell wrote it.
            cell: The cell's number, for messages.
            reads: Every name the exported code reads.
            from_parameters: It is in the parameters cell.

        Raises:
            ExportConflictError: A name is bound to something else by another cell.
        """
        node = _without_param(statement.node, reads)
        if node is None:
            return  # the flow's signature carries the declarations; Prefect has none
        bound = import_bindings(node)
        if from_parameters and bound and not any(n in reads for n in bound):
            return  # it only served the declarations, which the signature replaced
        for entry in _entries(self.translate(node, cell)):
            self._add(entry, cell)
            if entry.bound not in reads:
                self.unread.add(entry.bound)

    def _add(self, entry: _Import, cell: int) -> None:
        previous = self.bound.get(entry.bound)
        if previous is not None and previous[0].binding != entry.binding:
            raise ExportConflictError.from_name(
                entry.bound,
                f"Cell {previous[1]} imports {entry.bound!r} from {_where(previous[0])}",
                f"cell {cell} imports it from {_where(entry)}",
            )
        self.bound.setdefault(entry.bound, (entry, cell))
        self.entries.setdefault(entry, None)

    def add_generated(self, binding: Binding, name: str) -> None:
        """Add one of the module's own imports, bound to ``name``."""
        if binding.attribute is None:
            alias = name if name != binding.module.split(".")[0] else None
            entry = _Import(binding.module, None, alias)
        else:
            alias = name if name != binding.attribute else None
            entry = _Import(binding.module, binding.attribute, alias)
        self.bound.setdefault(entry.bound, (entry, 0))
        self.entries.setdefault(entry, None)

    def lines(self) -> list[str]:
        """The import block: sections apart by one blank line."""
        out: list[str] = []
        section = None
        for current, _, names in _statements(self.entries):
            if section is not None and current != section:
                out.append("")
            section = current
            out += _lines(names, self.unread)
        return out

    def module_names(self) -> set[str]:
        """The names the imports bind."""
        return set(self.bound)


def _where(entry: _Import) -> str:
    if entry.name is None:
        return entry.module
    return f"{entry.module}.{entry.name}"


def _without_param(
    node: ast.Import | ast.ImportFrom, reads: Collection[str]
) -> ast.Import | ast.ImportFrom | None:
    """Drop taskbook's ``Param`` from an import when nothing else reads it.

    ``Param`` declares parameters; the flow's signature carries them, and Prefect
    has no ``Param``. Returns None when nothing is left to import.
    """
    if (
        not isinstance(node, ast.ImportFrom)
        or (node.module or "").split(".")[0] != "taskbook"
        or "Param" in reads
    ):
        return node
    kept = [a for a in node.names if a.name != "Param"]
    if len(kept) == len(node.names):
        return node
    return ast.ImportFrom(module=node.module, names=kept, level=0) if kept else None


@dataclass
class Generated:
    """The module's own imports, named by the ``Namer`` when first asked for."""

    namer: Namer
    requests: dict[str, tuple[Binding, str]]
    names: dict[str, str] = field(default_factory=dict)
    fresh: dict[str, tuple[Binding, str]] = field(default_factory=dict)

    def name(self, key: str) -> str:
        """Return the module's name for the import ``key`` (imported from now on)."""
        if key not in self.names:
            binding, preferred = self.requests[key]
            self.names[key], line = self.namer.imported(binding, preferred)
            if line is not None:
                self.fresh[key] = (binding, self.names[key])
        return self.names[key]

    def add_to(self, imports: ModuleImports, leave_out: Iterable[str] = ()) -> None:
        """Add the imports asked for (but ``leave_out``) to ``imports``."""
        skipped = set(leave_out)
        for key, (binding, name) in self.fresh.items():
            if key not in skipped:
                imports.add_generated(binding, name)
