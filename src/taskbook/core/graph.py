"""The notebook DAG as a read-only structure: every code cell a node, edges what runs first.

``NotebookGraph`` answers queries (parents, children, topological order, layers,
upstream, downstream, subgraphs, cycles) and never changes after construction.
``core.graph_builder`` makes one from cells; ``core.graph_formats`` prints one.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter
from typing import Literal

from taskbook.core.analysis import CellAnalysis
from taskbook.errors import DependencyCycleError

__all__ = (
    "EDGE_RANK",
    "CellInput",
    "CellKind",
    "Edge",
    "EdgeKind",
    "GraphWarning",
    "Node",
    "NotebookGraph",
    "longest_path_layers",
)

CellKind = Literal["task", "cell", "params"]
EdgeKind = Literal["data", "order", "sequence"]
WarningKind = Literal["hidden-state", "star-import"]

EDGE_RANK: Mapping[EdgeKind, int] = {"data": 0, "order": 1, "sequence": 2}
"""Precedence of edge kinds: the kind kept when two cells are joined twice."""


@dataclass(frozen=True, slots=True)
class CellInput:
    """One code cell as the builder sees it.

    Attributes:
        id: Stable cell id (the notebook cell id).
        index: Position in the notebook; cells are ordered by it.
        source: Python source of the cell (IPython transforms applied).
        kind: ``"task"`` for ``%%task`` cells, ``"params"`` for the parameters cell,
            ``"cell"`` for plain cells.
        name: Task name, or a display name for other cells.
        after: Names of tasks this cell must run after (``--after``).
        needs: Replaces the inferred reads (``--needs``) when not ``None``.
        makes: Replaces the inferred outputs (``--makes``) when not ``None``.
    """

    id: str
    index: int
    source: str
    kind: CellKind
    name: str
    after: tuple[str, ...] = ()
    needs: tuple[str, ...] | None = None
    makes: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class Node:
    """A cell in the DAG with its effective inputs and outputs.

    ``defines`` are the names the cell produces: the names it binds plus the names it
    mutates (or ``--makes``). ``reads`` are its inputs including the free globals of
    the notebook functions it uses (or ``--needs``).
    """

    id: str
    name: str
    cell_index: int
    kind: CellKind
    defines: frozenset[str]
    reads: frozenset[str]
    analysis: CellAnalysis


@dataclass(frozen=True, slots=True)
class Edge:
    """``to_id`` runs after ``from_id``; ``names`` are the names it carries (if any)."""

    from_id: str
    to_id: str
    kind: EdgeKind
    names: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class GraphWarning:
    """A dependency problem the caller reports (interactive) or raises on (headless)."""

    kind: WarningKind
    cell_id: str
    name: str
    message: str


class NotebookGraph:
    """A read-only DAG of notebook cells; ``build_notebook_graph`` makes one from cells."""

    __slots__ = (
        "_children",
        "_edges",
        "_layers",
        "_nodes",
        "_parents",
        "_position",
        "_warnings",
    )

    def __init__(
        self,
        nodes: Iterable[Node],
        edges: Iterable[Edge],
        warnings: Iterable[GraphWarning] = (),
    ) -> None:
        """Store nodes (sorted by cell index) and edges between them.

        Args:
            nodes: The nodes; ids must be unique.
            edges: Edges whose ends are among ``nodes``.
            warnings: Dependency warnings found while building.

        Raises:
            ValueError: An edge names a node that is not in ``nodes``.
        """
        self._nodes = tuple(sorted(nodes, key=lambda n: (n.cell_index, n.id)))
        self._position = {node.id: i for i, node in enumerate(self._nodes)}
        self._edges = tuple(sorted(edges, key=self._edge_key))
        self._warnings = tuple(warnings)
        self._parents: dict[str, set[str]] = {n.id: set() for n in self._nodes}
        self._children: dict[str, set[str]] = {n.id: set() for n in self._nodes}
        for edge in self._edges:
            if edge.from_id not in self._position or edge.to_id not in self._position:
                raise ValueError(
                    f"Edge {edge.from_id} -> {edge.to_id} leaves the graph."
                )
            self._parents[edge.to_id].add(edge.from_id)
            self._children[edge.from_id].add(edge.to_id)
        self._layers: tuple[tuple[str, ...], ...] | None = None  # computed once

    def _edge_key(self, edge: Edge) -> tuple[int, int, int]:
        return (
            self._position[edge.from_id] if edge.from_id in self._position else -1,
            self._position[edge.to_id] if edge.to_id in self._position else -1,
            EDGE_RANK[edge.kind],
        )

    def _sorted(self, ids: Iterable[str]) -> tuple[str, ...]:
        return tuple(sorted(ids, key=self._position.__getitem__))

    @property
    def nodes(self) -> tuple[Node, ...]:
        """The nodes in notebook order."""
        return self._nodes

    @property
    def edges(self) -> tuple[Edge, ...]:
        """The edges, sorted by the notebook position of their ends."""
        return self._edges

    @property
    def warnings(self) -> tuple[GraphWarning, ...]:
        """Hidden-state and star-import warnings found by the builder."""
        return self._warnings

    def __contains__(self, node_id: object) -> bool:
        """Whether a cell with this id is a node of the graph."""
        return node_id in self._position

    def node(self, node_id: str) -> Node:
        """Return the node with id ``node_id``.

        Raises:
            KeyError: No such node.
        """
        return self._nodes[self._index(node_id)]

    def _index(self, node_id: str) -> int:
        try:
            return self._position[node_id]
        except KeyError:
            raise KeyError(f"No cell with id {node_id!r} in the graph.") from None

    def parents(self, node_id: str) -> tuple[str, ...]:
        """Return the direct predecessors of ``node_id`` in notebook order."""
        self._index(node_id)
        return self._sorted(self._parents[node_id])

    def children(self, node_id: str) -> tuple[str, ...]:
        """Return the direct successors of ``node_id`` in notebook order."""
        self._index(node_id)
        return self._sorted(self._children[node_id])

    def topological_order(self) -> tuple[str, ...]:
        """Return node ids so every edge points forward; ties keep notebook order.

        Raises:
            DependencyCycleError: The graph has a cycle.
        """
        return tuple(node for layer in self.layers() for node in layer)

    def layers(self) -> tuple[tuple[str, ...], ...]:
        """Return groups of node ids that can run in parallel, in dependency order.

        A node is in the first layer after all of its parents' layers.

        Raises:
            DependencyCycleError: The graph has a cycle.
        """
        if self._layers is None:
            layers = longest_path_layers(tuple(self._position), self._parents)
            self._layers = tuple(tuple(layer) for layer in layers)
        if sum(len(layer) for layer in self._layers) != len(self._nodes):
            raise DependencyCycleError.from_cycle(self._cycle_names())
        return self._layers

    def upstream(self, node_id: str) -> frozenset[str]:
        """Return every node ``node_id`` depends on, transitively (not itself)."""
        return self._reach(node_id, self._parents)

    def downstream(self, node_id: str) -> frozenset[str]:
        """Return every node that depends on ``node_id``, transitively (not itself)."""
        return self._reach(node_id, self._children)

    def _reach(self, node_id: str, links: Mapping[str, set[str]]) -> frozenset[str]:
        self._index(node_id)
        seen: set[str] = set()
        stack = [node_id]
        while stack:
            for other in links[stack.pop()]:
                if other not in seen:
                    seen.add(other)
                    stack.append(other)
        seen.discard(node_id)
        return frozenset(seen)

    def subgraph(self, ids: Iterable[str]) -> NotebookGraph:
        """Return the graph induced by ``ids``: those nodes and the edges among them.

        Raises:
            KeyError: An id is not in the graph.
        """
        keep = set(ids)
        for node_id in keep:
            self._index(node_id)
        return NotebookGraph(
            [n for n in self._nodes if n.id in keep],
            [e for e in self._edges if e.from_id in keep and e.to_id in keep],
            [w for w in self._warnings if w.cell_id in keep],
        )

    def find_cycle(self) -> tuple[str, ...] | None:
        """Return the ids along one cycle (first node not repeated), or ``None``.

        The cycle starts at its earliest cell; the search visits nodes and children
        in notebook order, so the same graph always names the same cycle.
        """
        sorter: TopologicalSorter[str] = TopologicalSorter()
        for node_id in self._position:  # first, so graphlib keeps notebook order
            sorter.add(node_id)
        for node_id in self._position:
            sorter.add(node_id, *self._sorted(self._parents[node_id]))
        try:
            sorter.prepare()
        except CycleError as error:
            cycle: list[str] = error.args[1][:-1]  # graphlib repeats the first node
            start = min(range(len(cycle)), key=lambda i: self._position[cycle[i]])
            return tuple(cycle[start:] + cycle[:start])
        return None

    def _cycle_names(self) -> list[str]:
        cycle = self.find_cycle() or ()
        return [self.node(node_id).name for node_id in cycle]


def longest_path_layers(
    nodes: Sequence[str], parents: Mapping[str, Collection[str]]
) -> list[list[str]]:
    """Group nodes into layers: each node one layer after its furthest parent.

    Layer 0 holds the nodes without parents; within a layer, nodes keep their order
    in ``nodes``. Nodes on a cycle, or downstream of one, are in no layer.

    Args:
        nodes: The node ids, in the order that breaks ties.
        parents: Each node's direct predecessors, all among ``nodes``.
    """
    waiting: dict[str, int] = {}
    children: dict[str, list[str]] = {node: [] for node in nodes}
    for node in nodes:
        links = parents[node]
        waiting[node] = len(links)
        for parent in links:
            children[parent].append(node)
    ready = [node for node in nodes if not waiting[node]]
    layer_of = dict.fromkeys(ready, 0)
    # Kahn's algorithm, first in first out (ready grows while we walk it): nodes come
    # out in layer order, so a child's last parent out is its furthest one.
    for node in ready:
        below = layer_of[node] + 1
        for child in children[node]:
            waiting[child] -= 1
            if not waiting[child]:
                layer_of[child] = below
                ready.append(child)
    layers: list[list[str]] = [
        [] for _ in range(max(layer_of.values(), default=-1) + 1)
    ]
    for node in nodes:
        layer = layer_of.get(node)
        if layer is not None:
            layers[layer].append(node)
    return layers
