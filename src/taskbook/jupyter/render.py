"""Text and HTML for the magics: a cell's status line, a run summary, the DAG table.

Each function returns a display bundle (``text/plain`` + ``text/html``), so the same
words show in JupyterLab, in a terminal IPython and in a saved notebook. A state's
symbol and colour come from ``core.palette``, as in the graph and the Gantt.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

from taskbook.cellflow.result import CellOutcome, NotebookRunResult
from taskbook.core.graph import NotebookGraph
from taskbook.core.palette import StateStyle, state_style, text_color
from taskbook.errors import CancelRun, MissingInputError, TaskbookError

__all__ = ("graph_table", "run_summary", "running_line", "status_line", "stopped_line")


def _describe(outcome: CellOutcome) -> str:
    state = outcome.state_name
    if outcome.state_type == "PENDING":
        # NotReady says why the cell did not run (an upstream, a missing input).
        return "not run" + (f" — {outcome.message}" if outcome.message else "")
    parts = [state]
    if outcome.duration is not None and outcome.state_name != "Cached":
        parts.append(f"in {outcome.duration:.2f} s")
    if outcome.attempts > 1:
        parts.append(f"after {outcome.attempts} attempts")
    if outcome.state_name == "Cached":
        parts.append("(cache hit)")
    if outcome.message:  # on a Completed cell: why it was not cached
        parts.append(f"— {outcome.message}")
    return " ".join(parts)


def _badge(style: StateStyle) -> str:
    """Return the state's symbol on its colour, readable on light and dark themes."""
    return (
        f'<span class="taskbook-state" style="background:{style.color};'
        f'color:{text_color(style.color)};border-radius:3px;padding:0 3px">'
        f"{style.symbol}</span>"
    )


def _line(state_type: str, name: str, style: StateStyle, words: str) -> dict[str, str]:
    return {
        "text/plain": f"{style.symbol} {words}",
        "text/html": f'<div class="taskbook-status" data-state="{state_type}" '
        f'data-name="{html.escape(name)}" style="font-family:monospace">'
        f"{_badge(style)} {html.escape(words)}</div>",
    }


def status_line(outcome: CellOutcome) -> dict[str, str]:
    """Return the one-line status of a cell run (state, duration, cache, attempts)."""
    style = state_style(outcome.state_type, outcome.state_name)
    words = f"{outcome.name}: {_describe(outcome)}"
    return _line(outcome.state_type, outcome.name, style, words)


def running_line(name: str) -> dict[str, str]:
    """Return the status shown while a cell runs."""
    style = state_style("RUNNING")
    return _line("RUNNING", name, style, f"{name}: {style.label}")


def stopped_line(cell_id: str, name: str, error: BaseException) -> dict[str, str]:
    """Return the final status of a cell whose run raised instead of finishing.

    An interrupt ends it Cancelled (as the engine records it); a missing input
    NotReady (the cell did not run); a bad notebook (cycle, unknown task) Failed;
    anything else Crashed. The reason is the error's message.
    """
    if isinstance(error, (KeyboardInterrupt, CancelRun)):
        state = (
            "CANCELLED",
            "Cancelled",
            "The task run was cancelled by an interrupt.",
        )
    elif isinstance(error, MissingInputError):
        state = ("PENDING", "NotReady", str(error))  # as the engine's NotReady
    elif isinstance(error, TaskbookError):
        state = ("FAILED", "Failed", f"{type(error).__name__}: {error}")
    else:
        state = ("CRASHED", "Crashed", f"{type(error).__name__}: {error}")
    state_type, state_name, message = state
    outcome = CellOutcome(cell_id, name, "task", state_type, state_name, message)
    return status_line(outcome)


def run_summary(
    result: NotebookRunResult, source: str, seconds: float, table: bool = True
) -> dict[str, str]:
    """Return what ``%flow run`` shows at the end: a headline and a line per cell.

    Without ``table`` the HTML has only the headline: the live view above it shows
    every cell's state. The text keeps the lines, since text frontends get no view.
    """
    outcomes = list(result.cells.values())
    counts: dict[str, int] = {}
    for outcome in outcomes:
        label = "not run" if outcome.state_type == "PENDING" else outcome.state_name
        counts[label] = counts.get(label, 0) + 1
    if result.up_to_date:
        counts["up to date"] = len(result.up_to_date)
    tally = ", ".join(f"{n} {label}" for label, n in counts.items()) or "no cells"
    head = f"Flow run {result.state.name} in {seconds:.2f} s: {tally}. Cells from {source}."
    lines = [head, *(f"  {status_line(o)['text/plain']}" for o in outcomes)]
    if not table:
        return {
            "text/plain": "\n".join(lines),
            "text/html": f'<p class="taskbook-summary">{html.escape(head)}</p>',
        }
    rows = "".join(
        f"<tr><td>{html.escape(o.name)}</td><td>"
        f"{_badge(state_style(o.state_type, o.state_name))} "
        f"{html.escape(_describe(o))}</td></tr>"
        for o in outcomes
    )
    markup = (
        f'<div class="taskbook-summary"><p>{html.escape(head)}</p>'
        f"<table><tr><th>cell</th><th>state</th></tr>{rows}</table></div>"
    )
    return {"text/plain": "\n".join(lines), "text/html": markup}


def graph_table(
    graph: NotebookGraph, states: dict[str, str], source: str
) -> dict[str, Any]:
    """Return the DAG as a table: cell, kind, reads, defines, parents, last state."""
    lines = [f"Notebook DAG ({len(graph.nodes)} cells, from {source}):"]
    rows = []
    for node in graph.nodes:
        parents = ", ".join(graph.node(p).name for p in graph.parents(node.id))
        state = states.get(node.id, "")
        lines.append(
            f"  {node.name} [{node.kind}] reads {_names(node.reads)} "
            f"defines {_names(node.defines)} after {parents or '-'} {state}".rstrip()
        )
        rows.append(
            "<tr>"
            + "".join(
                f"<td>{html.escape(v)}</td>"
                for v in (
                    node.name,
                    node.kind,
                    _names(node.reads),
                    _names(node.defines),
                    parents or "-",
                    state,
                )
            )
            + "</tr>"
        )
    markup = (
        f"<p>{html.escape(lines[0])}</p><table><tr><th>cell</th><th>kind</th>"
        f"<th>reads</th><th>defines</th><th>after</th><th>last state</th></tr>"
        f"{''.join(rows)}</table>"
    )
    return {"text/plain": "\n".join(lines), "text/html": markup}


def _names(names: Iterable[str]) -> str:
    return ", ".join(sorted(names)) or "-"
