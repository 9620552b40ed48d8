from __future__ import annotations

import itertools
import random
import time
from dataclasses import dataclass

import pytest

from taskbook.widgets.layout import layered_layout


@dataclass(frozen=True)
class LayoutCase:
    name: str
    nodes: tuple[str, ...]
    edges: tuple[tuple[str, str], ...]
    layers: tuple[tuple[str, ...], ...]
    max_rows: int = 40


CASES = [
    LayoutCase("empty", (), (), ()),
    LayoutCase("one node", ("a",), (), (("a",),)),
    LayoutCase(
        "chain", ("a", "b", "c"), (("a", "b"), ("b", "c")), (("a",), ("b",), ("c",))
    ),
    LayoutCase(
        "longest path decides the layer",
        ("a", "b", "c"),
        (("a", "b"), ("b", "c"), ("a", "c")),
        (("a",), ("b",), ("c",)),
    ),
    LayoutCase(
        "diamond",
        ("a", "b", "c", "d"),
        (("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")),
        (("a",), ("b", "c"), ("d",)),
    ),
    LayoutCase(
        "barycentre uncrosses edges",
        ("a", "b", "c", "d"),
        (("a", "d"), ("b", "c")),
        (("a", "b"), ("d", "c")),
    ),
    LayoutCase(
        "unknown ends, self-loops and duplicates are ignored",
        ("a", "b"),
        (("a", "b"), ("a", "b"), ("b", "b"), ("x", "a"), ("b", "y")),
        (("a",), ("b",)),
    ),
    LayoutCase(
        "a cycle is kept visible after the last layer",
        ("a", "b", "c"),
        (("b", "c"), ("c", "b")),
        (("a",), ("c", "b")),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_layers(case: LayoutCase) -> None:
    layout = layered_layout(case.nodes, case.edges, max_rows=case.max_rows)
    assert layout.layers == case.layers
    assert set(layout.positions) == set(case.nodes)


def test_every_edge_points_right() -> None:
    rng = random.Random(3)
    nodes = [f"n{i}" for i in range(60)]
    edges = [(f"n{rng.randrange(i)}", f"n{i}") for i in range(1, 60) for _ in range(2)]
    layout = layered_layout(nodes, edges)
    for source, target in edges:
        assert layout.positions[source][0] < layout.positions[target][0]


def test_boxes_never_overlap() -> None:
    nodes = [f"n{i}" for i in range(95)]
    edges = [("n0", f"n{i}") for i in range(1, 95)]
    layout = layered_layout(nodes, edges, max_rows=40)
    boxes = sorted(layout.positions.values())
    for (x1, y1), (x2, y2) in itertools.pairwise(boxes):
        apart_x = abs(x1 - x2) >= layout.node_width
        apart_y = abs(y1 - y2) >= layout.node_height
        assert apart_x or apart_y


def test_a_wide_layer_wraps_into_columns_instead_of_growing_unbounded() -> None:
    nodes = ["root", *(f"leaf{i}" for i in range(100))]
    layout = layered_layout(
        nodes, [("root", f"leaf{i}") for i in range(100)], max_rows=40
    )
    leaf_columns = {layout.positions[f"leaf{i}"][0] for i in range(100)}
    assert len(leaf_columns) == 3  # 40 + 40 + 20
    assert layout.height <= 2 * 12 + 40 * (36 + 12)


def test_same_input_same_layout() -> None:
    nodes = [f"n{i}" for i in range(30)]
    edges = [(f"n{i // 2}", f"n{i}") for i in range(1, 30)]
    assert layered_layout(nodes, edges) == layered_layout(nodes, edges)


def test_a_thousand_node_graph_is_laid_out_quickly() -> None:
    rng = random.Random(1)
    nodes = [f"n{i}" for i in range(1000)]
    edges = [(f"n{rng.randrange(max(i - 50, 0), i)}", f"n{i}") for i in range(1, 1000)]
    started = time.perf_counter()
    layout = layered_layout(nodes, edges)
    elapsed = time.perf_counter() - started
    assert len(layout.positions) == 1000
    assert elapsed < 1.0, f"layout of 1,000 nodes took {elapsed:.2f} s"
