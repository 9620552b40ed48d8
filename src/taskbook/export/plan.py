"""A notebook's cells -> the ``FlowModule`` a target writes out.

The DAG is the one ``taskbook run`` executes (same classification, same builder,
hidden state an error). Imports and functions go to module level; each
``%%task`` cell becomes a task taking the variables it reads and returning the
ones it binds; plain cells become the flow body. Steps run in notebook order
(``--after`` may move a cell later); a step reading a variable another cell
rebound in between is an ``ExportConflictError``, so the module computes what
the notebook computes. Pure apart from IPython's transforms.
"""

from __future__ import annotations

import ast
import heapq
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from taskbook.core.analysis import analyze_cell
from taskbook.core.cells import CellSpec, classify_all
from taskbook.core.graph import NotebookGraph
from taskbook.core.parameter_parsing import parse_parameters
from taskbook.errors import ExportConflictError, HiddenStateError
from taskbook.export import bindings, names
from taskbook.export.cells import (
    ExportCell,
    cell_names,
    cell_pieces,
    notebook_graph,
    parse_cell,
    sort_cells,
)
from taskbook.export.functions import FunctionSite, passed_globals
from taskbook.export.imports import Generated, ModuleImports
from taskbook.export.ipython import Helpers, ipython_python, translate
from taskbook.export.main_block import MAIN_LOCALS
from taskbook.export.model import (
    ExportRequest,
    FlowModule,
    GeneratedNames,
    ModuleCode,
    Step,
    TaskFunction,
)
from taskbook.export.options import task_options
from taskbook.export.params import signature
from taskbook.export.pieces import split
from taskbook.export.source import apply_edits, parse

__all__ = ("Dialect", "build_module", "plan_request")

_AMBIENT = frozenset({"display", "get_ipython", "Param"})


@dataclass(frozen=True, slots=True)
class Dialect:
    """What planning needs to know about the target.

    Attributes:
        package: The framework the module imports (``taskbook`` or ``prefect``).
        translate: Rewrites one notebook import for the target (``cell`` for
            messages); may raise a ``ConfigurationError`` naming the cell.
        check_uses: Given every cell's code by cell number, raises a
            ``ConfigurationError`` for a use the target cannot run.
    """

    package: str
    translate: Callable[[ast.Import | ast.ImportFrom, int], ast.Import | ast.ImportFrom]
    check_uses: Callable[[Mapping[int, ast.Module]], None] = lambda trees: None


def build_module(
    specs: Sequence[CellSpec],
    notebook: str,
    dialect: Dialect,
    defaults: Mapping[str, Any] | None = None,
) -> FlowModule:
    """Plan the flow module of a notebook.

    Args:
        specs: The notebook's classified code cells (``classify_all``).
        notebook: The notebook's file name (``01_etl.ipynb``).
        dialect: The target's framework and import rules.
        defaults: Parameter values given at export time, already validated.

    Raises:
        ConfigurationError: A cell cannot be exported; the subclass and message
            name the cell and the fix.
    """
    for spec in specs:
        if spec.problem is not None:
            raise spec.problem
    notes, cells = sort_cells(specs)
    trees = {c.number: parse_cell(ipython_python(c.spec.body), c.number) for c in cells}
    dialect.check_uses(trees)
    namer = names.Namer(set().union(*(names.identifiers(t) for t in trees.values())))
    namer.bound = _bindings(trees.values(), dialect)
    generated = Generated(namer, _requests(dialect.package))
    helpers = Helpers(
        generated.name("subprocess"), generated.name("time"), namer.fresh("_started")
    )
    known = namer.taken
    uses: set[str] = set()
    for cell in cells:
        translation = translate(cell.spec.body, cell.number, helpers, known)
        cell.python, uses = translation.source, uses | translation.uses
        parse_cell(cell.python, cell.number)
    graph = notebook_graph(cells, _AMBIENT | {helpers.subprocess, helpers.time})
    module_names, data = cell_names(cells, {helpers.subprocess, helpers.time})
    sites = [
        FunctionSite(d.name, c.number, d.node)
        for c in cells
        for d in cell_pieces(c).definitions
    ]
    _, edits = passed_globals(
        sites, frozenset(data), {c.number: (parse(c.python), c.python) for c in cells}
    )
    for cell in cells:
        if cell.number in edits:  # otherwise its pieces and analysis still hold
            cell.python = apply_edits(cell.python, edits[cell.number])
            cell.pieces = split(cell.python)
            cell.analysis = analyze_cell(cell.pieces.body)
    return _Assembler(
        cells, notes, graph, module_names, data, generated, dialect
    ).build(notebook, defaults or {}, uses, helpers)


def plan_request(request: ExportRequest, dialect: Dialect) -> FlowModule:
    """Plan the module of an export request (its cells classified as a run does)."""
    return build_module(
        classify_all(request.cells), request.notebook, dialect, request.defaults
    )


def _bindings(trees: Any, dialect: Dialect) -> dict[str, names.Binding]:
    """What the notebook's cell-level imports bind, as the target will import it."""
    bound: dict[str, names.Binding] = {}
    for tree in trees:
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                try:
                    node = dialect.translate(node, 0)
                except ValueError:
                    continue  # reported with its cell when the import is added
                for name, binding in names.import_bindings(node).items():
                    bound.setdefault(name, binding)
    return bound


def _requests(package: str) -> dict[str, tuple[names.Binding, str]]:
    binding = names.Binding
    return {
        "flow": (binding(package, "flow"), "flow"),
        "task": (binding(package, "task"), "task"),
        "NO_CACHE": (binding(f"{package}.cache_policies", "NO_CACHE"), "NO_CACHE"),
        "INPUTS": (binding(f"{package}.cache_policies", "INPUTS"), "INPUTS"),
        "TASK_SOURCE": (
            binding(f"{package}.cache_policies", "TASK_SOURCE"),
            "TASK_SOURCE",
        ),
        "ProcessPoolTaskRunner": (
            binding(f"{package}.task_runners", "ProcessPoolTaskRunner"),
            "ProcessPoolTaskRunner",
        ),
        "ParameterTypeError": (
            binding(f"{package}.exceptions", "ParameterTypeError"),
            "ParameterTypeError",
        ),
        "timedelta": (binding("datetime", "timedelta"), "timedelta"),
        "datetime": (binding("datetime"), "datetime"),
        "Annotated": (binding("typing", "Annotated"), "Annotated"),
        "Literal": (binding("typing", "Literal"), "Literal"),
        "Field": (binding("pydantic", "Field"), "Field"),
        "subprocess": (binding("subprocess"), "subprocess"),
        "time": (binding("time"), "time"),
    }


class _Assembler:
    """Builds the steps, tasks and signature once every cell's code is final."""

    def __init__(
        self,
        cells: Sequence[ExportCell],
        notes: Sequence[tuple[int, Step]],
        graph: NotebookGraph,
        module_names: set[str],
        data: set[str],
        generated: Generated,
        dialect: Dialect,
    ) -> None:
        self.cells = {c.spec.cell.id: c for c in cells}
        self.ordered = list(cells)
        self.notes = notes
        self.graph = graph
        self.module_names = module_names
        self.data = frozenset(data)
        self.generated = generated
        self.dialect = dialect
        self.reads = {c.spec.cell.id: self._reads(c) for c in cells}

    def _reads(self, cell: ExportCell) -> frozenset[str]:
        extra = set(cell.spec.header.needs or ())
        return frozenset((cell.analysis.reads | extra) & self.data)

    def _binds(self, cell: ExportCell) -> frozenset[str]:
        analysis = cell.analysis
        return frozenset((analysis.defines | analysis.mutates) & self.data)

    def build(
        self,
        notebook: str,
        defaults: Mapping[str, Any],
        uses: set[str],
        helpers: Helpers,
    ) -> FlowModule:
        """Return the module."""
        namer, generated = self.generated.namer, self.generated
        stem = re.sub(r"\.ipynb$", "", notebook.rsplit("/", 1)[-1])
        preferred = re.sub(r"^[^A-Za-z]+", "", stem) or "notebook"
        if preferred in MAIN_LOCALS:  # main would call its own local, not the flow
            preferred += "_flow"
        function = namer.fresh(preferred, "_flow")
        functions = {
            c.spec.cell.id: namer.fresh(c.spec.name, "_task")
            for c in self.ordered
            if c.spec.kind == "task"
        }
        params_cell = next((c for c in self.ordered if c.spec.kind == "params"), None)
        declared = (
            parse_parameters(cell_pieces(params_cell).body) if params_cell else ()
        )
        flow_signature = signature(
            declared,
            cell_pieces(params_cell).body if params_cell else "",
            defaults,
            generated.name,
        )
        steps, tasks, returns = self._steps(
            functions, params_cell, flow_signature.body, helpers.started
        )
        reads = self._exported_reads(flow_signature.body)
        imports = ModuleImports(self.dialect.translate)
        for cell in self.ordered:
            for statement in cell_pieces(cell).imports:
                imports.add(statement, cell.number, reads, cell.spec.kind == "params")
        isolated = any(t.isolated for t in tasks)
        names_used = GeneratedNames(
            flow=generated.name("flow"),
            task=generated.name("task") if tasks else "",
            process_pool=generated.name("ProcessPoolTaskRunner") if isolated else "",
            parameter_error=generated.name("ParameterTypeError"),
            main=namer.fresh("main"),
        )
        generated.add_to(imports, {"subprocess", "time"} - uses)
        display = "display" in reads and "display" not in self.module_names
        steps_code = [s.code for s in steps if s.code]
        return FlowModule(
            notebook=notebook,
            flow_name=stem,
            function=function,
            parameters=flow_signature.parameters,
            text_parameters=flow_signature.text_parameters,
            imports=tuple(imports.lines()),
            preamble=_DISPLAY if display else (),
            definitions=self._definitions(),
            tasks=tuple(tasks),
            steps=tuple(steps),
            returns=tuple(returns),
            names=names_used,
            is_async=any(t.is_async for t in tasks)
            or any(bindings.awaits(parse(code)) for code in steps_code),
            isolated=isolated,
            shell="subprocess" in uses,
        )

    def _definitions(self) -> tuple[ModuleCode, ...]:
        seen: set[str] = set()
        found = []
        for cell in self.ordered:
            for definition in cell_pieces(cell).definitions:
                if definition.name not in seen:
                    seen.add(definition.name)
                    found.append(ModuleCode(cell.marker, definition.text))
        return tuple(found)

    def _exported_reads(self, params_body: str) -> set[str]:
        reads: set[str] = set()
        texts = [params_body]
        for cell in self.ordered:
            pieces = cell_pieces(cell)
            texts += [d.text for d in pieces.definitions]
            if cell.spec.kind != "params":
                texts.append(pieces.body)
        for text in texts:
            if text.strip():
                tree = parse(text)
                reads |= {
                    n.id
                    for n in ast.walk(tree)
                    if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
                }
        return reads

    def _order(self) -> list[str]:
        """Node ids in run order: notebook order, moved only where an edge says."""
        graph = self.graph
        index = {n.id: n.cell_index for n in graph.nodes}
        waiting = {n.id: len(graph.parents(n.id)) for n in graph.nodes}
        ready = [(index[i], i) for i, count in waiting.items() if count == 0]
        heapq.heapify(ready)
        order: list[str] = []
        while ready:
            _, node_id = heapq.heappop(ready)
            order.append(node_id)
            for child in graph.children(node_id):
                waiting[child] -= 1
                if waiting[child] == 0:
                    heapq.heappush(ready, (index[child], child))
        return order

    def _steps(
        self,
        functions: Mapping[str, str],
        params_cell: ExportCell | None,
        params_body: str,
        started: str,
    ) -> tuple[list[Step], list[TaskFunction], list[str]]:
        """The steps in run order, the tasks, the names the flow returns.

        ``started`` is the timer variable of translated ``%time``: a task keeps it.
        """
        order = self._order()
        bound_by: dict[str, str] = {}
        final: dict[str, None] = {}
        steps: list[Step] = []
        tasks: dict[str, TaskFunction] = {}
        parameters: set[str] = set()
        for position, node_id in enumerate(order):
            cell = self.cells[node_id]
            later = set().union(*(self.reads[n] for n in order[position + 1 :]))
            if cell.spec.kind == "params":
                parameters = {s.name for s in parse_parameters(cell_pieces(cell).body)}
                for name in sorted(parameters):
                    bound_by[name] = node_id
                if params_body.strip():
                    steps.append(Step(cell.marker, code=params_body))
                continue
            reads = self.reads[node_id]
            self._check_sources(cell, reads, bound_by)
            body = cell_pieces(cell).body
            tree = parse(body)
            sure = bindings.surely_bound(tree.body)
            binds = self._binds(cell) - {started}
            if cell.spec.kind == "task":
                maybe = binds - sure
                arguments = reads | {n for n in maybe if n in bound_by}
                outputs = {n for n in binds if n in sure or n in bound_by or n in later}
                task = TaskFunction(
                    cell.marker,
                    cell.spec.name,
                    functions[node_id],
                    tuple(sorted(arguments)),
                    tuple(sorted(outputs)),
                    task_options(cell.spec, self.generated.name),
                    body,
                    is_async=bindings.awaits(tree),
                    isolated=cell.spec.header.isolate == "process",
                )
                tasks[node_id] = task
                steps.append(Step(cell.marker, task=task))
                bound = set(outputs)
            else:
                if body.strip():
                    steps.append(Step(cell.marker, code=body))
                bound = set(binds)
            for name in sorted(bound):
                bound_by[name] = node_id
                if cell.spec.kind == "task" or name in sure:
                    final.pop(name, None)
                    final[name] = None
            for name in cell.analysis.deletes:
                final.pop(name, None)
        notes = sorted(self.notes, key=lambda n: n[0])
        merged = _merge_notes(steps, notes, self.cells)
        ordered_tasks = [
            tasks[c.spec.cell.id] for c in self.ordered if c.spec.cell.id in tasks
        ]
        returns = [
            n
            for n in final
            if n not in parameters
            or bound_by.get(n)
            not in (params_cell.spec.cell.id if params_cell else None,)
        ]
        return merged, ordered_tasks, returns

    def _check_sources(
        self, cell: ExportCell, reads: frozenset[str], bound_by: Mapping[str, str]
    ) -> None:
        """Each variable a step reads holds the value the DAG says it reads."""
        node_id = cell.spec.cell.id
        producers = {
            name: edge.from_id
            for edge in self.graph.edges
            if edge.to_id == node_id and edge.kind == "data"
            for name in edge.names
        }
        for name in sorted(reads):
            if name not in bound_by:
                raise HiddenStateError.from_messages(
                    [
                        f"Cell {cell.number} ({cell.spec.name!r}) reads {name!r}, which "
                        f"no cell before it in the flow defines. Define {name!r} in a "
                        f"cell above, or move this cell below its definition."
                    ]
                )
            producer = producers.get(name)
            if producer is not None and producer != bound_by[name]:
                first = self.cells[producer]
                second = self.cells[bound_by[name]]
                raise ExportConflictError.from_name(
                    name,
                    f"Cell {cell.number} reads {name!r} from cell {first.number}",
                    f"cell {second.number} assigns {name!r} before cell {cell.number} "
                    f"runs in the flow",
                )


def _merge_notes(
    steps: list[Step],
    notes: Sequence[tuple[int, Step]],
    cells: Mapping[str, ExportCell],
) -> list[Step]:
    """Put each dropped cell's note before the first step that comes after it."""
    merged: list[Step] = []
    pending = list(notes)
    for step in steps:
        index = step.marker.number - 1 if step.marker else 0
        while pending and pending[0][0] < index:
            merged.append(pending.pop(0)[1])
        merged.append(step)
    merged.extend(note for _, note in pending)
    return merged


_DISPLAY = (
    "try:",
    "    from IPython.display import display",
    "except ImportError:  # no IPython: show values as print does",
    "    display = print",
)
