"""Node details view model: states with times, attempts, duration, inputs, logs,
error and a result preview for each task run of a graph node.

Pure. The result preview comes from a callback (``ResultPreview``); the default one
shows a DataFrame-like value's ``head()`` as HTML and anything else as a short repr.
Errors become records (``kind`` + ``message``), never tracebacks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from taskbook.core.palette import state_style
from taskbook.core.states import State
from taskbook.widgets.viewmodel import RunFold, TaskRunView

__all__ = ("ResultPreview", "default_preview", "details_model", "preview_value")

ResultPreview = Callable[[str, State | None], dict[str, str] | None]
"""``(task_run_id, final_state) -> {"mime": ..., "data": ...}`` or None."""

_ORDER = {"FAILED": 0, "CRASHED": 1, "RUNNING": 2}


def preview_value(value: Any, rows: int = 5, limit: int = 2000) -> dict[str, str]:
    """Return a short preview of a result: a table head as HTML, else a repr.

    Args:
        value: The result.
        rows: Rows of a DataFrame-like value (anything with ``head`` and ``to_html``).
        limit: Characters of a repr kept.

    Returns:
        ``{"mime": "text/html" | "text/plain", "data": ..., "type": ...}``.
    """
    kind = type(value).__name__
    head, to_html = getattr(value, "head", None), getattr(value, "to_html", None)
    if callable(head) and callable(to_html):
        try:
            html = value.head(rows).to_html(max_cols=12, border=0)
            shape: Any = getattr(value, "shape", None)
            label = f"{kind} {shape[0]}×{shape[1]}" if _is_pair(shape) else kind
            return {"mime": "text/html", "data": html, "type": label}
        except Exception:  # a user's object may misbehave; fall back to its repr
            logging.getLogger("taskbook.widgets").debug("head() failed", exc_info=True)
    try:
        text = repr(value)
    except Exception:  # never let a user's __repr__ break the view
        text = f"<{kind} object>"
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return {"mime": "text/plain", "data": text, "type": kind}


def _is_pair(shape: Any) -> bool:
    return isinstance(shape, tuple) and len(shape) == 2


def default_preview(task_run_id: str, state: State | None) -> dict[str, str] | None:
    """Preview the result a Completed state carries; None when there is none."""
    del task_run_id  # the default needs only the state
    if state is None or not state.is_completed() or not state.has_result():
        return None
    return preview_value(state.data)


def _error(run: TaskRunView) -> dict[str, str] | None:
    final = run.final
    if final is not None and isinstance(final.data, BaseException):
        return {"kind": type(final.data).__name__, "message": str(final.data)}
    last = run.states[-1] if run.states else None
    if last is not None and last.type in ("FAILED", "CRASHED", "CANCELLED"):
        return {"kind": last.name, "message": last.message or last.name}
    if last is not None and last.name == "NotReady":
        return {"kind": "NotReady", "message": last.message or "Upstream failed."}
    return None


def _duration(run: TaskRunView, now: float | None) -> float | None:
    started = next((s.ts for s in run.states if s.type == "RUNNING"), None)
    if started is None:
        return None
    if run.final is not None:
        return run.final.ts - started
    return None if now is None else now - started


def _run_details(
    fold: RunFold,
    run: TaskRunView,
    preview: ResultPreview | None,
    now: float | None,
    log_lines: int,
) -> dict[str, Any]:
    t0 = fold.t0
    type_, name = run.state_type, run.state_name
    try:
        result = (preview or default_preview)(run.id, run.final)
    except Exception:  # a caller's preview must never break the details panel
        result = {"mime": "text/plain", "data": "(no preview: the preview failed)"}
    return {
        "id": run.id,
        "name": run.name,
        "state": type_,
        "state_name": name,
        "fill": state_style(type_, name).color,
        "attempts": run.run_count,
        "duration": _duration(run, now),
        "states": [
            {
                "type": s.type,
                "name": s.name,
                "t": s.ts - t0,
                "ts": s.ts,
                "message": s.message,
            }
            for s in run.states
        ],
        "inputs": [fold.runs[u].name if u in fold.runs else u for u in run.upstream],
        "error": _error(run),
        "logs": [
            {"t": ts - t0, "level": level, "message": message}
            for ts, level, message in run.logs[-log_lines:]
        ],
        "result": result,
        "cache_key": run.cache_key,
        "artifacts": list(run.artifacts),
        "tags": list(run.tags),
    }


def details_model(
    fold: RunFold,
    node_id: str,
    preview: ResultPreview | None = None,
    *,
    now: float | None = None,
    max_runs: int = 20,
    log_lines: int = 50,
) -> dict[str, Any] | None:
    """Return what the details panel shows for a node, or None for an unknown node.

    Args:
        fold: The run.
        node_id: A node id of ``fold.graph_model()``.
        preview: Makes the result preview; ``default_preview`` when None.
        now: The current time, for the duration of runs still in flight.
        max_runs: Runs listed at most (failed ones first); the rest are counted.
        log_lines: Log lines per run, the latest ones.
    """
    runs = fold.node_runs().get(node_id, [])
    node = None
    if fold.graph is not None:
        try:
            node = fold.graph.node(node_id)
        except KeyError:
            node = None
    if node is None and not runs:
        return None
    ordered = sorted(runs, key=lambda r: (_ORDER.get(r.state_type or "", 3), r.created))
    inputs: list[dict[str, Any]] = []
    if node is not None and fold.graph is not None:
        for parent in fold.graph.parents(node_id):
            edge = next(
                e
                for e in fold.graph.edges
                if e.from_id == parent and e.to_id == node_id
            )
            inputs.append(
                {
                    "from": fold.graph.node(parent).name,
                    "kind": edge.kind,
                    "names": sorted(edge.names),
                }
            )
    return {
        "id": node_id,
        "label": node.name if node is not None else runs[0].task_name,
        "kind": node.kind if node is not None else "task",
        "reads": sorted(node.reads) if node is not None else [],
        "defines": sorted(node.defines) if node is not None else [],
        "inputs": inputs,
        "runs": [
            _run_details(fold, run, preview, now, log_lines)
            for run in ordered[:max_runs]
        ],
        "more_runs": max(0, len(ordered) - max_runs),
    }
