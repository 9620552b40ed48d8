"""The public surface: every name in ``__all__`` exists, nothing public is left out.

The same kind of check anyio keeps for its top-level namespace, applied to the
package and to each public module with Prefect's module names.
"""

from __future__ import annotations

import importlib
import re
import types
from pathlib import Path

import pytest

import taskbook

PUBLIC_MODULES = [
    "taskbook",
    "taskbook.states",
    "taskbook.cache_policies",
    "taskbook.tasks",
    "taskbook.futures",
    "taskbook.artifacts",
    "taskbook.task_runners",
    "taskbook.exceptions",
    "taskbook.blocks",
    "taskbook.blocks.core",
    "taskbook.blocks.system",
    "taskbook.variables",
    "taskbook.schedules",
    "taskbook.flows",
    "taskbook.blocks.notifications",
    "taskbook.concurrency",
    "taskbook.concurrency.sync",
    "taskbook.concurrency.asyncio",
    "taskbook.testing.utilities",
    "taskbook.logging",
    "taskbook.logging.loggers",
    "taskbook.runtime",
    "taskbook.runtime.deployment",
    "taskbook.runtime.flow_run",
    "taskbook.runtime.task_run",
    "taskbook.settings",
]

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_every_name_in_all_exists(module_name: str) -> None:
    module = importlib.import_module(module_name)
    missing = [name for name in module.__all__ if not hasattr(module, name)]
    assert missing == []


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_all_has_no_duplicates(module_name: str) -> None:
    names = list(importlib.import_module(module_name).__all__)
    assert len(names) == len(set(names))


def test_every_public_attribute_of_taskbook_is_in_all() -> None:
    public = {
        name
        for name, value in vars(taskbook).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    # The IPython entry points are found by ``%load_ext``, not imported by users.
    public.discard("load_ipython_extension")
    public.discard("unload_ipython_extension")
    # ``from __future__ import annotations`` leaves this feature object behind.
    public.discard("annotations")
    assert sorted(public - set(taskbook.__all__)) == []


def test_version_matches_pyproject() -> None:
    text = PYPROJECT.read_text(encoding="utf-8")
    match = re.search(r'^version\s*=\s*"([^"]+)"', text, re.MULTILINE)
    assert match is not None
    assert taskbook.__version__ == match.group(1)
