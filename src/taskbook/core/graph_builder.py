"""Build the notebook DAG from its cells: DESIGN §3's dependency-inference rules.

``build_notebook_graph`` is the only way to make a ``NotebookGraph`` from cells: it
analyses each cell, resolves every read to its producer, adds the ordering edges
(``--after``, ``del``, star imports, plain-cell sequence) and rejects cycles.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from taskbook.core.analysis import BUILTIN_NAMES, CellAnalysis, analyze_cell
from taskbook.core.graph import (
    EDGE_RANK,
    CellInput,
    Edge,
    EdgeKind,
    GraphWarning,
    Node,
    NotebookGraph,
)
from taskbook.errors import DuplicateTaskNameError, UnknownTaskError

__all__ = ("build_notebook_graph",)


def build_notebook_graph(
    cells: Sequence[CellInput], known_globals: frozenset[str] = frozenset()
) -> NotebookGraph:
    """Build the notebook DAG from its code cells (DESIGN §3, "Dependency inference").

    Each read resolves to the nearest preceding cell that defines or mutates the name
    (``data`` edge; a bare method call on an imported name is a read only); reading a notebook function also reads its free globals, resolved
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
    graph.layers()  # raises DependencyCycleError naming the cycle, if there is one
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
            tasks.setdefault(cell.name, []).append(cell.index + 1)
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
        self.outputs: list[frozenset[str]] = []
        for i, (c, a) in enumerate(zip(cells, analyses, strict=True)):
            self.outputs.append(
                frozenset(c.makes)
                if c.makes is not None
                else a.defines | (a.mutates - self._module_calls(i, a))
            )
        self.binds = [
            frozenset(c.makes) if c.makes is not None else a.defines
            for c, a in zip(cells, analyses, strict=True)
        ]
        self.functions = [a.function_globals() for a in analyses]
        self.edges: dict[tuple[int, int], tuple[EdgeKind, set[str]]] = {}
        self.warnings: list[GraphWarning] = []

    def _module_calls(self, i: int, analysis: CellAnalysis) -> frozenset[str]:
        """The names cell ``i`` only calls methods on and an earlier cell imported.

        ``time.sleep(1)`` on an imported ``time`` is a read (DESIGN §3), so cells
        that merely use a module stay independent. Needs the outputs of the cells
        before ``i``.
        """
        modules = set()
        for name in analysis.called_on:
            producer = self._resolve(name, i)[0]
            if producer is not None and name in self.analyses[producer].imports:
                modules.add(name)
        return frozenset(modules)

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
        if current is None or EDGE_RANK[kind] < EDGE_RANK[current[0]]:
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
        # Cells are named by their position from 1, as JupyterLab's "Cell N/M".
        where = f"Cell {cell.index + 1} ({cell.name!r}) reads {name!r}"
        if deleter >= 0:
            gone = self.cells[deleter].index + 1
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
                    f"Cell {cell.index + 1} ({cell.name!r}) uses a star import, so every "
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
