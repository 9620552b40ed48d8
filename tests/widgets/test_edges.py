"""Edge labels keep apart, nodes lead to their cells, wide static graphs fit.

Pure: the graph model of a notebook whose cells share many names is drawn as SVG,
then the drawing is read back as XML.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest

from taskbook.widgets.edges import label_box
from taskbook.widgets.svg import fit_to_width, graph_svg
from taskbook.widgets.viewmodel import RunFold

SVG = "{http://www.w3.org/2000/svg}"


def crowded_graph(nb_graph: Any) -> dict[str, Any]:
    """A source cell feeding 14 cells, each by a long name, then one joining them."""
    names = [f"customer_orders_{i:02d}" for i in range(14)]
    cells = [("source", "task", "; ".join(f"{n} = {i}" for i, n in enumerate(names)))]
    cells += [(f"use{i}", "task", f"r{i} = {n} * 2") for i, n in enumerate(names)]
    cells += [("join", "task", "total = " + " + ".join(f"r{i}" for i in range(14)))]
    return RunFold(nb_graph(*cells)).graph_model()


def long_edges_graph(nb_graph: Any) -> dict[str, Any]:
    """Edges that skip columns (``x``, ``k``) and meet others near their middles."""
    return RunFold(
        nb_graph(
            ("a", "task", "x = 1; k = 2"),
            ("b", "task", "y = x"),
            ("c", "task", "z = y"),
            ("d", "task", "w = z + x + k"),
            ("e", "task", "q = y + k"),
        )
    ).graph_model()


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _labels(root: ET.Element) -> list[tuple[float, float, str]]:
    """The edge labels drawn: the centre of each and its visible text."""
    found = []
    for t in root.iter(f"{SVG}text"):
        if t.get("class") == "tb-edge-label":
            hover = t.find(f"{SVG}title")
            text = (hover.tail if hover is not None else t.text) or ""
            found.append((float(t.get("x", 0)), float(t.get("y", 0)) - 3.5, text))
    return found


@pytest.mark.parametrize("make", [crowded_graph, long_edges_graph])
def test_edge_labels_overlap_neither_each_other_nor_a_node(
    nb_graph: Any, make: Any
) -> None:
    model = make(nb_graph)
    labels = [label_box(*label) for label in _labels(ET.fromstring(graph_svg(model)))]
    w, h = model["node_width"], model["node_height"]
    nodes = [(n["x"], n["y"], n["x"] + w, n["y"] + h) for n in model["nodes"]]
    assert len(labels) >= len(model["nodes"]) - 1
    for i, box in enumerate(labels):
        assert not any(_overlap(box, other) for other in labels[i + 1 :])
        assert not any(_overlap(box, node) for node in nodes)


@pytest.mark.parametrize("make", [crowded_graph, long_edges_graph])
def test_an_edge_without_room_for_its_label_names_it_on_hover(
    nb_graph: Any, make: Any
) -> None:
    model = make(nb_graph)
    root = ET.fromstring(graph_svg(model))
    shown = {text for _, _, text in _labels(root)}
    hovers = {
        title.text
        for element in root.iter()
        if element.get("class") in ("tb-edge", "tb-edge-label")
        for title in element.iter(f"{SVG}title")
    }
    named = [e for e in model["edges"] if e["names"]]
    for edge in named:
        text = ", ".join(edge["names"])
        assert any(text in s for s in shown) or text in hovers, text


def test_notebook_nodes_carry_their_cell_position_and_name(nb_graph: Any) -> None:
    graph = nb_graph(("p", "params", "n = 1"), ("a", "task", "x = n"))
    root = ET.fromstring(graph_svg(RunFold(graph).graph_model()))
    nodes = {
        g.get("data-node-id"): (
            g.get("data-cell"),
            g.get("data-name"),
            g.get("data-kind"),
        )
        for g in root.iter(f"{SVG}g")
        if g.get("class") == "tb-node"
    }
    assert nodes == {"p": ("0", "p", "params"), "a": ("1", "a", "task")}


def test_a_wide_static_graph_scales_to_its_container_a_narrow_one_does_not(
    nb_graph: Any,
) -> None:
    chain = [("c0", "task", "v0 = 1")]
    chain += [(f"c{i}", "task", f"v{i} = v{i - 1}") for i in range(1, 12)]
    wide = graph_svg(RunFold(nb_graph(*chain)).graph_model())
    head = fit_to_width(wide).split(">", 1)[0]
    assert ' width="100%"' in head
    assert " height=" not in head
    assert 'viewBox="0 0 ' in head
    narrow = graph_svg(RunFold(nb_graph(*chain[:2])).graph_model())
    assert fit_to_width(narrow) == narrow
