"""A finished run as static output: graph, Gantt and per-node details, no JavaScript.

Pure. ``static_bundle`` returns a MIME bundle with ``text/html`` (inline SVG and
``<details>`` elements, inline styles only), ``image/svg+xml`` (graph above Gantt,
for renderers that prefer images) and ``text/plain``. A saved notebook shows it with
no kernel and no widget state, in JupyterLab, Notebook 7, VS Code, GitHub, nbviewer.
"""

from __future__ import annotations

from html import escape
from typing import Any

from taskbook.widgets.details import ResultPreview, details_model
from taskbook.widgets.panels import details_html, duration_text, header_html, logs_html
from taskbook.widgets.svg import fit_to_width, graph_svg, timeline_svg
from taskbook.widgets.viewmodel import RunFold

__all__ = ("STATIC_MIME", "static_bundle", "summary_text")

STATIC_MIME = "text/html"
"""The MIME type browsers show; ``image/svg+xml`` rides along for image renderers."""

# Beyond this the image duplicate is left out: it would double a large output.
_MAX_SVG_COPY = 400_000


def summary_text(summary: dict[str, Any]) -> str:
    """Return a one-line plain-text summary of a run."""
    if summary["flow_run_id"] is None:
        return "taskbook: no flow run"
    counts = ", ".join(f"{n} {k}" for k, n in sorted(summary["counts"].items()))
    return (
        f"Flow run {summary['name']!r} of {summary['flow_name']!r}: "
        f"{summary['state_name'] or 'Pending'} in {duration_text(summary['duration'])}"
        f" — {summary['total']} task runs" + (f" ({counts})" if counts else "")
    )


def _stack(graph: str, gantt: str, graph_h: float, gantt_h: float, width: float) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" '
        f'height="{graph_h + gantt_h + 8:.0f}">'
        f'<g>{graph}</g><g transform="translate(0,{graph_h + 8:.0f})">{gantt}</g></svg>'
    )


def static_bundle(
    fold: RunFold,
    *,
    uid: str = "tb",
    preview: ResultPreview | None = None,
    max_nodes: int = 200,
    max_runs: int = 5,
) -> dict[str, str]:
    """Return the MIME bundle that documents a finished run in a saved notebook.

    Args:
        fold: The run.
        uid: Prefix for SVG element ids, unique per page.
        preview: Makes result previews for the details (default: DataFrame head).
        max_nodes: Nodes whose details are listed at most.
        max_runs: Task runs listed per node at most.

    Returns:
        ``{"text/html": ..., "image/svg+xml": ..., "text/plain": ...}`` (the SVG copy
        is left out for very large runs).
    """
    summary = fold.summary_model()
    graph = fold.graph_model()
    timeline = fold.timeline_model()
    graph_part = graph_svg(graph, uid=f"{uid}-static")
    gantt_part = timeline_svg(timeline)
    details = []
    for node in graph["nodes"][:max_nodes]:
        if not node["runs"]:
            continue
        model = details_model(
            fold, node["id"], preview, max_runs=max_runs, log_lines=20
        )
        if model is None:
            continue
        label = escape(f"{node['label']} — {node['badge'] or node['state_name'] or ''}")
        details.append(
            f"<details class='tb-node-details' data-node-id='{escape(node['id'])}'>"
            f"<summary>{label}</summary>{details_html(model)}</details>"
        )
    html = (
        f'<div class="taskbook-run" data-flow-run-id="{escape(summary["flow_run_id"] or "")}" '
        'style="font-size:12px;line-height:1.4">'
        f"{header_html(summary)}"
        f'<div class="tb-static-graph" style="overflow:auto;max-height:520px;margin:6px 0">{fit_to_width(graph_part)}</div>'
        f'<div class="tb-static-gantt" style="overflow:auto;max-height:520px">{gantt_part}</div>'
        + (
            f"<details class='tb-all-details'><summary>Task details</summary>{''.join(details)}</details>"
            if details
            else ""
        )
        + logs_html(summary["logs"])
        + "</div>"
    )
    bundle = {"text/html": html, "text/plain": summary_text(summary)}
    gantt_height = float(gantt_part.split('height="', 1)[1].split('"', 1)[0])
    if len(graph_part) + len(gantt_part) < _MAX_SVG_COPY:
        bundle["image/svg+xml"] = _stack(
            graph_part,
            gantt_part,
            max(graph["height"], 60),
            gantt_height,
            max(graph["width"], 900),
        )
    return bundle
