"""Read a notebook's runs and its cells' last states from the run store, read-only.

The store is opened with SQLite's ``mode=ro``: the server never writes it (no
crash marking, no schema). A notebook whose store does not exist has no runs.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from taskbook.core.cells import classify_all
from taskbook.notebook.read import read_notebook
from taskbook.protocol.messages import CellState, TaskInfo

__all__ = ("cell_states", "runs")

_STORE_FILE = "runs.sqlite"


def _query(home: Path, sql: str, args: tuple[Any, ...]) -> list[sqlite3.Row]:
    path = home / _STORE_FILE
    if not path.is_file():
        return []
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=5)
    try:
        conn.row_factory = sqlite3.Row
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def _duration(start: float | None, end: float | None) -> float | None:
    return end - start if start is not None and end is not None else None


def runs(home: Path, flow_name: str, limit: int = 50) -> list[dict[str, Any]]:
    """Return the notebook's flow runs (``flow_name``), newest first."""
    rows = _query(
        home,
        "SELECT id, name, flow_name, state_type, state_name, created, start_time, "
        "end_time, (SELECT COUNT(*) FROM task_runs t WHERE t.flow_run_id = f.id) "
        "AS task_runs FROM flow_runs f WHERE flow_name = ? AND "
        "parent_task_run_id IS NULL ORDER BY created DESC LIMIT ?",
        (flow_name, int(limit)),
    )
    out = []
    for row in rows:
        start, end = row["start_time"], row["end_time"]
        out.append(
            {
                "id": row["id"],
                "name": row["name"],
                "flow_name": row["flow_name"],
                "state_type": row["state_type"],
                "state_name": row["state_name"],
                "created": row["created"],
                "duration": _duration(start, end),
                "task_runs": row["task_runs"],
            }
        )
    return out


def cell_states(
    home: Path | None, notebook: Path
) -> tuple[list[TaskInfo], list[CellState]]:
    """Return the saved notebook's cells and each one's last recorded state.

    Cells join task runs by name (``%%task NAME``, ``cell-N``), within the runs
    of this notebook's flow; nothing recorded is stale. Without a store (None),
    no states.
    """
    _nb, cells = read_notebook(str(notebook))
    specs = [spec for spec in classify_all(cells) if spec.kind != "control"]
    tasks = [TaskInfo(spec.cell.id, spec.name, spec.kind) for spec in specs]
    if home is None:
        return tasks, []
    names = {spec.name: spec.cell.id for spec in specs}
    rows = _query(
        home,
        "SELECT t.task_name, t.state_type, t.state_name, t.message, t.run_count, "
        "t.start_time, t.end_time, t.created FROM task_runs t JOIN flow_runs f "
        "ON t.flow_run_id = f.id WHERE f.flow_name = ? ORDER BY t.created DESC",
        (notebook.stem,),
    )
    seen: dict[str, CellState] = {}
    for row in rows:
        cell_id = names.get(row["task_name"])
        if cell_id is None or cell_id in seen or row["state_type"] is None:
            continue
        start, end = row["start_time"], row["end_time"]
        seen[cell_id] = CellState(
            cell_id=cell_id,
            state=row["state_type"],
            name=row["state_name"] or "",
            duration=_duration(start, end),
            attempts=row["run_count"] or 0,
            cached=row["state_name"] == "Cached",
            stale=False,
            message=row["message"],
            ts=end or start or row["created"] or 0.0,
        )
    return tasks, list(seen.values())
