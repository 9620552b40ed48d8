"""Helpers for the export tests: cells written inline, exported to module text."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pytest

from taskbook.core.cells import SourceCell
from taskbook.export import ExportRequest, ServeSchedule, export_module

Cell = str | tuple[str, Sequence[str]]  # source, or (source, tags)


def source_cells(cells: Sequence[Cell]) -> tuple[SourceCell, ...]:
    """Code cells ``c0``, ``c1``... in order; a tuple gives the cell's tags."""
    made = []
    for index, cell in enumerate(cells):
        source, tags = (cell, ()) if isinstance(cell, str) else cell
        made.append(SourceCell(f"c{index}", index, source, tuple(tags)))
    return tuple(made)


def export_text(
    cells: Sequence[Cell],
    target: str = "taskbook",
    *,
    notebook: str = "nb.ipynb",
    defaults: Mapping[str, Any] | None = None,
    schedule: ServeSchedule | None = None,
) -> str:
    """The module ``taskbook export`` writes for these cells."""
    request = ExportRequest(source_cells(cells), notebook, defaults or {}, schedule)
    return export_module(request, target)


@pytest.fixture
def export() -> Callable[..., str]:
    return export_text
