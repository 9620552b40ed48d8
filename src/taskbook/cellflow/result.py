"""What a notebook run produced, per cell: state, outputs, timing.

Plain data, so the CLI can write it into the output notebook and the kernel side
can render it; outputs are nbformat v4 output dicts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from taskbook.core.states import State

__all__ = ("CellOutcome", "NotebookRunResult")


@dataclass(slots=True)
class CellOutcome:
    """One DAG cell after a run.

    Attributes:
        cell_id: The nbformat cell id.
        name: Task name, ``params`` or ``cell-N``.
        kind: ``task``, ``params`` or ``cell``.
        state_type: ``COMPLETED``, ``FAILED``, ``CANCELLED``, ``CRASHED``, or
            ``PENDING`` for a cell the run never reached.
        state_name: ``Completed``, ``Cached``, ``Failed``, ``TimedOut``, ``NotReady``...
        message: The state's message (error text for failures).
        outputs: nbformat v4 output dicts (stream, display_data, execute_result,
            error), replayed from the cache on a hit.
        execution_count: Order in which the cell finished in this run, from 1.
        duration: Seconds from Running to the final state, if it ran.
        attempts: Attempts made (0 for cache hits and cells that never ran).
        cache_key: The cell's cache key, when it has one.
    """

    cell_id: str
    name: str
    kind: str
    state_type: str = "PENDING"
    state_name: str = "Pending"
    message: str | None = None
    outputs: list[dict[str, Any]] = field(default_factory=list)
    execution_count: int | None = None
    duration: float | None = None
    attempts: int = 0
    cache_key: str | None = None

    def to_metadata(self) -> dict[str, Any]:
        """Return the ``taskbook`` cell-metadata record of the output notebook."""
        return {
            "name": self.name,
            "kind": self.kind,
            "state": self.state_type,
            "state_name": self.state_name,
            "message": self.message,
            "duration": self.duration,
            "attempts": self.attempts,
            "cache_key": self.cache_key,
        }


@dataclass(slots=True)
class NotebookRunResult:
    """A whole notebook run.

    Attributes:
        flow_run_id: The flow run recorded in the run store.
        state: The flow run's final state.
        cells: Outcomes by cell id, in notebook order (control cells excluded).
        system_exit: The code of a ``SystemExit`` raised by a cell, if any
            (``0``/``None`` code counts as success, as in papermill).
        parameters: The parameter values the run used.
        up_to_date: Names of the cells ``--stale`` left out: their key was the
            one of their last success.
        restored: Names of the cells not selected whose cached values were
            restored because selected cells read them (``cellflow.restore``).
    """

    flow_run_id: str
    state: State
    cells: dict[str, CellOutcome]
    system_exit: int | str | None = None
    stopped_by_exit: bool = False
    parameters: dict[str, Any] = field(default_factory=dict)
    up_to_date: tuple[str, ...] = ()
    restored: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether the run succeeded (a ``SystemExit(0)`` counts as success)."""
        if self.stopped_by_exit:
            return self.system_exit in (None, 0)
        return self.state.is_completed()

    @property
    def failed_cells(self) -> list[CellOutcome]:
        """Cells whose own code failed (not the ones that never became ready)."""
        return [
            c
            for c in self.cells.values()
            if c.state_type in ("FAILED", "CRASHED") and c.state_name != "NotReady"
        ]
