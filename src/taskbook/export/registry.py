"""Export targets by name: the built-in ones and those plugins declare.

A target is an ``Exporter``: a name, a one-line summary and ``export(request)``.
The built-ins (``taskbook``, ``prefect``) are registered here, as papermill
registers its engines; a plugin adds one with an entry point in the
``taskbook.exporters`` group (name = target, value = the exporter object). The
table is built once, on first use, and read-only.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from importlib.metadata import entry_points
from types import MappingProxyType
from typing import Protocol

from taskbook.errors import UnknownExportTargetError
from taskbook.export.model import ExportRequest

__all__ = ("ENTRY_POINT_GROUP", "Exporter", "exporter", "exporters")

ENTRY_POINT_GROUP = "taskbook.exporters"


class Exporter(Protocol):
    """Turns a notebook's cells into the text of a module for one target."""

    name: str
    summary: str

    def export(self, request: ExportRequest) -> str:
        """Return the module's text.

        Raises:
            ConfigurationError: The notebook cannot be exported to this target;
                the message names the cell and the fix.
        """
        ...


@functools.cache
def exporters() -> Mapping[str, Exporter]:
    """Return every export target by name (built-ins first, then plugins)."""
    from taskbook.export.prefect_target import PREFECT
    from taskbook.export.taskbook_target import TASKBOOK

    table: dict[str, Exporter] = {TASKBOOK.name: TASKBOOK, PREFECT.name: PREFECT}
    for point in entry_points(group=ENTRY_POINT_GROUP):
        table.setdefault(point.name, point.load())
    return MappingProxyType(table)


def exporter(name: str) -> Exporter:
    """Return the export target ``name``.

    Raises:
        UnknownExportTargetError: No target has that name; the message lists them.
    """
    table = exporters()
    if name not in table:
        raise UnknownExportTargetError.from_name(name, table)
    return table[name]
