"""Run what the tests export: the module with plain python, the notebook with
``taskbook run``, each in a child process with its own TASKBOOK_HOME."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from tests.cli.conftest import Cell, write_notebook

__all__ = (
    "Run",
    "export_notebook",
    "prefect_python",
    "run_module",
    "run_notebook",
)

Run = subprocess.CompletedProcess[str]


def _env(home: Path) -> dict[str, str]:
    env = {**os.environ, "TASKBOOK_HOME": str(home), "MPLBACKEND": "Agg"}
    # As a user's shell runs them: Python's stdout block-buffered into a pipe.
    env.pop("PYTHONUNBUFFERED", None)
    env.setdefault("TASKBOOK_LOGGING_LEVEL", "WARNING")
    return env


def run_module(module: Path, *args: str, cwd: Path, timeout: float = 120) -> Run:
    """``python MODULE ARGS`` in ``cwd``."""
    return subprocess.run(
        [sys.executable, str(module), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=_env(cwd / ".home-module"),
        timeout=timeout,
        check=False,
    )


def run_notebook(notebook: Path, *args: str, cwd: Path, timeout: float = 120) -> Run:
    """``taskbook run NOTEBOOK ARGS`` in ``cwd`` (outputs echoed on stdout)."""
    return subprocess.run(
        [sys.executable, "-m", "taskbook.cli", "run", str(notebook), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=_env(cwd / ".home-run"),
        timeout=timeout,
        check=False,
    )


def export_notebook(
    folder: Path, cells: Sequence[Cell | None], *args: str, name: str = "nb"
) -> tuple[Path, Path]:
    """Write a notebook in ``folder`` and export it; return (notebook, module)."""
    notebook = write_notebook(folder / f"{name}.ipynb", cells)
    module = folder / f"{name}.py"
    done = subprocess.run(
        [sys.executable, "-m", "taskbook.cli", "export", str(notebook), *args],
        capture_output=True,
        text=True,
        cwd=folder,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return notebook, module


def prefect_python() -> str:
    """The Python that runs Prefect modules: this one (scripts/test.sh installs the
    ``prefect`` extra), or ``$TASKBOOK_TEST_PREFECT_PYTHON``; skip if it has no Prefect.

    The check finds the package without importing it (an import would touch
    Prefect's home folder).
    """
    python = os.environ.get("TASKBOOK_TEST_PREFECT_PYTHON", sys.executable)
    probe = (
        "import importlib.util, sys; sys.exit(not importlib.util.find_spec('prefect'))"
    )
    if subprocess.run([python, "-c", probe], check=False).returncode:
        pytest.skip('Prefect is not installed here: pip install "taskbook[prefect]"')
    return python
