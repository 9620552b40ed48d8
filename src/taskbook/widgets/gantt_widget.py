"""The Gantt timeline widget: a plotly FigureWidget, one row per task run.

One horizontal bar trace per colour: waiting, retrying, and the running segments
grouped by their run's state (Running, Completed, Failed...). Arrays go to plotly as
numpy arrays in one batch, so a frame is one message and validating 1,000 rows
costs a few milliseconds instead of tens. ``preload`` imports what plotly peeks at
before a run starts, so no frame meets a module another thread is importing.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

import numpy as np
import plotly.graph_objects as go

from taskbook.core.palette import NOT_RUN, SEGMENT_COLORS, state_style
from taskbook.widgets.rows import row_labels

__all__ = ("TRACES", "GanttWidget", "gantt_figure", "gantt_traces", "preload")

_STATE_TRACES = (
    ("Running", "RUNNING"),
    ("Retrying", "RUNNING"),
    ("Completed", "COMPLETED"),
    ("Cached", "COMPLETED"),
    ("Failed", "FAILED"),
    ("TimedOut", "FAILED"),
    ("Crashed", "CRASHED"),
    ("Cancelled", "CANCELLED"),
)
TRACES: tuple[tuple[str, str], ...] = (
    ("waiting", SEGMENT_COLORS["waiting"]),
    ("retrying", SEGMENT_COLORS["retrying"]),
    *((name, state_style(type_, name).color) for name, type_ in _STATE_TRACES),
    ("other", NOT_RUN.color),
)
"""Trace names and colours, in drawing order."""

_BY_STATE = {name for name, _ in _STATE_TRACES}
# Modules plotly's validators take from sys.modules without importing them
# (``get_module(name, should_load=False)``) and use at once, on every update.
# numpy is one too, imported above.
_PEEKED = ("pandas",)
_ROW = 20
_SLIVER = 0.006  # of the time axis: a cache hit's bar, about 5 px wide
_MAX_LABELS = 200
_MIN_HEIGHT = 140


def preload() -> None:
    """Import the installed modules plotly peeks at; call it before a run starts.

    plotly takes pandas from ``sys.modules`` if it is there, without waiting for
    an import in progress: a frame drawn while a task thread imports pandas met
    the half-built module ("partially initialized module 'pandas' has no attribute
    'Series'"). Imported first, pandas is whole before any task can import it.
    Costs pandas' import once per process when pandas is installed.
    """
    for name in _PEEKED:
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name)


def _trace_of(kind: str, row: dict[str, Any]) -> str:
    if kind == "cached":
        return "Cached"
    if kind != "running":
        return kind
    name = row["state_name"]
    if name in _BY_STATE:
        return str(name)
    return {"RUNNING": "Running", "COMPLETED": "Completed", "FAILED": "Failed"}.get(
        row["state"], "other"
    )


def gantt_traces(
    model: dict[str, Any],
) -> tuple[list[str], dict[str, dict[str, list[Any]]]]:
    """Return the row labels and, per trace, the bar lists ``y``, ``base``, ``x``, ``text``.

    Row labels are ``row_labels``'s, unique since plotly merges bars that share a
    category. A cache hit, an instant, is drawn as a sliver of the time axis.
    """
    traces: dict[str, dict[str, list[Any]]] = {
        name: {"y": [], "base": [], "x": [], "text": []} for name, _ in TRACES
    }
    labels = row_labels(model["rows"])
    sliver = max(model["end"], 1e-3) * _SLIVER
    for label, row in zip(labels, model["rows"], strict=True):
        for seg in row["segments"]:
            trace = traces[_trace_of(seg["kind"], row)]
            width = max(seg["end"] - seg["start"], 0.0)
            trace["y"].append(label)
            trace["base"].append(seg["start"])
            trace["x"].append(max(width, sliver) if seg["kind"] == "cached" else width)
            trace["text"].append(
                f"{row['label']} · {seg['kind']} · {row['state_name']}"
            )
    return labels, traces


def _figure_parts() -> dict[str, Any]:
    """The traces (one per colour, empty) and layout both figures start from."""
    return {
        "data": [
            go.Bar(
                name=name,
                orientation="h",
                marker={"color": color, "line": {"width": 0}},
                hoverinfo="text",
                showlegend=False,
            )
            for name, color in TRACES
        ],
        "layout": go.Layout(
            barmode="overlay",
            height=_MIN_HEIGHT,
            margin={"l": 10, "r": 10, "t": 28, "b": 36},
            xaxis={
                "title": {"text": "seconds since the flow run started"},
                "gridcolor": "#e5e7eb",
                "zeroline": False,
            },
            yaxis={
                "autorange": "reversed",
                "automargin": True,
                "type": "category",
                "categoryorder": "array",
            },
            legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0},
            bargap=0.25,
            # "none" plus a few colours: plotly_white looks alike but its
            # template costs ~700 objects and 13 ms per figure.
            template="none",
            plot_bgcolor="#ffffff",
            paper_bgcolor="rgba(0,0,0,0)",
            font={"size": 11},
        ),
    }


def _draw(figure: Any, model: dict[str, Any], labels_before: list[str]) -> list[str]:
    """Put a timeline model into ``figure`` (one batch); return its row labels."""
    labels, traces = gantt_traces(model)
    with figure.batch_update():
        for trace in figure.data:
            arrays = traces[trace.name]
            trace.y = np.asarray(arrays["y"], dtype=object)
            trace.base = np.asarray(arrays["base"], dtype=float)
            trace.x = np.asarray(arrays["x"], dtype=float)
            trace.hovertext = np.asarray(arrays["text"], dtype=object)
            trace.showlegend = bool(arrays["y"])
        if labels != labels_before:
            figure.layout.yaxis.categoryarray = labels
            # Drawing (and measuring, for the margin) a label per row costs
            # plotly ~0.5 ms each: past 200 rows label every few rows (the
            # hover text still names every bar).
            figure.layout.yaxis.nticks = min(len(labels), _MAX_LABELS) or None
            figure.layout.height = max(_MIN_HEIGHT, 70 + len(labels) * _ROW)
        figure.layout.xaxis.range = [0, max(model["end"], 1e-3) * 1.02]
    return labels


def gantt_figure(model: dict[str, Any]) -> go.Figure:
    """Return a static plotly Figure of a timeline model (no widget)."""
    figure = go.Figure(**_figure_parts())
    _draw(figure, model, [])
    return figure


class GanttWidget:
    """Owns the FigureWidget (``figure``) and keeps it in step with timeline models."""

    def __init__(self) -> None:
        """Create an empty timeline."""
        self.figure = go.FigureWidget(**_figure_parts())
        self._labels: list[str] = []

    def show(self, model: dict[str, Any]) -> None:
        """Display a timeline model (``RunFold.timeline_model()``)."""
        self._labels = _draw(self.figure, model, self._labels)
