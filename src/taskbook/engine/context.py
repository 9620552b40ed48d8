"""Run records and the context variables that say which run is current.

``FlowRun``/``TaskRun`` are what hooks receive (Prefect's attribute names). The
context variables carry the current flow run, task run and ``tags(...)`` into
worker threads (``contextvars.copy_context``) and async tasks alike.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from taskbook.core.states import State, StateType
from taskbook.engine.effects import Ledger

if TYPE_CHECKING:
    from taskbook.engine.files import FileRecord
    from taskbook.engine.session import Session


@dataclass(eq=False)
class FlowRun:
    """A flow run, as hooks and ``get_run_logger`` see it."""

    id: str
    name: str
    flow_name: str
    parameters: dict[str, Any]
    tags: tuple[str, ...]
    parent_flow_run_id: str | None = None
    run_count: int = 0
    state: State | None = None
    start_time: float | None = None
    end_time: float | None = None
    # The outermost flow run of a tree of subflows (its own id for a top-level run).
    root_flow_run_id: str | None = None
    flow_version: str | None = None

    @property
    def flow_run_id(self) -> str:
        return self.id


@dataclass(eq=False, slots=True)
class TaskRun:
    """A task run, as hooks and ``get_run_logger`` see it."""

    id: str
    name: str
    task_name: str
    task_key: str
    flow_run_id: str | None
    parameters: dict[str, Any]
    tags: tuple[str, ...]
    run_count: int = 0
    state: State | None = None
    cache_key: str | None = None
    start_time: float | None = None
    end_time: float | None = None
    # The ids of the task runs whose futures (or direct-call results) this run
    # was given, in order: the edges of the run graph.
    upstream: tuple[str, ...] = ()
    # The futures it waits for, as (future, allow_failure) pairs, when they were
    # found at creation (its protocol takes and clears them); None: the
    # protocol looks for them itself.
    inputs: list[tuple[Any, bool]] | None = field(default=None, repr=False)
    # The files its cached result vouches for (written by it, or by the run its
    # hit came from), and why an existing cache entry was not used.
    output_files: tuple[FileRecord, ...] = field(default=(), repr=False)
    cache_stale: str | None = None
    # The task's function returned a State (calling the task gives it back, as Prefect).
    returned_state: bool = False

    @property
    def state_type(self) -> StateType | None:
        return self.state.type if self.state else None

    @property
    def state_name(self) -> str | None:
        return self.state.name if self.state else None


@dataclass(eq=False)
class FlowRunContext:
    """Everything tasks inside one flow run share."""

    flow: Any
    flow_run: FlowRun
    session: Session
    task_runner: Any
    persist_result: bool | None = None
    log_prints: bool = False
    # Closed when the run ended (cancelled): later events of its tasks are dropped,
    # so nothing writes to the store or the cache after the run was reported over.
    closed: threading.Event = field(default_factory=threading.Event)
    _counters: dict[str, int] = field(default_factory=dict)
    _counter_lock: threading.Lock = field(default_factory=threading.Lock)
    active: dict[str, TaskRun] = field(default_factory=dict)
    futures: list[Any] = field(default_factory=list)
    # Results of direct task calls: id(value) -> (task run id, value). The value
    # is kept so its id cannot be reused while the flow runs.
    results: dict[int, tuple[str, Any]] = field(default_factory=dict)
    ledger: Ledger = field(default_factory=Ledger)

    @classmethod
    def get(cls) -> FlowRunContext | None:
        """Return the current flow run's context, or None (Prefect's ``.get()``)."""
        return flow_run_ctx.get()

    @property
    def parameters(self) -> dict[str, Any]:
        return self.flow_run.parameters

    def next_index(self, task_key: str, count: int = 1) -> int:
        """Reserve ``count`` indices per task within this run; return the first.

        Indices go 0, 1, 2 ... per task (for default run names); a ``.map``
        reserves its whole block at once.
        """
        with self._counter_lock:
            n = self._counters.get(task_key, 0)
            self._counters[task_key] = n + count
            return n


@dataclass(eq=False, slots=True)
class TaskRunContext:
    """The task run in progress; the cache-key context for policies."""

    task: Any
    task_run: TaskRun
    session: Session
    flow_run_context: FlowRunContext | None
    parameters: dict[str, Any]
    task_source: str = ""
    log_prints: bool = False

    @classmethod
    def get(cls) -> TaskRunContext | None:
        """Return the current task run's context, or None (Prefect's ``.get()``)."""
        return task_run_ctx.get()

    @property
    def flow_run_id(self) -> str | None:
        return self.task_run.flow_run_id

    @property
    def task_run_id(self) -> str:
        return self.task_run.id


flow_run_ctx: ContextVar[FlowRunContext | None] = ContextVar(
    "taskbook_flow_run", default=None
)
task_run_ctx: ContextVar[TaskRunContext | None] = ContextVar(
    "taskbook_task_run", default=None
)
tags_ctx: ContextVar[tuple[str, ...]] = ContextVar("taskbook_tags", default=())


@contextlib.contextmanager
def tags(*new_tags: str) -> Iterator[tuple[str, ...]]:
    """Add tags to every task and flow run created inside the block.

    Args:
        *new_tags: Tags to add.

    Yields:
        The full set of tags in effect, sorted.
    """
    current = tags_ctx.get()
    merged = tuple(sorted(set(current) | set(new_tags)))
    token = tags_ctx.set(merged)
    try:
        yield merged
    finally:
        tags_ctx.reset(token)
