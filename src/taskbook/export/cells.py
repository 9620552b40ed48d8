"""The notebook's cells as planning sees them: sorted, parsed, split, in a DAG.

``sort_cells`` drops taskbook's own magics and papermill's injected cell (as
notes); ``notebook_graph`` is the DAG ``taskbook run`` builds, hidden state an
error; ``cell_names`` tells module-level names from flow variables, a name used
both ways an ``ExportConflictError``. Pure.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass, field

from taskbook.core.analysis import CellAnalysis, analyze_cell
from taskbook.core.cells import CellSpec
from taskbook.core.graph import CellInput, NotebookGraph
from taskbook.core.graph_builder import build_notebook_graph
from taskbook.core.parameter_parsing import parse_parameters
from taskbook.errors import ExportConflictError, HiddenStateError, UnparsableCellError
from taskbook.export.model import Marker, Step
from taskbook.export.pieces import Pieces, split
from taskbook.export.source import parse

__all__ = (
    "ExportCell",
    "cell_names",
    "cell_pieces",
    "notebook_graph",
    "parse_cell",
    "sort_cells",
)

INJECTED_TAG = "injected-parameters"


@dataclass
class ExportCell:
    """One code cell of the DAG: its spec, marker and code as planning rewrites it."""

    spec: CellSpec
    marker: Marker
    python: str = ""
    pieces: Pieces | None = None
    analysis: CellAnalysis = field(default_factory=CellAnalysis)

    @property
    def number(self) -> int:
        return self.marker.number


def sort_cells(
    specs: Sequence[CellSpec],
) -> tuple[list[tuple[int, Step]], list[ExportCell]]:
    """Return the dropped cells as notes, and the cells of the DAG."""
    notes: list[tuple[int, Step]] = []
    cells: list[ExportCell] = []
    for spec in sorted(specs, key=lambda s: s.cell.index):
        header = spec.cell.source.lstrip("\n").partition("\n")[0].strip()
        marker = Marker(
            spec.cell.index + 1,
            spec.cell.id,
            header if spec.kind in ("task", "params") else "",
        )
        if spec.kind == "control":
            note = f"dropped: taskbook's own magics ({header})"
            notes.append((spec.cell.index, Step(marker, note=note)))
        elif INJECTED_TAG in spec.cell.tags:
            note = "dropped: papermill's injected parameters (the flow takes them)"
            notes.append((spec.cell.index, Step(marker, note=note)))
        else:
            cells.append(ExportCell(spec, marker))
    return notes, cells


def parse_cell(python: str, number: int) -> ast.Module:
    try:
        return parse(python)
    except SyntaxError as error:
        raise UnparsableCellError.from_syntax(number, error) from None


def cell_pieces(cell: ExportCell) -> Pieces:
    if cell.pieces is None:
        cell.pieces = split(cell.python)
    return cell.pieces


def notebook_graph(
    cells: Sequence[ExportCell], ambient: frozenset[str]
) -> NotebookGraph:
    """The notebook DAG over the translated code; hidden state is an error."""
    inputs = [
        CellInput(
            id=c.spec.cell.id,
            index=c.spec.cell.index,
            source=c.python,
            kind=c.spec.kind,  # type: ignore[arg-type]
            name=c.spec.name,
            after=c.spec.header.after,
            needs=c.spec.header.needs,
            makes=c.spec.header.makes,
        )
        for c in cells
    ]
    graph = build_notebook_graph(inputs, ambient)
    hidden = [w.message for w in graph.warnings if w.kind == "hidden-state"]
    if hidden:
        raise HiddenStateError.from_messages(hidden)
    return graph


def cell_names(
    cells: Sequence[ExportCell], helpers: set[str]
) -> tuple[set[str], set[str]]:
    """Return (module-level names, flow variables); a name both ways is a conflict.

    ``helpers`` are the module's own imports that translated code uses.
    """
    module: dict[str, str] = {name: f"The module imports {name!r}" for name in helpers}
    data: dict[str, str] = {}
    definitions: dict[str, tuple[str, int]] = {}
    for cell in cells:
        pieces = cell_pieces(cell)
        for statement in pieces.imports:
            for name in statement.bindings:
                module.setdefault(name, f"Cell {cell.number} imports {name!r}")
        for definition in pieces.definitions:
            earlier = definitions.get(definition.name)
            if earlier is not None and earlier[0] != definition.text:
                raise ExportConflictError.from_name(
                    definition.name,
                    f"Cell {earlier[1]} defines {definition.name!r}",
                    f"cell {cell.number} defines another {definition.name!r}",
                    "Give the two functions different names.",
                )
            definitions.setdefault(definition.name, (definition.text, cell.number))
            module.setdefault(
                definition.name, f"Cell {cell.number} defines {definition.name!r}"
            )
        cell.analysis = analysis = analyze_cell(pieces.body)
        for name in sorted(analysis.defines):
            data.setdefault(name, f"cell {cell.number} assigns it")
        if cell.spec.kind == "params":
            for spec in parse_parameters(pieces.body):
                data.setdefault(spec.name, f"cell {cell.number} declares it")
    for name in sorted(module.keys() & data.keys()):
        raise ExportConflictError.from_name(name, module[name], data[name])
    mutated = {
        name for cell in cells for name in cell.analysis.mutates if name not in module
    }
    return set(module), set(data) | mutated
