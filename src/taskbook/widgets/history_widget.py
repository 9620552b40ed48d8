"""The history view: past runs with status, duration, success rate and trend.

Selecting a run in the list opens its graph, Gantt and details below (the same
``RunView`` a live run uses, replayed from the run store); the run open before
is closed, so its widgets do not live on in the kernel.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as widgets

from taskbook.api.history import run_rows
from taskbook.core.graph import NotebookGraph
from taskbook.core.palette import state_style
from taskbook.widgets.details import ResultPreview
from taskbook.widgets.live import show_run
from taskbook.widgets.panels import duration_text, history_html
from taskbook.widgets.records import history_model

__all__ = ("HistoryView", "history_view")


def _rows(flow_name: str | None, limit: int) -> list[dict[str, Any]]:
    return run_rows(flow_name, limit)


class HistoryView:
    """Past runs of a flow (or all flows) and the run the user selects.

    Args:
        flow_name: Only runs of this flow; all flows when None.
        limit: Newest runs listed.
        graph: The notebook DAG, for notebook flows.
        graph_flow: The flow whose runs ``graph`` belongs to (the notebook's
            name); runs of other flows open without it. Every run uses it if None.
        preview: Result previews for the selected run's details.
        load: Returns run rows newest first (default: ``run_rows()``).
    """

    def __init__(
        self,
        flow_name: str | None = None,
        limit: int = 50,
        *,
        graph: NotebookGraph | None = None,
        graph_flow: str | None = None,
        preview: ResultPreview | None = None,
        load: Callable[[str | None, int], list[dict[str, Any]]] = _rows,
    ) -> None:
        self.flow_name, self.limit = flow_name, limit
        self.graph, self.graph_flow = graph, graph_flow
        self.preview, self._load = preview, load
        self.table = widgets.HTML()
        self.picker = widgets.Select(
            options=[],
            rows=8,
            description="Open run",
            layout=widgets.Layout(width="100%"),
            style={"description_width": "70px"},
        )
        self.refresh_button = widgets.Button(description="Refresh", icon="refresh")
        self.opened = widgets.VBox([])
        self._open_view: Any = None
        self.widget = widgets.VBox(
            [self.table, widgets.HBox([self.picker, self.refresh_button]), self.opened]
        )
        self.widget.add_class("taskbook-history")
        self.picker.observe(self._open, names="value")
        self.refresh_button.on_click(lambda _button: self.refresh())
        self.refresh()

    def refresh(self) -> None:
        """Reload the runs from the store."""
        model = history_model(self._load(self.flow_name, self.limit))
        self.model = model
        self.table.value = history_html(model)
        self.picker.options = [
            (
                f"{state_style(r['state'], r['state_name']).symbol} {r['start'] or ''}  "
                f"{r['flow_name']} · {r['name']} · {duration_text(r['duration'])}",
                r["id"],
            )
            for r in model["runs"]
        ]

    def open(self, run_id: str) -> None:
        """Show the graph and Gantt of ``run_id`` below the list."""
        flows = {r["id"]: r["flow_name"] for r in self.model["runs"]}
        own = self.graph_flow is None or flows.get(run_id) == self.graph_flow
        view = show_run(run_id, self.graph if own else None, preview=self.preview)
        self.opened.children = [view.widget]  # type: ignore[union-attr]
        if self._open_view is not None:
            self._open_view.close()
        self._open_view = view

    def _open(self, change: dict[str, Any]) -> None:
        if change["new"]:
            self.open(change["new"])

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


def history_view(
    flow_name: str | None = None,
    limit: int = 50,
    *,
    graph: NotebookGraph | None = None,
    graph_flow: str | None = None,
    preview: ResultPreview | None = None,
) -> HistoryView:
    """Return the history widget (display it, or leave it as a cell's last value)."""
    return HistoryView(
        flow_name, limit, graph=graph, graph_flow=graph_flow, preview=preview
    )
