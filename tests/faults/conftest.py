"""Fixtures of the fault-injection suite: corrupt files, small filesystems, processes.

Every test here is marked ``faults`` (``pytest -m faults`` runs the suite); those
that start real processes and wait for them are also ``slow``.
"""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/faults/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.faults)
