"""Fold engine events into JSON-able view models: run summary, run graph, timeline.

Pure: no widget, no clock, no I/O. ``RunFold.apply`` costs O(1) per event; building
a frame redoes only what changed since the last one (the nodes whose runs moved,
the rows of runs still in flight), so a live view of a 1,000-task run stays cheap.
The same fold serves the live widgets, the static output and past runs (replayed
from the run store by ``taskbook.widgets.records``). Times count from the flow
run's first Running state and durations end at final states: the timestamps the
run store records, so the views, history and summaries agree. A subflow is a node
of its own; its tasks are nodes inside it (``flow:NAME/TASK``), joined by a
``subflow`` edge.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection
from typing import Any

from taskbook.core.events import (
    ArtifactCreated,
    Event,
    FlowRunCreated,
    LogEmitted,
    StateChanged,
    TaskRunCreated,
)
from taskbook.core.graph import NotebookGraph
from taskbook.core.palette import state_style
from taskbook.core.states import FINAL_TYPES, State, StateType
from taskbook.widgets.layout import Layout, layered_layout
from taskbook.widgets.rows import StateEntry, TaskRunView, node_model, timeline_row

__all__ = ("MAX_NODES", "MAX_ROWS", "RunFold", "StateEntry", "TaskRunView")

MAX_NODES = 2000
"""Graph nodes shown at most; the rest are counted in ``truncated``."""

MAX_ROWS = 2000
"""Timeline rows shown at most; the rest are counted in ``truncated``."""

# The artifact kinds whose data the details panel shows (a percentage, an image);
# markdown and tables can be long, so only their key and description go along.
_SHOWN_DATA = frozenset({"progress", "image"})


class RunFold:
    """Follow one flow run (and its subflows) through the engine's events.

    Args:
        graph: The notebook DAG when the flow is a notebook: its cells become the
            graph's nodes and task runs join them by task name (or cell id).
        flow_run_id: Follow this flow run; None follows the next top-level flow
            run that starts.
        log_limit: Log lines kept per task run and for the whole run.
    """

    def __init__(
        self,
        graph: NotebookGraph | None = None,
        *,
        flow_run_id: str | None = None,
        log_limit: int = 200,
    ) -> None:
        self.graph = graph
        self.flow_run_id = flow_run_id
        self.flow_name: str | None = None
        self.name: str | None = None
        self.parameters: dict[str, Any] = {}
        self.created: float | None = None
        self.started: float | None = None
        """When the flow run first entered Running (the store's ``start_time``)."""
        self.flow_states: list[StateEntry] = []
        self.flow_final: State | None = None
        self.runs: dict[str, TaskRunView] = {}
        self.logs: deque[tuple[float, int, str, str | None]] = deque(maxlen=log_limit)
        self.version = 0
        self._log_limit = log_limit
        self._flows: set[str] = set()
        self._subflows: dict[str, str] = {}  # subflow run id -> its node
        self._node_names: dict[str, str] = {}
        self._labels: dict[str, tuple[str, str]] = {}  # node id -> (label, kind)
        self._cells: dict[str, int] = {}  # node id -> its cell's notebook position
        self._groups: dict[str, list[TaskRunView]] = {}
        self._run_edges: dict[tuple[str, str], str] = {}  # (from, to) -> kind
        # Caches for frames: the shape (nodes, edges, layout) changes rarely, node
        # and row dicts only when their runs change.
        self._structure = 0
        self._shape: tuple[int, list[str], list[dict[str, Any]], Layout] | None = None
        self._dirty_nodes: set[str] = set()
        self._node_cache: dict[str, dict[str, Any]] = {}
        self._stale: frozenset[str] = frozenset()
        self._row_cache: dict[str, dict[str, Any]] = {}
        if graph is not None:
            for node in graph.nodes:
                self._node_names[node.id] = node.id
                self._node_names.setdefault(node.name, node.id)
                self._labels[node.id] = (node.name, node.kind)
                self._cells[node.id] = node.cell_index

    # -- folding ------------------------------------------------------------------

    @property
    def done(self) -> bool:
        """Whether the followed flow run reached a final state."""
        return self.flow_final is not None

    def apply(self, event: Event) -> bool:
        """Fold one event; return whether it belongs to the run (the views changed)."""
        if isinstance(event, StateChanged):
            changed = self._state(event)
        elif isinstance(event, TaskRunCreated):
            changed = self._task_run(event)
        elif isinstance(event, LogEmitted):
            changed = self._log(event)
        elif isinstance(event, FlowRunCreated):
            changed = self._flow_run(event)
        elif isinstance(event, ArtifactCreated):
            changed = self._artifact(event)
        else:
            changed = False
        if changed:
            self.version += 1
        return changed

    def _flow_run(self, event: FlowRunCreated) -> bool:
        parent = event.parent_task_run_id
        if parent is not None and (parent in self._flows or parent in self.runs):
            self._subflow(event, parent)
            return True
        if self.created is not None:
            return False
        if self.flow_run_id is None and parent is not None:
            return False
        if self.flow_run_id not in (None, event.flow_run_id):
            return False
        self.flow_run_id = event.flow_run_id
        self._flows.add(event.flow_run_id)
        self.flow_name, self.name = event.flow_name, event.name
        self.parameters = dict(event.parameters)
        self.created = event.ts
        return True

    def _subflow(self, event: FlowRunCreated, parent: str) -> None:
        """A subflow: a node of its own, drawn with its run's states."""
        self._flows.add(event.flow_run_id)
        node = f"flow:{event.flow_name}"
        if node not in self._labels:
            self._labels[node] = (event.flow_name, "flow")
            self._structure += 1
        run = TaskRunView(
            id=event.flow_run_id,
            name=event.name,
            task_name=event.flow_name,
            flow_run_id=parent,
            created=event.ts,
            node=node,
        )
        self.runs[run.id] = run
        self._groups.setdefault(node, []).append(run)
        self._dirty_nodes.add(node)
        self._subflows[event.flow_run_id] = node
        outer = self._subflows.get(parent)
        if outer is not None:
            self._edge(outer, node, "subflow")

    def _edge(self, source: str, target: str, kind: str) -> None:
        if (source, target) not in self._run_edges:
            self._run_edges[(source, target)] = kind
            self._structure += 1

    def _task_run(self, event: TaskRunCreated) -> bool:
        if event.flow_run_id not in self._flows:
            return False
        subflow = self._subflows.get(event.flow_run_id or "")
        node = self._node_for(event.task_name, subflow)
        run = TaskRunView(
            id=event.task_run_id,
            name=event.name,
            task_name=event.task_name,
            flow_run_id=event.flow_run_id,
            created=event.ts,
            node=node,
            upstream=tuple(event.upstream),
            tags=tuple(event.tags),
        )
        self.runs[run.id] = run
        self._groups.setdefault(node, []).append(run)
        self._dirty_nodes.add(node)
        if subflow is not None:
            self._edge(subflow, node, "subflow")
        for upstream_id in run.upstream:
            source = self.runs.get(upstream_id)
            if source is not None and source.node != node:
                self._edge(source.node, node, "data")
        return True

    def _node_for(self, task_name: str, subflow: str | None = None) -> str:
        """Return the node of a task: the notebook cell it is, or ``task:NAME``.

        A subflow's tasks are nodes of their own (``flow:NAME/TASK``), apart
        from same-named tasks of the flow that called it.
        """
        key = task_name if subflow is None else f"{subflow}/{task_name}"
        node = self._node_names.get(key)
        if node is None:
            node = f"task:{task_name}" if subflow is None else key
            label = (
                task_name
                if subflow is None
                else f"{self._labels[subflow][0]} › {task_name}"
            )
            self._node_names[key] = node
            self._labels[node] = (label, "task")
            self._structure += 1
        return node

    def _state(self, event: StateChanged) -> bool:
        state = event.state
        entry = StateEntry(state.type.value, state.name, state.ts, state.message)
        if event.kind == "flow" and event.run_id == self.flow_run_id:
            self.flow_states.append(entry)
            if state.type is StateType.RUNNING and self.started is None:
                self.started = state.ts
                self._row_cache.clear()  # rows count from here now
            if state.type in FINAL_TYPES:
                self.flow_final = state
            return True
        run = self.runs.get(event.run_id)  # a task run, or a subflow's run
        if run is None:
            return False
        run.states.append(entry)
        run.run_count = max(run.run_count, event.run_count)
        if event.cache_key is not None:
            run.cache_key = event.cache_key
        if state.type in FINAL_TYPES or state.name == "NotReady":
            run.final = state
        self._dirty_nodes.add(run.node)
        self._row_cache.pop(run.id, None)
        return True

    def _log(self, event: LogEmitted) -> bool:
        run = self.runs.get(event.task_run_id or "")
        if run is None and event.flow_run_id not in self._flows:
            return False
        if run is not None:
            run.logs.append((event.ts, event.level, event.message))
            if len(run.logs) > self._log_limit:
                del run.logs[: len(run.logs) - self._log_limit]
        label = run.name if run is not None else None
        self.logs.append((event.ts, event.level, event.message, label))
        return True

    def _artifact(self, event: ArtifactCreated) -> bool:
        run = self.runs.get(event.task_run_id or "")
        if run is None:
            return event.flow_run_id in self._flows
        shown = {
            "id": event.artifact_id,
            "key": event.key,
            "type": event.type,
            "description": event.description,
        }
        if event.type in _SHOWN_DATA:
            shown["data"] = event.data
        for i, old in enumerate(run.artifacts):
            if old.get("id") == event.artifact_id:  # a progress update, in place
                run.artifacts[i] = shown
                return True
        run.artifacts.append(shown)
        return True

    # -- models -------------------------------------------------------------------

    @property
    def t0(self) -> float:
        """The time the views count from: the flow run's start (else its creation)."""
        if self.started is not None:
            return self.started
        if self.created is not None:
            return self.created
        return min((r.created for r in self.runs.values()), default=0.0)

    @property
    def subflow_runs(self) -> frozenset[str]:
        """The ids of the subflow runs among ``runs`` (the rest are task runs)."""
        return frozenset(self._subflows)

    def node_runs(self) -> dict[str, list[TaskRunView]]:
        """Return the task runs of each graph node, in creation order (do not mutate)."""
        return self._groups

    def summary_model(self, now: float | None = None) -> dict[str, Any]:
        """Return the header: flow, state, counts per state name, duration, recent logs.

        The duration runs from the flow run's first Running state to its final
        state (to ``now`` while in flight), as the run store records it.
        """
        last = self.flow_states[-1] if self.flow_states else None
        counts: dict[str, int] = {}
        subflows = self._subflows
        for run in self.runs.values():
            if run.id not in subflows:
                counts[run.state_name] = counts.get(run.state_name, 0) + 1
        end = last.ts if self.done and last is not None else now
        t0 = self.t0
        type_: str | None = last.type if last else None
        name: str | None = last.name if last else None
        return {
            "flow_run_id": self.flow_run_id,
            "flow_name": self.flow_name,
            "name": self.name,
            "state": type_,
            "state_name": name,
            "message": last.message if last else None,
            "fill": state_style(type_, name).color,
            "counts": counts,
            "total": len(self.runs) - len(subflows),
            "duration": None if end is None or self.started is None else end - t0,
            "done": self.done,
            "parameters": {k: _short(v) for k, v in self.parameters.items()},
            "logs": [
                {"t": ts - t0, "level": level, "run": run, "message": message}
                for ts, level, message, run in list(self.logs)[-30:]
            ],
        }

    def _shape_now(self) -> tuple[list[str], list[dict[str, Any]], Layout]:
        if self._shape is not None and self._shape[0] == self._structure:
            return self._shape[1], self._shape[2], self._shape[3]
        ids = list(self._labels)[:MAX_NODES]
        shown = set(ids)
        edges: dict[tuple[str, str], dict[str, Any]] = {}
        if self.graph is not None:
            for edge in self.graph.edges:
                edges[(edge.from_id, edge.to_id)] = {
                    "from": edge.from_id,
                    "to": edge.to_id,
                    "kind": edge.kind,
                    "names": sorted(edge.names),
                }
        for (source, target), kind in self._run_edges.items():
            edges.setdefault(
                (source, target),
                {"from": source, "to": target, "kind": kind, "names": []},
            )
        edge_list = [
            e for e in edges.values() if e["from"] in shown and e["to"] in shown
        ]
        layout = layered_layout(ids, [(e["from"], e["to"]) for e in edge_list])
        self._shape = (self._structure, ids, edge_list, layout)
        self._node_cache.clear()  # positions may have moved
        return ids, edge_list, layout

    def graph_model(self, stale: Collection[str] = ()) -> dict[str, Any]:
        """Return the run graph: laid-out nodes coloured by state, labelled edges.

        Args:
            stale: Node ids to mark stale (a parameter change will rerun them).
        """
        ids, edges, layout = self._shape_now()
        stale_set = frozenset(stale)
        dirty = self._dirty_nodes | (stale_set ^ self._stale)
        self._stale, self._dirty_nodes = stale_set, set()
        cache, groups = self._node_cache, self._groups
        nodes = []
        for node_id in ids:
            node = cache.get(node_id)
            if node is None or node_id in dirty:
                label, kind = self._labels[node_id]
                node = node_model(
                    node_id,
                    label,
                    kind,
                    groups.get(node_id, ()),
                    node_id in stale_set,
                    layout.positions[node_id],
                    self._cells.get(node_id),
                )
                cache[node_id] = node
            nodes.append(node)
        return {
            "title": self.flow_name or "",
            "nodes": nodes,
            "edges": edges,
            "width": layout.width,
            "height": layout.height,
            "node_width": layout.node_width,
            "node_height": layout.node_height,
            "truncated": len(self._labels) - len(ids),
        }

    def timeline_model(self, now: float | None = None) -> dict[str, Any]:
        """Return the Gantt rows: waiting, running and retrying segments per task run.

        Args:
            now: The current time, to extend segments of runs still in flight; None
                ends them at their last state.
        """
        t0 = self.t0
        rows = []
        cache = self._row_cache
        horizon = 0.0
        for index, run in enumerate(self.runs.values()):
            if index >= MAX_ROWS:
                break
            row = cache.get(run.id)
            if row is None:
                row = timeline_row(run, t0, now, self._labels[run.node][0])
                if run.ended:  # it will not change any more
                    cache[run.id] = row
            rows.append(row)
            if row["segments"]:
                horizon = max(horizon, row["segments"][-1]["end"])
        if now is not None and not self.done:
            horizon = max(horizon, now - t0)
        return {
            "title": self.flow_name or "",
            "rows": rows,
            "end": horizon,
            "truncated": len(self.runs) - len(rows),
        }

    def frame(
        self, now: float | None = None, stale: Collection[str] = ()
    ) -> dict[str, Any]:
        """Return everything a live view shows: summary, graph and timeline."""
        return {
            "version": self.version,
            "summary": self.summary_model(now),
            "graph": self.graph_model(stale),
            "timeline": self.timeline_model(now),
        }


def _short(value: Any, limit: int = 80) -> str:
    try:
        text = repr(value)
    except Exception:  # a user's __repr__ must never break a view
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 1] + "…"
