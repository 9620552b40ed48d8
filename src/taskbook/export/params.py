"""The parameters cell as the flow's typed signature, constraints kept as validation.

Each declaration becomes ``name: type = default``; ``Param(min=, max=)`` becomes
``Annotated[type, Field(ge=, le=)]`` and ``options=`` a ``Literal``, which Prefect's
and taskbook's flows check (pydantic) before the flow runs. A default that is not
a literal is computed in the flow body (``if name is None: name = ...``), as the
cell computed it; the cell's other statements stay in the body. Pure.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from taskbook.core.parameter_specs import ParameterSpec
from taskbook.export.layout import literal
from taskbook.export.model import Parameter
from taskbook.export.source import parse

__all__ = ("Signature", "signature")

_BASE = {
    "int": "int",
    "float": "float",
    "bool": "bool",
    "str": "str",
    "list": "list",
    "dict": "dict",
}

Name = Callable[[str], str]
"""Returns the module's name for a generated import: ``Annotated``, ``datetime``..."""


@dataclass(frozen=True, slots=True)
class Signature:
    """The flow's parameters, and the parameters cell's code left for the body."""

    parameters: tuple[Parameter, ...]
    text_parameters: tuple[str, ...]
    body: str


def signature(
    specs: Sequence[ParameterSpec],
    body: str,
    defaults: Mapping[str, object],
    name: Name,
) -> Signature:
    """Return the flow signature a parameters cell declares.

    Args:
        specs: The declarations (``parse_parameters`` of the cell).
        body: The cell's code without imports and definitions (plain Python).
        defaults: Values given at export time (``-p``), already validated.
        name: Gives the module's name for ``Annotated``, ``Literal``, ``Field``
            and ``datetime`` (imported when asked for).
    """
    late = {
        s.name
        for s in specs
        if s.name not in defaults
        and s.default is None
        and s.default_source.strip() not in ("", "None")
    }
    parameters = []
    for spec in specs:
        value = defaults[spec.name] if spec.name in defaults else spec.default
        parameters.append(
            Parameter(
                spec.name,
                _annotation(spec, name, optional=value is None),
                _literal(value, name),
                spec.description,
            )
        )
    text = tuple(s.name for s in specs if s.type_name == "str")
    declared = {s.name for s in specs}
    return Signature(tuple(parameters), text, _residual(body, declared, late))


def _annotation(spec: ParameterSpec, name: Name, optional: bool) -> str | None:
    if spec.type_name == "any":
        return None
    if spec.type_name in ("date", "datetime"):
        base = f"{name('datetime')}.{spec.type_name}"
    else:
        base = _BASE[spec.type_name]
    if spec.options is not None:
        choices = ", ".join(_literal(o, name) for o in spec.options)
        choice = f"{name('Literal')}[{choices}]"
        base = f"list[{choice}]" if spec.type_name == "list" else choice
    bounds = [
        f"{word}={_literal(bound, name)}"
        for word, bound in (("ge", spec.minimum), ("le", spec.maximum))
        if bound is not None
    ]
    if bounds:
        base = f"{name('Annotated')}[{base}, {name('Field')}({', '.join(bounds)})]"
    return f"{base} | None" if optional else base


def _literal(value: object, name: Name) -> str:
    """``literal(value)``, importing ``datetime`` only for a value that needs it."""
    text = literal(value, "\0")
    return text.replace("\0", name("datetime")) if "\0" in text else text


def _declared(statement: ast.stmt, names: set[str]) -> str | None:
    """Return the name a declaration statement assigns, if it is one."""
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        target = statement.targets[0]
    elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
        target = statement.target
    else:
        return None
    return target.id if isinstance(target, ast.Name) and target.id in names else None


def _value(statement: ast.stmt) -> ast.expr:
    value = statement.value  # type: ignore[attr-defined]
    assert isinstance(value, ast.expr)
    if isinstance(value, ast.Call):
        func = value.func
        called = (
            func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        )
        if called == "Param":  # the default is Param's first argument
            given = value.args[0] if value.args else None
            keyword = next(
                (k.value for k in value.keywords if k.arg == "default"), None
            )
            return given or keyword or ast.Constant(None)
    return value


def _residual(body: str, declared: set[str], late: set[str]) -> str:
    """The cell's code the body keeps, in order: non-declarations, and the
    declarations whose default is computed (``if name is None: name = ...``)."""
    tree = parse(body)
    lines = body.splitlines()
    kept: list[str] = []
    for statement in tree.body:
        name = _declared(statement, declared)
        if name is None:
            kept.append("\n".join(lines[statement.lineno - 1 : statement.end_lineno]))
        elif name in late:
            expression = ast.get_source_segment(body, _value(statement)) or ""
            kept.append(f"if {name} is None:\n    {name} = {expression}")
    return "\n".join(kept)
