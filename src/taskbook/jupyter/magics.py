"""``%%task``, ``%%params`` and ``%flow``: thin wrappers over ``KernelSide``.

Argument parsing lives in ``magic_args`` (pure) and ``core.cells``; errors a user can
trigger are shown as one line with the fix, not a traceback.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from IPython.core.magic import Magics, cell_magic, line_magic, magics_class
from traitlets import Bool, default

from taskbook.cellflow.why import explanation
from taskbook.core.cells import classify_all
from taskbook.errors import CellFailedError, TaskbookError, UnknownTaskError
from taskbook.jupyter import render
from taskbook.jupyter.kernel import KernelSide
from taskbook.jupyter.magic_args import parse_flow_line

__all__ = ("TaskbookMagics",)


@magics_class
class TaskbookMagics(Magics):
    """The notebook surface of DESIGN §3."""

    live_view = Bool(
        help="Show the live state graph and Gantt for %flow run and flow calls, and "
        "the parameter form for %%params. Default: on, unless $TASKBOOK_LIVE_VIEW "
        "is 0/false/off. Set with %config TaskbookMagics.live_view = False."
    ).tag(config=True)

    @default("live_view")
    def _live_view_default(self) -> bool:
        setting = os.environ.get("TASKBOOK_LIVE_VIEW", "1").strip().lower()
        return setting not in ("0", "false", "no", "off")

    def __init__(self, shell: Any, side: KernelSide) -> None:
        super().__init__(shell)
        self.side = side

    @cell_magic
    def task(self, line: str, cell: str) -> None:
        """Run this cell as a task: ``%%task [NAME] [--retries N] [--cache] ...``."""
        self._run_cell("task", line, cell)

    @cell_magic
    def params(self, line: str, cell: str) -> None:
        """Run the notebook's parameters cell."""
        self._run_cell("params", line, cell)

    def _run_cell(self, kind: str, line: str, cell: str) -> None:
        try:
            result = self.side.run_cell(kind, line, cell)
        except TaskbookError as error:
            raise _usage(error) from None
        except KeyboardInterrupt:
            print("Interrupted: the task run was cancelled.", file=sys.stderr)
            return
        failed = result.failed_cells
        if failed:
            # The cell's error is already shown in its output; IPython still needs
            # to know the cell failed (stops "Run All", papermill, nbclient).
            raise CellFailedError.from_cell(failed[0].name, failed[0].message)

    @line_magic
    def flow(self, line: str) -> Any:
        """``%flow [show|run|history|logs T|why T|gantt [RUN]|cache clear [T]|status|
        schedule ...]``, ``%flow export PATH [--target taskbook|prefect]``."""
        try:
            command = parse_flow_line(line)
            handler = getattr(self, f"_flow_{command.name}")
            return handler(command)
        except TaskbookError as error:
            raise _usage(error) from None

    def _flow_show(self, command: Any) -> None:
        source = self.side.executed.current(self.shell.user_ns)
        graph = self.side.runner.graph(classify_all(source.cells))
        states = {k: v for k, v in self.side.runner.last_states.items() if k in graph}
        self._display(render.graph_table(graph, states, source.description))

    def _flow_run(self, command: Any) -> None:
        try:
            result = self.side.run_flow(command.run_options())
        except KeyboardInterrupt:
            print("Interrupted: the flow run was cancelled.", file=sys.stderr)
            return
        if result is not None and not result.ok:
            names = ", ".join(c.name for c in result.failed_cells) or result.state.name
            raise CellFailedError.from_flow_run(result.state.name, names)

    def _flow_status(self, command: Any) -> None:
        from taskbook.engine.session import get_session

        thread = self.side.background
        running = thread is not None and thread.is_alive()
        print("A background run is in progress." if running else "No run in progress.")
        print(f"Runs and the cache are stored in {get_session().home.resolve()}.")

    def _flow_export(self, command: Any) -> None:
        from taskbook.export import ExportRequest, export_module, write_module

        source = self.side.executed.current(self.shell.user_ns)
        target = command.options.get("target", "taskbook")
        notebook = f"{self.side.runner.notebook_name}.ipynb"
        text = export_module(ExportRequest(source.cells, notebook), target)
        written = write_module(text, command.args[0])
        print(f"Exported {source.description} to {written} (target {target}).")

    def _flow_history(self, command: Any) -> Any:
        from taskbook.api.history import runs

        flow_name = command.options.get("flow")
        limit = command.options.get("limit", 20)
        if self.side.views.on():
            return self.side.views.history(
                flow_name, limit, self._graph_or_none(), self.side.runner.notebook_name
            )
        return runs(flow_name, limit)

    def _graph_or_none(self) -> Any:
        """The notebook DAG, for views of its past runs; None if it cannot be built."""
        try:
            source = self.side.executed.current(self.shell.user_ns)
            return self.side.runner.graph(classify_all(source.cells), warn=False)
        except TaskbookError:
            return None

    def _flow_why(self, command: Any) -> None:
        name = command.args[0]
        reasons = self.side.runner.explanations.get(name) or explanation(
            self.side.runner.notebook_name, name
        )
        if reasons is None:
            raise _usage(
                UnknownTaskError(
                    f"No run of {name!r} is recorded for this notebook. Run it first "
                    f"(%flow run --to {name}), then ask again."
                )
            )
        print(
            f"{name} " + ("ran because " if "cache hit" not in reasons[0] else ""),
            end="",
        )
        print(" ".join(reasons))

    def _flow_logs(self, command: Any) -> None:
        from taskbook.api.history import get_run

        name = command.args[0]
        result = self.side.last_result
        if result is None:
            raise _usage(
                UnknownTaskError(
                    f"No run yet in this kernel. Run %flow run, then %flow logs {name}."
                )
            )
        record = get_run(result.flow_run_id)
        runs = [t for t in record.task_runs if t.task_name == name]
        if not runs:
            known = sorted({t.task_name for t in record.task_runs})
            raise _usage(UnknownTaskError.from_name(name, known))
        ids = {t.id for t in runs}
        for line in record.logs:
            if line["task_run_id"] in ids:
                print(line["message"])

    def _flow_gantt(self, command: Any) -> None:
        from taskbook.api.history import get_run, run_rows

        run_id = command.args[0] if command.args else None
        if run_id is None:
            # The notebook's latest run in the store, however it ended (a
            # cancelled run returns no result to remember).
            latest = run_rows(self.side.runner.notebook_name, limit=1)
            if not latest:
                raise _usage(
                    UnknownTaskError(
                        "No run of this notebook yet: run %flow run first."
                    )
                )
            run_id = latest[0]["id"]
        if self.side.views.on():
            graph = (
                self._graph_or_none() if _is_notebook_run(run_id, self.side) else None
            )
            self._display_object(self.side.views.past_run(run_id, graph))
            return
        record = get_run(run_id)
        start = min((t.start_time or 0 for t in record.task_runs), default=0)
        for t in record.task_runs:
            if t.start_time is None:
                print(f"{t.name:<24} {t.state_name}")
                continue
            offset = t.start_time - start
            length = (t.end_time or t.start_time) - t.start_time
            bar = " " * int(offset * 20) + "█" * max(1, int(length * 20))
            print(f"{t.name:<24} {bar} {t.state_name} {length:.2f} s")

    def _flow_cache(self, command: Any) -> None:
        from taskbook.engine.session import get_session

        if command.args[0] != "clear":
            raise _usage(
                TaskbookError(
                    f"Unknown: %flow cache {command.args[0]}. Use %flow cache clear [T]."
                )
            )
        if len(command.args) == 1:
            get_session().cache.clear()
            print("Cleared every cached result of this project.")
            return
        name = command.args[1]
        last = self.side.last_result
        keys = [
            parts.key()
            for node_id, parts in self.side.runner.last_parts.items()
            if last is not None
            and node_id in last.cells
            and last.cells[node_id].name == name
        ]
        if not keys:
            raise _usage(
                UnknownTaskError(
                    f"No cached result of {name!r} is known in this kernel. Run it first."
                )
            )
        for key in keys:
            get_session().cache.delete(key)
        print(f"Cleared the cached result of {name!r}.")

    def _flow_schedule(self, command: Any) -> None:
        """``%flow schedule add|ls|rm|pause|resume ...``: ``taskbook schedule`` on
        this kernel's store; ``add`` without a target schedules this notebook."""
        import subprocess

        from taskbook.engine.session import get_session
        from taskbook.jupyter.sources import notebook_path

        words = list(command.args) or ["ls"]
        if words[0] == "add" and (len(words) == 1 or words[1].startswith("-")):
            path = notebook_path(self.shell.user_ns)
            if path is None:
                raise _usage(
                    UnknownTaskError(
                        "This kernel does not know its notebook's file. Name it: "
                        "%flow schedule add NOTEBOOK.ipynb --cron EXPR"
                    )
                )
            words.insert(1, path)
        # The command line's own process: the same checks, messages and store.
        done = subprocess.run(
            [sys.executable, "-m", "taskbook.cli", "schedule", *words],
            capture_output=True,
            text=True,
            env={**os.environ, "TASKBOOK_HOME": str(get_session().home.resolve())},
            check=False,
        )
        print(done.stdout, end="")
        if done.returncode != 0:
            lines = done.stderr.strip().splitlines()
            message = next((ln for ln in lines if ln.startswith("Error:")), None)
            if message is None:
                message = lines[-1] if lines else f"exit code {done.returncode}"
            raise _usage(TaskbookError(message.removeprefix("Error: ")))

    def _display(self, data: dict[str, Any]) -> None:
        from IPython.display import publish_display_data

        publish_display_data(data)

    def _display_object(self, value: Any) -> None:
        from IPython.display import display

        display(value)


def _is_notebook_run(run_id: str, side: KernelSide) -> bool:
    """Whether ``run_id`` is a run of this notebook (its cells are the graph's nodes)."""
    from taskbook.api.history import get_run

    return get_run(run_id).flow_name == side.runner.notebook_name


def _usage(error: BaseException) -> Exception:
    from IPython.core.error import UsageError as IPythonUsageError

    return IPythonUsageError(f"{type(error).__name__}: {error}")
