"""Fixtures for cellflow: a real IPython shell with a clean namespace, a fresh home."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from taskbook.cellflow.result import NotebookRunResult
from taskbook.cellflow.runner import NotebookRunner
from taskbook.core.run_options import RunOptions

from .helpers import notebook


@pytest.fixture
def shell(isolated_home: Path) -> Iterator[Any]:
    """IPython's shell with a namespace restored after the test (≈ a fresh kernel)."""
    from IPython.core.interactiveshell import InteractiveShell

    ip = InteractiveShell.instance()
    before = dict(ip.user_ns)
    yield ip
    ip.user_ns.clear()
    ip.user_ns.update(before)


@pytest.fixture
def restart(shell: Any) -> Callable[[], None]:
    """Forget every name the test's cells defined, as a kernel restart does."""
    baseline = set(shell.user_ns)

    def forget() -> None:
        for name in set(shell.user_ns) - baseline:
            del shell.user_ns[name]

    return forget


@pytest.fixture
def run(shell: Any) -> Callable[..., NotebookRunResult]:
    """Run source cells through one ``NotebookRunner`` (``using=`` for another)."""
    default = NotebookRunner(shell, "nb")

    def go(
        *sources: str, using: NotebookRunner | None = None, **options: Any
    ) -> NotebookRunResult:
        return (using or default).run(notebook(*sources), RunOptions(**options))

    return go
