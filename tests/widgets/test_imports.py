"""The pure view-model modules and the package itself load no UI or kernel package.

In a fresh interpreter, as ``tests/test_import_hygiene.py`` does for the engine:
the jupyter layer may import ``taskbook.widgets`` at extension load without
paying for ipywidgets or plotly until a view is shown.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = (
    "IPython",
    "ipykernel",
    "ipywidgets",
    "anywidget",
    "plotly",
    "traitlets",
    "pandas",
)

PROBE = """
import json, sys
import {module}
print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))
"""


@pytest.mark.parametrize(
    "module",
    [
        "taskbook.widgets",
        "taskbook.widgets.viewmodel",
        "taskbook.widgets.details",
        "taskbook.widgets.layout",
        "taskbook.widgets.records",
        "taskbook.widgets.static",
        "taskbook.widgets.form_model",
        "taskbook.widgets.edges",
        "taskbook.widgets.bridge",
    ],
)
def test_pure_widget_modules_stay_light(module: str, tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module, heavy=HEAVY)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        # PYTHONPATH passes through: the taskbook under test, not the installed one.
        env={
            "TASKBOOK_HOME": str(tmp_path / "home"),
            "PATH": "",
            **{k: v for k, v in os.environ.items() if k == "PYTHONPATH"},
        },
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []
