"""Helpers for the command-line tests: notebooks written with nbformat, the CLI run
in a child process (as users run it) or in-process with click's runner."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner, Result

from taskbook.cli.main import cli

Cell = str | tuple[str, Sequence[str]]  # source, or (source, tags); None-free
KERNELSPEC = {"name": "python3", "language": "python", "display_name": "Python 3"}


def write_notebook(path: Path, cells: Sequence[Cell | None], ids: bool = True) -> Path:
    """Write a notebook; ``None`` is a markdown cell; cell ids are ``c0``, ``c1``..."""
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": KERNELSPEC})
    for position, cell in enumerate(cells):
        if cell is None:
            node = nbformat.v4.new_markdown_cell("notes")
        elif isinstance(cell, str):
            node = nbformat.v4.new_code_cell(cell)
        else:
            node = nbformat.v4.new_code_cell(cell[0])
            node.metadata["tags"] = list(cell[1])
        node.id = f"c{position}"
        nb.cells.append(node)
    nbformat.write(nb, path)
    return path


@pytest.fixture
def make_notebook(tmp_path: Path) -> Callable[..., Path]:
    """Write a notebook under tmp_path: ``make_notebook(cells, name="nb.ipynb")``."""

    def make(cells: Sequence[Cell | None], name: str = "nb.ipynb") -> Path:
        return write_notebook(tmp_path / name, cells)

    return make


@pytest.fixture
def invoke(isolated_home: Path) -> Callable[..., Result]:
    """Run ``taskbook ARGS`` in this process (for errors raised before any cell runs)."""

    def run(*args: str) -> Result:
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    return run


@pytest.fixture
def taskbook(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run ``taskbook ARGS`` in a child process with its own TASKBOOK_HOME."""
    env = {**os.environ, "TASKBOOK_HOME": str(tmp_path / "home")}

    def run(
        *args: str, cwd: Path | None = None, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "taskbook.cli", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=cwd or tmp_path,
            timeout=timeout,
            check=False,
        )

    return run
