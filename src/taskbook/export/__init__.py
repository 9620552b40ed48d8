"""Export a notebook as a flow module: ``taskbook export``, ``%flow export``.

``export_module`` turns a notebook's code cells into the text of a module for a
target (``taskbook`` or ``prefect``, or a plugin's); ``write_module`` writes it
atomically. The module runs with plain ``python`` and gives what ``taskbook run``
gives; the same notebook always gives the same bytes. An edge package: it reads
cells, never notebook files, and imports neither ``notebook`` nor ``schedule``.
"""

from __future__ import annotations

from taskbook.engine.session import get_session
from taskbook.export.model import ExportRequest, ServeSchedule
from taskbook.export.registry import ENTRY_POINT_GROUP, Exporter, exporter, exporters
from taskbook.export.secrets import check_no_secrets
from taskbook.export.write import write_module

__all__ = (
    "ENTRY_POINT_GROUP",
    "ExportRequest",
    "Exporter",
    "ServeSchedule",
    "export_module",
    "exporter",
    "exporters",
    "write_module",
)


def export_module(request: ExportRequest, target: str = "taskbook") -> str:
    """Return the text of the flow module of ``request``'s notebook for ``target``.

    Raises:
        UnknownExportTargetError: No target is named ``target``.
        ConfigurationError: The notebook cannot be exported (the subclass and
            message name the cell and the fix); ``SecretInExportError`` when the
            module would hold a saved or loaded secret's value.
    """
    text = exporter(target).export(request)
    check_no_secrets(text, request, get_session().home)
    return text
