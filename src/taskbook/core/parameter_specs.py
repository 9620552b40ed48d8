"""A notebook parameter's declaration, and which values it accepts.

- ``Param(default, min=, max=, options=, description=)`` returns ``default``: running a
  parameters cell leaves plain values in the namespace, with or without taskbook.
- ``ParameterSpec`` is one declaration; ``coerce``/``validate`` check given values
  against declarations and convert them losslessly. Pure: stdlib only.
"""

from __future__ import annotations

import ast
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from taskbook.errors import ParameterValueError, UnknownParameterError

__all__ = (
    "Param",
    "ParameterSpec",
    "TypeName",
    "coerce",
    "describe_constraints",
    "describe_type",
    "type_of_value",
    "validate",
)

TypeName = Literal[
    "int", "float", "bool", "str", "date", "datetime", "list", "dict", "any"
]

T = TypeVar("T")

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
    (``taskbook.core.parameter_parsing.parse_parameters``), not from the value.

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
        type_name=type_of_value(default),
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
    bounds, options = describe_constraints(spec, ">=", "<=")
    text = " ".join([_EXPECTED[spec.type_name], " and ".join(bounds)]).strip()
    return f"{text} ({options})" if options else text


def describe_constraints(
    spec: ParameterSpec, low: str, high: str
) -> tuple[list[str], str]:
    """Return the bounds (``f"{low} {minimum!r}"``, ...) and the options phrase, or "".

    The error messages say ``>= 1``, ``--help-notebook`` says ``min 1``: the words for
    the bounds are the caller's, the rest is shared.
    """
    bounds = [
        f"{word} {bound!r}"
        for word, bound in ((low, spec.minimum), (high, spec.maximum))
        if bound is not None
    ]
    if spec.options is None:
        return bounds, ""
    noun = "with items from" if spec.type_name == "list" else "one of"
    return bounds, f"{noun} {', '.join(repr(o) for o in spec.options)}"


def type_of_value(value: Any) -> TypeName:
    """Return the type name of a default value (``any`` when none fits)."""
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
    if isinstance(value, float) and not value.is_integer():
        return _NO_VALUE  # int() would cut the fraction off
    return _to_number(int, value)


def _to_float(value: Any) -> Any:
    return _to_number(float, value)


def _to_number(kind: type[int] | type[float], value: Any) -> Any:
    # bool is an int, but True is no answer to "how many rows".
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return _NO_VALUE
    return kind(value.strip() if isinstance(value, str) else value)


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
