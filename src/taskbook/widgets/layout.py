"""Layered left-to-right DAG layout: longest-path layers, barycentre ordering.

Pure and deterministic: the same nodes and edges give the same positions. A layer
with more nodes than ``max_rows`` wraps into several columns, so a wide graph grows
into a scrollable canvas instead of shrinking into unreadable boxes. Edges with an
unknown end are ignored; nodes on a cycle are placed after the last layer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from taskbook.core.graph import longest_path_layers

__all__ = ("Layout", "layered_layout")


@dataclass(frozen=True, slots=True)
class Layout:
    """Where each node goes, top-left corner in pixels, plus the canvas size.

    Attributes:
        positions: Node id to ``(x, y)`` of its box's top-left corner.
        layers: Node ids per layer, in their final order.
        width: Canvas width in pixels.
        height: Canvas height in pixels.
        node_width: Width of every node box.
        node_height: Height of every node box.
    """

    positions: dict[str, tuple[float, float]]
    layers: tuple[tuple[str, ...], ...]
    width: float
    height: float
    node_width: float
    node_height: float


def layered_layout(
    nodes: Sequence[str],
    edges: Iterable[tuple[str, str]],
    *,
    node_width: float = 150.0,
    node_height: float = 36.0,
    layer_gap: float = 56.0,
    row_gap: float = 12.0,
    margin: float = 12.0,
    max_rows: int = 40,
    sweeps: int = 4,
) -> Layout:
    """Place ``nodes`` in columns so that every edge points to the right.

    Args:
        nodes: Node ids; their order breaks ties (notebook or creation order).
        edges: ``(from, to)`` pairs; duplicates, self-loops and unknown ends are
            ignored.
        node_width: Width of a node box.
        node_height: Height of a node box.
        layer_gap: Horizontal space between columns.
        row_gap: Vertical space between boxes of a column.
        margin: Space around the drawing.
        max_rows: Boxes per column before a layer wraps into another column.
        sweeps: Barycentre passes (each one down and one up) to reduce crossings.

    Returns:
        The layout.
    """
    index = {node: i for i, node in enumerate(nodes)}
    parents: dict[str, list[str]] = {node: [] for node in nodes}
    children: dict[str, list[str]] = {node: [] for node in nodes}
    seen: set[tuple[str, str]] = set()
    for source, target in edges:
        pair = (source, target)
        if source == target or pair in seen or source not in index:
            continue
        if target not in index:
            continue
        seen.add(pair)
        parents[target].append(source)
        children[source].append(target)
    layers = longest_path_layers(nodes, parents)
    placed = sum(len(layer) for layer in layers)
    if placed < len(nodes):  # cannot happen for a real DAG; keep the nodes visible
        layered = {node for layer in layers for node in layer}
        layers.append([node for node in nodes if node not in layered])
    layers = _order(layers, parents, children, sweeps)
    return _place(
        layers,
        node_width=node_width,
        node_height=node_height,
        layer_gap=layer_gap,
        row_gap=row_gap,
        margin=margin,
        max_rows=max(1, max_rows),
    )


def _order(
    layers: list[list[str]],
    parents: dict[str, list[str]],
    children: dict[str, list[str]],
    sweeps: int,
) -> list[list[str]]:
    """Reorder each layer by the mean position of its neighbours (barycentre)."""
    position: dict[str, float] = {}

    def number(layer: list[str]) -> None:
        size = max(len(layer), 1)
        for i, node in enumerate(layer):
            position[node] = i / size

    for layer in layers:
        number(layer)

    def sweep(order: Iterable[int], links: dict[str, list[str]]) -> None:
        for i in order:
            layer = layers[i]

            def key(node: str) -> float:
                linked = [position[n] for n in links[node] if n in position]
                return sum(linked) / len(linked) if linked else position[node]

            # sorted() is stable: ties keep the previous order.
            layer.sort(key=key)
            number(layer)

    for _ in range(sweeps):
        sweep(range(1, len(layers)), parents)
        sweep(range(len(layers) - 2, -1, -1), children)
    sweep(range(1, len(layers)), parents)
    return layers


def _place(
    layers: list[list[str]],
    *,
    node_width: float,
    node_height: float,
    layer_gap: float,
    row_gap: float,
    margin: float,
    max_rows: int,
) -> Layout:
    pitch = node_height + row_gap
    tallest = max((min(len(layer), max_rows) for layer in layers), default=0)
    positions: dict[str, tuple[float, float]] = {}
    column = 0
    for layer in layers:
        columns = max(1, -(-len(layer) // max_rows))
        for i, node in enumerate(layer):
            sub, row = divmod(i, max_rows)
            rows_here = min(max_rows, len(layer) - sub * max_rows)
            # Centre short columns against the tallest one.
            offset = (tallest - rows_here) * pitch / 2
            x = margin + (column + sub) * (node_width + layer_gap)
            y = margin + offset + row * pitch
            positions[node] = (x, y)
        column += columns
    width = 2 * margin + max(column, 1) * (node_width + layer_gap) - layer_gap
    height = 2 * margin + max(tallest, 1) * pitch - row_gap
    return Layout(
        positions=positions,
        layers=tuple(tuple(layer) for layer in layers),
        width=width,
        height=height,
        node_width=node_width,
        node_height=node_height,
    )
