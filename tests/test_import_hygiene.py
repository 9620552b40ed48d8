"""``import taskbook`` stays light: no Jupyter, UI, dataframe or cluster packages.

The import runs in a fresh interpreter (this test process has pandas, dask and
friends loaded already), the way Prefect's ``test_import_smoke.py`` does it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

HEAVY = (
    "IPython",
    "ipykernel",
    "ipywidgets",
    "pandas",
    "plotly",
    "dask",
    "distributed",
    # pydantic is only needed to coerce flow parameters; it is imported on demand.
    "pydantic",
)

PROBE = """
import json, sys
import {module}
print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))
"""


def loaded_after_import(module: str, tmp_path) -> list[str]:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module, heavy=HEAVY)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        # PYTHONPATH passes through so a worktree's tests probe the taskbook under test.
        env={
            "TASKBOOK_HOME": str(tmp_path / "home"),
            "PATH": "",
            **{k: v for k, v in os.environ.items() if k == "PYTHONPATH"},
        },
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return list(json.loads(proc.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize(
    "module", ["taskbook", "taskbook.core", "taskbook.engine", "taskbook.api"]
)
def test_importing_taskbook_loads_no_heavy_package(module: str, tmp_path) -> None:
    assert loaded_after_import(module, tmp_path) == []


def test_the_probe_does_see_a_heavy_package_that_was_imported(tmp_path) -> None:
    # Guards the check itself: with pandas imported, the probe reports it.
    assert loaded_after_import("pandas", tmp_path) == ["pandas"]
