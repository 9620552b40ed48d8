"""What an exported flow module holds, before it is written out as text.

``plan.build_module`` fills a ``FlowModule`` from a notebook's cells; each target
renders it. The code pieces are the user's code, translated to plain Python and
unindented; the names are the ones the module uses. Pure data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from taskbook.core.cells import SourceCell
    from taskbook.core.schedule import When

__all__ = (
    "ExportRequest",
    "FlowModule",
    "GeneratedNames",
    "Marker",
    "ModuleCode",
    "Parameter",
    "ServeSchedule",
    "Step",
    "TaskFunction",
)


@dataclass(frozen=True, slots=True)
class Marker:
    """Where a piece of the module comes from: ``# %% [cell 12 id=...]``.

    Attributes:
        number: The cell's position in the notebook, from 1 (JupyterLab's "Cell N").
        cell_id: The nbformat cell id.
        header: The cell's ``%%task``/``%%params`` line, if it has one.
    """

    number: int
    cell_id: str
    header: str = ""

    def comment(self, note: str = "") -> str:
        """Return the marker comment (with ``note`` after it, if given)."""
        text = f"# %% [cell {self.number} id={self.cell_id}]"
        extra = " ".join(part for part in (self.header, note) if part)
        return f"{text} {extra}" if extra else text


@dataclass(frozen=True, slots=True)
class ModuleCode:
    """A function or class a cell defines, moved to module level as written."""

    marker: Marker
    text: str


@dataclass(frozen=True, slots=True)
class TaskFunction:
    """A ``%%task`` cell as a task function.

    Attributes:
        marker: The cell it comes from.
        name: The task's name (``%%task NAME``).
        function: The function's name in the module.
        arguments: Its inputs, in order.
        outputs: The names it returns, in order.
        options: ``@task`` keyword arguments as source, in option order.
        body: The cell's code (plain Python, unindented).
        is_async: The code awaits at top level: an ``async def``.
        isolated: ``--isolate process``: submitted to a process pool.
    """

    marker: Marker
    name: str
    function: str
    arguments: tuple[str, ...]
    outputs: tuple[str, ...]
    options: tuple[tuple[str, str], ...]
    body: str
    is_async: bool = False
    isolated: bool = False


@dataclass(frozen=True, slots=True)
class Step:
    """One step of the flow body: plain code, a task call or a note."""

    marker: Marker | None = None
    code: str = ""
    task: TaskFunction | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class Parameter:
    """One flow parameter: ``name: annotation = default``, described in the docstring."""

    name: str
    annotation: str | None
    default: str
    description: str | None = None


@dataclass(frozen=True, slots=True)
class GeneratedNames:
    """The names the generated code uses for what it imports and defines."""

    flow: str = "flow"
    task: str = "task"
    process_pool: str = ""
    parameter_error: str = "ParameterTypeError"
    main: str = "main"


@dataclass(frozen=True, slots=True)
class FlowModule:
    """Everything a target needs to write the module.

    Attributes:
        notebook: The notebook's file name, for the docstring.
        flow_name: The ``@flow(name=...)``: the notebook's name, as runs record it.
        function: The flow function's name.
        parameters: The flow's parameters, in declaration order.
        text_parameters: Parameters declared ``str``: ``-p`` keeps their text.
        imports: Module-level import lines (the notebook's, then generated ones).
        preamble: Module-level code after the imports (the ``display`` fallback).
        definitions: The notebook's functions and classes, in notebook order.
        tasks: The task functions, in notebook order.
        steps: The flow body, in the order it runs.
        returns: The names the flow returns (its variables at the end).
        names: Generated names.
        is_async: Some step awaits: the flow is ``async def``.
        isolated: Some task runs in a process: the flow gets a process pool.
        shell: Some cell runs a shell command (``!cmd``): ``main`` flushes
            Python's prints at each line, so that they keep their place.
    """

    notebook: str
    flow_name: str
    function: str
    parameters: tuple[Parameter, ...] = ()
    text_parameters: tuple[str, ...] = ()
    imports: tuple[str, ...] = ()
    preamble: tuple[str, ...] = ()
    definitions: tuple[ModuleCode, ...] = ()
    tasks: tuple[TaskFunction, ...] = ()
    steps: tuple[Step, ...] = ()
    returns: tuple[str, ...] = ()
    names: GeneratedNames = GeneratedNames()
    is_async: bool = False
    isolated: bool = False
    shell: bool = False


@dataclass(frozen=True, slots=True)
class ServeSchedule:
    """When a served flow runs (``--target prefect``), and the deployment's name.

    Attributes:
        when: The schedule, checked (``taskbook.schedule.options.ScheduleOptions``
            builds it from the command line's ``--cron/--interval/--rrule/--tz``,
            as for ``taskbook schedule add``).
        name: The deployment's name (default: the flow's name).
    """

    when: When
    name: str | None = None


@dataclass(frozen=True, slots=True)
class ExportRequest:
    """What to export: a notebook's code cells and how.

    Attributes:
        cells: The code cells, in notebook order (``notebook.read``).
        notebook: The notebook's file name, as the module's docstring names it.
        defaults: Parameter values given at export time (``-p``), validated.
        schedule: Serve the flow on this schedule (targets that support it).
    """

    cells: tuple[SourceCell, ...]
    notebook: str
    defaults: Mapping[str, Any] = field(default_factory=dict)
    schedule: ServeSchedule | None = None
