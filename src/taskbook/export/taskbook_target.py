"""``--target taskbook``: the notebook as a taskbook flow module.

The module imports ``taskbook`` (``flow``, ``task``, cache policies) and runs
with plain ``python``: the same engine as the notebook, with its run store.
Schedules are not part of this module: ``taskbook schedule add`` runs it.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from taskbook.errors import InvalidOptionError
from taskbook.export.model import ExportRequest
from taskbook.export.plan import Dialect, plan_request
from taskbook.export.render import render

__all__ = ("TASKBOOK", "TaskbookTarget")


def _unchanged(
    node: ast.Import | ast.ImportFrom, cell: int
) -> ast.Import | ast.ImportFrom:
    return node


@dataclass(frozen=True, slots=True)
class TaskbookTarget:
    """The ``taskbook`` export target."""

    name: str = "taskbook"
    summary: str = "a flow module that runs on taskbook (python FILE.py)"

    def export(self, request: ExportRequest) -> str:
        """Return the module's text (see ``Exporter.export``)."""
        if request.schedule is not None:
            raise InvalidOptionError(
                "A schedule is written into the module only with --target prefect "
                "(flow.serve). For a taskbook flow, export it, then schedule it "
                "with `taskbook schedule add FILE.py:FLOW`."
            )
        module = plan_request(request, Dialect("taskbook", _unchanged))
        return render(module, self.name)


TASKBOOK = TaskbookTarget()
