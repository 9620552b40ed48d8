"""Which runs get a live view in the kernel, and where the view is shown.

``%flow run`` and every top-level flow a cell calls show the live state graph and
Gantt (``taskbook.widgets.LiveView``) in the output of the cell that started them;
``%%params`` shows the parameter form. All of it is on by default and off with
``%config TaskbookMagics.live_view = False`` (or ``TASKBOOK_LIVE_VIEW=0``, or
``%flow run --no-view`` for one run). Without ipywidgets and plotly (the
``widgets`` extra) the magics keep their text output and say once how to get the
views.

A run started from a cell blocks that cell, so its view is finished on the cell's
thread when the run returns: the static copy replaces the widgets before the cell
ends, and a notebook executed headless (nbclient, papermill) saves the static copy,
not widgets without state.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import threading
import uuid
from collections.abc import Callable, Mapping
from html import escape
from typing import TYPE_CHECKING, Any

from taskbook.cellflow.cell_result import CellResult
from taskbook.core.events import Event, FlowRunCreated
from taskbook.core.states import State
from taskbook.jupyter.sources import notebook_path

if TYPE_CHECKING:
    from taskbook.core.graph import NotebookGraph
    from taskbook.core.parameter_specs import ParameterSpec
    from taskbook.widgets.live import LiveView

__all__ = (
    "Views",
    "cell_preview",
    "form_record",
    "saved_form_values",
    "widgets_installed",
)

_NEEDED = ("ipywidgets", "plotly", "anywidget")
_HINT = (
    "taskbook: the live view needs ipywidgets, plotly and anywidget: "
    "pip install 'taskbook[widgets]'. (Text output until then; turn views off with "
    "%config TaskbookMagics.live_view = False.)\n"
)
_MAX_VALUES = 4
# A cell that calls a flow in a loop gets this many views, then a note.
MAX_VIEWS_PER_CELL = 5


def widgets_installed() -> bool:
    """Return whether the packages of the ``widgets`` extra can be imported."""
    return all(importlib.util.find_spec(name) is not None for name in _NEEDED)


def cell_preview(task_run_id: str, state: State | None) -> dict[str, str] | None:
    """Preview what a notebook cell left behind: the values it defined.

    A cell's result is its ``CellResult``; the details panel shows the head of each
    DataFrame and a short repr of other values (functions and modules left out).
    """
    from taskbook.widgets.details import default_preview, preview_value

    if state is None or not state.is_completed() or not state.has_result():
        return None
    result = state.data
    if not isinstance(result, CellResult):
        return default_preview(task_run_id, state)
    shown = [
        (name, value)
        for name, value in result.values.items()
        if not callable(value) and type(value).__name__ != "module"
    ]
    if not shown:
        return None
    parts = []
    for name, value in shown[:_MAX_VALUES]:
        preview = preview_value(value, limit=400)
        body = (
            preview["data"]
            if preview["mime"] == "text/html"
            else f"<pre style='margin:0'>{escape(preview['data'])}</pre>"
        )
        parts.append(
            f"<div><b>{escape(name)}</b> <i>{escape(preview['type'])}</i>{body}</div>"
        )
    if len(shown) > _MAX_VALUES:
        parts.append(f"<div>… and {len(shown) - _MAX_VALUES} more</div>")
    names = ", ".join(name for name, _ in shown)
    return {"mime": "text/html", "data": "".join(parts), "type": names}


def form_record(form: Any) -> dict[str, str]:
    """Return the static record of a parameter form, as a MIME bundle."""
    from taskbook.widgets.panels import form_record_html

    plain = ", ".join(f"{k} = {v!r}" for k, v in form.values.items())
    return {
        "text/html": form_record_html(dict(form.values), dict(form.source)),
        "text/plain": f"Parameter form values: {plain}",
    }


def saved_form_values(path: str | None, cell_id: str) -> dict[str, Any] | None:
    """Return the form values a saved notebook recorded under a parameters cell."""
    if path is None or not cell_id:
        return None
    try:
        with open(path, encoding="utf-8") as handle:
            notebook = json.load(handle)
    except (OSError, ValueError):
        return None  # unreadable: the form starts from the cell's values
    for cell in notebook.get("cells", []):
        if cell.get("id") != cell_id:
            continue
        for output in cell.get("outputs", []):
            form = (output.get("metadata") or {}).get("taskbook", {}).get("form")
            if isinstance(form, dict) and isinstance(form.get("values"), dict):
                return dict(form["values"])
    return None


class Views:
    """The live views of one kernel.

    Args:
        shell: The IPython shell.
        enabled: Returns whether views are on (the ``live_view`` setting).
        own_run: Returns whether the calling thread is running a flow for the
            magics (``%flow run``, a task cell): those flows have their own view.
    """

    def __init__(
        self,
        shell: Any,
        enabled: Callable[[], bool],
        own_run: Callable[[], bool],
    ) -> None:
        self.shell = shell
        self._enabled = enabled
        self._own_run = own_run
        self._installed: bool | None = None
        self._hinted = False
        self._unsubscribe: Callable[[], None] | None = None
        self._cell_thread: int | None = None
        self._cell_views: list[LiveView] = []
        self._unshown = 0
        self.last_form: Any = None
        """The parameter form shown last (``%%params``)."""
        self._forms: dict[str, Any] = {}  # parameters cell id -> its form

    def on(self) -> bool:
        """Return whether to show views now (hint once when the extra is missing)."""
        if not self._enabled():
            return False
        if self._installed is None:
            self._installed = widgets_installed()
        if not self._installed and not self._hinted:
            self._hinted = True
            sys.stderr.write(_HINT)
        return self._installed

    def warm_up(self) -> None:
        """Import the widget modules in a thread, so the first view appears at once.

        plotly's FigureWidget pulls in nbformat and jsonschema on first use (about
        1.5 s on our machines), and a view imports pandas before its run
        (``taskbook.widgets.gantt_widget.preload``): pay that while the user reads
        the notebook.
        """
        if not (self._enabled() and widgets_installed()):
            return

        def load() -> None:
            try:
                import plotly.graph_objs._figurewidget  # noqa: F401

                import taskbook.widgets.run_view  # noqa: F401
                from taskbook.widgets.gantt_widget import preload

                preload()
            except Exception:  # the view will report the problem when it is used
                pass

        threading.Thread(target=load, name="taskbook-warm-up", daemon=True).start()

    # -- runs of the magics -----------------------------------------------------------

    def follow(
        self,
        graph: NotebookGraph | None = None,
        *,
        display_id: str | None = None,
        replace: bool = False,
    ) -> LiveView:
        """Show a live view of the next top-level flow run in the running cell.

        Args:
            graph: The notebook DAG (cells as nodes).
            display_id: The view's display id (a fresh one if None).
            replace: Show it in place of the output ``display_id``.
        """
        from taskbook.widgets import LiveView, kernel_host

        view = LiveView(graph=graph, host=kernel_host(self.shell), preview=cell_preview)
        if display_id is not None:
            view.display_id = display_id
        return view.attach(replace=replace)

    @staticmethod
    def finish(view: LiveView) -> None:
        """Replace a view whose run ended with its static copy now; else stop it."""
        if not view.finish():
            view.detach()

    # -- flows called by a cell -------------------------------------------------------

    def cell_started(self, _info: Any = None) -> None:
        """``pre_run_cell``: watch for flows this cell calls."""
        if self._unsubscribe is not None or not self._enabled():
            return
        from taskbook.engine.session import get_session

        self._cell_thread = threading.get_ident()
        self._unsubscribe = get_session().bus.subscribe(self._on_event)

    def cell_finished(self, _result: Any = None) -> None:
        """``post_run_cell``: finish the views of the flows the cell ran."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        views, self._cell_views = self._cell_views, []
        for view in views:
            view.finish()  # a run still going (an async flow not awaited) ends alone
        if self._unshown:
            print(
                f"taskbook: {self._unshown} more flow run(s) of this cell have no live "
                f"view (at most {MAX_VIEWS_PER_CELL} per cell); %flow history lists "
                "them."
            )
            self._unshown = 0

    def _on_event(self, event: Event) -> None:
        # Runs for every engine event while a cell executes: the first test is cheap.
        if type(event) is not FlowRunCreated or event.parent_task_run_id is not None:
            return
        if threading.get_ident() != self._cell_thread or self._own_run():
            return
        if not self.on():
            return
        if len(self._cell_views) >= MAX_VIEWS_PER_CELL:
            self._unshown += 1
            return
        from taskbook.widgets import LiveView, kernel_host

        view = LiveView(
            flow_run_id=event.flow_run_id,
            host=kernel_host(self.shell),
            preview=cell_preview,
        ).attach()
        view.bridge.subscriber(event)  # published before the view subscribed
        self._cell_views.append(view)

    # -- the parameter form, history and past runs -------------------------------------

    def parameter_form(
        self,
        specs: tuple[ParameterSpec, ...],
        graph: NotebookGraph | None,
        values: dict[str, Any],
        on_run: Callable[[dict[str, Any], tuple[str, ...]], Any],
        *,
        cell_id: str = "",
        states: Callable[[], Mapping[str, tuple[str, str | None]]] | None = None,
    ) -> Any:
        """Show the form of a parameters cell in the running cell; return it.

        Below the form goes its record: the values, flagged where they differ
        from the cell's, as plain HTML that a saved notebook keeps, with the
        values in its metadata. The next form of the cell starts from the
        values the saved notebook recorded; the cell's previous form is closed.

        Args:
            specs: The declarations of the parameters cell.
            graph: The notebook DAG.
            values: The values in force.
            on_run: What the form's Run button does.
            cell_id: The parameters cell's id.
            states: Returns node id -> ``(state type, state name)`` of each
                cell's last run in this kernel, for the form's graph.
        """
        from taskbook.widgets import ParameterForm, kernel_host

        host = kernel_host(self.shell)
        record_id = f"taskbook-form-record-{uuid.uuid4().hex[:12]}"
        form: Any = None

        def show_record(update: bool = True) -> None:
            if form is None:  # the form is still being made
                return
            host.display(
                form_record(form),
                record_id,
                update=update,
                metadata={
                    "taskbook": {"form": {"cell_id": cell_id, "values": form.state()}}
                },
            )

        form = ParameterForm(
            specs,
            graph,
            on_run,
            values=values,
            states=states,
            host=host,
            on_update=show_record,
        )
        saved = saved_form_values(notebook_path(self.shell.user_ns), cell_id)
        if saved:
            form.restore(saved)
        previous = self._forms.pop(cell_id, None)
        if previous is not None:
            previous.close()  # its output is gone: free its widgets
        self._forms[cell_id] = form
        host.display(form.widget._repr_mimebundle_(), f"taskbook-form-{id(form)}")
        show_record(update=False)
        self.last_form = form
        return form

    @staticmethod
    def history(
        flow_name: str | None,
        limit: int,
        graph: NotebookGraph | None,
        notebook_name: str,
    ) -> Any:
        """Return the history widget: runs of ``flow_name`` (every flow if None).

        Runs of the notebook itself open with ``graph`` (cells as nodes).
        """
        from taskbook.widgets import history_view

        return history_view(
            flow_name,
            limit,
            graph=graph,
            graph_flow=notebook_name,
            preview=cell_preview,
        )

    @staticmethod
    def past_run(run_id: str, graph: NotebookGraph | None) -> Any:
        """Return the static graph, Gantt and details of a past run."""
        from taskbook.widgets import show_run

        return show_run(run_id, graph, preview=cell_preview, static=True)
