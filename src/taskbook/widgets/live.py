"""Entry points: ``LiveView`` follows a flow run live; ``show_run`` shows a past one.

``LiveView(...).attach()`` displays the run view in the current cell, subscribes a
``Bridge`` to the session's bus, follows the next top-level flow run (or the one
named), and when that run ends replaces the live widgets with the static output
(``taskbook.widgets.static``), so the saved notebook documents the run.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from taskbook.api.history import get_run
from taskbook.core.graph import NotebookGraph
from taskbook.engine.session import Session, get_session
from taskbook.widgets.bridge import Bridge, Host, default_host
from taskbook.widgets.details import ResultPreview
from taskbook.widgets.gantt_widget import preload
from taskbook.widgets.records import fold_record
from taskbook.widgets.run_view import RunView
from taskbook.widgets.static import static_bundle
from taskbook.widgets.viewmodel import RunFold

__all__ = ("LiveView", "StaticOutput", "show_run")

_log = logging.getLogger("taskbook.widgets")


class StaticOutput:
    """A MIME bundle that displays as itself (the static copy of a run)."""

    def __init__(self, bundle: dict[str, str]) -> None:
        """Wrap ``bundle`` (``{"text/html": ..., "text/plain": ...}``)."""
        self.bundle = bundle

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, str]:
        del kwargs
        return dict(self.bundle)


class LiveView:
    """Show a flow run live in the cell's output area, then keep a static copy.

    The widgets are made at the first frame that finds the run still in flight
    (about 0.1 s in): a run that ends sooner goes straight from a one-line
    placeholder to its static copy, without opening a widget (each costs comm
    messages, and a view of a 5 ms run is only ever seen static).

    Args:
        session: Whose bus to follow; the default session when None.
        graph: The notebook DAG when the flow is a notebook (cells as nodes).
        host: Where to display and how to deliver updates; in a kernel the jupyter
            layer passes ``kernel_host(get_ipython())`` made in the running cell.
            When None: that, found through ``builtins.get_ipython``, or nothing.
        preview: Makes result previews in the details panel (default: the result's
            DataFrame head or repr).
        flow_run_id: Follow this flow run; None follows the next top-level one.
        static: Replace the widgets with the static output when the run ends.
        interval: Minimum seconds between two updates (0.1: 10 per second).
        now: Wall clock, for in-flight durations.
    """

    def __init__(
        self,
        session: Session | None = None,
        graph: NotebookGraph | None = None,
        *,
        host: Host | None = None,
        preview: ResultPreview | None = None,
        flow_run_id: str | None = None,
        static: bool = True,
        interval: float = 0.1,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.session = session or get_session()
        self.host = host or default_host()
        self.static = static
        self.preview = preview
        self.display_id = f"taskbook-{uuid.uuid4().hex}"
        self.stale: frozenset[str] = frozenset()
        self.final_bundle: dict[str, str] | None = None
        self.lock = threading.Lock()
        self.fold = RunFold(graph, flow_run_id=flow_run_id)
        self._now = now
        self._view: RunView | None = None
        self._displayed = False
        self.bridge = Bridge(
            self.fold,
            self._show,
            host=self.host,
            interval=interval,
            now=now,
            stale=lambda: self.stale,
            on_done=self._finish,
            lock=self.lock,
        )
        self._unsubscribe: Callable[[], None] | None = None

    @property
    def view(self) -> RunView:
        """The live widgets (made on first use, showing the run as it is)."""
        if self._view is None:
            self._view = self._make_view()
            self._view.show_fold()
        return self._view

    def _make_view(self) -> RunView:
        return RunView(self.fold, preview=self.preview, lock=self.lock, now=self._now)

    @property
    def widget(self) -> Any:
        """The live ipywidgets container."""
        return self.view.widget

    def attach(self, *, display: bool = True, replace: bool = False) -> LiveView:
        """Display the view (unless ``display`` is False) and start following.

        Call it before the flow starts (``%flow run``, a flow call in a cell): the
        bus does not replay events that were published earlier. With ``replace``,
        the view takes the place of the output shown as ``display_id`` (a form's
        previous run) instead of adding one.
        """
        preload()  # before the run: its frames must not meet a half-imported pandas
        if display:
            self.host.display(_PLACEHOLDER, self.display_id, update=replace)
            self._displayed = True
        if self._unsubscribe is None:
            self._unsubscribe = self.session.bus.subscribe(self.bridge.subscriber)
        self.bridge.start()
        self._finish_with_the_cell()
        return self

    def _finish_with_the_cell(self) -> None:
        """In IPython, finish when the attaching cell ends (``post_run_cell``).

        A run the cell waited for then has its static copy in place before the
        kernel goes idle, which is when nbclient and papermill stop listening.
        """
        events = getattr(getattr(self.host, "shell", None), "events", None)
        if events is None or not hasattr(events, "register"):
            return

        def cell_ended(*_args: Any) -> None:
            events.unregister("post_run_cell", cell_ended)
            self.finish()  # a run still going (a thread, --background) goes on

        try:
            events.register("post_run_cell", cell_ended)
        except Exception:  # an unusual shell: the bridge still finishes the view
            _log.debug("cannot register post_run_cell", exc_info=True)

    def detach(self) -> None:
        """Stop following; the widgets keep what they show."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self.bridge.stop()

    def finish(self) -> bool:
        """If the run ended, show its final frame and static copy now; return whether.

        The caller that started the run calls this when the run returns, so the
        static copy is in place before its cell ends (the bridge would otherwise
        add it about ``interval`` later, after a headless executor moved on).
        """
        with self.lock:
            self.bridge.drain()
            done = self.fold.done
        if done:
            self.detach()  # the bridge applies the last frame, then _finish runs
            self.bridge.finished.wait(10.0)
        return done

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the run ended and its final output was shown; return whether."""
        return self.bridge.finished.wait(timeout)

    def set_stale(self, node_ids: Iterable[str]) -> None:
        """Mark these graph nodes stale (a parameter change will rerun them)."""
        self.stale = frozenset(node_ids)
        self.bridge.refresh()

    def _show(self, frame: dict[str, Any]) -> None:
        # On the bridge thread, inside host.deliver, with the lock held.
        if self._view is None:
            if self.static and frame["summary"]["done"]:
                return  # over before its first frame: the static copy follows
            started = time.perf_counter()
            view = self._view = self._make_view()  # the lock is held: no show_fold
            if self._displayed:
                self.host.display(
                    view.widget._repr_mimebundle_(), self.display_id, update=True
                )
            # Building the widgets left a few thousand young objects: collect them
            # now (~2 ms) rather than in the middle of the run (measured: +15 % on
            # a 20 ms, 1,000-task chain otherwise).
            gc.collect(1)
            self.bridge.setup_took(time.perf_counter() - started)
        self._view.show(frame)

    def _finish(self) -> None:
        # On the bridge thread, after the final frame: the run is over.
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if not self.static:
            return
        view = self._view
        with self.lock:
            bundle = static_bundle(
                self.fold,
                uid=view.uid if view is not None else f"tb{uuid.uuid4().hex[:8]}",
                preview=self.preview,
            )
        self.final_bundle = bundle
        if self._displayed:
            self.host.display(bundle, self.display_id, update=True)
        if view is not None:
            # The static copy replaced the widgets on screen: free their comms and
            # the kernel memory they hold (ipywidgets keeps every open widget alive).
            self.host.deliver(view.close)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        if self.final_bundle is not None:
            return dict(self.final_bundle)
        return self.view.widget._repr_mimebundle_(**kwargs)


_PLACEHOLDER = {
    "text/plain": "taskbook: waiting for the flow run…",
    "text/html": "<div class='taskbook-pending' style='color:#6b7280;font-size:12px'>"
    "Waiting for the flow run…</div>",
}
"""Shown until the first frame: a run that ends sooner never needs widgets."""


def show_run(
    run_id: str,
    graph: NotebookGraph | None = None,
    *,
    preview: ResultPreview | None = None,
    static: bool = False,
) -> RunView | StaticOutput:
    """Return the graph, Gantt and details of a past run (from the run store).

    Args:
        run_id: A flow run id (``taskbook.runs()["id"]``).
        graph: The notebook DAG when the run was a notebook flow.
        preview: Makes result previews (stored runs keep no results by default).
        static: Return the static output instead of live widgets.

    Raises:
        RunNotFoundError: No flow run has this id.
    """
    fold = fold_record(get_run(run_id), graph)
    if static:
        return StaticOutput(static_bundle(fold, preview=preview))
    return RunView(fold, preview=preview).show_fold()
