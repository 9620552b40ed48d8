"""The kernel's end of the comm: badge states pushed as the engine publishes events.

The bus subscriber only updates a dict under a lock (cheap, never blocks the
engine); a sender thread wakes on change and sends what changed since its last
message, at most once per ``interval``: a run of a thousand task-state events
is a few dozen messages. Nothing polls: the thread waits for an event. Comms
come from the frontend (a tab that attaches) or from ``open`` (at
``%load_ext``); every open comm gets every message.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from taskbook.core.events import Event, StateChanged, TaskRunCreated
from taskbook.core.states import FINAL_TYPES, StateType
from taskbook.protocol.messages import (
    CellState,
    HelloMessage,
    RegistryMessage,
    RunFinishedMessage,
    SourcesMessage,
    StatesMessage,
    TaskInfo,
    encode,
    parse_frontend,
)

__all__ = ("Channel", "Registry")

Registry = Callable[[], Sequence[tuple[TaskInfo, str]]]
"""Returns the notebook's cells, each with the source the DAG uses."""


class Channel:
    """Push badge states and the task registry to every attached frontend.

    Args:
        subscribe: Subscribes a callback to the engine's events; returns the
            function that unsubscribes it.
        registry: The notebook's cells as the kernel sees them now.
        on_sources: Called with the cells the editor sent (before the registry
            is refreshed from them).
        interval: Seconds between two state messages, at least.
        settle: Called before a ``run_finished`` is sent, to make the run's records
            readable by others (the run store commits in the background; the
            sidebar reads the store when it hears a run finished).
    """

    def __init__(
        self,
        subscribe: Callable[[Callable[[Event], None]], Callable[[], None]],
        registry: Registry,
        on_sources: Callable[[SourcesMessage], None],
        interval: float = 0.05,
        settle: Callable[[], None] = lambda: None,
    ) -> None:
        self._registry_of = registry
        self._settle = settle
        self._on_sources = on_sources
        self._interval = interval
        self._lock = threading.Lock()
        self._comms: list[Any] = []
        self._by_name: dict[str, str] = {}  # task name -> cell id
        self._sources: dict[str, str] = {}  # cell id -> source the DAG uses
        self._tasks: list[TaskInfo] = []
        self._version = 0
        self._runs: dict[str, str] = {}  # task run id -> cell id
        self._started: dict[str, float] = {}  # task run id -> first Running ts
        self._states: dict[str, CellState] = {}  # cell id -> its badge
        self._ran_with: dict[str, str] = {}  # cell id -> source at its last success
        self._pending: dict[str, CellState] = {}
        self._finished: list[RunFinishedMessage] = []
        self._wake = threading.Event()
        self._closed = threading.Event()
        self._sender: threading.Thread | None = None
        self._unsubscribe = subscribe(self.on_event)

    # -- comms ------------------------------------------------------------------------

    def attach(self, comm: Any) -> None:
        """Serve ``comm``: answer its messages, send it the registry and the states."""
        comm.on_msg(lambda message: self.receive(comm, message["content"]["data"]))
        comm.on_close(lambda _message: self._detach(comm))
        with self._lock:
            self._comms.append(comm)
        self.refresh_registry(force_to=comm)
        self._send_snapshot(comm)
        self._start_sender()

    def _detach(self, comm: Any) -> None:
        with self._lock:
            if comm in self._comms:
                self._comms.remove(comm)

    def receive(self, comm: Any, data: Any) -> None:
        """Handle one message from the frontend (invalid ones are ignored)."""
        message = parse_frontend(data)
        if isinstance(message, SourcesMessage):
            self._on_sources(message)
            self.refresh_registry()
        elif isinstance(message, HelloMessage):
            self.refresh_registry(force_to=comm)
            self._send_snapshot(comm)

    def close(self) -> None:
        """Stop listening and sending; close the comms."""
        self._unsubscribe()
        self._closed.set()
        self._wake.set()
        with self._lock:
            comms, self._comms = self._comms, []
        for comm in comms:
            comm.close()

    # -- the registry -----------------------------------------------------------------

    def refresh_registry(self, force_to: Any = None) -> None:
        """Recompute the notebook's cells; send them if they changed.

        A cell whose source differs from the one it last completed with is
        marked stale (its badge changes at once).
        """
        cells = list(self._registry_of())
        tasks = [info for info, _source in cells]
        with self._lock:
            changed = tasks != self._tasks
            if changed:
                self._version += 1
                self._tasks = tasks
            self._by_name = {info.name: info.cell_id for info in tasks}
            self._sources = {info.cell_id: source for info, source in cells}
            for cell_id, state in self._states.items():
                stale = self._is_stale(cell_id, state)
                if stale != state.stale:
                    self._set(_replace(state, stale=stale))
            message = encode(RegistryMessage("registry", self._version, tasks))
            targets = list(self._comms) if changed else []
        if force_to is not None and force_to not in targets:
            targets.append(force_to)
        for comm in targets:
            comm.send(message)
        self._wake.set()

    def _is_stale(self, cell_id: str, state: CellState) -> bool:
        ran = self._ran_with.get(cell_id)
        current = self._sources.get(cell_id)
        if ran is None or current is None or state.state != StateType.COMPLETED:
            return False
        return _code(ran) != _code(current)

    # -- engine events ------------------------------------------------------------------

    def on_event(self, event: Event) -> None:
        """Bus subscriber: note the change; the sender thread sends it."""
        if isinstance(event, TaskRunCreated):
            cell_id = self._by_name.get(event.task_name)
            if cell_id is not None:
                self._runs[event.task_run_id] = cell_id
        elif isinstance(event, StateChanged):
            self._state_changed(event)

    def _state_changed(self, event: StateChanged) -> None:
        state = event.state
        if event.kind == "flow":
            if state.type in FINAL_TYPES:
                with self._lock:
                    self._finished.append(
                        RunFinishedMessage("run_finished", event.run_id, state.type)
                    )
                self._wake.set()
            return
        cell_id = self._runs.get(event.run_id)
        if cell_id is None:
            return
        if state.type is StateType.RUNNING:
            self._started.setdefault(event.run_id, state.ts)
        final = state.type in FINAL_TYPES
        started = self._started.get(event.run_id)
        duration = state.ts - started if final and started is not None else None
        badge = CellState(
            cell_id=cell_id,
            state=state.type.value,
            name=state.name,
            duration=duration,
            attempts=event.run_count,
            cached=state.name == "Cached",
            stale=False,
            message=state.message,
            ts=state.ts,
        )
        with self._lock:
            if state.type is StateType.COMPLETED:
                self._ran_with[cell_id] = self._sources.get(cell_id, "")
            if final:  # the run is over: keep nothing per run
                self._started.pop(event.run_id, None)
                self._runs.pop(event.run_id, None)
            self._set(badge)
        self._wake.set()

    def _set(self, badge: CellState) -> None:
        """Record a badge and queue it (the lock is held)."""
        self._states[badge.cell_id] = badge
        self._pending[badge.cell_id] = badge

    # -- sending ----------------------------------------------------------------------

    def _send_snapshot(self, comm: Any) -> None:
        with self._lock:
            cells = list(self._states.values())
        comm.send(encode(StatesMessage("states", cells)))

    def _start_sender(self) -> None:
        with self._lock:
            if self._sender is not None:
                return
            self._sender = threading.Thread(
                target=self._send_loop, name="taskbook-comm", daemon=True
            )
        self._sender.start()

    def _send_loop(self) -> None:
        while not self._closed.is_set():
            self._wake.wait()
            self._wake.clear()
            self.flush()
            self._closed.wait(self._interval)  # coalesce what comes meanwhile

    def flush(self) -> None:
        """Send the changed states and finished runs now (the sender does this)."""
        with self._lock:
            pending, self._pending = list(self._pending.values()), {}
            finished, self._finished = self._finished, []
            comms = list(self._comms)
        if pending:
            states = encode(StatesMessage("states", pending))
            for comm in comms:
                comm.send(states)
        if finished:
            self._settle()
            for comm in comms:
                for message in finished:
                    comm.send(encode(message))


def _replace(state: CellState, **changes: Any) -> CellState:
    from dataclasses import replace

    return replace(state, **changes)


def _code(source: str) -> list[str]:
    """A cell's code for comparison: trailing blanks aside."""
    return [line.rstrip() for line in source.strip("\n").splitlines()]
