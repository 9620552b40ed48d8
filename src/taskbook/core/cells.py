"""Notebook cells as the DAG sees them: task cells, the parameters cell, plain code.

- ``SourceCell`` is one code cell as read (saved file, kernel history, labextension).
- ``parse_task_line`` turns a ``%%task`` line into a name, option values and the
  ordering overrides; ``classify`` turns a ``SourceCell`` into a ``CellSpec``. A
  bad ``%%task`` line never stops classification: the cell carries its error.
Pure: no IPython. One option table (``core.options``) serves decorator, magic and CLI.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from taskbook.core.flags import Flag, parse_line
from taskbook.core.graph import CellInput
from taskbook.core.options import TaskOptions, task_flags
from taskbook.errors import (
    ConfigurationError,
    InvalidOptionError,
    UnknownMagicOptionError,
)

__all__ = (
    "CONTROL_MAGICS",
    "CellSpec",
    "SourceCell",
    "TaskHeader",
    "classify",
    "classify_all",
    "parse_task_line",
    "to_cell_inputs",
)

SpecKind = Literal["task", "cell", "params", "control"]

CONTROL_MAGICS = ("%flow", "%load_ext", "%reload_ext", "%taskbook")
"""Line magics that steer taskbook: a cell made only of these is not part of the DAG."""


@dataclass(frozen=True, slots=True)
class SourceCell:
    """One code cell of a notebook, in notebook order.

    Attributes:
        id: The nbformat cell id (JupyterLab's ``cellId``).
        index: Position among all cells of the notebook (0-based).
        source: The cell source exactly as written, magics included.
        tags: The cell's metadata tags (``parameters`` marks the parameters cell).
    """

    id: str
    index: int
    source: str
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TaskHeader:
    """What a ``%%task`` line says.

    Attributes:
        name: The task name, or ``None`` when the line gives none.
        options: ``TaskOptions`` field values set by flags.
        cache: ``False`` with ``--no-cache``; otherwise ``True`` (cells cache by default).
        after: Tasks this cell runs after (``--after``).
        needs: Overrides the inferred inputs (``--needs``), else ``None``.
        makes: Overrides the inferred outputs (``--makes``), else ``None``.
        files: Output files declared with ``--makes file:PATH`` (as written).
        isolate: ``"thread"`` (default) or ``"process"``.
    """

    name: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    cache: bool = True
    after: tuple[str, ...] = ()
    needs: tuple[str, ...] | None = None
    makes: tuple[str, ...] | None = None
    files: tuple[str, ...] = ()
    isolate: str = "thread"


@dataclass(frozen=True, slots=True)
class CellSpec:
    """A cell classified for the DAG.

    Attributes:
        cell: The cell as read.
        kind: ``task`` (``%%task``), ``params`` (``%%params`` or tagged ``parameters``),
            ``cell`` (plain code) or ``control`` (only taskbook line magics: not a node).
        name: Task name, or ``cell-N`` / ``params`` for other cells (N is 1-based).
        body: The source without its ``%%task``/``%%params`` line.
        header: The parsed ``%%task`` line (defaults for other kinds).
        problem: Why the ``%%task`` line is bad (it names the cell and its first
            line), else ``None``. Such a cell is a node like any other, without
            cache, and fails with this error when it runs: one bad header fails
            its own cell, not the notebook.
    """

    cell: SourceCell
    kind: SpecKind
    name: str
    body: str
    header: TaskHeader = field(default_factory=TaskHeader)
    # Exceptions compare by identity; two reads of one cell are still equal.
    problem: ConfigurationError | None = field(default=None, compare=False)

    @property
    def options(self) -> TaskOptions:
        """The task options of this cell (name included)."""
        return TaskOptions(name=self.name, **self.header.options)


def _names(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def _makes(text: str) -> tuple[str, ...]:
    names = _names(text)
    if any(name == _FILE for name in names):
        raise ValueError(text)  # `file:` without a path
    return names


def _isolation(text: str) -> str:
    if text not in _ISOLATION:
        raise ValueError(text)
    return text


_ISOLATION = ("thread", "process")
_FILE = "file:"

_HEADER_FLAGS = (
    Flag("--no-cache", "no_cache", lambda _: True, value="none"),
    Flag("--after", "after", _names, "T[,T...]"),
    Flag("--needs", "needs", _names, "x[,y...]"),
    Flag("--makes", "makes", _makes, "z[,w...][,file:PATH...]"),
    Flag("--isolate", "isolate", _isolation, " or ".join(map(repr, _ISOLATION))),
)
"""``%%task`` flags that shape the DAG and the cell run, not the task options."""


def parse_task_line(line: str) -> TaskHeader:
    """Parse the arguments of a ``%%task`` line (without the ``%%task`` itself).

    Flags take ``--flag value`` or ``--flag=value``; ``--cache`` and ``--refresh`` may
    stand alone.

    Raises:
        UnknownMagicOptionError: A flag is not a task option; the message lists them.
        InvalidOptionError: A flag's value is invalid; the message names it.
    """
    parsed = parse_line(line, (*task_flags(), *_HEADER_FLAGS), "%%task")
    if len(parsed.words) > 1:
        raise InvalidOptionError.from_value(
            "NAME", parsed.words[1], "one task name (quote names with spaces)", "%%task"
        )
    values = dict(parsed.values)
    header = {
        name: values.pop(name)
        for name in ("after", "needs", "makes", "isolate")
        if name in values
    }
    if "makes" in header:
        # `file:PATH` declares an output file; names, if any, replace the inferred.
        makes = header.pop("makes")
        names = tuple(m for m in makes if not m.startswith(_FILE))
        header["files"] = tuple(m[len(_FILE) :] for m in makes if m.startswith(_FILE))
        if names or not header["files"]:
            header["makes"] = names
    cache = not values.pop("no_cache", False) or "cache_expiration" in values
    return TaskHeader(
        name=parsed.words[0] if parsed.words else None,
        options=values,
        cache=cache,
        **header,
    )


def _first_word(arguments: str) -> str | None:
    """Return the task name a ``%%task`` line seems to give, if any."""
    try:
        words = shlex.split(arguments)
    except ValueError:  # unbalanced quotes: the plain words will do
        words = arguments.split()
    return words[0] if words and not words[0].startswith("-") else None


def _split_first_line(source: str) -> tuple[str, str]:
    first, _, rest = source.lstrip("\n").partition("\n")
    return first.strip(), rest


def _is_control_line(line: str) -> bool:
    magic, _, argument = line.replace("\t", " ").partition(" ")
    if magic not in CONTROL_MAGICS:  # whole word: `%flowchart` is not `%flow`
        return False
    # `%load_ext autoreload` is the notebook's own setup, which must run headless.
    if magic in ("%load_ext", "%reload_ext"):
        return argument.split() == ["taskbook"]
    return True


def _is_control(source: str) -> bool:
    lines = [ln.strip() for ln in source.splitlines() if ln.strip()]
    lines = [ln for ln in lines if not ln.startswith("#")]
    return bool(lines) and all(_is_control_line(ln) for ln in lines)


def classify(cell: SourceCell) -> CellSpec:
    """Classify one code cell.

    A ``%%task`` line with an unknown flag or a bad value gives a task spec whose
    ``problem`` is that error, prefixed with the cell number and the line.
    """
    first, rest = _split_first_line(cell.source)
    number = cell.index + 1
    if first == "%%task" or first.startswith("%%task "):
        arguments = first[len("%%task") :]
        try:
            header = parse_task_line(arguments)
        except (UnknownMagicOptionError, InvalidOptionError) as error:
            # No flag of a bad line is trusted; the name is kept so that other
            # cells' --after still find the task.
            header = TaskHeader(name=_first_word(arguments), cache=False)
            name = header.name or f"task-{number}"
            return CellSpec(
                cell, "task", name, rest, header, error.in_cell(number, first)
            )
        name = header.name or f"task-{number}"
        return CellSpec(cell, "task", name, rest, header)
    if first == "%%params" or first.startswith("%%params "):
        return CellSpec(cell, "params", "params", rest)
    if "parameters" in cell.tags:
        return CellSpec(cell, "params", "params", cell.source)
    if _is_control(cell.source):
        return CellSpec(cell, "control", f"cell-{number}", cell.source)
    return CellSpec(cell, "cell", f"cell-{number}", cell.source)


def classify_all(cells: Iterable[SourceCell]) -> tuple[CellSpec, ...]:
    """Classify cells in notebook order; only the first parameters cell is ``params``.

    papermill injects after the first cell tagged ``parameters``; a second one is
    plain code, as it is there.
    """
    specs: list[CellSpec] = []
    seen_params = False
    for cell in sorted(cells, key=lambda c: c.index):
        spec = classify(cell)
        if spec.kind == "params":
            if seen_params:
                spec = CellSpec(cell, "cell", f"cell-{cell.index + 1}", spec.body)
            seen_params = True
        specs.append(spec)
    return tuple(specs)


def to_cell_inputs(
    specs: Sequence[CellSpec], transform: Any = None
) -> tuple[CellInput, ...]:
    """Return the graph builder's view of the DAG cells (control cells left out).

    Args:
        specs: Classified cells.
        transform: Optional ``source -> python`` function (IPython's transforms).
    """
    inputs = []
    for spec in specs:
        if spec.kind == "control":
            continue
        source = transform(spec.body) if transform is not None else spec.body
        inputs.append(
            CellInput(
                id=spec.cell.id,
                index=spec.cell.index,
                source=source,
                kind=spec.kind,
                name=spec.name,
                after=spec.header.after,
                needs=spec.header.needs,
                makes=spec.header.makes,
            )
        )
    return tuple(inputs)
