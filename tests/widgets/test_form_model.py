from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from taskbook.core.parameter_parsing import parse_parameters
from taskbook.core.parameter_specs import ParameterSpec
from taskbook.widgets.form_model import (
    changed_names,
    control_kind,
    params_node,
    parse_literal,
    stale_nodes,
)


def spec(type_name: str, default: Any = None, **extra: Any) -> ParameterSpec:
    return ParameterSpec(
        name="p",
        type_name=type_name,  # type: ignore[arg-type]
        default=default,
        minimum=extra.get("minimum"),
        maximum=extra.get("maximum"),
        options=extra.get("options"),
        description=None,
    )


@pytest.mark.parametrize(
    ("declaration", "kind"),
    [
        (spec("bool", True), "checkbox"),
        (spec("str", "a", options=("a", "b")), "dropdown"),
        (spec("int", 2, options=(1, 2, 3)), "dropdown"),
        (spec("int", 5, minimum=1, maximum=10), "int-slider"),
        (spec("int", 5, minimum=1), "bounded-int"),
        (spec("int", 5), "int-text"),
        (spec("float", 0.5, minimum=0.0, maximum=1.0), "float-slider"),
        (spec("float", 0.5, maximum=1.0), "bounded-float"),
        (spec("float", 0.5), "float-text"),
        (spec("date", dt.date(2024, 1, 31)), "date"),
        (spec("datetime", dt.datetime(2024, 1, 31, 12)), "datetime"),
        (spec("str", "x"), "text"),
        (spec("list", [1, 2]), "literal"),
        (spec("dict", {"a": 1}), "literal"),
        (spec("any", None), "literal"),
    ],
    ids=lambda v: v if isinstance(v, str) else f"{v.type_name}",
)
def test_control_kind(declaration: ParameterSpec, kind: str) -> None:
    assert control_kind(declaration) == kind


def test_controls_for_a_real_parameters_cell() -> None:
    source = (
        "from taskbook import Param\n"
        "n: int = Param(100, min=1, max=1000)\n"
        "rate = 0.5\n"
        "mode: str = Param('fast', options=['fast', 'slow'])\n"
        "verbose = False\n"
        "start = datetime.date(2024, 1, 1)\n"
        "cities = ['Oslo', 'Lima']\n"
    )
    kinds = {s.name: control_kind(s) for s in parse_parameters(source)}
    assert kinds == {
        "n": "int-slider",
        "rate": "float-text",
        "mode": "dropdown",
        "verbose": "checkbox",
        "start": "date",
        "cities": "literal",
    }


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("[1, 2]", [1, 2]),
        ("{'a': 1}", {"a": 1}),
        (" 3 ", 3),
        ("plain words", "plain words"),
    ],
)
def test_parse_literal(text: str, value: Any) -> None:
    assert parse_literal(text) == value


def test_changed_names_tells_bools_from_ints() -> None:
    assert changed_names({"a": 1, "b": True, "c": "x"}, {"a": 1, "b": 1, "c": "y"}) == {
        "b",
        "c",
    }


@dataclass(frozen=True)
class StaleCase:
    name: str
    changed: tuple[str, ...]
    stale: frozenset[str]


NOTEBOOK = (
    ("params", "params", "n = 10\nm = 2\nlabel = 'x'"),
    ("load", "task", "rows = list(range(n))"),
    ("total", "task", "s = sum(rows)"),
    ("scale", "task", "k = m * 3"),
    ("report", "cell", "text = f'{label}: {s}'"),
    ("plain", "cell", "z = 5"),  # after report in notebook order, reads nothing
    ("uses_z", "task", "w = z + 1"),
)

STALE_CASES = [
    StaleCase("nothing changed", (), frozenset()),
    StaleCase(
        "n reaches load, total and report",
        ("n",),
        frozenset({"load", "total", "report"}),
    ),
    StaleCase("m reaches scale only", ("m",), frozenset({"scale"})),
    StaleCase("label reaches report only", ("label",), frozenset({"report"})),
    StaleCase("two names", ("m", "label"), frozenset({"scale", "report"})),
    StaleCase("an unknown name reaches nothing", ("nope",), frozenset()),
]


@pytest.mark.parametrize("case", STALE_CASES, ids=lambda c: c.name)
def test_stale_nodes_follow_data_edges_only(case: StaleCase, nb_graph: Any) -> None:
    graph = nb_graph(*NOTEBOOK)
    assert params_node(graph) == "params"
    stale = stale_nodes(graph, "params", case.changed)
    assert stale == case.stale
    # "plain" follows "report" by a sequence edge (notebook order), and "uses_z"
    # reads from "plain": neither receives a changed value, so neither is stale.
    assert {"plain", "uses_z"}.isdisjoint(stale)
    assert stale <= graph.downstream("params")
