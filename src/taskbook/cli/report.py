"""What ``taskbook run`` prints: the cells' own output, then a summary on stderr.

stdout carries only what the cells printed (in notebook order, as a script would),
so it can be piped; tracebacks of failed cells and the summary go to stderr.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import IO, TYPE_CHECKING

import click

from taskbook.core.cells import CellSpec
from taskbook.engine.masking import mask

if TYPE_CHECKING:
    from taskbook.cellflow.result import CellOutcome, NotebookRunResult

__all__ = ("echo_outputs", "echo_summary")


def echo_outputs(
    specs: Sequence[CellSpec],
    result: NotebookRunResult,
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
) -> None:
    """Echo each cell's stdout/stderr and error tracebacks, in notebook order.

    Args:
        specs: The cells, in notebook order.
        result: The run.
        stdout: Where the cells' stdout goes instead of ours (``--stdout-file``).
        stderr: Where the cells' stderr goes instead of ours (``--stderr-file``).
    """
    for spec in specs:
        outcome = result.cells.get(spec.cell.id)
        if outcome is None:
            continue
        for output in outcome.outputs:
            kind = output.get("output_type")
            if kind == "stream":
                is_err = output.get("name") == "stderr"
                click.echo(
                    output.get("text", ""),
                    file=stderr if is_err else stdout,
                    nl=False,
                    err=is_err,
                )
            elif kind == "error" and _is_failure(outcome):
                click.echo(f"{_where(spec)} failed:", err=True)
                lines = output.get("traceback") or [
                    f"{output.get('ename')}: {output.get('evalue')}"
                ]
                click.echo("\n".join(lines), err=True)


def echo_summary(
    result: NotebookRunResult, duration: float, target: str | None
) -> None:
    """Echo one summary line (plus failed cells and the output path) on stderr."""
    counts = Counter(_bucket(o) for o in result.cells.values())
    parts = [
        f"{counts[b]} {b}"
        for b in ("ran", "cached", "failed", "not run")
        if counts[b] or b == "ran"
    ]
    state = "Completed" if result.ok else result.state.name
    line = (
        f"taskbook: run {result.flow_run_id} {state} in {duration:.2f} s "
        f"({', '.join(parts)})."
    )
    if result.stopped_by_exit:
        line += f" Stopped by SystemExit({result.system_exit!r})."
    click.echo(line, err=True)
    for outcome in result.failed_cells:
        message = mask(" ".join((outcome.message or outcome.state_name).split()))
        click.echo(f"  {outcome.name}: {message}", err=True)
    if target not in (None, "-"):
        click.echo(f"Output notebook: {target}", err=True)


def _bucket(outcome: CellOutcome) -> str:
    if outcome.state_name == "Cached":
        return "cached"
    if _is_failure(outcome):
        return "failed"
    if outcome.state_type == "COMPLETED":
        return "ran"
    return "not run"


def _is_failure(outcome: CellOutcome) -> bool:
    return (
        outcome.state_type in ("FAILED", "CRASHED") and outcome.state_name != "NotReady"
    )


def _where(spec: CellSpec) -> str:
    kind = "Task" if spec.kind == "task" else "Cell"
    return f"{kind} {spec.name!r} (cell {spec.cell.index + 1})"
