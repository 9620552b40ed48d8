"""Run a whole notebook without a kernel: IPython's shell in this process.

The entry point of ``taskbook run``: strict about hidden state (an error before
anything runs), every cell through the same runner as ``%flow run``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from taskbook.cellflow.result import NotebookRunResult
from taskbook.cellflow.runner import NotebookRunner, RunOptions
from taskbook.core.cells import CellSpec

__all__ = ("headless_shell", "run_notebook")


def headless_shell() -> Any:
    """Return this process's IPython ``InteractiveShell`` (created on first use)."""
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    if InteractiveShell.initialized():
        return InteractiveShell.instance()
    config = Config()
    config.HistoryManager.enabled = False  # a headless run writes nothing under ~
    return InteractiveShell.instance(config=config)


def run_notebook(
    specs: Sequence[CellSpec],
    *,
    notebook_name: str,
    parameters: Mapping[str, Any],
    force: bool = False,
    runner: str = "threads",
    max_workers: int | None = None,
    timeout: float | None = None,
    strict: bool = True,
) -> NotebookRunResult:
    """Run every DAG cell of a notebook in the current directory.

    Args:
        specs: The notebook's classified code cells (``core.cells.classify_all``).
        notebook_name: The flow name recorded in the run store.
        parameters: Values that override the parameters cell (already validated).
        force: Ignore cached results (they are refreshed).
        runner: ``threads`` or ``processes`` (each cell in its own process).
        max_workers: Cells running at once (default: the thread pool's).
        timeout: Seconds for the whole flow run.
        strict: Hidden state is an error (headless) rather than a warning.

    Returns:
        The run; a failing cell is in the result, not raised.

    Raises:
        HiddenStateError, DependencyCycleError, DuplicateTaskNameError: Before
            anything runs.
    """
    shell = headless_shell()
    notebook_runner = NotebookRunner(shell, notebook_name)
    return notebook_runner.run(
        specs,
        RunOptions(
            parameters=dict(parameters),
            force=force,
            runner=runner,
            max_workers=max_workers,
            timeout=timeout,
            strict=strict,
        ),
    )
