"""Reading a parameters cell: its source -> the ``ParameterSpec`` it declares.

Never runs the cell: declarations come from the AST, as papermill's
``--help-notebook`` reads them (types from annotations, ``# type:`` comments or the
default; descriptions from trailing comments). Pure: stdlib only.
"""

from __future__ import annotations

import ast
import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from taskbook.core import pyast
from taskbook.core.parameter_specs import ParameterSpec, TypeName, type_of_value

__all__ = ("parse_parameters",)

_ANNOTATION_TYPES: Mapping[str, TypeName] = {
    "int": "int",
    "float": "float",
    "bool": "bool",
    "str": "str",
    "date": "date",
    "datetime": "datetime",
    "list": "list",
    "List": "list",
    "tuple": "list",
    "Tuple": "list",
    "Sequence": "list",
    "dict": "dict",
    "Dict": "dict",
    "Mapping": "dict",
}
_PARAM_FIELDS = ("default", "min", "max", "options", "description")
# A ``# type: X`` comment gives the type, the rest is the description (papermill).
_TYPE_COMMENT = re.compile(r"^type:\s*(?P<type>\S*)\s*(?P<rest>.*)$")


def parse_parameters(source: str) -> tuple[ParameterSpec, ...]:
    """Return the parameters a parameters cell declares, in order of first assignment.

    A declaration is a top-level assignment to one name, optionally annotated
    (``n: int = 100``, ``n = Param(100, min=1)``). The type comes from the annotation,
    else from the default value. A comment after the statement is its description,
    as papermill's ``--help-notebook`` shows it (``# type: X`` comments give the type).
    Lines that do not parse (magics, typos) are skipped, as papermill skips them.

    Args:
        source: The cell source without its ``%%params`` line.

    Returns:
        The declarations; a name assigned twice keeps its first position and its last
        value.
    """
    lines = source.splitlines()
    tree = _parse_leniently(lines)
    specs: dict[str, ParameterSpec] = {}
    for statement in tree.body:
        spec = _declaration(statement, lines)
        if spec is not None:
            specs[spec.name] = spec
    return tuple(specs.values())


def _parse_leniently(lines: list[str]) -> ast.Module:
    """Parse, blanking lines that raise SyntaxError so line numbers stay put."""
    lines = list(lines)
    for _ in range(len(lines) + 1):
        try:
            tree = pyast.parse("\n".join(lines))
            assert isinstance(tree, ast.Module)
            return tree
        except SyntaxError as error:
            number = (error.lineno or 1) - 1
            if not 0 <= number < len(lines) or not lines[number].strip():
                break
            lines[number] = ""
    return ast.Module(body=[], type_ignores=[])


def _declaration(statement: ast.stmt, lines: list[str]) -> ParameterSpec | None:
    annotation: ast.expr | None = None
    value: ast.expr | None
    if isinstance(statement, ast.Assign):
        if len(statement.targets) != 1 or not isinstance(
            statement.targets[0], ast.Name
        ):
            return None
        target, value = statement.targets[0], statement.value
    elif isinstance(statement, ast.AnnAssign) and isinstance(
        statement.target, ast.Name
    ):
        target, value, annotation = (
            statement.target,
            statement.value,
            statement.annotation,
        )
    else:
        return None
    comment_type, comment = _trailing_comment(statement, lines)
    fields = _param_call(value) if value is not None else None
    default_node = fields.get("default") if fields is not None else value
    default, source = _literal(default_node, lines)
    type_name = (
        _annotation_type(annotation)
        if annotation is not None
        else _annotation_name_type(comment_type)
        if comment_type
        else type_of_value(default)
    )
    constraints = {k: _literal(v, lines)[0] for k, v in (fields or {}).items()}
    options = constraints.get("options")
    description = constraints.get("description") or comment or None
    return ParameterSpec(
        name=target.id,
        type_name=type_name,
        default=default,
        minimum=constraints.get("min"),
        maximum=constraints.get("max"),
        options=tuple(options) if isinstance(options, (list, tuple)) else None,
        description=str(description) if description is not None else None,
        default_source=source,
    )


def _param_call(node: ast.expr) -> dict[str, ast.expr] | None:
    """Return the arguments of a ``Param(...)``/``taskbook.Param(...)`` call."""
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    if name != "Param":
        return None
    fields = dict(zip(_PARAM_FIELDS, node.args, strict=False))
    fields.update({k.arg: k.value for k in node.keywords if k.arg in _PARAM_FIELDS})
    return fields


def _literal(node: ast.expr | None, lines: list[str]) -> tuple[Any, str]:
    """Return (value, source text); the value is ``None`` when not a literal."""
    if node is None:
        return None, ""
    text = ast.get_source_segment("\n".join(lines), node) or ""
    try:
        return ast.literal_eval(node), text
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return _date_call(node), text


def _date_call(node: ast.expr) -> Any:
    """Evaluate ``date(2024, 1, 31)``/``datetime.datetime(...)`` with literal args."""
    if not isinstance(node, ast.Call) or node.keywords:
        return None
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    try:
        args = [ast.literal_eval(arg) for arg in node.args]
        if name == "date":
            return dt.date(*args)
        if name == "datetime":
            return dt.datetime(*args)
        if name == "fromisoformat" and isinstance(func, ast.Attribute):
            owner = func.value
            kind = owner.attr if isinstance(owner, ast.Attribute) else owner.id  # type: ignore[attr-defined]
            return (dt.date if kind == "date" else dt.datetime).fromisoformat(*args)
    except (ValueError, TypeError, AttributeError, SyntaxError):
        return None
    return None


def _trailing_comment(statement: ast.stmt, lines: list[str]) -> tuple[str, str]:
    """Return (type from ``# type:``, description) of the comment after ``statement``."""
    end = statement.end_lineno or statement.lineno
    tail = lines[end - 1][statement.end_col_offset or 0 :]
    hash_at = tail.find("#")
    if hash_at < 0 or tail[:hash_at].strip() not in ("", ";"):
        return "", ""
    comment = tail[hash_at + 1 :].strip()
    match = _TYPE_COMMENT.match(comment)
    if match:
        return match["type"], match["rest"].strip()
    return "", comment


def _annotation_type(node: ast.expr) -> TypeName:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            tree = pyast.parse(node.value, mode="eval")
            assert isinstance(tree, ast.Expression)
            return _annotation_type(tree.body)
        except SyntaxError:
            return "any"
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        # ``int | None`` is an optional int.
        kinds = {_annotation_type(node.left), _annotation_type(node.right)} - {"any"}
        if _is_none(node.left) or _is_none(node.right):
            return kinds.pop() if len(kinds) == 1 else "any"
        return "any"
    if isinstance(node, ast.Subscript):
        outer = _dotted_name(node.value)
        if outer == "Optional":
            return _annotation_type(node.slice)
        if outer == "Union":
            items = (
                node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            )
            kinds = {_annotation_type(i) for i in items if not _is_none(i)}
            return kinds.pop() if len(kinds) == 1 else "any"
        return _annotation_name_type(outer)
    return _annotation_name_type(_dotted_name(node))


def _annotation_name_type(name: str) -> TypeName:
    base = re.split(r"\[", name, maxsplit=1)[0].strip()
    return _ANNOTATION_TYPES.get(base.rsplit(".", 1)[-1], "any")


def _dotted_name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None
