"""Names the generated module adds, chosen so they never clash with the notebook's.

``Namer`` knows every identifier the notebook uses and what its module-level
imports bind; a generated import reuses the notebook's own binding of the same
object, takes its preferred name when free, and is aliased otherwise. Pure.
"""

from __future__ import annotations

import ast
import builtins
import keyword
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = ("Binding", "Namer", "identifiers", "import_bindings")


@dataclass(frozen=True, slots=True)
class Binding:
    """What an import binds a name to: ``module`` and, for ``from``, ``attribute``."""

    module: str
    attribute: str | None = None


def identifiers(tree: ast.AST) -> set[str]:
    """Return every name a piece of code binds, reads, defines or takes as argument."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.arg):
            found.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            found.update(import_bindings(node))
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            found.update(node.names)
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            found.add(node.name)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            found.add(node.name)
    return found


def import_bindings(node: ast.Import | ast.ImportFrom) -> dict[str, Binding]:
    """Return the names an import statement binds and what to."""
    bound: dict[str, Binding] = {}
    for alias in node.names:
        if alias.name == "*":
            continue
        if isinstance(node, ast.Import):
            if alias.asname:
                bound[alias.asname] = Binding(alias.name)
            else:
                root = alias.name.split(".")[0]
                bound[root] = Binding(root)
        else:
            module = "." * node.level + (node.module or "")
            bound[alias.asname or alias.name] = Binding(module, alias.name)
    return bound


@dataclass
class Namer:
    """Hands out module-level names that the notebook does not already use.

    Attributes:
        taken: Every identifier of the notebook, builtins and names handed out.
        bound: What the notebook's module-level imports bind, by name.
    """

    taken: set[str] = field(default_factory=set)
    bound: dict[str, Binding] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.taken |= set(dir(builtins))

    def fresh(self, preferred: str, suffix: str = "") -> str:
        """Return ``preferred`` if free, else with ``suffix`` (then a number) added."""
        base = _identifier(preferred)
        candidates = [base] if base not in keyword.kwlist else []
        if suffix:
            candidates.append(f"{base}{suffix}")
        for candidate in candidates:
            if candidate not in self.taken:
                self.taken.add(candidate)
                return candidate
        number = 2
        stem = f"{base}{suffix}"
        while f"{stem}_{number}" in self.taken:
            number += 1
        self.taken.add(f"{stem}_{number}")
        return f"{stem}_{number}"

    def imported(self, binding: Binding, preferred: str) -> tuple[str, str | None]:
        """Return (name, import line or None) for a generated import of ``binding``.

        The notebook's own import of the same object is reused (no new line).
        """
        for name, existing in self.bound.items():
            if existing == binding and name == preferred:
                return name, None
        name = preferred if preferred not in self.taken else self.fresh(f"_{preferred}")
        self.taken.add(name)
        if binding.attribute is None:
            alias = "" if name == binding.module else f" as {name}"
            return name, f"import {binding.module}{alias}"
        alias = "" if name == binding.attribute else f" as {name}"
        return name, f"from {binding.module} import {binding.attribute}{alias}"

    def reserve(self, names: Iterable[str]) -> None:
        """Mark ``names`` as used."""
        self.taken.update(names)


def _identifier(text: str) -> str:
    name = re.sub(r"\W", "_", text)
    if not name or name[0].isdigit():
        name = f"_{name}"
    return name
