"""The notebook DAG: every code cell is a node, edges say what must run first.

- ``build_notebook_graph`` is the only builder; it applies DESIGN §3's inference rules.
- ``NotebookGraph`` is read-only: topological order, layers, ancestors, subgraphs,
  cycle search, and the ``taskbook graph`` renderings (JSON, Mermaid, DOT).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from taskbook.core.analysis import BUILTIN_NAMES, CellAnalysis, analyze_cell
from taskbook.errors import (
    DependencyCycleError,
    DuplicateTaskNameError,
    UnknownTaskError,
)

__all__ = (
    "CellInput",
    "CellKind",
    "Edge",
    "EdgeKind",
    "GraphWarning",
    "Node",
    "NotebookGraph",
    "build_notebook_graph",
)

CellKind = Literal["task", "cell", "params"]
EdgeKind = Literal["data", "order", "sequence"]
WarningKind = Literal["hidden-state", "star-import"]

_EDGE_RANK: Mapping[EdgeKind, int] = {"data": 0, "order": 1, "sequence": 2}


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
    """A read-only DAG of notebook cells; build it with ``build_notebook_graph``."""

    __slots__ = ("_children", "_edges", "_nodes", "_parents", "_position", "_warnings")

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

    def _edge_key(self, edge: Edge) -> tuple[int, int, int]:
        return (
            self._position[edge.from_id] if edge.from_id in self._position else -1,
            self._position[edge.to_id] if edge.to_id in self._position else -1,
            _EDGE_RANK[edge.kind],
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
        return tuple(node for layer in self._waves() for node in layer)

    def layers(self) -> tuple[tuple[str, ...], ...]:
        """Return groups of node ids that can run in parallel, in dependency order.

        A node is in the first layer after all of its parents' layers.

        Raises:
            DependencyCycleError: The graph has a cycle.
        """
        return self._waves()

    def _waves(self) -> tuple[tuple[str, ...], ...]:
        waiting = {node: len(parents) for node, parents in self._parents.items()}
        ready = [node for node, count in waiting.items() if count == 0]
        waves: list[tuple[str, ...]] = []
        while ready:
            wave = self._sorted(ready)
            waves.append(wave)
            ready = []
            for node in wave:
                for child in self._children[node]:
                    waiting[child] -= 1
                    if waiting[child] == 0:
                        ready.append(child)
        if sum(len(wave) for wave in waves) != len(self._nodes):
            raise DependencyCycleError.from_cycle(self._cycle_names())
        return tuple(waves)

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
        """Return the ids along one cycle (first node not repeated), or ``None``."""
        state: dict[str, int] = {}  # 1 = on the current path, 2 = done
        for root in self._position:
            if state.get(root):
                continue
            path = [root]
            state[root] = 1
            iterators = [iter(self._sorted(self._children[root]))]
            while iterators:
                child = next(iterators[-1], None)
                if child is None:
                    state[path.pop()] = 2
                    iterators.pop()
                elif state.get(child) == 1:
                    cycle = path[path.index(child) :]
                    start = min(range(len(cycle)), key=lambda i: self._index(cycle[i]))
                    return tuple(cycle[start:] + cycle[:start])
                elif not state.get(child):
                    state[child] = 1
                    path.append(child)
                    iterators.append(iter(self._sorted(self._children[child])))
        return None

    def _cycle_names(self) -> list[str]:
        cycle = self.find_cycle() or ()
        return [self.node(node_id).name for node_id in cycle]

    def to_dict(self) -> dict[str, list[dict[str, object]]]:
        """Return the ``taskbook graph --format json`` document (DESIGN §8)."""
        return {
            "nodes": [
                {
                    "id": n.id,
                    "name": n.name,
                    "cell_index": n.cell_index,
                    "kind": n.kind,
                    "defines": sorted(n.defines),
                    "reads": sorted(n.reads),
                }
                for n in self._nodes
            ],
            "edges": [
                {
                    "from": e.from_id,
                    "to": e.to_id,
                    "kind": e.kind,
                    "names": sorted(e.names),
                }
                for e in self._edges
            ],
        }

    def to_json(self, indent: int | None = 2) -> str:
        """Return ``to_dict()`` as JSON text."""
        return json.dumps(self.to_dict(), indent=indent)

    def to_mermaid(self) -> str:
        """Return a Mermaid flowchart: data solid, order dotted, sequence thick."""
        ids = {node.id: f"n{i}" for i, node in enumerate(self._nodes)}
        lines = ["flowchart TD"]
        for node in self._nodes:
            label = _mermaid_text(f"{node.name} ({node.kind})")
            lines.append(f'    {ids[node.id]}["{label}"]')
        arrows = {"data": "-->", "order": "-.->", "sequence": "==>"}
        for edge in self._edges:
            arrow = arrows[edge.kind]
            if edge.names:
                arrow += f'|"{_mermaid_text(", ".join(sorted(edge.names)))}"|'
            lines.append(f"    {ids[edge.from_id]} {arrow} {ids[edge.to_id]}")
        return "\n".join(lines) + "\n"

    def to_dot(self) -> str:
        """Return a Graphviz DOT digraph: tasks are boxes, plain cells ellipses."""
        shapes = {"task": "box", "cell": "ellipse", "params": "note"}
        styles = {"data": "solid", "order": "dashed", "sequence": "bold"}
        lines = ["digraph notebook {", "    rankdir=TB;"]
        for node in self._nodes:
            lines.append(
                f"    {_dot_text(node.id)} [label={_dot_text(node.name)}, "
                f"shape={shapes[node.kind]}];"
            )
        for edge in self._edges:
            label = f", label={_dot_text(', '.join(sorted(edge.names)))}"
            lines.append(
                f"    {_dot_text(edge.from_id)} -> {_dot_text(edge.to_id)} "
                f"[style={styles[edge.kind]}{label if edge.names else ''}];"
            )
        lines.append("}")
        return "\n".join(lines) + "\n"


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;")


def _dot_text(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def build_notebook_graph(
    cells: Sequence[CellInput], known_globals: frozenset[str] = frozenset()
) -> NotebookGraph:
    """Build the notebook DAG from its code cells (DESIGN §3, "Dependency inference").

    Each read resolves to the nearest preceding cell that defines or mutates the name
    (``data`` edge); reading a notebook function also reads its free globals, resolved
    at the reader's position, transitively. ``--after``, ``del`` and star imports add
    ``order`` edges; plain and params cells keep notebook order (``sequence`` edges).
    At most one edge joins two cells: ``data`` wins over ``order`` over ``sequence``.

    Args:
        cells: The notebook's code cells, in any order (``index`` decides).
        known_globals: Names the environment provides (for example IPython's
            ``display``): reading them without a producer is not a warning.

    Returns:
        The graph, with hidden-state and star-import warnings attached.

    Raises:
        DuplicateTaskNameError: Two task cells share a name.
        UnknownTaskError: ``after`` names no task.
        DependencyCycleError: ``after`` creates a cycle; the message names it.
        ValueError: Two cells share an id.
    """
    ordered = sorted(cells, key=lambda cell: cell.index)
    _check_names(ordered)
    analyses = [analyze_cell(cell.source) for cell in ordered]
    shadowed = frozenset().union(*(a.defines for a in analyses)) & BUILTIN_NAMES
    if shadowed:
        analyses = [analyze_cell(cell.source, shadowed) for cell in ordered]
    graph = _Builder(ordered, analyses, known_globals | BUILTIN_NAMES).build()
    cycle = graph.find_cycle()
    if cycle is not None:
        raise DependencyCycleError.from_cycle([graph.node(i).name for i in cycle])
    return graph


def _check_names(cells: Sequence[CellInput]) -> None:
    """Reject duplicate cell ids and duplicate task names."""
    ids = [cell.id for cell in cells]
    if len(set(ids)) != len(ids):
        duplicate = next(i for i in ids if ids.count(i) > 1)
        raise ValueError(f"Cell id {duplicate!r} appears more than once.")
    tasks: dict[str, list[int]] = {}
    for cell in cells:
        if cell.kind == "task":
            tasks.setdefault(cell.name, []).append(cell.index)
    for name, indices in tasks.items():
        if len(indices) > 1:
            raise DuplicateTaskNameError.from_name(name, indices)


class _Builder:
    """Apply the inference rules to cells already sorted into notebook order."""

    def __init__(
        self,
        cells: Sequence[CellInput],
        analyses: Sequence[CellAnalysis],
        ambient: frozenset[str],
    ) -> None:
        self.cells = cells
        self.analyses = analyses
        self.ambient = ambient
        self.outputs = [
            frozenset(c.makes) if c.makes is not None else a.defines | a.mutates
            for c, a in zip(cells, analyses, strict=True)
        ]
        self.binds = [
            frozenset(c.makes) if c.makes is not None else a.defines
            for c, a in zip(cells, analyses, strict=True)
        ]
        self.functions = [a.function_globals() for a in analyses]
        self.edges: dict[tuple[int, int], tuple[EdgeKind, set[str]]] = {}
        self.warnings: list[GraphWarning] = []

    def build(self) -> NotebookGraph:
        reads = [self._effective_reads(i) for i in range(len(self.cells))]
        for i in range(len(self.cells)):
            self._add_data_edges(i, reads[i])
        self._add_after_edges()
        self._add_del_edges(reads)
        self._add_star_barriers()
        self._add_sequence_edges()
        nodes = [
            Node(c.id, c.name, c.index, c.kind, self.outputs[i], reads[i], a)
            for i, (c, a) in enumerate(zip(self.cells, self.analyses, strict=True))
        ]
        edges = [
            Edge(self.cells[f].id, self.cells[t].id, kind, frozenset(names))
            for (f, t), (kind, names) in self.edges.items()
        ]
        return NotebookGraph(nodes, edges, self.warnings)

    def _add_edge(
        self, source: int, target: int, kind: EdgeKind, names: Iterable[str] = ()
    ) -> None:
        current = self.edges.get((source, target))
        if current is None or _EDGE_RANK[kind] < _EDGE_RANK[current[0]]:
            self.edges[(source, target)] = (kind, set(names))
        elif current[0] == kind:
            current[1].update(names)

    def _resolve(self, name: str, position: int) -> tuple[int | None, list[int], int]:
        """Return (producer, star-import cells passed, deleting cell or -1)."""
        stars: list[int] = []
        for j in range(position - 1, -1, -1):
            if name in self.outputs[j]:
                return j, stars, -1
            if name in self.analyses[j].deletes:
                return None, stars, j
            if self.analyses[j].star_import:
                stars.append(j)
        return None, stars, -1

    def _effective_reads(self, i: int) -> frozenset[str]:
        """Return the cell's reads plus free globals of notebook functions it uses."""
        cell, analysis = self.cells[i], self.analyses[i]
        if cell.needs is not None:
            return frozenset(cell.needs)
        reads = set(analysis.reads)
        queue = sorted(reads)
        while queue:
            name = queue.pop()
            producer = self._resolve(name, i)[0]
            if producer is None:
                continue
            for free in self.functions[producer].get(name, frozenset()):
                if free not in reads and free not in analysis.defines:
                    reads.add(free)
                    queue.append(free)
        return frozenset(reads)

    def _add_data_edges(self, i: int, reads: frozenset[str]) -> None:
        for name in sorted(reads):
            producer, stars, deleter = self._resolve(name, i)
            for star in stars:
                self._add_edge(star, i, "data", [name])
            if producer is not None:
                self._add_edge(producer, i, "data", [name])
            elif not stars and name not in self.ambient:
                self.warnings.append(self._hidden_state(i, name, deleter))

    def _hidden_state(self, i: int, name: str, deleter: int) -> GraphWarning:
        cell = self.cells[i]
        where = f"Cell {cell.index} ({cell.name!r}) reads {name!r}"
        if deleter >= 0:
            gone = self.cells[deleter].index
            message = (
                f"{where}, but cell {gone} deletes it before. Move the cell above "
                f"cell {gone}, or define {name!r} again after the del."
            )
        else:
            message = (
                f"{where}, which no earlier cell defines (hidden state). Define "
                f"{name!r} in a cell above, or move this cell below its definition."
            )
        return GraphWarning("hidden-state", cell.id, name, message)

    def _add_after_edges(self) -> None:
        tasks = {c.name: i for i, c in enumerate(self.cells) if c.kind == "task"}
        for i, cell in enumerate(self.cells):
            for name in cell.after:
                if name not in tasks:
                    raise UnknownTaskError.from_name(name, sorted(tasks))
                self._add_edge(tasks[name], i, "order")

    def _add_del_edges(self, reads: Sequence[frozenset[str]]) -> None:
        """Order each ``del x`` after every reader of x since x's previous binding."""
        for i, analysis in enumerate(self.analyses):
            for name in sorted(analysis.deletes):
                start = 0
                for j in range(i - 1, -1, -1):
                    if name in self.binds[j]:
                        start = j + 1
                        break
                for k in range(start, i):
                    if name in reads[k]:
                        self._add_edge(k, i, "order", [name])

    def _add_star_barriers(self) -> None:
        for i, analysis in enumerate(self.analyses):
            if not analysis.star_import:
                continue
            cell = self.cells[i]
            self.warnings.append(
                GraphWarning(
                    "star-import",
                    cell.id,
                    "*",
                    f"Cell {cell.index} ({cell.name!r}) uses a star import, so every "
                    f"later cell waits for it. Import the names you use explicitly.",
                )
            )
            for later in range(i + 1, len(self.cells)):
                self._add_edge(i, later, "order")

    def _add_sequence_edges(self) -> None:
        previous: int | None = None
        for i, cell in enumerate(self.cells):
            if cell.kind in ("cell", "params"):
                if previous is not None:
                    self._add_edge(previous, i, "sequence")
                previous = i
