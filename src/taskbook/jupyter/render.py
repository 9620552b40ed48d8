"""Text and HTML for the magics: a cell's status line, a run summary, the DAG table.

Each function returns a display bundle (``text/plain`` + ``text/html``), so the same
words show in JupyterLab, in a terminal IPython and in a saved notebook.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

from taskbook.cellflow.result import CellOutcome, NotebookRunResult
from taskbook.core.graph import NotebookGraph

__all__ = ("graph_table", "run_summary", "status_line")

_COLOURS = {
    "COMPLETED": "#2e7d32",
    "FAILED": "#c62828",
    "CRASHED": "#6a1b9a",
    "CANCELLED": "#616161",
    "RUNNING": "#1565c0",
    "PENDING": "#9e9e9e",
}
_ICONS = {
    "COMPLETED": "✓",
    "FAILED": "✗",
    "CRASHED": "✗",
    "CANCELLED": "■",
    "RUNNING": "…",
}


def _describe(outcome: CellOutcome) -> str:
    state = outcome.state_name
    if outcome.state_type == "PENDING":
        return "not run"
    parts = [state]
    if outcome.duration is not None and outcome.state_name != "Cached":
        parts.append(f"in {outcome.duration:.2f} s")
    if outcome.attempts > 1:
        parts.append(f"after {outcome.attempts} attempts")
    if outcome.state_name == "Cached":
        parts.append("(cache hit)")
    if outcome.message and outcome.state_type != "COMPLETED":
        parts.append(f"— {outcome.message}")
    return " ".join(parts)


def status_line(outcome: CellOutcome) -> dict[str, str]:
    """Return the one-line status of a cell run (state, duration, cache, attempts)."""
    icon = _ICONS.get(outcome.state_type, "·")
    if outcome.state_name == "Cached":
        icon = "◎"
    text = f"{icon} {outcome.name}: {_describe(outcome)}"
    colour = _COLOURS.get(outcome.state_type, "#333")
    markup = (
        f'<div class="taskbook-status" data-state="{outcome.state_type}" '
        f'data-name="{html.escape(outcome.name)}" style="font-family:monospace;'
        f'color:{colour}">{html.escape(text)}</div>'
    )
    return {"text/plain": text, "text/html": markup}


def running_line(name: str) -> dict[str, str]:
    """Return the status shown while a cell runs."""
    text = f"… {name}: Running"
    return {
        "text/plain": text,
        "text/html": f'<div class="taskbook-status" data-state="RUNNING" '
        f'style="font-family:monospace;color:{_COLOURS["RUNNING"]}">'
        f"{html.escape(text)}</div>",
    }


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
        f'<tr><td>{html.escape(o.name)}</td><td style="color:'
        f'{_COLOURS.get(o.state_type, "#333")}">{html.escape(_describe(o))}</td></tr>'
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
