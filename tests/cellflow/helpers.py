"""Helpers for cellflow tests: notebooks from sources, outcomes by name."""

from __future__ import annotations

from taskbook.cellflow.result import CellOutcome, NotebookRunResult
from taskbook.core.cells import CellSpec, SourceCell, classify_all


def notebook(*sources: str) -> tuple[CellSpec, ...]:
    """Classify ``sources`` as the code cells of one notebook (ids ``c0``, ``c1``...)."""
    return classify_all(SourceCell(f"c{i}", i, s) for i, s in enumerate(sources))


def by_name(result: NotebookRunResult) -> dict[str, CellOutcome]:
    """The run's cell outcomes by cell name."""
    return {outcome.name: outcome for outcome in result.cells.values()}


def states(result: NotebookRunResult) -> dict[str, str]:
    """Cell name -> state name (``Completed``, ``Cached``, ``NotReady``...)."""
    return {outcome.name: outcome.state_name for outcome in result.cells.values()}


def stdout(outcome: CellOutcome) -> str:
    """Everything the cell wrote to stdout, as the user sees it."""
    return "".join(
        o["text"]
        for o in outcome.outputs
        if o["output_type"] == "stream" and o["name"] == "stdout"
    )
