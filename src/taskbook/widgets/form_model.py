"""The parameter form's logic: which control each parameter gets, what goes stale.

Pure. ``control_kind`` maps a parameter declaration to a control (slider for a
bounded number, dropdown for options...). ``stale_nodes`` follows the data edges
that carry a changed parameter out of the parameters cell, then the data edges of
the cells that read them, transitively: exactly the cells whose inputs change.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from taskbook.core.graph import NotebookGraph

__all__ = (
    "ParameterLike",
    "changed_names",
    "control_kind",
    "literal_text",
    "params_node",
    "parse_literal",
    "stale_nodes",
)


class ParameterLike(Protocol):
    """What the form reads of a declaration (``taskbook.core.parameter_specs.ParameterSpec``)."""

    name: str
    type_name: str
    default: Any
    minimum: Any
    maximum: Any
    options: tuple[Any, ...] | None
    description: str | None


def control_kind(spec: ParameterLike) -> str:
    """Return the control for a declaration.

    One of ``checkbox``, ``dropdown``, ``int-slider``, ``bounded-int``, ``int-text``,
    ``float-slider``, ``bounded-float``, ``float-text``, ``date``, ``datetime``,
    ``text`` and ``literal`` (a text box holding a Python literal: lists, dicts, any).
    """
    type_name = spec.type_name
    if type_name == "bool":
        return "checkbox"
    if spec.options:
        return "dropdown"
    bounds = (spec.minimum is not None) + (spec.maximum is not None)
    if type_name in ("int", "float"):
        prefix = type_name
        return (
            f"{prefix}-slider"
            if bounds == 2
            else f"bounded-{prefix}"
            if bounds
            else f"{prefix}-text"
        )
    if type_name in ("date", "datetime"):
        return type_name
    if type_name == "str":
        return "text"
    return "literal"


def literal_text(value: Any) -> str:
    """Return the text a ``literal`` control starts with."""
    return repr(value)


def parse_literal(text: str) -> Any:
    """Return the Python literal ``text`` holds, or ``text`` itself if it holds none."""
    try:
        return ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text


def changed_names(
    baseline: Mapping[str, Any], values: Mapping[str, Any]
) -> frozenset[str]:
    """Return the parameters whose value differs from the baseline."""
    return frozenset(
        name
        for name, value in values.items()
        if name not in baseline or not _same(baseline[name], value)
    )


def _same(left: Any, right: Any) -> bool:
    try:
        # True == 1 in Python, but a bool parameter turned into 1 is a change.
        return bool(left == right) and isinstance(left, bool) == isinstance(right, bool)
    except Exception:  # e.g. an array whose == is elementwise; treat as changed
        return False


def params_node(graph: NotebookGraph) -> str | None:
    """Return the id of the notebook's parameters cell, or None."""
    return next((node.id for node in graph.nodes if node.kind == "params"), None)


def stale_nodes(
    graph: NotebookGraph, params_node_id: str, changed: Iterable[str]
) -> frozenset[str]:
    """Return the cells a change of ``changed`` parameters makes stale.

    A cell is stale when a data edge from the parameters cell carries a changed
    name to it, or a data edge carries anything to it from a stale cell. Order and
    sequence edges carry no values, so they do not spread staleness. The result is
    a subset of ``graph.downstream(params_node_id)``.

    Args:
        graph: The notebook DAG.
        params_node_id: The parameters cell.
        changed: Names of the parameters whose value changed.
    """
    names = set(changed)
    if not names:
        return frozenset()
    data_children: dict[str, list[str]] = {}
    for edge in graph.edges:
        if edge.kind == "data":
            data_children.setdefault(edge.from_id, []).append(edge.to_id)
    stack = [
        edge.to_id
        for edge in graph.edges
        if edge.from_id == params_node_id and edge.kind == "data" and edge.names & names
    ]
    stale: set[str] = set()
    while stack:
        node = stack.pop()
        if node not in stale:
            stale.add(node)
            stack.extend(data_children.get(node, ()))
    return frozenset(stale) & graph.downstream(params_node_id)
