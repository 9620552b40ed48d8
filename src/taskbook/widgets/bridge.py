"""Bus subscriber -> fold -> coalesced updates, delivered with the cell's parent.

The subscriber only appends the event to a deque (O(1), never blocks the engine).
A bridge thread folds what arrived and applies the latest frame at most every
``interval`` seconds and, for big runs, at most ``duty`` of the wall time, so a live
view cannot slow a run by more than a few percent.

Why a thread of our own and not the kernel's event loop: while a run started from a
cell is in flight, that cell blocks the kernel's loop, so nothing scheduled there
would run before the end. Since ipykernel 7, messages sent from another thread are
routed by that thread's context (ipywidgets#4001, #4020; ipykernel#1546): the
``Host`` built by ``kernel_host(shell)`` in the cell captures the cell's context and
parent and re-enters them for every update, both while the cell still runs and
after it returned (``--background``).
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol

from taskbook.core.events import Event, StateChanged
from taskbook.core.states import FINAL_TYPES
from taskbook.widgets.viewmodel import RunFold

__all__ = ("Bridge", "Host", "KernelHost", "NullHost", "kernel_host")

_log = logging.getLogger("taskbook.widgets")

Frame = dict[str, Any]


class Host(Protocol):
    """Where views are shown: the kernel side of a notebook, or nothing."""

    def deliver(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` so the widget messages it sends reach the cell's output."""

    def display(
        self,
        bundle: dict[str, Any],
        display_id: str,
        update: bool = False,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        """Show (or with ``update``, replace) the output ``display_id`` with a MIME bundle."""


class NullHost:
    """A host with no frontend (scripts, tests): displays nothing, runs ``fn`` as is."""

    def deliver(self, fn: Callable[[], None]) -> None:
        fn()

    def display(
        self,
        bundle: dict[str, Any],
        display_id: str,
        update: bool = False,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        del bundle, display_id, update, metadata


class KernelHost:
    """The cell that created it, as a ``Host``; make it with ``kernel_host(shell)``.

    It holds the context of the cell that was executing when it was made (ipykernel
    keeps the parent message in context variables) and that cell's parent header.
    ``deliver`` runs functions in a copy of that context and, where the shell has
    ipykernel 7's ``set_thread_parent``, with that parent set for the thread too.
    """

    def __init__(self, shell: Any) -> None:
        self.shell = shell
        self.context = contextvars.copy_context()
        get_parent = getattr(shell, "get_parent", None)
        self.parent: dict[str, Any] = dict(get_parent() or {}) if get_parent else {}

    def _run(self, fn: Callable[[], None]) -> None:
        set_thread_parent = getattr(self.shell, "set_thread_parent", None)
        reset = getattr(self.shell, "reset_thread_parent", None)
        token = None
        if self.parent and set_thread_parent is not None and reset is not None:
            token = set_thread_parent(self.parent)
        try:
            fn()
        finally:
            if token is not None and reset is not None:
                reset(token)

    def deliver(self, fn: Callable[[], None]) -> None:
        # A Context may be entered by one thread at a time: run in a fresh copy.
        self.context.copy().run(self._run, fn)

    def display(
        self,
        bundle: dict[str, Any],
        display_id: str,
        update: bool = False,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        publisher = getattr(self.shell, "display_pub", None)
        if publisher is None:
            return
        data = {k: v for k, v in bundle.items() if not k.startswith("_")}
        self.deliver(
            lambda: publisher.publish(
                data=data,
                metadata=metadata or {},
                transient={"display_id": display_id},
                update=update,
            )
        )


def kernel_host(shell: Any) -> KernelHost:
    """Return the ``Host`` for the cell running now; call it from that cell's thread.

    The jupyter layer calls this when ``%flow run`` (or a flow call) starts, with
    ``get_ipython()``, and passes the result to ``LiveView(host=...)``. Nothing here
    imports IPython: the shell is used through ``get_parent``, ``set_thread_parent``,
    ``reset_thread_parent`` and ``display_pub.publish``.

    Args:
        shell: The IPython shell (``get_ipython()``) of the kernel.
    """
    return KernelHost(shell)


def default_host() -> Host:
    """Return a ``KernelHost`` inside IPython (found through builtins), else a NullHost."""
    import builtins

    get_ipython = getattr(builtins, "get_ipython", None)
    shell = get_ipython() if callable(get_ipython) else None
    if shell is None or getattr(shell, "display_pub", None) is None:
        return NullHost()
    return KernelHost(shell)


class Bridge:
    """Feed bus events into a ``RunFold`` and apply the latest frame, coalesced.

    When a frame may be built: an event opens a window of ``interval`` seconds in
    which later events pile up (at most 10 frames per second by default); a frame
    that cost ``c`` seconds delays the next by ``c / duty``; and before the first
    frame is measured, it is assumed to cost 60 µs per task run, so a 1,000-task
    run is not drawn before it is 1.2 s old. The view's share of the run's wall time
    thus stays near ``duty``. The run's final state skips these limits (the run is
    over); its frame follows ``interval`` later, once the caller has its result.

    Args:
        fold: The fold to feed.
        apply: Shows a frame (``RunFold.frame()``); called on the bridge thread
            inside ``host.deliver``.
        host: Delivers ``apply``'s messages to the right cell.
        interval: Minimum seconds between two frames (0.1 = at most 10 per second).
        tick: While the run is in flight and nothing happens, re-apply this often so
            running bars keep growing.
        duty: Upper bound on the share of wall time the view spends building and
            applying frames while the run is in flight.
        now: Wall clock (seconds since the epoch) for in-flight durations.
        stale: Returns the node ids to mark stale in each frame.
        on_done: Called once on the bridge thread after the final frame of a
            finished run was applied.
        lock: Held while folding and applying, so readers of the fold (a click on
            a node) see whole frames; a private lock if None.
    """

    # Seconds per task run a first frame is assumed to cost, until one was measured.
    _FIRST_GUESS = 60e-6

    def __init__(
        self,
        fold: RunFold,
        apply: Callable[[Frame], None],
        *,
        host: Host | None = None,
        interval: float = 0.1,
        tick: float = 0.5,
        duty: float = 0.05,
        now: Callable[[], float] = time.time,
        stale: Callable[[], frozenset[str]] = frozenset,
        on_done: Callable[[], None] | None = None,
        lock: threading.Lock | None = None,
    ) -> None:
        self.fold = fold
        self.lock = lock or threading.Lock()
        self._apply = apply
        self._host: Host = host or NullHost()
        self.interval = interval
        self.tick = tick
        self.duty = duty
        self._now = now
        self._stale = stale
        self._on_done = on_done
        self._queue: deque[Event] = deque()
        self._wake = threading.Event()
        self._urgent = threading.Event()  # stop() or a flow run ended
        self._stopping = False
        self._stop_requested = threading.Event()
        self._thread: threading.Thread | None = None
        self._applied_version = -1
        self._last_cost = 0.0
        self._setup = 0.0
        self.applies = 0
        self.busy_seconds = 0.0
        self.finished = threading.Event()
        self.subscriber = self._make_subscriber()
        """The bus subscriber: ``session.bus.subscribe(bridge.subscriber)``."""

    def __call__(self, event: Event) -> None:
        """Take one event from the bus (any thread); never blocks."""
        self.subscriber(event)

    def _make_subscriber(self) -> Callable[[Event], None]:
        # Locals instead of attribute lookups: this runs for every engine event,
        # in the engine's threads (about 0.1 µs).
        append, wake, urgent = self._queue.append, self._wake, self._urgent
        is_set, set_wake, set_urgent = wake.is_set, wake.set, urgent.set
        final = FINAL_TYPES

        def subscriber(event: Event) -> None:
            append(event)
            if not is_set():
                set_wake()
            # The end of a flow run is worth a frame soon (a cheap test per event).
            if type(event) is StateChanged and event.kind == "flow":
                if event.state.type in final:
                    set_urgent()

        return subscriber

    def start(self) -> Bridge:
        """Start the bridge thread; return self."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._loop,
                name=f"taskbook-live-{uuid.uuid4().hex[:6]}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self, timeout: float | None = 5.0) -> None:
        """Stop the thread after a last apply of what arrived."""
        self._stopping = True
        self._stop_requested.set()
        self._urgent.set()
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def setup_took(self, seconds: float) -> None:
        """Say that the frame being applied spent ``seconds`` on one-off setup
        (making the widgets): the pace of later frames ignores it."""
        self._setup += seconds

    def refresh(self) -> None:
        """Ask for a new frame soon (e.g. stale nodes changed)."""
        self._applied_version = -1
        self._wake.set()

    def drain(self) -> bool:
        """Fold every queued event; return whether any belonged to the run."""
        changed = False
        queue, fold = self._queue, self.fold
        while queue:
            changed = fold.apply(queue.popleft()) or changed
        return changed

    def apply_now(self) -> None:
        """Fold what arrived and apply a frame now, on the calling thread."""
        with self.lock:
            self.drain()
            fold = self.fold
            frame = fold.frame(None if fold.done else self._now(), self._stale())
            self._host.deliver(lambda: self._apply(frame))
            self._applied_version = fold.version
            self.applies += 1

    def _earliest(self, first: float, last_start: float) -> float:
        """Return when the next frame may start (monotonic seconds)."""
        paced = last_start + max(self.interval, self._last_cost / self.duty)
        if self.applies:
            return paced
        # No frame measured yet: assume one costs _FIRST_GUESS per task run, and
        # let the run grow old enough to afford it (a 1,000-task run: 1.2 s).
        size = len(self.fold.runs) + len(self._queue)
        return max(paced, first + self._FIRST_GUESS * size / self.duty)

    def _loop(self) -> None:
        first: float | None = None
        last_start = -1e9
        while True:
            in_flight = self.fold.created is not None and not self.fold.done
            woken = self._wake.wait(self.tick if in_flight else None)
            if first is None:
                if not woken and not self._stopping:
                    continue
                first = time.monotonic()
            # An event opens a coalescing window; then wait for the budget.
            window = time.monotonic() + self.interval if woken else 0.0
            while not self._urgent.is_set():
                delay = (
                    max(window, self._earliest(first, last_start)) - time.monotonic()
                )
                if delay <= 0:
                    break
                self._urgent.wait(delay)
            if self._urgent.is_set() and not self._stopping:
                # The run ended: its last events and the caller's return come
                # first; the final frame follows one window later.
                self._stop_requested.wait(self.interval)
            self._wake.clear()
            if not self._stopping:
                # Cleared before draining: a subflow's end is drained now, and the
                # run's end, if it arrives while this frame is built, sets it again.
                self._urgent.clear()
            started = time.monotonic()
            try:
                with self.lock:
                    self.drain()
                due = self.fold.version != self._applied_version or in_flight
                if due and (self.fold.created is not None or self._stopping):
                    self._setup = 0.0
                    self.apply_now()
                    self._last_cost = max(0.0, time.monotonic() - started - self._setup)
            except Exception:  # a broken view must not kill the bridge silently
                _log.exception("live view update failed")
            last_start = started
            self.busy_seconds += time.monotonic() - started
            if self.fold.done and (not self._queue or self._stopping):
                self._finish()
                return
            if self._stopping:
                return

    def _finish(self) -> None:
        try:
            if self._on_done is not None:
                self._on_done()
        except Exception:
            _log.exception("finishing the live view failed")
        finally:
            self.finished.set()
