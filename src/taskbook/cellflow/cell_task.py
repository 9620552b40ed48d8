"""One cell as a task: its cache key, and its code run where the run says.

``CellTasks`` builds the ``Task`` of each cell of one run: a cache key function
over the cell's key parts (source, helpers, input fingerprints, options) and a
function that executes the cell in the notebook's namespace, in a child process
(``--isolate process``, ``--runner processes``) or on a Dask worker
(``--runner dask``), and returns the ``CellResult`` the engine caches.
"""

from __future__ import annotations

import copy
import hashlib
import os
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from taskbook.cellflow.capture import OutputCapture, capturing
from taskbook.cellflow.cell_result import CellResult, rebind
from taskbook.cellflow.execute import (
    CellCode,
    execute,
    format_error,
    shows_every_frame,
)
from taskbook.cellflow.fingerprint import fingerprint
from taskbook.cellflow.keys import KeyParts, NotebookFunctions, normalize_source
from taskbook.cellflow.outputs import declared_files, found_files
from taskbook.cellflow.partial import Mark
from taskbook.cellflow.remote import FILENAME_PREFIX, CellJob
from taskbook.core.cells import CellSpec
from taskbook.core.graph import Node
from taskbook.core.options import TaskOptions
from taskbook.engine.context import task_run_ctx
from taskbook.engine.effects import Recorder, declare, recording
from taskbook.engine.files import file_clock
from taskbook.errors import (
    CellExitError,
    MissingOutputFileError,
    UnpicklableOutputError,
)

if TYPE_CHECKING:
    from taskbook.api.tasks import Task
    from taskbook.cellflow.dask_cells import DaskCells
    from taskbook.cellflow.runner import NotebookRunner
    from taskbook.core.run_options import RunOptions

__all__ = ("CellTasks", "describe")

_FILENAME = FILENAME_PREFIX + "{number}>"  # the cell as JupyterLab counts, from 1


def describe(node: Node) -> str:
    """Return how messages name a cell: ``Task 'load' (cell 4)``."""
    kind = "Task" if node.kind == "task" else "Cell"
    return f"{kind} {node.name!r} (cell {node.cell_index + 1})"


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


class CellTasks:
    """Builds and runs the tasks of one notebook run; remembers their keys.

    Attributes:
        parts: Cell id -> the key parts computed for this run.
        keys: Cell id -> the cache key (None when an input has no fingerprint).
        started: Cell id -> when its task run first entered Running (the run
            store's ``start_time``, so a status line times it as history does).
        attempts: Cell id -> attempts made.
        captured: Cell id -> the outputs of its last attempt.
        partial_inputs: Cell id -> its inputs that a failed or cancelled run
            left (``partial.Mark``); such a cell is not cached.
        before: Cell id -> ``id()`` of the values its names held before it ran
            here (to tell what a failed run changed).
    """

    def __init__(
        self,
        runner: NotebookRunner,
        functions: NotebookFunctions,
        options: RunOptions,
        dask: DaskCells | None = None,
    ) -> None:
        self.runner = runner
        self.functions = functions
        self.options = options
        self.dask = dask
        self.parts: dict[str, KeyParts] = {}
        self.keys: dict[str, str | None] = {}
        self.started: dict[str, float] = {}
        self.attempts: dict[str, int] = {}
        self.captured: dict[str, OutputCapture] = {}
        self.partial_inputs: dict[str, dict[str, Mark]] = {}
        self.before: dict[str, dict[str, int]] = {}

    # -- the key ----------------------------------------------------------------------

    def key_parts(
        self, spec: CellSpec, node: Node, overrides: Mapping[str, Any]
    ) -> KeyParts:
        """Compute (and remember) the key parts of a cell whose inputs are ready."""
        runner = self.runner
        inputs = {name: runner.input_fingerprint(name) for name in sorted(node.reads)}
        inputs.update({f"param:{k}": fingerprint(v) for k, v in overrides.items()})
        parts = KeyParts(
            source=_digest(normalize_source(self.source(spec))),
            helpers=self.functions.used_by(node.reads | node.analysis.calls),
            inputs=inputs,
            # Relative paths in a cell mean another file in another directory.
            options=f"isolate={spec.header.isolate};cwd={os.getcwd()}",
        )
        self.parts[node.id] = parts
        marks = runner.partial.marks(node.reads)
        self.partial_inputs[node.id] = marks
        # A result computed from what a failed run left must not pass for a good one.
        self.keys[node.id] = parts.key() if parts.cacheable and not marks else None
        return parts

    def source(self, spec: CellSpec) -> str:
        """Return the cell's code as plain Python."""
        return self.runner.python(spec.body)

    # -- the task -----------------------------------------------------------------------

    def task(
        self, spec: CellSpec, node: Node, parameters: Mapping[str, Any]
    ) -> Task[[], CellResult]:
        """Return the task that runs ``spec`` once its parents are done."""
        from taskbook.api.tasks import Task

        source = self.source(spec)
        cache_on = spec.header.cache
        overrides = dict(parameters) if spec.kind == "params" else {}

        def cache_key(_context: Any, _parameters: Any) -> str | None:
            if node.id not in self.parts:  # --stale computed it already
                self.key_parts(spec, node, overrides)
            return self.keys[node.id] if cache_on else None

        def run_cell() -> CellResult:
            current = task_run_ctx.get()
            start = current.task_run.start_time if current is not None else None
            self.started[node.id] = time.time() if start is None else start
            self.attempts[node.id] = self.attempts.get(node.id, 0) + 1
            return self._execute(spec, node, source, overrides)

        # Warnings and logs that name the function should name the cell.
        run_cell.__name__ = run_cell.__qualname__ = spec.name
        base = spec.options if spec.kind == "task" else TaskOptions(name=spec.name)
        options = base.merge(
            cache_key_fn=cache_key,
            refresh_cache=True if self.options.force else base.refresh_cache,
        )
        # One closure runs every cell: each task says which cell it is.
        return Task(
            run_cell, options, source=source, task_key=f"{spec.name}-{node.id[:8]}"
        )

    # -- running the code ---------------------------------------------------------------

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
        filename = _FILENAME.format(number=spec.cell.index + 1)
        exit_code: int | str | None = None
        exited = False
        # Files matter only to a result that is stored (the engine is recording).
        since = file_clock() if recording() else None
        with capturing(capture), Recorder() as seen:
            try:
                if spec.problem is not None:  # a bad %%task line fails its cell
                    raise copy.copy(spec.problem)
                run_here = self._remote(spec)
                if run_here is None:
                    namespace = runner.namespace
                    self.before.setdefault(
                        node.id,
                        {n: id(namespace[n]) for n in node.defines if n in namespace},
                    )
                    formatter = getattr(runner.shell, "display_formatter", None)
                    execute(
                        CellCode(source, filename), runner.namespace, capture, formatter
                    )
                else:
                    job = CellJob.here(
                        source,
                        filename,
                        {
                            n: runner.namespace[n]
                            for n in node.reads
                            if n in runner.namespace
                        },
                        sorted(node.defines),
                        describe(node),
                    )
                    values, outputs = run_here(job)
                    for output in outputs:
                        capture.replay(output)
                    runner.namespace.update(
                        {k: rebind(v, runner.namespace) for k, v in values.items()}
                    )
                runner.namespace.update(overrides)
                declare(declared_files(spec.header.files, describe(node)))
                if since is not None:
                    declare(self._unseen_outputs(node, source, seen.dirs, since))
            except SystemExit as stop:
                exited, exit_code = True, stop.code
                if stop.code not in (None, 0):
                    capture.error(
                        "SystemExit", str(stop.code), [f"SystemExit: {stop.code}"]
                    )
                    raise CellExitError.from_code(describe(node), stop.code) from None
            except (UnpicklableOutputError, MissingOutputFileError) as error:
                capture.error(type(error).__name__, str(error), [str(error)])
                raise
            except Exception as error:
                full = shows_every_frame(runner.shell)
                capture.error(*format_error(error, FILENAME_PREFIX, full=full))
                raise
        runner.forget(sorted(node.defines))
        values = {n: runner.namespace[n] for n in node.defines if n in runner.namespace}
        fingerprints = {name: fingerprint(value) for name, value in values.items()}
        return CellResult(
            values, list(capture.outputs), exit_code, exited, fingerprints
        )

    def _unseen_outputs(
        self, node: Node, source: str, dirs: set[str], since: int
    ) -> set[str]:
        """Files the cell wrote without an audit event (``outputs.found_files``)."""
        namespace = self.runner.namespace
        values = [
            namespace[n] for n in sorted(node.reads | node.defines) if n in namespace
        ]
        return found_files(source, values, dirs, since)

    def _remote(
        self, spec: CellSpec
    ) -> Callable[[CellJob], tuple[dict[str, Any], list[dict[str, Any]]]] | None:
        """Where the cell's code runs: None for this namespace, else a transport."""
        if spec.header.isolate == "process" or self.options.runner == "processes":
            # An explicit --isolate process keeps its hard kill under any runner.
            from taskbook.cellflow.isolate import run_isolated

            return run_isolated
        if self.dask is not None:
            return self.dask.run
        return None

    def _live(
        self, spec: CellSpec
    ) -> Callable[[OutputCapture, dict[str, Any]], None] | None:
        listener = self.runner.listener
        if listener is None:
            return None
        return lambda _capture, output: listener(spec, output)
