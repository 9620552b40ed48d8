"""An exported module never carries a secret's value in plain text.

A module is code people commit and share, so a value the notebook holds
literally (a token pasted into a cell, a ``-p password=...`` default) would leak
there. Masking it would give a module that runs with the wrong value, so the
export stops instead and names the cell and line (or the parameter) and the
``Secret.load(...)`` call to write in its place. The values looked for: every
saved ``Secret`` block of the store, and every secret registered in this
process (a secret loaded in the kernel, a sensitive parameter's value).
"""

from __future__ import annotations

from pathlib import Path

from taskbook.engine import masking
from taskbook.engine.documents import DOCUMENTS_FILE, Documents
from taskbook.errors import SecretInExportError
from taskbook.export.model import ExportRequest

__all__ = ("check_no_secrets",)

_SECRET_SLUG = "secret"  # Secret's block type slug


def check_no_secrets(text: str, request: ExportRequest, home: Path) -> None:
    """Raise if the module ``text`` holds a known secret value.

    Raises:
        SecretInExportError: The value, where it comes from, and the fix.
    """
    for name, value in _known_secrets(home):
        if value not in text:
            continue
        for cell in request.cells:
            for line_number, line in enumerate(cell.source.splitlines(), start=1):
                if value in line:
                    raise SecretInExportError.from_cell(
                        cell.index + 1, line_number, name, saves="Secret(" in line
                    )
        for parameter, default in request.defaults.items():
            if value in str(default):
                raise SecretInExportError.from_parameter(parameter, name)
        raise SecretInExportError.from_module(name)


def _known_secrets(home: Path) -> list[tuple[str | None, str]]:
    """``(Secret block name or None, value)``, saved secrets first, longest first."""
    saved: list[tuple[str | None, str]] = []
    if (home / DOCUMENTS_FILE).exists():
        documents = Documents(home)
        for _, name in documents.names("block", _SECRET_SLUG):
            data = documents.read("block", _SECRET_SLUG, name) or {}
            value = data.get("values", {}).get("value")
            saved += [(name, s) for s in masking.secret_strings(value)]
    named = {value for _, value in saved}
    loaded = [(None, v) for v in masking.registered() if v not in named]
    return sorted(saved, key=lambda p: -len(p[1])) + sorted(
        loaded, key=lambda p: -len(p[1])
    )
