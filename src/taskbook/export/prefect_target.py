"""``--target prefect``: the notebook as a Prefect 3 flow module, no taskbook at run time.

The module has the taskbook target's shape with ``prefect`` in place of
``taskbook``: the notebook's own ``taskbook`` imports are rewritten to Prefect's
modules of the same name (DESIGN journey 6 read backwards), and a name Prefect
lacks is an ``UnexportableImportError``. With a ``ServeSchedule`` the module's
``main`` serves the flow (``flow.serve``) instead of running it once.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass

from taskbook.core.schedule import PrefectSchedule, prefect_serve_kwargs
from taskbook.errors import UnexportableImportError
from taskbook.export.layout import bracket, str_literal
from taskbook.export.model import ExportRequest, FlowModule, ServeSchedule
from taskbook.export.plan import Dialect, plan_request
from taskbook.export.render import render

__all__ = ("PREFECT", "PrefectTarget", "serve_lines")

# (taskbook module, name) -> the fix, for names Prefect 3 has no counterpart of.
_MISSING = {
    ("taskbook", "Param"): "Declare the parameter in the parameters cell only.",
    ("taskbook", "runs"): "Read run history in Prefect's UI or client instead.",
    ("taskbook", "get_run"): "Read run history in Prefect's UI or client instead.",
    ("taskbook", "StateType"): "Import StateType from taskbook.states.",
    ("taskbook.futures", "TaskFuture"): "Use PrefectFuture.",
    (
        "taskbook.futures",
        "TaskFutureList",
    ): "Use PrefectFutureList from prefect.futures.",
    ("taskbook.artifacts", "ArtifactRecord"): (
        "Import Artifact from prefect.client.schemas.objects (what Artifact.get returns)."
    ),
    ("taskbook.states", "Cached"): "Check state.name == 'Cached' instead.",
    ("taskbook.states", "TimedOut"): "Check state.name == 'TimedOut' instead.",
    ("taskbook.task_runners", "DaskTaskRunner"): (
        "Install prefect-dask and import DaskTaskRunner from prefect_dask."
    ),
    ("taskbook.exceptions", "FlowRunTimeoutError"): "Catch TimeoutError instead.",
    ("taskbook.exceptions", "TaskRunTimeoutError"): "Catch TimeoutError instead.",
    ("taskbook.blocks.notifications", "SMTPEmail"): (
        "Install prefect-email and use EmailServerCredentials from prefect_email."
    ),
    ("taskbook.blocks.notifications", "notify_on_failure"): (
        "Write an on_failure hook that loads the block and calls its notify()."
    ),
    ("taskbook.blocks.notifications", "failure_report"): (
        "Write the message from the flow run and state the hook receives."
    ),
}
_MODULES = (
    "taskbook",
    "taskbook.artifacts",
    "taskbook.blocks",
    "taskbook.blocks.core",
    "taskbook.blocks.notifications",
    "taskbook.blocks.system",
    "taskbook.cache_policies",
    "taskbook.exceptions",
    "taskbook.flows",
    "taskbook.futures",
    "taskbook.locking.filesystem",
    "taskbook.locking.memory",
    "taskbook.locking.protocol",
    "taskbook.logging",
    "taskbook.logging.loggers",
    "taskbook.results",
    "taskbook.runtime",
    "taskbook.runtime.deployment",
    "taskbook.runtime.flow_run",
    "taskbook.runtime.task_run",
    "taskbook.schedules",
    "taskbook.settings",
    "taskbook.states",
    "taskbook.task_runners",
    "taskbook.tasks",
    "taskbook.transactions",
    "taskbook.variables",
)
_EXPORT_TARGET = "Or export with --target taskbook."


def _prefect_module(module: str) -> str:
    return "prefect" + module[len("taskbook") :]


def translate_import(
    node: ast.Import | ast.ImportFrom, cell: int
) -> ast.Import | ast.ImportFrom:
    """Rewrite a notebook's ``taskbook`` import to Prefect's module of that name.

    Raises:
        UnexportableImportError: The name or module has no Prefect counterpart.
    """
    if isinstance(node, ast.ImportFrom):
        module = node.module or ""
        if node.level or not (module == "taskbook" or module.startswith("taskbook.")):
            return node
        if module not in _MODULES:
            raise UnexportableImportError.from_name(
                cell,
                f"from {module}",
                "prefect",
                f"Import from taskbook's public API. {_EXPORT_TARGET}",
            )
        for alias in node.names:
            fix = _MISSING.get((module, alias.name))
            if fix is not None:
                raise UnexportableImportError.from_name(
                    cell,
                    f"{alias.name} from {module}",
                    "prefect",
                    f"{fix} {_EXPORT_TARGET}",
                )
        return ast.ImportFrom(module=_prefect_module(module), names=node.names, level=0)
    names = []
    for alias in node.names:
        if alias.name == "taskbook":
            names.append(ast.alias("prefect", alias.asname or "taskbook"))
        elif alias.name.startswith("taskbook."):
            raise UnexportableImportError.from_name(
                cell,
                f"the module {alias.name}",
                "prefect",
                f"Write `from taskbook import {alias.name.split('.')[1]}`. "
                f"{_EXPORT_TARGET}",
            )
        else:
            names.append(alias)
    if all(a is b for a, b in zip(names, node.names, strict=True)):
        return node
    return ast.Import(names=names)


def check_module_uses(trees: Mapping[int, ast.Module]) -> None:
    """Refuse ``taskbook.X`` (after ``import taskbook``) where Prefect has no ``X``.

    Raises:
        UnexportableImportError: Names the cell, the line and the fix.
    """
    aliases = {
        alias.asname or alias.name
        for tree in trees.values()
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
        if alias.name == "taskbook"
    }
    for cell, tree in sorted(trees.items()):
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in aliases
                and ("taskbook", node.attr) in _MISSING
            ):
                raise UnexportableImportError.from_use(
                    cell,
                    node.lineno,
                    f"taskbook.{node.attr}",
                    "prefect",
                    f"{_MISSING['taskbook', node.attr]} {_EXPORT_TARGET}",
                )


def serve_lines(module: FlowModule, schedule: ServeSchedule) -> list[str]:
    """Return ``main``'s statements that serve the flow on ``schedule``.

    The keywords are ``core.schedule.prefect_serve_kwargs``'s, the ones ``taskbook
    schedule`` documents: a plain ``cron=``/``rrule=`` when that loses nothing, else a
    ``prefect.schedules`` object carrying the zone (Prefect's ``timezone=``) and an
    interval's anchor.
    """
    at = "        "
    lines: list[str] = []
    keywords = [f"name={str_literal(schedule.name or module.flow_name)}"]
    for key, value in prefect_serve_kwargs(schedule.when).items():
        if isinstance(value, PrefectSchedule):
            lines += [f"{at}{line}" for line in value.imports]
        keywords.append(f"{key}={value!r}")
    if lines:
        lines.append("")
    keywords.append("parameters=parameters")
    lines += bracket(f"{module.function}.serve", keywords, indent=at)
    return lines


@dataclass(frozen=True, slots=True)
class PrefectTarget:
    """The ``prefect`` export target."""

    name: str = "prefect"
    summary: str = "a Prefect 3 flow module that does not import taskbook"

    def export(self, request: ExportRequest) -> str:
        """Return the module's text (see ``Exporter.export``)."""
        dialect = Dialect("prefect", translate_import, check_module_uses)
        module = plan_request(request, dialect)
        run = serve_lines(module, request.schedule) if request.schedule else None
        return render(module, self.name, run)


PREFECT = PrefectTarget()
