"""Run a notebook's cells as task runs of one flow run, in a shell's namespace.

- Each DAG cell becomes a task run (name, options and cache from its ``%%task`` line);
  a cell starts when the cells it depends on are final, so independent cells run in
  parallel on the flow's task runner.
- Every cell is cached by default (DESIGN §4); a hit restores its outputs into the
  namespace and replays what it printed and displayed.
- A failed cell leaves its dependents NotReady; ``SystemExit`` stops the run where
  it is (code 0 or None is success, as in papermill).
"""

from __future__ import annotations

import os
import queue
import threading
import time
import types
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from taskbook.cellflow.capture import OutputCapture, capturing, install
from taskbook.cellflow.execute import CellCode, execute, format_error, python_source
from taskbook.cellflow.fingerprint import fingerprint
from taskbook.cellflow.keys import (
    KeyParts,
    NotebookFunctions,
    explain_miss,
    normalize_source,
)
from taskbook.cellflow.result import CellOutcome, NotebookRunResult
from taskbook.core.analysis import BUILTIN_NAMES
from taskbook.core.cells import CellSpec, to_cell_inputs
from taskbook.core.graph import Node, NotebookGraph
from taskbook.core.graph_builder import build_notebook_graph
from taskbook.core.params import Param
from taskbook.core.plan import select_cells
from taskbook.core.states import State
from taskbook.errors import (
    HiddenStateError,
    MissingInputError,
    NotebookGraphWarning,
    UnpicklableOutputError,
)

__all__ = (
    "CellResult",
    "NotebookRunner",
    "OutputListener",
    "RunOptions",
    "explanation",
)

OutputListener = Callable[[CellSpec, dict[str, Any]], None]
"""Called with each output of a cell as it happens (live routing in a kernel)."""

_FILENAME = "<taskbook-cell-{index}>"
_FILENAME_PREFIX = "<taskbook-cell-"


class CellExit(Exception):
    """A cell raised ``SystemExit`` with a failure code; the run stops here."""


@dataclass(slots=True)
class CellResult:
    """What a cell run leaves behind: the values it defines and its outputs.

    This is the value the engine caches. ``values`` holds every name the cell
    defines; functions are rebound to the namespace when restored.
    """

    values: dict[str, Any]
    outputs: list[dict[str, Any]]
    exit_code: int | str | None = None
    exited: bool = False
    fingerprints: dict[str, str | None] = field(default_factory=dict)

    def __reduce__(self) -> Any:
        import cloudpickle

        for name, value in self.values.items():
            try:
                cloudpickle.dumps(value)
            except Exception as error:
                # The engine turns this into a warning naming the task; name the
                # variable and the way out here.
                raise TypeError(
                    f"output {name!r} ({type(value).__name__}) cannot be pickled: "
                    f"{error}. Delete it at the end of the cell (del {name}) or "
                    f"mark the cell `%%task --no-cache`"
                ) from None
        return (
            CellResult,
            (
                self.values,
                self.outputs,
                self.exit_code,
                self.exited,
                self.fingerprints,
            ),
        )


@dataclass(slots=True)
class RunOptions:
    """How one run goes: selection, cache use and the task runner."""

    parameters: Mapping[str, Any] = field(default_factory=dict)
    only: Sequence[str] = ()
    from_: Sequence[str] = ()
    to: Sequence[str] = ()
    failed: bool = False
    force: bool = False
    runner: str = "threads"
    max_workers: int | None = None
    timeout: float | None = None
    strict: bool = False
    check_inputs: bool = False


class NotebookRunner:
    """Runs DAG cells in one namespace; remembers what each value's fingerprint is."""

    def __init__(
        self,
        shell: Any,
        notebook_name: str,
        *,
        listener: OutputListener | None = None,
    ) -> None:
        self.shell = shell
        self.namespace: dict[str, Any] = shell.user_ns if shell is not None else {}
        # Parameters cells may use Param(...) without importing it (DESIGN §3).
        self.namespace.setdefault("Param", Param)
        self.notebook_name = notebook_name
        self.listener = listener
        # name -> (id of the value, fingerprint): values produced or restored by a
        # cell are known by their producer's key, so nothing is re-hashed.
        self._known: dict[str, tuple[int, str]] = {}
        self.last_states: dict[str, str] = {}
        self.last_parts: dict[str, KeyParts] = {}
        self.explanations: dict[str, list[str]] = {}
        self._count = 0
        self._lock = threading.Lock()

    # -- the DAG -------------------------------------------------------------------

    def graph(
        self, specs: Sequence[CellSpec], strict: bool = False, warn: bool = True
    ) -> NotebookGraph:
        """Build the DAG of ``specs``; report (or, if ``strict``, raise) hidden state.

        Raises:
            HiddenStateError: ``strict`` and a cell reads a name nobody defines.
            DependencyCycleError: ``--after``/``--needs`` close a cycle.
            DuplicateTaskNameError: Two task cells share a name.
        """
        inputs = to_cell_inputs(specs, lambda body: python_source(self.shell, body))
        graph = build_notebook_graph(inputs, self._ambient_names(strict))
        hidden = [w.message for w in graph.warnings if w.kind == "hidden-state"]
        if strict and hidden:
            raise HiddenStateError.from_messages(hidden)
        for warning in graph.warnings if warn else ():
            warnings.warn(warning.message, NotebookGraphWarning, stacklevel=3)
        return graph

    def _ambient_names(self, strict: bool) -> frozenset[str]:
        import builtins

        names = set(dir(builtins)) | BUILTIN_NAMES | {"get_ipython", "display", "Param"}
        if self.shell is not None:
            names |= set(self.shell.user_ns_hidden)
        if not strict:
            # Interactively, what the user defined by hand is there: not hidden state.
            names |= set(self.namespace)
        return frozenset(names)

    # -- a run -----------------------------------------------------------------------

    def run(self, specs: Sequence[CellSpec], options: RunOptions) -> NotebookRunResult:
        """Run the selected cells of ``specs`` as one flow run.

        Raises:
            HiddenStateError, DependencyCycleError, DuplicateTaskNameError,
            UnknownTaskError: The DAG or the selection is bad (nothing has run).
            MissingInputError: ``check_inputs`` and a selected cell's input is
                neither in the namespace nor produced by a selected cell.
        """
        from taskbook.api.flows import Flow
        from taskbook.core.options import FlowOptions

        if self.shell is not None:
            install(self.shell)
        # A single cell run checks its own inputs, with a more precise message.
        graph = self.graph(specs, options.strict, warn=not options.check_inputs)
        by_id = {spec.cell.id: spec for spec in specs if spec.kind != "control"}
        selected = select_cells(
            graph,
            only=options.only,
            from_=options.from_,
            to=options.to,
            failed=options.failed,
            previous=self.last_states,
        )
        if options.check_inputs:
            self._check_inputs(graph, selected)
        functions = NotebookFunctions(
            python_source(self.shell, by_id[n.id].body) for n in graph.nodes
        )
        run = _Run(self, graph, by_id, selected, functions, options)
        body = run.body
        flow = Flow(
            body,
            FlowOptions(
                name=self.notebook_name,
                task_runner=_task_runner(options.runner, options.max_workers),
                timeout_seconds=options.timeout,
                validate_parameters=False,
            ),
        )
        state = flow(**dict(options.parameters), return_state=True)
        return run.result(state)

    def _check_inputs(self, graph: NotebookGraph, selected: Sequence[str]) -> None:
        chosen = set(selected)
        ambient = self._ambient_names(strict=True)
        for node_id in selected:
            node = graph.node(node_id)
            produced_inside = {
                name
                for edge in graph.edges
                if edge.to_id == node_id and edge.from_id in chosen
                for name in edge.names
            }
            for name in sorted(node.reads - produced_inside):
                if name in self.namespace or name in ambient:
                    continue
                producer = next(
                    (
                        graph.node(e.from_id).name
                        for e in graph.edges
                        if e.to_id == node_id and name in e.names
                    ),
                    None,
                )
                raise MissingInputError.from_name(_describe(node), name, producer)

    def restore(self, result: CellResult, key: str | None) -> None:
        """Put a cached cell's values back into the namespace."""
        for name, value in result.values.items():
            self.namespace[name] = _rebind(value, self.namespace)
        self.mark_known(result, key)

    def mark_known(self, result: CellResult, key: str | None) -> None:
        """Remember the fingerprints of the values a cell left in the namespace.

        Content fingerprints taken when the cell ran (so a rerun that produces the
        same data does not invalidate its readers); the producer's key otherwise.
        """
        for name in result.values:
            if name not in self.namespace:
                continue
            fp = result.fingerprints.get(name)
            if fp is None and key is not None:
                fp = f"{key}:{name}"
            if fp is None:
                self._known.pop(name, None)
            else:
                self._known[name] = (id(self.namespace[name]), fp)

    def input_fingerprint(self, name: str) -> str | None:
        """Return the fingerprint of the namespace value ``name``."""
        if name not in self.namespace:
            return "absent"
        value = self.namespace[name]
        known = self._known.get(name)
        if known is not None and known[0] == id(value):
            return known[1]
        return fingerprint(value)

    def forget(self, names: Sequence[str]) -> None:
        """Drop the producer keys of names a cell has rebound or mutated."""
        for name in names:
            self._known.pop(name, None)

    def next_count(self) -> int:
        """Return the next execution count of this runner (1, 2, ...)."""
        with self._lock:
            self._count += 1
            return self._count


class _Run:
    """One flow run over the selected cells: builds tasks, schedules, collects."""

    def __init__(
        self,
        runner: NotebookRunner,
        graph: NotebookGraph,
        specs: Mapping[str, CellSpec],
        selected: Sequence[str],
        functions: NotebookFunctions,
        options: RunOptions,
    ) -> None:
        self.runner = runner
        self.graph = graph
        self.specs = specs
        self.selected = selected
        self.functions = functions
        self.options = options
        self.outcomes = {
            n.id: CellOutcome(n.id, n.name, n.kind)
            for n in graph.nodes
            if n.id in selected
        }
        self.parts: dict[str, KeyParts] = {}
        self.keys: dict[str, str | None] = {}
        self.stop = threading.Event()
        self.exit_code: int | str | None = None
        self.exited = False
        self.started: dict[str, float] = {}
        self.captured: dict[str, OutputCapture] = {}
        self.flow_run_id = ""
        self.futures: dict[str, Any] = {}

    # -- the flow body: schedule cells as their parents finish ----------------------

    def body(self, **parameters: Any) -> list[State]:
        from taskbook import runtime

        self.flow_run_id = str(runtime.flow_run.id)
        done: queue.SimpleQueue[str] = queue.SimpleQueue()
        futures = self.futures
        chosen = set(self.selected)
        waiting = list(self.selected)
        finished: set[str] = set()
        while waiting or len(finished) < len(futures):
            for node_id in list(waiting):
                if self.stop.is_set():
                    break
                parents = [p for p in self.graph.parents(node_id) if p in chosen]
                if all(p in finished for p in parents):
                    waiting.remove(node_id)
                    task = self._task(node_id, parameters)
                    future = task.submit(wait_for=[futures[p] for p in parents])
                    futures[node_id] = future
                    future.add_done_callback(lambda _f, n=node_id: done.put(n))
            if self.stop.is_set():
                waiting.clear()
            if len(finished) == len(futures):
                break
            node_id = done.get()
            finished.add(node_id)
            self._collect(node_id, futures[node_id].state)
        return [futures[n].state for n in self.selected if n in futures]

    def _collect(self, node_id: str, state: State) -> None:
        outcome = self.outcomes[node_id]
        outcome.state_type = state.type.value
        outcome.state_name = state.name
        outcome.message = state.message
        outcome.cache_key = self.keys.get(node_id)
        if node_id in self.started:
            outcome.duration = state.ts - self.started[node_id]
        spec = self.specs[node_id]
        if state.is_completed():
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
        elif node_id in self.captured:
            outcome.outputs = list(self.captured[node_id].outputs)
        if isinstance(_exception(state), CellExit):
            self._exit(_exception(state).args[0])  # type: ignore[union-attr]
        if state.is_final() and state.name != "NotReady":
            outcome.execution_count = self.runner.next_count()
        self.runner.last_states[node_id] = outcome.state_type

    def _exit(self, code: int | str | None) -> None:
        self.exited = True
        self.exit_code = code
        self.stop.set()

    def _replay(self, spec: CellSpec, outputs: list[dict[str, Any]]) -> None:
        listener = self.runner.listener
        if listener is not None:
            for output in outputs:
                listener(spec, output)

    # -- one cell as a task ---------------------------------------------------------

    def _task(self, node_id: str, parameters: Mapping[str, Any]) -> Any:
        from taskbook.api.tasks import Task
        from taskbook.core.options import TaskOptions

        spec = self.specs[node_id]
        node = self.graph.node(node_id)
        source = python_source(self.runner.shell, spec.body)
        cache_on = spec.header.cache
        overrides = (
            {k: v for k, v in parameters.items()} if spec.kind == "params" else {}
        )

        def cache_key(_context: Any, _parameters: Any) -> str | None:
            parts = self._parts(node, source, overrides)
            self.parts[node_id] = parts
            key = parts.key() if parts.cacheable else None
            self.keys[node_id] = key
            return key if cache_on else None

        def run_cell() -> CellResult:
            self.started[node_id] = time.time()
            self.outcomes[node_id].attempts += 1
            return self._execute(spec, node, source, overrides)

        # Warnings and logs that name the function should name the cell.
        run_cell.__name__ = run_cell.__qualname__ = spec.name

        base = spec.options if spec.kind == "task" else TaskOptions(name=spec.name)
        task: Task[Any, Any] = Task(
            run_cell,
            base.merge(
                cache_key_fn=cache_key,
                refresh_cache=True if self.options.force else base.refresh_cache,
            ),
        )
        # One shared closure runs every cell: give each its own identity.
        task.__dict__["source"] = source
        task.__dict__["task_key"] = f"{spec.name}-{node_id[:8]}"
        return task

    def _parts(self, node: Node, source: str, overrides: Mapping[str, Any]) -> KeyParts:
        runner = self.runner
        inputs = {name: runner.input_fingerprint(name) for name in sorted(node.reads)}
        inputs.update({f"param:{k}": fingerprint(v) for k, v in overrides.items()})
        spec = self.specs[node.id]
        return KeyParts(
            source=_digest(normalize_source(source)),
            helpers=self.functions.used_by(node.reads | node.analysis.calls),
            inputs=inputs,
            # Relative paths in a cell mean another file in another directory.
            options=f"isolate={spec.header.isolate};cwd={os.getcwd()}",
        )

    def _execute(
        self,
        spec: CellSpec,
        node: Node,
        source: str,
        overrides: Mapping[str, Any],
    ) -> CellResult:
        runner = self.runner
        capture = OutputCapture(self._live(spec))
        capture.clear()
        # Kept so that a failed cell's outcome still shows what it printed.
        self.captured[node.id] = capture
        filename = _FILENAME.format(index=spec.cell.index)
        exit_code: int | str | None = None
        exited = False
        with capturing(capture):
            try:
                if (
                    spec.header.isolate == "process"
                    or self.options.runner == "processes"
                ):
                    from taskbook.cellflow.isolate import run_isolated

                    values, outputs = run_isolated(
                        source,
                        filename,
                        {
                            n: runner.namespace[n]
                            for n in node.reads
                            if n in runner.namespace
                        },
                        sorted(node.defines),
                        _describe(node),
                    )
                    for output in outputs:
                        capture.outputs.append(output)
                        capture._emit(output)
                    runner.namespace.update(
                        {k: _rebind(v, runner.namespace) for k, v in values.items()}
                    )
                else:
                    code = CellCode(source, filename)
                    formatter = getattr(runner.shell, "display_formatter", None)
                    execute(code, runner.namespace, capture, formatter)
                runner.namespace.update(overrides)
            except SystemExit as stop:
                exited, exit_code = True, stop.code
                if stop.code not in (None, 0):
                    capture.error(
                        "SystemExit", str(stop.code), [f"SystemExit: {stop.code}"]
                    )
                    raise CellExit(stop.code) from None
            except UnpicklableOutputError as error:
                capture.error(type(error).__name__, str(error), [str(error)])
                raise
            except Exception as error:
                capture.error(*format_error(error, _FILENAME_PREFIX))
                raise
        runner.forget(sorted(node.defines))
        values = {n: runner.namespace[n] for n in node.defines if n in runner.namespace}
        fingerprints = {name: fingerprint(value) for name, value in values.items()}
        return CellResult(
            values, list(capture.outputs), exit_code, exited, fingerprints
        )

    def _live(
        self, spec: CellSpec
    ) -> Callable[[OutputCapture, dict[str, Any]], None] | None:
        listener = self.runner.listener
        if listener is None:
            return None
        return lambda _capture, output: listener(spec, output)

    # -- the result -----------------------------------------------------------------

    def result(self, state: State) -> NotebookRunResult:
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
                    if node_id in self.captured:
                        outcome.outputs = list(self.captured[node_id].outputs)
        self.runner.last_parts.update(self.parts)
        self._remember_keys()
        return NotebookRunResult(
            flow_run_id=self.flow_run_id or state.owner or "",
            state=state,
            cells=dict(self.outcomes),
            system_exit=self.exit_code,
            stopped_by_exit=self.exited,
            parameters=dict(self.options.parameters),
        )

    def _remember_keys(self) -> None:
        """Store each cell's key parts; explain the misses against the stored ones."""
        import cloudpickle

        from taskbook.engine.session import get_session

        cache = get_session().cache
        now = time.time()
        for node_id, parts in self.parts.items():
            outcome = self.outcomes[node_id]
            slot = f"taskbook-why:{self.runner.notebook_name}:{outcome.name}"
            hit, stored, _ = cache.get(slot, now)
            previous = KeyParts.from_dict(stored["parts"]) if hit else None
            if outcome.state_name == "Cached":
                reasons = ["it was a cache hit: nothing in its key changed."]
            elif not self.specs[node_id].header.cache:
                reasons = ["caching is off for it (--no-cache)."]
            elif self.options.force:
                reasons = ["the run was forced (--force)."]
            else:
                reasons = explain_miss(previous, parts)
            self.runner.explanations[outcome.name] = reasons
            record = {
                "parts": parts.to_dict(),
                "reasons": reasons,
                "state": outcome.state_name,
            }
            cache.put(slot, cloudpickle.dumps(record), None)


def explanation(notebook_name: str, task: str) -> list[str] | None:
    """Return why ``task`` of the notebook ran (or hit) in its last run, if known."""
    from taskbook.engine.session import get_session

    hit, stored, _ = get_session().cache.get(
        f"taskbook-why:{notebook_name}:{task}", time.time()
    )
    return list(stored["reasons"]) if hit else None


def _describe(node: Node) -> str:
    kind = "Task" if node.kind == "task" else "Cell"
    return f"{kind} {node.name!r} (cell {node.cell_index + 1})"


def _digest(text: str) -> str:
    import hashlib

    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def _exception(state: State) -> BaseException | None:
    data = state.data
    return data if isinstance(data, BaseException) else None


def _rebind(value: Any, namespace: dict[str, Any]) -> Any:
    """Make a function restored from the cache see the live namespace again.

    cloudpickle gives functions it pickles by value a private globals dict; a
    function defined in a cell must read the notebook's globals, as before.
    """
    if isinstance(value, types.FunctionType) and value.__globals__ is not namespace:
        if value.__module__ not in (
            "__main__",
            None,
        ) and not value.__module__.startswith("__"):
            return value
        fresh = types.FunctionType(
            value.__code__,
            namespace,
            value.__name__,
            value.__defaults__,
            value.__closure__,
        )
        fresh.__kwdefaults__ = value.__kwdefaults__
        fresh.__dict__.update(value.__dict__)
        fresh.__qualname__ = value.__qualname__
        fresh.__annotations__ = value.__annotations__
        fresh.__doc__ = value.__doc__
        fresh.__module__ = value.__module__
        return fresh
    return value


def _task_runner(kind: str, max_workers: int | None) -> Any:
    from taskbook.engine.runners import ThreadPoolTaskRunner

    if kind in ("threads", "processes"):
        # Cells share the notebook's namespace, so they are scheduled from threads;
        # "processes" runs each cell's code in its own process (--isolate process).
        return ThreadPoolTaskRunner(max_workers=max_workers)
    from taskbook.errors import InvalidOptionError

    raise InvalidOptionError.from_value(
        "--runner",
        kind,
        "'threads' or 'processes' for notebook cells (a Dask cluster cannot share "
        "the notebook's namespace; use DaskTaskRunner in a @flow instead)",
        "%flow run",
    )
