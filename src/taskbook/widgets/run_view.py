"""One run on screen: header, state graph, a node's details, Gantt, recent logs.

The graph takes the output's whole width (it fits itself to it); the details of
the node clicked last show below it.

``RunView`` shows frames of a ``RunFold`` (live or replayed from the store). The fold
is read under ``lock``, which the live bridge holds while it folds, so a click that
opens a node's details never sees a half-updated run.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets

from taskbook.widgets.details import ResultPreview, details_model
from taskbook.widgets.gantt_widget import GanttWidget
from taskbook.widgets.graph_widget import GraphWidget, close_tree
from taskbook.widgets.panels import details_html, header_html, logs_html
from taskbook.widgets.static import static_bundle
from taskbook.widgets.viewmodel import RunFold

__all__ = ("RunView",)


class RunView:
    """The widgets of one run.

    Args:
        fold: The run to show.
        preview: Makes the result preview of the details panel.
        lock: Guards ``fold`` against a concurrent bridge; a private one if None.
        now: Wall clock, for the duration of runs still in flight.
    """

    def __init__(
        self,
        fold: RunFold,
        *,
        preview: ResultPreview | None = None,
        lock: threading.Lock | None = None,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.fold = fold
        self.preview = preview
        self.lock = lock or threading.Lock()
        self._now = now
        self.uid = f"tb{uuid.uuid4().hex[:8]}"
        self.header = widgets.HTML(header_html(fold.summary_model()))
        self.graph = GraphWidget(uid=self.uid)
        self.details = widgets.HTML(
            details_html(None),
            layout=widgets.Layout(max_height="320px", overflow="auto"),
        )
        self.gantt = GanttWidget()
        self.gantt_box = widgets.Box(
            [self.gantt.figure],
            layout=widgets.Layout(max_height="520px", overflow="auto", width="100%"),
        )
        self.logs = widgets.HTML("")
        self.graph.layout = widgets.Layout(width="100%")
        self.widget = widgets.VBox(
            [self.header, self.graph, self.details, self.gantt_box, self.logs]
        )
        self.widget.add_class("taskbook-live")
        self.graph.on_select(self._selected)

    def show(self, frame: dict[str, Any]) -> None:
        """Display a frame (``RunFold.frame()``); call it with ``lock`` held or alone."""
        summary = frame["summary"]
        self.header.value = header_html(summary)
        self.graph.show(frame["graph"])
        self.gantt.show(frame["timeline"])
        self.logs.value = logs_html(summary["logs"])
        if self.graph.selected:
            self.details.value = details_html(self._details(self.graph.selected))

    def show_fold(self) -> RunView:
        """Display the fold as it is now; return self (for past runs)."""
        with self.lock:
            frame = self.fold.frame(None if self.fold.done else self._now())
            self.show(frame)
        return self

    def _details(self, node_id: str) -> dict[str, Any] | None:
        now = None if self.fold.done else self._now()
        return details_model(self.fold, node_id, self.preview, now=now)

    def _selected(self, node_id: str) -> None:
        with self.lock:
            self.details.value = details_html(
                self._details(node_id) if node_id else None
            )
            self.graph.repaint()

    def close(self) -> None:
        """Close every widget of the view (the front end drops them)."""
        close_tree(self.widget, self.gantt.figure)

    def static_bundle(self) -> dict[str, str]:
        """Return the static MIME bundle of the run as it is now."""
        with self.lock:
            return static_bundle(self.fold, uid=self.uid, preview=self.preview)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)
