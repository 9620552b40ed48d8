"""One flow run over the selected cells: schedule them as parents finish, collect.

The flow body submits a cell's task when the cells it depends on are final, so
independent cells run in parallel. With ``--stale`` a ready cell whose key equals
its key at its last success (and whose values and output files are still there)
is left out of the run. A failed cell leaves its dependents NotReady; ``SystemExit``
stops the run where it is (code 0 or None is success, as in papermill).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from taskbook.cellflow.cell_result import CellResult
from taskbook.cellflow.cell_task import CellTasks, describe
from taskbook.cellflow.result import CellOutcome, NotebookRunResult
from taskbook.cellflow.why import remember_keys
from taskbook.core.cells import CellSpec
from taskbook.core.graph import NotebookGraph
from taskbook.core.states import State
from taskbook.errors import CellExitError

if TYPE_CHECKING:
    from taskbook.cellflow.runner import NotebookRunner
    from taskbook.core.run_options import RunOptions

__all__ = ("NotebookRun",)


class NotebookRun:
    """The flow body of one notebook run and what it found out."""

    def __init__(
        self,
        graph: NotebookGraph,
        specs: Mapping[str, CellSpec],
        selected: Sequence[str],
        tasks: CellTasks,
        restored: Sequence[str] = (),
    ) -> None:
        self.graph, self.specs, self.selected = graph, specs, selected
        self.restored = tuple(restored)
        self.tasks = tasks
        self.runner: NotebookRunner = tasks.runner
        self.options: RunOptions = tasks.options
        self.outcomes = {
            n.id: CellOutcome(n.id, n.name, n.kind)
            for n in graph.nodes
            if n.id in selected
        }
        self.up_to_date: set[str] = set()
        self.stop = threading.Event()
        self.exit_code: int | str | None = None
        self.exited = False
        self.flow_run_id = ""
        self.futures: dict[str, Any] = {}
        # Cell id -> why its cache entry was not used (an output file it lost).
        self.stale: dict[str, str] = {}

    # -- the flow body: schedule cells as their parents finish ----------------------

    def body(self, **parameters: Any) -> list[State]:
        """Run the selected cells; return their final states in selection order."""
        from taskbook import runtime

        self.flow_run_id = str(runtime.flow_run.id)
        done: queue.SimpleQueue[str] = queue.SimpleQueue()
        futures = self.futures
        chosen = set(self.selected)
        waiting = list(self.selected)
        finished: set[str] = set()
        while waiting or len(finished) < len(futures) + len(self.up_to_date):
            for node_id in list(waiting):
                if self.stop.is_set():
                    break
                parents = [p for p in self.graph.parents(node_id) if p in chosen]
                if not all(p in finished for p in parents):
                    continue
                waiting.remove(node_id)
                if self.options.stale and self._up_to_date(node_id, parameters):
                    self.up_to_date.add(node_id)
                    done.put(node_id)
                    continue
                task = self.tasks.task(
                    self.specs[node_id], self.graph.node(node_id), parameters
                )
                future = task.submit(
                    wait_for=[futures[p] for p in parents if p in futures]
                )
                futures[node_id] = future
                future.add_done_callback(lambda _f, n=node_id: done.put(n))
            if self.stop.is_set():
                waiting.clear()
            if len(finished) == len(futures) + len(self.up_to_date):
                break
            node_id = done.get()
            finished.add(node_id)
            if node_id in futures:
                self._collect(node_id, futures[node_id].state)
        return [futures[n].state for n in self.selected if n in futures]

    def _up_to_date(self, node_id: str, parameters: Mapping[str, Any]) -> bool:
        """Whether a ready cell's key is the one of its last success, values still here."""
        spec, node = self.specs[node_id], self.graph.node(node_id)
        overrides = dict(parameters) if spec.kind == "params" else {}
        parts = self.tasks.key_parts(spec, node, overrides)
        last = self.runner.last_success.get(node_id)
        return (
            self.tasks.keys[node_id] is not None  # cacheable, no input from a failure
            and spec.problem is None  # its key ignores the bad %%task line
            and last is not None
            and last == parts.key()
            and self.runner.holds(node.defines)
            and all(
                f.problem() is None for f in self.runner.last_files.get(node_id, ())
            )
        )

    def _collect(self, node_id: str, state: State) -> None:
        outcome = self.outcomes[node_id]
        outcome.state_type = state.type.value
        outcome.state_name = state.name
        outcome.message = state.message
        outcome.cache_key = self.tasks.keys.get(node_id)
        outcome.attempts = self.tasks.attempts.get(node_id, 0)
        if node_id in self.tasks.started:
            outcome.duration = state.ts - self.tasks.started[node_id]
        spec = self.specs[node_id]
        run = self.futures[node_id].task_run if node_id in self.futures else None
        if run is not None and run.cache_stale is not None:
            self.stale[node_id] = run.cache_stale
        if state.is_completed():
            if run is not None:
                self.runner.last_files[node_id] = run.output_files
            result = state.result(raise_on_failure=False)
            if isinstance(result, CellResult):
                key = outcome.cache_key if spec.header.cache else None
                if state.name == "Cached":
                    self.runner.restore(result, key)
                    self._replay(spec, result.outputs)
                else:
                    self.runner.mark_known(result, key)
                outcome.outputs = list(result.outputs)
                if result.exited:
                    self._exit(result.exit_code)
            if outcome.cache_key is not None:
                self.runner.last_success[node_id] = outcome.cache_key
            self._pass_marks_on(node_id)
        else:
            if node_id in self.tasks.captured:
                outcome.outputs = list(self.tasks.captured[node_id].outputs)
            if state.is_final() and state.name != "NotReady":
                self._mark_partial(node_id, state.name)
        error = state.data if isinstance(state.data, CellExitError) else None
        if error is not None:
            self._exit(error.code)
        if state.is_final() and state.name != "NotReady":
            outcome.execution_count = self.runner.next_count()
        self.runner.last_states[node_id] = outcome.state_type

    def _pass_marks_on(self, node_id: str) -> None:
        """A cell that read what a failed run left says so; its values are marked."""
        marks = self.tasks.partial_inputs.get(node_id)
        if not marks:
            return
        name, mark = next(iter(marks.items()))
        self.outcomes[node_id].message = f"Not cached: {mark.says(name)}."
        self.stale[node_id] = f"{mark.says(name)} (so it was not cached)"
        node = self.graph.node(node_id)
        self.runner.partial.pass_on(node.defines, mark, describe(node))

    def _mark_partial(self, node_id: str, state_name: str) -> None:
        """Mark the values a cell that stopped half-way changed (``partial``)."""
        before = self.tasks.before.get(node_id)
        if before is None:  # it never ran here (another process, or not started)
            return
        node, namespace = self.graph.node(node_id), self.runner.namespace
        changed = [
            n
            for n in node.defines
            if n in namespace
            and (n in node.analysis.mutates or before.get(n) != id(namespace[n]))
        ]
        self.runner.partial.mark(changed, describe(node), state_name)

    def mark_unfinished(self) -> None:
        """Mark what the cells an interrupt stopped left behind (Cancelled)."""
        for node_id in self.tasks.before:
            future = self.futures.get(node_id)
            if future is None or not future.state.is_completed():
                self._mark_partial(node_id, "Cancelled")

    def _exit(self, code: int | str | None) -> None:
        self.exited = True
        self.exit_code = code
        self.stop.set()

    def _replay(self, spec: CellSpec, outputs: list[dict[str, Any]]) -> None:
        listener = self.runner.listener
        if listener is not None:
            for output in outputs:
                listener(spec, output)

    # -- the result -----------------------------------------------------------------

    def result(self, state: State) -> NotebookRunResult:
        """Return the run's result; remember the keys for ``%flow why``."""
        # A flow timeout or an interrupt stops the scheduler mid-way: record the
        # cells it had started from their own futures.
        for node_id, future in self.futures.items():
            outcome = self.outcomes[node_id]
            if outcome.state_type == "PENDING" and future.state is not None:
                if future.state.is_final():
                    self._collect(node_id, future.state)
                else:
                    outcome.state_type = future.state.type.value
                    outcome.state_name = future.state.name
                    if node_id in self.tasks.captured:
                        outcome.outputs = list(self.tasks.captured[node_id].outputs)
        ran = {k: v for k, v in self.tasks.parts.items() if k not in self.up_to_date}
        self.runner.last_parts.update(ran)
        self.runner.explanations.update(
            remember_keys(
                self.runner.notebook_name,
                self.outcomes,
                self.specs,
                ran,
                self.options.force,
                self.stale,
            )
        )
        return NotebookRunResult(
            flow_run_id=self.flow_run_id or state.owner or "",
            state=state,
            # Up-to-date cells were not part of this run (as with --only).
            cells={k: v for k, v in self.outcomes.items() if k not in self.up_to_date},
            system_exit=self.exit_code,
            stopped_by_exit=self.exited,
            parameters=dict(self.options.parameters),
            up_to_date=tuple(
                o.name for k, o in self.outcomes.items() if k in self.up_to_date
            ),
            restored=self.restored,
        )
