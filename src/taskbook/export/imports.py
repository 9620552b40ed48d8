"""The module's imports: the notebook's (deduplicated, made one a line) and its own.

Cells import as they like; the module imports each name once, at the top. Two
cells binding one name to different things is an ``ExportConflictError``. An
import the exported code never reads is kept (for its side effects) with
``# noqa: F401``, except in the parameters cell, whose imports served its
declarations. The module's own imports (``flow``, ``NO_CACHE``...) go through
the ``Namer``, so they reuse the notebook's binding or take a free name. Pure.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field

from taskbook.errors import ExportConflictError
from taskbook.export.names import Binding, Namer, import_bindings
from taskbook.export.pieces import ImportStatement

__all__ = ("Generated", "ModuleImports", "import_text")

_RANK = ("__future__", "datetime", "subprocess", "time", "typing")


def import_text(node: ast.Import | ast.ImportFrom) -> list[str]:
    """Return an import as formatted lines, one module per ``import`` statement."""
    if isinstance(node, ast.Import):
        return [
            f"import {a.name}" + (f" as {a.asname}" if a.asname else "")
            for a in node.names
        ]
    module = "." * node.level + (node.module or "")
    items = [a.name + (f" as {a.asname}" if a.asname else "") for a in node.names]
    flat = f"from {module} import {', '.join(items)}"
    if len(flat) <= 88:
        return [flat]
    return [f"from {module} import (", *(f"    {item}," for item in items), ")"]


@dataclass
class ModuleImports:
    """Collects the notebook's imports in notebook order, one binding per name."""

    translate: Callable[[ast.Import | ast.ImportFrom, int], ast.Import | ast.ImportFrom]
    lines: list[str] = field(default_factory=list)
    future: list[str] = field(default_factory=list)
    bound: dict[str, tuple[Binding, int]] = field(default_factory=dict)
    _seen: set[str] = field(default_factory=set)

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
        node = _without_unread_param(statement.node, reads)
        if node is None:
            return
        bound = import_bindings(node)
        unread = {n for n in bound if n not in reads}
        if from_parameters and bound and unread == set(bound):
            return  # it only served the declarations, which the signature replaced
        translated = self.translate(node, cell)
        for name, binding in import_bindings(translated).items():
            previous = self.bound.get(name)
            if previous is not None and previous[0] != binding:
                raise ExportConflictError.from_name(
                    name,
                    f"Cell {previous[1]} imports {name!r} from {_where(previous[0])}",
                    f"cell {cell} imports it from {_where(binding)}",
                )
            self.bound.setdefault(name, (binding, cell))
        key = ast.dump(translated)
        if key in self._seen:
            return
        self._seen.add(key)
        several = isinstance(node, ast.Import) and len(node.names) > 1
        if translated is statement.node and not several:
            lines = statement.text.splitlines()
            single = translated.lineno == translated.end_lineno
            if unread and single:
                lines[-1] = f"{lines[-1]}  # noqa: F401"
        else:
            lines = [
                f"{line}  # noqa: F401" if _binds_unread(line, unread) else line
                for line in import_text(translated)
            ]
        if isinstance(translated, ast.ImportFrom) and translated.module == "__future__":
            self.future.extend(lines)
        else:
            self.lines.extend(lines)

    def module_names(self) -> set[str]:
        """The names the imports bind."""
        return set(self.bound)


def _where(binding: Binding) -> str:
    if binding.attribute is None:
        return binding.module
    return f"{binding.module}.{binding.attribute}"


def _binds_unread(line: str, unread: Collection[str]) -> bool:
    """Whether a line of ``import_text`` binds a name nobody reads."""
    text = line.strip().rstrip(",")
    if text == ")" or text.endswith("("):
        return False
    if text.startswith("import "):
        parts = text[len("import ") :].split(",")
        names = [
            p.split()[-1] if " as " in p else p.strip().split(".")[0] for p in parts
        ]
    elif text.startswith("from "):
        names = [p.split()[-1] for p in text.split(" import ", 1)[1].split(",")]
    else:
        names = [text.split()[-1]]
    return any(name in unread for name in names)


def _without_unread_param(
    node: ast.Import | ast.ImportFrom, reads: Collection[str]
) -> ast.Import | ast.ImportFrom | None:
    """Drop taskbook's ``Param`` from an import when nothing else reads it.

    ``Param`` declares parameters; the flow's signature carries them, and Prefect
    has no ``Param``.
    """
    if (
        not isinstance(node, ast.ImportFrom)
        or not (node.module or "").startswith("taskbook")
        or "Param" in reads
    ):
        return node
    kept = [a for a in node.names if a.name != "Param"]
    if len(kept) == len(node.names):
        return node
    if not kept:
        return None
    return ast.ImportFrom(module=node.module, names=kept, level=node.level)


@dataclass
class Generated:
    """The module's own imports, named by the ``Namer`` when first asked for."""

    namer: Namer
    requests: dict[str, tuple[Binding, str]]
    names: dict[str, str] = field(default_factory=dict)
    lines: dict[str, str] = field(default_factory=dict)

    def name(self, key: str) -> str:
        """Return the module's name for the import ``key`` (imported from now on)."""
        if key not in self.names:
            binding, preferred = self.requests[key]
            self.names[key], line = self.namer.imported(binding, preferred)
            if line is not None:
                self.lines[key] = line
        return self.names[key]

    def import_lines(self, leave_out: Iterable[str] = ()) -> list[str]:
        """The import lines of the names asked for (but ``leave_out``), stdlib first.

        Names from one module share one ``from`` line.
        """
        skipped = set(leave_out)
        modules: dict[str, list[str]] = {}
        plain: set[str] = set()
        for key, line in self.lines.items():
            if key in skipped:
                continue
            if line.startswith("from "):
                module, _, name = line[len("from ") :].partition(" import ")
                modules.setdefault(module, []).append(name)
            else:
                plain.add(line)
        lines = plain | {
            line
            for module, names in modules.items()
            for line in import_text(_from(module, sorted(names)))
        }

        def rank(line: str) -> tuple[int, str]:
            module = line.split()[1].split(".")[0]
            return (_RANK.index(module) if module in _RANK else len(_RANK), line)

        return sorted(lines, key=rank)


def _from(module: str, names: list[str]) -> ast.ImportFrom:
    aliases = [
        ast.alias(*name.split(" as ")) if " as " in name else ast.alias(name)
        for name in names
    ]
    return ast.ImportFrom(module=module, names=aliases, level=0)
