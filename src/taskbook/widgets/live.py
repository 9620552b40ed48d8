"""Entry points: ``LiveView`` follows a flow run live; ``show_run`` shows a past one.

``LiveView(...).attach()`` displays the run view in the current cell, subscribes a
``Bridge`` to the session's bus, follows the next top-level flow run (or the one
named), and when that run ends replaces the live widgets with the static output
(``taskbook.widgets.static``), so the saved notebook documents the run.
"""

from __future__ import annotations

import gc
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
from taskbook.widgets.records import fold_record
from taskbook.widgets.run_view import RunView
from taskbook.widgets.static import static_bundle
from taskbook.widgets.viewmodel import RunFold

__all__ = ("LiveView", "StaticOutput", "show_run")


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
        self.display_id = f"taskbook-{uuid.uuid4().hex}"
        self.stale: frozenset[str] = frozenset()
        self.final_bundle: dict[str, str] | None = None
        lock = threading.Lock()
        self.fold = RunFold(graph, flow_run_id=flow_run_id)
        self.view = RunView(self.fold, preview=preview, lock=lock, now=now)
        self.bridge = Bridge(
            self.fold,
            self.view.show,
            host=self.host,
            interval=interval,
            now=now,
            stale=lambda: self.stale,
            on_done=self._finish,
            lock=lock,
        )
        self._unsubscribe: Callable[[], None] | None = None

    @property
    def widget(self) -> Any:
        """The live ipywidgets container."""
        return self.view.widget

    def attach(self, *, display: bool = True) -> LiveView:
        """Display the view (unless ``display`` is False) and start following.

        Call it before the flow starts (``%flow run``, a flow call in a cell): the
        bus does not replay events that were published earlier.
        """
        if display:
            self.host.display(self.view.widget._repr_mimebundle_(), self.display_id)
        if self._unsubscribe is None:
            self._unsubscribe = self.session.bus.subscribe(self.bridge.subscriber)
        self.bridge.start()
        # Building the widgets left a few thousand young objects; collect the young
        # generations now (~2 ms) rather than in the middle of the run that follows
        # (measured: +15 % on a 20 ms, 1,000-task chain otherwise).
        gc.collect(1)
        return self

    def detach(self) -> None:
        """Stop following; the widgets keep what they show."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self.bridge.stop()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the run ended and its final output was shown; return whether."""
        return self.bridge.finished.wait(timeout)

    def set_stale(self, node_ids: Iterable[str]) -> None:
        """Mark these graph nodes stale (a parameter change will rerun them)."""
        self.stale = frozenset(node_ids)
        self.bridge.refresh()

    def _finish(self) -> None:
        # On the bridge thread, after the final frame: the run is over.
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if not self.static:
            return
        with self.view.lock:
            bundle = static_bundle(
                self.fold, uid=self.view.uid, preview=self.view.preview
            )
        self.final_bundle = bundle
        self.host.display(bundle, self.display_id, update=True)
        # The static copy replaced the widgets on screen: free their comms and the
        # kernel memory they hold (ipywidgets keeps every open widget alive).
        self.host.deliver(self.view.close)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        if self.final_bundle is not None:
            return dict(self.final_bundle)
        return self.view.widget._repr_mimebundle_(**kwargs)


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
