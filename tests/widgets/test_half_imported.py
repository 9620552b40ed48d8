"""The live view draws while a task thread is still importing pandas.

plotly looks pandas up in ``sys.modules`` without importing it; a frame built while
another thread was half-way through ``import pandas`` failed with "partially
initialized module 'pandas' has no attribute 'Series'" (the first ``%flow run``
after a kernel restart, 3 times out of 3). In a fresh interpreter, an ``import
pandas`` in a task's thread is held half-done (``hold_import``) until the view's
thread waits for it, or the view failed: the view must never fail.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import hold_import

SCRIPT = """\
import json, sys
sys.path.insert(0, {helpers!r})
import hold_import
from taskbook import flow, task
from taskbook.widgets.bridge import NullHost
from taskbook.widgets.live import LiveView

assert "pandas" not in sys.modules
hold_import.hold("pandas")


@task
def load():
    import pandas as pd
    return int(pd.Series([1, 2, 3]).sum())


@flow(name="imports-pandas")
def imports_pandas():
    return load.submit().result()  # in a worker thread, as task cells run


view = LiveView(host=NullHost(), static=False).attach(display=False)
result = imports_pandas()
view.finish()
rows = {{y for trace in view.view.gantt.figure.data for y in trace.y}}
print(json.dumps({{
    "result": result,
    "hold": hold_import.outcome,
    "rows": sorted(rows),
    "state": view.fold.summary_model()["state_name"],
}}))
"""


def test_the_view_draws_while_a_task_thread_imports_pandas(tmp_path: Path) -> None:
    helpers = str(Path(hold_import.__file__).parent)
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(helpers=helpers)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={**os.environ, "TASKBOOK_HOME": str(tmp_path / "home")},
    )
    assert proc.returncode == 0, proc.stderr
    assert "live view update failed" not in proc.stderr
    outcome = json.loads(proc.stdout.strip().splitlines()[-1])
    assert "view failed" not in outcome.pop("hold")
    assert outcome == {"result": 6, "rows": ["load"], "state": "Completed"}
