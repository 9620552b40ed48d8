"""What the fault tests run: notebooks written to disk and the ``taskbook`` CLI.

Each child process gets ``TASKBOOK_HOME`` set to ``<folder>/home``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat

KERNELSPEC = {"name": "python3", "language": "python", "display_name": "Python 3"}


def write_notebook(path: Path, cells: list[str]) -> Path:
    """Write a notebook of code cells with ids ``c0``, ``c1``..."""
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": KERNELSPEC})
    for index, source in enumerate(cells):
        nb.cells.append(nbformat.v4.new_code_cell(source))
        nb.cells[-1].id = f"c{index}"
    nbformat.write(nb, path)
    return path


def home_env(folder: Path) -> dict[str, str]:
    """This process's environment with ``TASKBOOK_HOME=<folder>/home``."""
    return {**os.environ, "TASKBOOK_HOME": str(folder / "home")}


def taskbook_command(*args: str) -> list[str]:
    """The command line of ``taskbook ARGS`` with this interpreter."""
    return [sys.executable, "-m", "taskbook.cli", *args]


def run_taskbook(
    folder: Path, *args: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run ``taskbook ARGS`` in ``folder``; ``timeout`` only guards against a hang."""
    return subprocess.run(
        taskbook_command(*args),
        capture_output=True,
        text=True,
        cwd=folder,
        env=home_env(folder),
        timeout=timeout,
        check=False,
    )
