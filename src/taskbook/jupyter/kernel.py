"""The kernel side of taskbook: one per shell; runs cells and routes their output.

Holds the notebook runner (namespace, fingerprints), the cells executed in this
kernel, the per-cell displays, and at most one run at a time (foreground or
``--background``). The magics are thin wrappers over the methods here.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from taskbook.cellflow.capture import OutputCapture, capturing
from taskbook.cellflow.result import CellOutcome, NotebookRunResult
from taskbook.cellflow.runner import NotebookRunner, RunOptions
from taskbook.core.cells import CellSpec, SourceCell, classify, classify_all
from taskbook.errors import ConfigurationError
from taskbook.jupyter import render
from taskbook.jupyter.output import CellDisplays, KernelOutput, bundle
from taskbook.jupyter.sources import ExecutedCells, NotebookSource, cell_id_for

__all__ = ("KernelSide", "RunInProgressError")


class RunInProgressError(ConfigurationError):
    """A run was started while another one is still running."""

    @classmethod
    def from_run(cls, what: str) -> RunInProgressError:
        return cls(
            f"A run is already in progress ({what}). Wait for it to finish, or "
            f"interrupt the kernel to cancel it."
        )


@dataclass(slots=True)
class _Route:
    """Where one run's outputs go."""

    home: KernelOutput
    current_cell: str | None
    announced: set[str]


class KernelSide:
    """Everything taskbook keeps in one kernel."""

    def __init__(self, shell: Any) -> None:
        self.shell = shell
        self.kernel = getattr(shell, "kernel", None)
        self.executed = ExecutedCells()
        self.displays = CellDisplays()
        self.runner = NotebookRunner(
            shell, self._notebook_name(), listener=self._on_output
        )
        self._route: _Route | None = None
        self._busy = threading.Lock()
        self._busy_with = ""
        self.background: threading.Thread | None = None
        self.last_result: NotebookRunResult | None = None
        self.last_source: NotebookSource | None = None

    def _notebook_name(self) -> str:
        from taskbook.jupyter.sources import notebook_path

        path = notebook_path(self.shell.user_ns)
        if path is None:
            return "notebook"
        return os.path.splitext(os.path.basename(path))[0]

    # -- output routing ---------------------------------------------------------------

    def _parent(self) -> dict[str, Any]:
        if self.kernel is None:
            return {}
        return dict(self.kernel.get_parent() or {})

    def _on_output(self, spec: CellSpec, output: dict[str, Any]) -> None:
        route = self._route
        if route is None:
            return
        cell_id = spec.cell.id
        if output["output_type"] == "clear_output":
            if self.displays.has(cell_id) and route.home.kernel is not None:
                self.displays.reset(cell_id)  # a retry starts: drop the failed attempt
                route.home.display(
                    bundle([]), CellDisplays.display_id(cell_id), update=True
                )
            return
        if route.home.kernel is None:
            route.home.output(output)  # a terminal: print as it comes, no displays
            return
        if cell_id == route.current_cell or self.displays.has(cell_id):
            data = self.displays.add(cell_id, output)
            route.home.display(data, CellDisplays.display_id(cell_id), update=True)
            return
        if cell_id not in route.announced:
            route.announced.add(cell_id)
            route.home.output(
                {
                    "output_type": "stream",
                    "name": "stdout",
                    "text": f"── {spec.name} (cell {spec.cell.index + 1}) ──\n",
                }
            )
        route.home.output(output)

    def _show_cell_displays(self, home: KernelOutput, cell_id: str, name: str) -> None:
        """Give the executing cell its status and output displays (updated later)."""
        self.displays.register(cell_id)
        self.displays.reset(cell_id)
        home.display(render.running_line(name), _status_id(cell_id))
        home.display(bundle([]), CellDisplays.display_id(cell_id))

    def _update_status(self, home: KernelOutput, outcome: CellOutcome) -> None:
        if self.displays.has(outcome.cell_id):
            home.display(
                render.status_line(outcome), _status_id(outcome.cell_id), update=True
            )

    # -- running ------------------------------------------------------------------------

    def _claim(self, what: str) -> None:
        if not self._busy.acquire(blocking=False):
            raise RunInProgressError.from_run(self._busy_with)
        self._busy_with = what

    def run_cell(self, kind: str, line: str, body: str) -> NotebookRunResult:
        """Run the executing ``%%task``/``%%params`` cell through the engine.

        Raises:
            MissingInputError: An input is not in the namespace; says which task
                produces it and how to run it.
        """
        magic = "%%task" if kind == "task" else "%%params"
        text = f"{magic} {line}".rstrip() + "\n" + body
        parent = self._parent()
        spec = classify(SourceCell("", 0, text))  # validates the flags first
        cell_id = cell_id_for(parent, text, spec.name if spec.header.name else None)
        source = self.executed.current(self.shell.user_ns)
        cells = self.executed.with_current(source, cell_id, text)
        specs = classify_all(cells)
        self._claim(f"cell {spec.name!r}")
        try:
            home = KernelOutput(self.kernel, parent, self.shell)
            self._route = _Route(home, cell_id, set())
            self._show_cell_displays(home, cell_id, spec.name)
            result = self.runner.run(
                specs, RunOptions(only=(cell_id,), check_inputs=True)
            )
        finally:
            self._route = None
            self._release()
        self.executed.record(cell_id, text)
        self.last_result = result
        for outcome in result.cells.values():
            self._update_status(home, outcome)
        return result

    def record_plain_cell(self, parent: dict[str, Any], source: str) -> None:
        """Remember a plain cell the user ran (for notebooks with no saved file)."""
        if source.strip():
            self.executed.record(cell_id_for(parent, source), source)

    def run_flow(
        self, options: RunOptions, background: bool
    ) -> NotebookRunResult | None:
        """Run the whole notebook (``%flow run``); in a thread with ``background``."""
        source = self.executed.current(self.shell.user_ns)
        specs = classify_all(source.cells)
        self.runner.graph(specs)  # a bad DAG is reported before anything starts
        parent = self._parent()
        home = KernelOutput(self.kernel, parent, self.shell)
        self._claim("%flow run")
        self.last_source = source
        home.output(
            {
                "output_type": "stream",
                "name": "stdout",
                "text": f"Running the notebook's cells from {source.description}.\n",
            }
        )
        if not background:
            try:
                return self._run_flow(home, specs, options, source)
            finally:
                self._release()

        summary_id = f"taskbook-run-{time.time_ns()}"
        home.display({"text/plain": "Running in the background…"}, summary_id)

        def work() -> None:
            # The flow's own log lines (and anything else this thread prints) belong
            # to the cell that started the run, not to whichever cell runs now.
            capture = OutputCapture(lambda _capture, output: home.output(output))
            try:
                with capturing(capture):
                    self._run_flow(home, specs, options, source, summary_id)
            except BaseException as error:  # report in the cell; the thread ends here
                home.display(
                    {"text/plain": f"Background run failed: {error!r}"},
                    summary_id,
                    update=True,
                )
            finally:
                self._release()

        self.background = threading.Thread(
            target=work, name="taskbook-flow-run", daemon=True
        )
        self.background.start()
        return None

    def _run_flow(
        self,
        home: KernelOutput,
        specs: Sequence[CellSpec],
        options: RunOptions,
        source: NotebookSource,
        summary_id: str | None = None,
    ) -> NotebookRunResult:
        started = time.perf_counter()
        self._route = _Route(home, None, set())
        for spec in specs:
            if self.displays.has(spec.cell.id):
                self.displays.reset(spec.cell.id)
                home.display(
                    bundle([]), CellDisplays.display_id(spec.cell.id), update=True
                )
        try:
            result = self.runner.run(specs, options)
        finally:
            self._route = None
        self.last_result = result
        for outcome in result.cells.values():
            self._update_status(home, outcome)
        summary = render.run_summary(
            result, source.description, time.perf_counter() - started
        )
        if summary_id is None:
            home.display(summary, f"taskbook-summary-{result.flow_run_id}")
        else:
            home.display(summary, summary_id, update=True)
        return result

    def _release(self) -> None:
        self._busy_with = ""
        self._busy.release()


def _status_id(cell_id: str) -> str:
    return f"taskbook-status-{cell_id}"
