"""The Prefect target maps taskbook's Prefect-path modules to Prefect's, names intact."""

from __future__ import annotations

import ast
import subprocess

import pytest
from tests.export.running import prefect_python

from taskbook.export.prefect_target import translate_import

# Transactions, their isolation and locking: every public name, module by module.
ISOLATION_IMPORTS = [
    "from taskbook.transactions import CommitMode, IsolationLevel, Transaction, "
    "TransactionState, get_transaction, transaction",
    "from taskbook.locking.memory import MemoryLockManager",
    "from taskbook.locking.filesystem import FileSystemLockManager",
    "from taskbook.locking.protocol import LockManager",
    "from taskbook.results import ResultStore",
    "from taskbook.settings import PREFECT_HOME",
]


def _translated(source: str) -> str:
    node = ast.parse(source).body[0]
    assert isinstance(node, ast.ImportFrom)
    return ast.unparse(translate_import(node, 1))


@pytest.mark.parametrize("source", ISOLATION_IMPORTS)
def test_isolation_imports_map_to_prefects_modules(source: str) -> None:
    assert _translated(source) == source.replace("from taskbook.", "from prefect.")


@pytest.mark.slow
def test_the_mapped_isolation_imports_exist_in_prefect() -> None:
    code = "\n".join(_translated(source) for source in ISOLATION_IMPORTS)
    proc = subprocess.run(
        [prefect_python(), "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr


# Serving: the schedule objects and serve, under Prefect's module names.
SERVE_IMPORTS = [
    "from taskbook.schedules import Cron, Interval, RRule, Schedule",
    "from taskbook.flows import serve",
    "from taskbook import serve",
]


@pytest.mark.parametrize("source", SERVE_IMPORTS)
def test_serve_imports_map_to_prefects_modules(source: str) -> None:
    assert _translated(source) == source.replace("from taskbook", "from prefect")


@pytest.mark.slow
def test_the_mapped_serve_imports_exist_in_prefect() -> None:
    code = "\n".join(_translated(source) for source in SERVE_IMPORTS)
    proc = subprocess.run(
        [prefect_python(), "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
