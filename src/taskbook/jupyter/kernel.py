"""The kernel side of taskbook: one per shell; runs cells and routes their output.

Holds the notebook runner (namespace, fingerprints), the cells executed in this
kernel, the per-cell displays, and at most one run at a time (foreground or
``--background``). The magics are thin wrappers over the methods here.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from taskbook.api.history import run_duration
from taskbook.cellflow.capture import OutputCapture, capturing
from taskbook.cellflow.result import CellOutcome, NotebookRunResult
from taskbook.cellflow.runner import NotebookRunner
from taskbook.core.cells import CellSpec, SourceCell, classify, classify_all
from taskbook.core.parameter_parsing import parse_parameters
from taskbook.core.parameter_specs import ParameterSpec, coerce, describe_type
from taskbook.core.run_options import RunOptions
from taskbook.engine.logs import quiet_lifecycle_lines
from taskbook.errors import ParameterValueError, RunInProgressError
from taskbook.jupyter import render
from taskbook.jupyter.output import CellDisplays, HeadedOutputs, KernelOutput, bundle
from taskbook.jupyter.sources import ExecutedCells, NotebookSource, cell_id_for
from taskbook.jupyter.views import Views

__all__ = ("KernelSide",)


@dataclass(slots=True)
class _Route:
    """Where one run's outputs go."""

    home: KernelOutput
    current_cell: str | None
    headed: HeadedOutputs


class KernelSide:
    """Everything taskbook keeps in one kernel.

    Args:
        shell: The IPython shell.
        live_view: Returns whether runs show the live view (the magics' setting).
    """

    def __init__(self, shell: Any, live_view: Callable[[], bool] = bool) -> None:
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
        # Values set with the parameter form; applied after the parameters cell
        # runs, until that cell is run again by itself.
        self.parameters: dict[str, Any] = {}
        self._own = threading.local()
        self.views = Views(shell, live_view, self._running_here)

    def _running_here(self) -> bool:
        """Whether this thread is running a flow for the magics right now."""
        return getattr(self._own, "active", False)

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
            elif route.home.kernel is not None:
                route.headed.clear(cell_id)
            return
        if route.home.kernel is None:
            route.home.output(output)  # a terminal: print as it comes, no displays
            return
        if cell_id == route.current_cell or self.displays.has(cell_id):
            data = self.displays.add(cell_id, output)
            route.home.display(data, CellDisplays.display_id(cell_id), update=True)
            return
        header = f"── {spec.name} (cell {spec.cell.index + 1}) ──\n"
        route.headed.add(cell_id, header, output)

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
        spec = classify(SourceCell("", 0, text))  # the name; a bad line fails later
        cell_id = cell_id_for(parent, text, spec.name if spec.header.name else None)
        source = self.executed.current(self.shell.user_ns)
        cells = self.executed.with_current(source, cell_id, text)
        specs = classify_all(cells)
        self._claim(f"cell {spec.name!r}")
        # What the user ran, even if it fails: %flow run uses it over the file.
        self.executed.record(cell_id, text)
        if kind == "params":
            self.parameters = {}  # the cell's own values count again
        try:
            home = KernelOutput(self.kernel, parent, self.shell)
            self._route = _Route(home, cell_id, HeadedOutputs(home))
            self._show_cell_displays(home, cell_id, spec.name)
            self._own.active = True
            try:
                with quiet_lifecycle_lines():  # the status line says it
                    result = self.runner.run(
                        specs, RunOptions(only=(cell_id,), check_inputs=True)
                    )
            except BaseException as error:
                # No status line stays "Running": say how it ended, and why.
                home.display(
                    render.stopped_line(cell_id, spec.name, error),
                    _status_id(cell_id),
                    update=True,
                )
                raise
        finally:
            self._own.active = False
            self._route = None
            self._release()
        self.last_result = result
        for outcome in result.cells.values():
            self._update_status(home, outcome)
        if kind == "params" and result.ok and self.views.on():
            self._show_form(specs, cell_id, spec.body)
        return result

    def _show_form(self, specs: Sequence[CellSpec], cell_id: str, body: str) -> None:
        """Show the parameter form under a parameters cell that just ran."""
        declared = parse_parameters(body)
        namespace = self.shell.user_ns
        values = {
            p.name: _declared_value(p, namespace[p.name])
            for p in declared
            if p.name in namespace
        }
        try:
            graph = self.runner.graph(specs, warn=False)
        except Exception:  # a notebook with a bad DAG still gets its form
            graph = None
        params_id = cell_id if graph is not None and cell_id in graph else None
        view_id = f"taskbook-form-run-{cell_id}-{time.time_ns()}"
        runs = 0

        def run(values: dict[str, Any], stale: tuple[str, ...]) -> Any:
            # Only the stale cells (and the parameters cell, which applies the
            # values); everything when nothing changed (cache hits are cheap).
            nonlocal runs
            self.parameters = dict(values)
            only = (params_id, *stale) if stale and params_id is not None else ()
            runs += 1
            return self.run_flow(
                RunOptions(only=only),
                view_id=view_id,
                replace_view=runs > 1,  # one output under the form, not one per run
            )

        def states() -> dict[str, tuple[str, str | None]]:
            return {k: (v, None) for k, v in self.runner.last_states.items()}

        self.views.parameter_form(
            declared, graph, values, run, cell_id=cell_id, states=states
        )

    def record_plain_cell(self, parent: dict[str, Any], source: str) -> None:
        """Remember a plain cell the user ran (for notebooks with no saved file)."""
        if source.strip():
            self.executed.record(cell_id_for(parent, source), source)

    def run_flow(
        self,
        options: RunOptions,
        *,
        view_id: str | None = None,
        replace_view: bool = False,
    ) -> NotebookRunResult | None:
        """Run the whole notebook (``%flow run``); in a thread with ``background``.

        Args:
            options: Selection, cache use, runner, ``background`` (run in a
                thread, return None at once) and ``view`` (show the live view
                when views are on). Values set with the parameter form are added
                to ``options.parameters``.
            view_id: Display id of the live view (a fresh one if None).
            replace_view: Show the view in place of the output ``view_id``, so
                a form's reruns share one output.
        """
        source = self.executed.current(self.shell.user_ns)
        specs = classify_all(source.cells)
        # A bad DAG or selection is reported before anything is drawn or run
        # (its warnings once, by the run).
        graph = self.runner.graph(specs, warn=False)
        self.runner.select(graph, options)
        parent = self._parent()
        home = KernelOutput(self.kernel, parent, self.shell)
        self._claim("%flow run")
        self.last_source = source
        if self.parameters:
            options = options.merge(
                parameters={**self.parameters, **options.parameters}
            )
        given = ", ".join(f"{k}={v!r}" for k, v in options.parameters.items())
        home.output(
            {
                "output_type": "stream",
                "name": "stdout",
                "text": f"Running the notebook's cells from {source.description}"
                + (f" with {given}" if given else "")
                + ".\n"
                + (f"{source.changes}\n" if source.changes else ""),
            }
        )
        try:
            live = (
                self.views.follow(graph, display_id=view_id, replace=replace_view)
                if options.view and self.views.on()
                else None
            )
        except BaseException:
            self._release()
            raise
        if not options.background:
            try:
                return self._run_flow(home, specs, options, source, live=live)
            finally:
                self._release()
                if live is not None:
                    self.views.finish(live)

        summary_id = f"taskbook-run-{time.time_ns()}"
        home.display({"text/plain": "Running in the background…"}, summary_id)

        def work() -> None:
            # The flow's own log lines (and anything else this thread prints) belong
            # to the cell that started the run, not to whichever cell runs now.
            capture = OutputCapture(lambda _capture, output: home.output(output))
            try:
                with capturing(capture):
                    self._run_flow(home, specs, options, source, summary_id, live)
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
        live: Any = None,
    ) -> NotebookRunResult:
        started = time.perf_counter()
        self._route = _Route(home, None, HeadedOutputs(home))
        for spec in specs:
            if self.displays.has(spec.cell.id):
                self.displays.reset(spec.cell.id)
                home.display(
                    bundle([]), CellDisplays.display_id(spec.cell.id), update=True
                )
        try:
            self._own.active = True
            with quiet_lifecycle_lines():  # the view and the summary say it
                result = self.runner.run(specs, options)
        except KeyboardInterrupt:
            # The cells' own status lines say how far the run got.
            interrupted = self.runner.interrupted
            for outcome in interrupted.cells.values() if interrupted else ():
                self._update_status(home, outcome)
            raise
        finally:
            self._own.active = False
            self._route = None
        self.last_result = result
        for outcome in result.cells.values():
            self._update_status(home, outcome)
        if result.restored:
            names = ", ".join(result.restored)
            home.output(
                {
                    "output_type": "stream",
                    "name": "stdout",
                    "text": f"Inputs restored from the cache of cells not selected: "
                    f"{names}.\n",
                }
            )
        # The run store's duration, as the live view and history show it.
        seconds = run_duration(result.flow_run_id)
        summary = render.run_summary(
            result,
            source.description,
            time.perf_counter() - started if seconds is None else seconds,
            table=live is None,  # the live view shows every cell's state
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


def _declared_value(spec: ParameterSpec, value: Any) -> Any:
    """Return a parameter's value as its declaration types it, for the form.

    Raises:
        ParameterValueError: The cell's value does not fit its own declaration.
    """
    try:
        return coerce(spec, value)
    except ParameterValueError:
        raise ParameterValueError.from_declaration(
            spec.name, value, describe_type(spec)
        ) from None
