"""Run a whole notebook without a kernel: IPython's shell in this process.

The entry point of ``taskbook run``: strict about hidden state (an error before
anything runs), every cell through the same runner as ``%flow run``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from taskbook.cellflow.result import NotebookRunResult
from taskbook.cellflow.runner import NotebookRunner
from taskbook.core.cells import CellSpec
from taskbook.core.graph import NotebookGraph
from taskbook.core.run_options import RunOptions

__all__ = ("headless_shell", "notebook_graph", "run_notebook")


def headless_shell() -> Any:
    """Return this process's IPython ``InteractiveShell`` (created on first use)."""
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    if InteractiveShell.initialized():
        return InteractiveShell.instance()
    config = Config()
    config.HistoryManager.enabled = False  # a headless run writes nothing under ~
    return InteractiveShell.instance(config=config)


def notebook_graph(
    specs: Sequence[CellSpec], name: str, *, warn: bool = True
) -> NotebookGraph:
    """Build the DAG of classified cells exactly as the headless runner does.

    Hidden-state reads are warnings here (``NotebookGraphWarning``, or nothing
    when not ``warn``), not errors: ``taskbook graph`` and the server's DAG view.

    Raises:
        DependencyCycleError, DuplicateTaskNameError, UnknownTaskError: The DAG
            cannot be built.
    """
    return NotebookRunner(headless_shell(), name).graph(specs, strict=False, warn=warn)


def run_notebook(
    specs: Sequence[CellSpec], *, notebook_name: str, options: RunOptions
) -> NotebookRunResult:
    """Run the DAG cells of a notebook in the current directory.

    Args:
        specs: The notebook's classified code cells (``core.cells.classify_all``).
        notebook_name: The flow name recorded in the run store.
        options: The run's options (parameters already validated); a headless
            run is ``strict`` whatever ``options`` says: hidden state is an error.

    Returns:
        The run; a failing cell is in the result, not raised, and so is an
        interrupt that stopped the run (the run is then Cancelled).

    Raises:
        HiddenStateError, DependencyCycleError, DuplicateTaskNameError: Before
            anything runs.
    """
    runner = NotebookRunner(headless_shell(), notebook_name)
    try:
        return runner.run(specs, options.merge(strict=True))
    except KeyboardInterrupt:
        if runner.interrupted is None:  # before any cell ran: nothing to report
            raise
        return runner.interrupted
