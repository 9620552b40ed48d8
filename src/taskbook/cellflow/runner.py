"""Run a notebook's cells as task runs of one flow run, in a shell's namespace.

``NotebookRunner`` is what a kernel (or a headless run) keeps between runs: the
namespace, the fingerprints of the values cells left in it, each cell's last
state and the key of its last success. ``run`` builds the DAG, selects the cells
(``RunOptions``) and runs them as one flow (``notebook_run.NotebookRun``).
"""

from __future__ import annotations

import contextlib
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from taskbook.cellflow.capture import install
from taskbook.cellflow.cell_result import CellResult, rebind
from taskbook.cellflow.cell_task import CellTasks, describe
from taskbook.cellflow.execute import python_source
from taskbook.cellflow.fingerprint import fingerprint
from taskbook.cellflow.keys import KeyParts, NotebookFunctions
from taskbook.cellflow.notebook_run import NotebookRun
from taskbook.cellflow.partial import PartialValues
from taskbook.cellflow.restore import restore_inputs
from taskbook.cellflow.result import NotebookRunResult
from taskbook.core.analysis import BUILTIN_NAMES
from taskbook.core.cells import CellSpec, to_cell_inputs
from taskbook.core.graph import NotebookGraph
from taskbook.core.graph_builder import build_notebook_graph
from taskbook.core.parameter_specs import Param
from taskbook.core.plan import select_cells
from taskbook.core.run_options import RunOptions
from taskbook.core.states import State, StateType
from taskbook.engine.files import FileRecord
from taskbook.errors import HiddenStateError, MissingInputError, NotebookGraphWarning

__all__ = ("NotebookRunner", "OutputListener")

_INTERRUPTED = "The flow run was cancelled by an interrupt."

OutputListener = Callable[[CellSpec, dict[str, Any]], None]
"""Called with each output of a cell as it happens (live routing in a kernel)."""


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
        # cell id -> its cache key when it last completed (for --stale).
        self.last_success: dict[str, str] = {}
        self.last_parts: dict[str, KeyParts] = {}
        # cell id -> the output files of its last success (for --stale).
        self.last_files: dict[str, tuple[FileRecord, ...]] = {}
        self.explanations: dict[str, list[str]] = {}
        self.partial = PartialValues(self.namespace)
        # What an interrupted run got to (its cells' states), until the next run.
        self.interrupted: NotebookRunResult | None = None
        self._count = 0
        self._lock = threading.Lock()
        self._python: dict[str, str] = {}

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
        inputs = to_cell_inputs(specs, self.python)
        graph = build_notebook_graph(inputs, self._ambient_names(strict))
        hidden = [w.message for w in graph.warnings if w.kind == "hidden-state"]
        if strict and hidden:
            raise HiddenStateError.from_messages(hidden)
        for warning in graph.warnings if warn else ():
            warnings.warn(warning.message, NotebookGraphWarning, stacklevel=3)
        for spec in specs if warn else ():
            if spec.problem is not None:  # said before the run; fails when it runs
                warnings.warn(str(spec.problem), NotebookGraphWarning, stacklevel=3)
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
            MissingInputError: A selected cell's input is neither in the
                namespace nor produced by a selected cell, and (without
                ``check_inputs``) its producer's cached result cannot stand in.
            MissingDependencyError: ``runner="dask"`` without ``distributed``.
        """
        from taskbook.api.flows import Flow
        from taskbook.core.options import FlowOptions
        from taskbook.engine.runners import ThreadPoolTaskRunner

        if self.shell is not None:
            install(self.shell)
        # A single cell run checks its own inputs, with a more precise message.
        graph = self.graph(specs, options.strict, warn=not options.check_inputs)
        by_id = {spec.cell.id: spec for spec in specs if spec.kind != "control"}
        selected = self.select(graph, options)
        if options.check_inputs:
            self._check_inputs(graph, selected)
        functions = NotebookFunctions(
            self.python(by_id[n.id].body) for n in graph.nodes
        )
        restored: tuple[str, ...] = ()
        if not options.check_inputs:  # a cell run by hand says what is missing
            keys = CellTasks(self, functions, options)
            restored = restore_inputs(graph, by_id, selected, keys, options.parameters)
        with _cluster(options) as dask:
            tasks = CellTasks(self, functions, options, dask)
            run = NotebookRun(graph, by_id, selected, tasks, restored)
            flow = Flow(
                run.body,
                FlowOptions(
                    name=self.notebook_name,
                    # Cells share the notebook's namespace, so they are scheduled
                    # from threads here; the runner says where their code runs.
                    task_runner=ThreadPoolTaskRunner(max_workers=options.max_workers),
                    timeout_seconds=options.timeout,
                    validate_parameters=False,
                ),
            )
            self.interrupted = None
            try:
                state = flow(**dict(options.parameters), return_state=True)
            except BaseException as stop:  # an interrupt: mark what stopped cells left
                run.mark_unfinished()
                if isinstance(stop, KeyboardInterrupt):
                    self.interrupted = run.result(
                        State(StateType.CANCELLED, message=_INTERRUPTED)
                    )
                raise
        return run.result(state)

    def select(self, graph: NotebookGraph, options: RunOptions) -> tuple[str, ...]:
        """Return the ids of the cells ``options`` selects, in run order.

        Raises:
            UnknownTaskError: ``--only``/``--from``/``--to`` names no cell.
        """
        return select_cells(
            graph,
            only=options.only,
            from_=options.from_,
            to=options.to,
            failed=options.failed,
            previous=self.last_states,
        )

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
                raise MissingInputError.from_name(describe(node), name, producer)

    def restore(self, result: CellResult, key: str | None) -> None:
        """Put a cached cell's values back into the namespace."""
        for name, value in result.values.items():
            self.namespace[name] = rebind(value, self.namespace)
        self.mark_known(result, key)

    def mark_known(self, result: CellResult, key: str | None) -> None:
        """Remember the fingerprints of the values a good run left in the namespace.

        Content fingerprints taken when the cell ran (so a rerun that produces the
        same data does not invalidate its readers); the producer's key otherwise.
        """
        self.partial.clear(result.values)
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

    def python(self, body: str) -> str:
        """Return a cell body as plain Python (IPython's transforms, remembered).

        A run reads each cell's Python four times (graph, helpers, key, code);
        IPython's tokenizing transforms cost about 0.5 ms a cell each time.
        """
        python = self._python.get(body)
        if python is None:
            if len(self._python) > 4096:  # cells edited many times: start over
                self._python.clear()
            python = self._python[body] = python_source(self.shell, body)
        return python

    def holds(self, names: Iterable[str]) -> bool:
        """Whether each of ``names`` still holds the value a cell left there."""
        namespace, known = self.namespace, self._known
        return all(
            name in namespace
            and name in known
            and known[name][0] == id(namespace[name])
            for name in names
        )

    def forget(self, names: Sequence[str]) -> None:
        """Drop the producer keys of names a cell has rebound or mutated."""
        for name in names:
            self._known.pop(name, None)

    def next_count(self) -> int:
        """Return the next execution count of this runner (1, 2, ...)."""
        with self._lock:
            self._count += 1
            return self._count


@contextlib.contextmanager
def _cluster(options: RunOptions) -> Iterator[Any]:
    """The Dask cluster of a ``--runner dask`` run, for its duration; else None."""
    if options.runner != "dask":
        yield None
        return
    from taskbook.cellflow.dask_cells import DaskCells

    with DaskCells(options.address, options.max_workers) as dask:
        yield dask
