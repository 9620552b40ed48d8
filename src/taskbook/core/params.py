"""Notebook parameters: what a parameters cell declares, and checking given values.

- ``Param(default, min=, max=, options=, description=)`` returns ``default``: running a
  parameters cell leaves plain values in the namespace, with or without taskbook's runner.
- ``parse_parameters`` reads the declarations from the cell's source (never runs it);
  ``coerce``/``validate`` check values against them. Pure: stdlib only.
"""

from __future__ import annotations

import ast
import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from taskbook.core import pyast
from taskbook.errors import ParameterValueError, UnknownParameterError

__all__ = (
    "TYPE_NAMES",
    "Param",
    "ParameterSpec",
    "TypeName",
    "coerce",
    "describe_type",
    "parse_parameters",
    "validate",
)

TypeName = Literal[
    "int", "float", "bool", "str", "date", "datetime", "list", "dict", "any"
]
TYPE_NAMES: tuple[TypeName, ...] = (
    "int",
    "float",
    "bool",
    "str",
    "date",
    "datetime",
    "list",
    "dict",
    "any",
)

T = TypeVar("T")

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
_EXPECTED: Mapping[str, str] = {
    "int": "an int",
    "float": "a float",
    "bool": "a bool (True or False)",
    "str": "a str",
    "date": "a date (YYYY-MM-DD)",
    "datetime": "a datetime (ISO 8601, YYYY-MM-DDTHH:MM:SS)",
    "list": "a list",
    "dict": "a dict",
    "any": "a value",
}
_PARAM_FIELDS = ("default", "min", "max", "options", "description")
# A ``# type: X`` comment gives the type, the rest is the description (papermill).
_TYPE_COMMENT = re.compile(r"^type:\s*(?P<type>\S*)\s*(?P<rest>.*)$")


def Param(  # capitalised: reads as a declaration, `n: int = Param(100, min=1)`
    default: T,
    min: Any = None,
    max: Any = None,
    options: Sequence[Any] | None = None,
    description: str | None = None,
) -> T:
    """Declare a parameter with constraints; evaluates to ``default``.

    In a ``%%params`` cell, ``n: int = Param(100, min=1)`` leaves ``n == 100`` in the
    namespace, so the cell runs the same in a plain kernel, under ``taskbook run`` and
    under papermill. taskbook reads the constraints from the cell's source
    (``parse_parameters``), not from the value.

    Args:
        default: The value used when no other value is given.
        min: Smallest allowed value (inclusive), or ``None``.
        max: Largest allowed value (inclusive), or ``None``.
        options: The allowed values, or ``None`` for any value.
        description: Help text shown by ``--help-notebook`` and the form.

    Returns:
        ``default`` itself.

    Raises:
        ParameterValueError: ``default`` violates its own constraints.
    """
    spec = ParameterSpec(
        name="default",
        type_name=_type_of_value(default),
        default=default,
        minimum=min,
        maximum=max,
        options=tuple(options) if options is not None else None,
        description=description,
    )
    _check_constraints(spec, default, ())
    return default


@dataclass(frozen=True, slots=True)
class ParameterSpec:
    """One parameter declared by a parameters cell.

    Attributes:
        name: The variable name.
        type_name: ``int``, ``float``, ``bool``, ``str``, ``date``, ``datetime``,
            ``list``, ``dict`` or ``any`` (from the annotation, else the default).
        default: The default value; ``None`` when it is not a literal.
        minimum: Inclusive lower bound (``Param(min=)``), or ``None``.
        maximum: Inclusive upper bound (``Param(max=)``), or ``None``.
        options: Allowed values (``Param(options=)``), or ``None``.
        description: ``Param(description=)`` or the comment after the line.
        default_source: The default as written in the cell (for help output).
    """

    name: str
    type_name: TypeName
    default: Any
    minimum: Any = None
    maximum: Any = None
    options: tuple[Any, ...] | None = None
    description: str | None = None
    default_source: str = ""


def describe_type(spec: ParameterSpec) -> str:
    """Return what a value of ``spec`` must be, constraints included ("an int >= 1")."""
    bounds = []
    if spec.minimum is not None:
        bounds.append(f">= {spec.minimum!r}")
    if spec.maximum is not None:
        bounds.append(f"<= {spec.maximum!r}")
    text = " ".join([_EXPECTED[spec.type_name], " and ".join(bounds)]).strip()
    if spec.options is not None:
        choices = ", ".join(repr(o) for o in spec.options)
        noun = "with items from" if spec.type_name == "list" else "one of"
        text = f"{text} ({noun} {choices})"
    return text


# --- parsing ------------------------------------------------------------------------


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
        else _type_of_value(default)
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


def _type_of_value(value: Any) -> TypeName:
    # bool before int and datetime before date: both are subclasses.
    for kind, name in (
        (bool, "bool"),
        (int, "int"),
        (float, "float"),
        (str, "str"),
        (dt.datetime, "datetime"),
        (dt.date, "date"),
        ((list, tuple), "list"),
        (dict, "dict"),
    ):
        if isinstance(value, kind):
            return name  # type: ignore[return-value]
    return "any"


# --- checking values ----------------------------------------------------------------


def validate(
    specs: Sequence[ParameterSpec], given: Mapping[str, Any]
) -> dict[str, Any]:
    """Check given values against the declarations; return the coerced values.

    Args:
        specs: The declared parameters (``parse_parameters``).
        given: Values by name, in the order they should be injected.

    Returns:
        The coerced values, in ``given``'s order.

    Raises:
        UnknownParameterError: A name is not declared; the message lists the valid ones.
        ParameterValueError: A value does not fit its declaration.
    """
    by_name = {spec.name: spec for spec in specs}
    values: dict[str, Any] = {}
    for name, value in given.items():
        if name not in by_name:
            raise UnknownParameterError.from_name(name, _listing(specs))
        values[name] = coerce(by_name[name], value, specs)
    return values


def coerce(spec: ParameterSpec, value: Any, specs: Iterable[ParameterSpec] = ()) -> Any:
    """Return ``value`` as the declared type, or raise if it does not fit.

    Conversions are lossless only: ``"5"`` or ``5.0`` for an int, an int for a float,
    ``"2024-01-31"`` for a date, ``"[1, 2]"`` for a list, a number for a str (papermill
    types ``-p 5`` as an int). ``None`` is accepted when the default is ``None``.
    ``any`` accepts everything.

    Args:
        spec: The declaration.
        value: The given value.
        specs: All declarations, listed in the error message.

    Raises:
        ParameterValueError: The value does not fit the type or the constraints.
    """
    listing = _listing(specs)
    if value is None and (spec.default is None or spec.type_name == "any"):
        return None
    converted = _convert(spec.type_name, value)
    if converted is _NO_VALUE:
        raise ParameterValueError.from_value(
            spec.name, value, describe_type(spec), listing
        )
    _check_constraints(spec, converted, listing)
    return converted


class _NoValue:
    pass


_NO_VALUE: Any = _NoValue()


def _convert(type_name: str, value: Any) -> Any:
    converter = _CONVERTERS.get(type_name)
    if converter is None:
        return value
    try:
        return converter(value)
    except (ValueError, TypeError, SyntaxError, OverflowError):
        return _NO_VALUE


def _to_int(value: Any) -> Any:
    if isinstance(value, bool):
        return _NO_VALUE
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return int(value.strip())
    return _NO_VALUE


def _to_float(value: Any) -> Any:
    if isinstance(value, bool):
        return _NO_VALUE
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        return float(value.strip())
    return _NO_VALUE


def _to_bool(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return _NO_VALUE


def _to_str(value: Any) -> Any:
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, int, float, dt.date)):
        return str(value)
    return _NO_VALUE


def _to_date(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return _NO_VALUE if value.time() != dt.time() else value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return dt.date.fromisoformat(value.strip())
    return _NO_VALUE


def _to_datetime(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        return dt.datetime.fromisoformat(value.strip())
    return _NO_VALUE


def _to_list(value: Any) -> Any:
    if isinstance(value, str):
        value = ast.literal_eval(value.strip())
    if isinstance(value, (list, tuple)):
        return list(value)
    return _NO_VALUE


def _to_dict(value: Any) -> Any:
    if isinstance(value, str):
        value = ast.literal_eval(value.strip())
    if isinstance(value, dict):
        return value
    return _NO_VALUE


_CONVERTERS = {
    "int": _to_int,
    "float": _to_float,
    "bool": _to_bool,
    "str": _to_str,
    "date": _to_date,
    "datetime": _to_datetime,
    "list": _to_list,
    "dict": _to_dict,
}


def _check_constraints(spec: ParameterSpec, value: Any, listing: Sequence[str]) -> None:
    try:
        low = spec.minimum is not None and value < spec.minimum
        high = spec.maximum is not None and value > spec.maximum
    except TypeError:
        low = high = True  # not comparable with the bounds: cannot be within them
    if spec.options is not None:
        items = value if spec.type_name == "list" else [value]
        if not isinstance(items, (list, tuple)) or any(
            item not in spec.options for item in items
        ):
            low = True
    if low or high:
        raise ParameterValueError.from_value(
            spec.name, value, describe_type(spec), listing
        )


def _listing(specs: Iterable[ParameterSpec]) -> list[str]:
    return [f"{spec.name} ({spec.type_name})" for spec in specs]
