"""Real Prefect 3 scripts run unchanged under taskbook, with only their imports renamed.

Each script in ``scripts/`` was first run under Prefect 3.8.8; the expected lines
below are what it printed there. Here the script is copied, ``prefect`` becomes
``taskbook`` in its import lines only, and it runs in a fresh interpreter with
``TASKBOOK_HOME`` in a temporary directory, with sockets to the network refused.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.export.running import prefect_python

SCRIPTS = Path(__file__).parent / "scripts"

# Runs before the script: any attempt to reach a server over IP fails loudly, and
# at exit the script reports whether prefect itself was ever imported.
NETWORK_GUARD = textwrap.dedent(
    """
    import atexit, runpy, socket, sys

    _connect = socket.socket.connect

    def _refuse(self, address, *args):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            raise OSError(f"network access attempted: {address!r}")
        return _connect(self, address, *args)

    socket.socket.connect = _refuse
    socket.socket.connect_ex = _refuse
    socket.create_connection = lambda address, *a, **k: _refuse(
        socket.socket(), address
    )

    @atexit.register
    def _report():
        imported = sorted(m for m in sys.modules if m.split(".")[0] == "prefect")
        sys.stderr.write(f"\\nGUARD prefect-modules={imported}\\n")

    sys.argv = [sys.argv[1]]
    runpy.run_path(sys.argv[0], run_name="__main__")
    """
)

_IMPORT_LINE = re.compile(r"^(\s*(?:from|import)\s+)prefect\b", re.MULTILINE)


def port_to_taskbook(source: str) -> str:
    """Replace ``prefect`` by ``taskbook`` in import lines only."""
    return _IMPORT_LINE.sub(r"\1taskbook", source)


@dataclass(frozen=True)
class ScriptCase:
    script: str
    expected: list[str]
    runs: int = 1  # the expected lines hold for every run (caching makes them stable)


CASES = [
    ScriptCase(
        "etl_retries_cache.py",
        [
            "Oslo: 40.1",
            "Lima: 66.2",
            "Cairo: 82.85",
            "loaded: 3",
            "extract attempts: 3",
            "transform calls: 1",
            "load calls: 1",
        ],
        runs=2,
    ),
    ScriptCase(
        "mapped_fanout.py",
        [
            "reports: kb:10, kb:20, kb:30, kb:40",
            "measured: ['kb:10', 'kb:20', 'kb:30', 'kb:40']",
            "squares: [9, 1, 4]",
            "as_completed sorted: [1, 4, 9]",
            "wait: 3 done, 0 not done",
            "events: ['prepared reports', 'summarized']",
        ],
    ),
    ScriptCase(
        "subflow_pipeline.py",
        [
            "2 regions, total=72",
            "ingest | ingest-eu-3d | Completed | tags=['nightly']",
            "ingest | ingest-apac-3d | Completed | tags=['nightly']",
            "build-report | report-72 | Completed | tags=[]",
            "regional_pipeline | pipeline-3 | Completed | tags=[]",
            "fetch tags=['io', 'nightly']",
            "fetch tags=['io', 'nightly']",
        ],
    ),
    ScriptCase(
        "async_gather.py",
        [
            "page: [10, 11, 12]",
            "page: [20, 21, 22]",
            "page: [30, 31, 32]",
            "sum: 189",
            "total=189",
        ],
    ),
]

# Recorded under Prefect 3.9.1 (test_script_prints_the_same_under_real_prefect
# runs them there again when prefect is installed).
RETURNED_STATES = ScriptCase(
    "returned_states.py",
    [
        "one_future() -> COMPLETED/Completed/None/1",
        "  state: COMPLETED/Completed/All states completed./COMPLETED/Completed/None/1",
        "some_failed() -> list[COMPLETED/Completed/None/1, FAILED/Failed/Task run encountered an exception ValueError: bad 2/ValueError(bad 2), FAILED/Failed/Task run encountered an exception ValueError: bad 3/ValueError(bad 3)]",
        "  state: FAILED/Failed/2/3 states failed./list[COMPLETED/Completed/None/1, FAILED/Failed/Task run encountered an exception ValueError: bad 2/ValueError(bad 2), FAILED/Failed/Task run encountered an exception ValueError: bad 3/ValueError(bad 3)]",
        "mapped() -> list[COMPLETED/Completed/None/1, COMPLETED/Completed/None/2]",
        "  state: COMPLETED/Completed/All states completed./list[COMPLETED/Completed/None/1, COMPLETED/Completed/None/2]",
        "dict_of_futures() -> {a: COMPLETED/Completed/None/1, b: FAILED/Failed/Task run encountered an exception ValueError: bad 2/ValueError(bad 2)}",
        "  state: COMPLETED/Completed/None/{a: COMPLETED/Completed/None/1, b: FAILED/Failed/Task run encountered an exception ValueError: bad 2/ValueError(bad 2)}",
        "some_cancelled() -> tuple[COMPLETED/Completed/None/1, CANCELLED/Cancelled/None/CancelledRun, FAILED/Failed/Task run encountered an exception ValueError: bad 3/ValueError(bad 3)]",
        "  state: CANCELLED/Cancelled/1/3 states cancelled./tuple[COMPLETED/Completed/None/1, CANCELLED/Cancelled/None/CancelledRun, FAILED/Failed/Task run encountered an exception ValueError: bad 3/ValueError(bad 3)]",
        "returns_failed() -> raises FailedRun",
        "  state: FAILED/Failed/flow said no/{rows: 0}",
        "returns_cancelled() -> raises CancelledRun",
        "  state: CANCELLED/Cancelled/None/None",
        "returns_task_states() -> list[FAILED/Failed/task said no/42, COMPLETED/Completed/task said yes/7]",
        "  state: FAILED/Failed/1/2 states failed./list[FAILED/Failed/task said no/42, COMPLETED/Completed/task said yes/7]",
        "timeout_example() -> tuple[FAILED/TimedOut/Task run exceeded timeout of 0.5 second(s)/TaskRunTimeoutError, PENDING/NotReady/Upstream task run ... did not reach a 'COMPLETED' state/raises UnfinishedRun, COMPLETED/Completed/None/'independent']",
        "  state: FAILED/Failed/1/3 states failed./tuple[FAILED/TimedOut/Task run exceeded timeout of 0.5 second(s)/TaskRunTimeoutError, PENDING/NotReady/Upstream task run ... did not reach a 'COMPLETED' state/raises UnfinishedRun, COMPLETED/Completed/None/'independent']",
    ],
)
METHODS_INPUTS_TRANSACTIONS = ScriptCase(
    "methods_inputs_transactions.py",
    [
        "method flow: ([2, 4], 'Scaler:1') ([3], 'Scaler:1')",
        "classmethod task: Scaler:5",
        "map: {'tuple': [1, 2], 'generator': [0, 10], 'future': [1, 2, 3], 'state': [1, 2, 3], 'subflow state': [4, 5]}",
        "unmapped[i] is x: True",
        "nested: {'list': ['int', 'list'], 'dict': \"{'k': 1, 'n': {'k': 1}}\", 'set': '{1}', 'dataclass': 'Box(size=2, items=[1])', 'quote': ['future'], 'opaque': '1'}",
        "__post_init__ calls: [2, 2]",
        "transaction ok=True: ['write 1', 'write 2', 'commit', 'commit', 'after COMMITTED']",
        "transaction ok=False: ['write 1', 'write 2', 'undo me', 'undo me', 'raised']",
    ],
)
CASES += [RETURNED_STATES, METHODS_INPUTS_TRANSACTIONS]

# Where taskbook deliberately differs, the line Prefect prints instead, and why.
PREFECT_DIFFERS = {
    # Prefect raises TypeError("Unexpected result for failed state: {...}") when a
    # flow returns Failed(data=<not an exception>); taskbook raises FailedRun with
    # the state's message, which says what failed.
    "returns_failed() -> raises FailedRun": "returns_failed() -> raises TypeError",
}

# A fresh interpreter on a shared 2-core machine; Prefect itself needs ~10 s here.
MAX_SECONDS = 15.0


def ported_env(workdir: Path) -> dict[str, str]:
    """The environment a ported script runs in: its store in ``workdir``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PREFECT_", "TASKBOOK_"))
    }
    env["TASKBOOK_HOME"] = str(workdir / ".taskbook-home")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def run_ported(
    script: Path, workdir: Path
) -> tuple[subprocess.CompletedProcess[str], float]:
    ported = workdir / script.name
    ported.write_text(port_to_taskbook(script.read_text()))
    guard = workdir / "_network_guard.py"
    guard.write_text(NETWORK_GUARD)
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, str(guard), str(ported)],
        cwd=workdir,
        env=ported_env(workdir),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return proc, time.perf_counter() - start


def test_porting_rewrites_import_lines_only() -> None:
    source = (
        "from prefect import flow\n"
        "import prefect.artifacts\n"
        "    from prefect.tasks import task_input_hash\n"
        'NAME = "prefect is great"\n'
        "# prefect docs\n"
    )
    assert port_to_taskbook(source) == (
        "from taskbook import flow\n"
        "import taskbook.artifacts\n"
        "    from taskbook.tasks import task_input_hash\n"
        'NAME = "prefect is great"\n'
        "# prefect docs\n"
    )


@pytest.mark.parametrize("case", CASES, ids=[c.script for c in CASES])
def test_prefect_script_prints_what_it_printed_under_prefect(
    case: ScriptCase, tmp_path: Path
) -> None:
    for run in range(case.runs):
        proc, seconds = run_ported(SCRIPTS / case.script, tmp_path)
        assert proc.returncode == 0, f"run {run + 1} failed:\n{proc.stderr}"
        assert proc.stdout.splitlines() == case.expected, proc.stderr
        assert "network access attempted" not in proc.stderr
        assert "GUARD prefect-modules=[]" in proc.stderr
        assert seconds < MAX_SECONDS, f"run {run + 1} took {seconds:.1f} s"
    # Everything the runs recorded lives under TASKBOOK_HOME, nowhere else.
    assert (tmp_path / ".taskbook-home").is_dir()
    assert not (tmp_path / ".taskbook").exists()


def test_etl_script_records_retries_cache_hits_and_artifacts(tmp_path: Path) -> None:
    for _ in range(2):
        proc, _seconds = run_ported(SCRIPTS / "etl_retries_cache.py", tmp_path)
        assert proc.returncode == 0, proc.stderr

    import taskbook
    from taskbook.engine.session import Session, set_session

    session = Session(home=tmp_path / ".taskbook-home")
    previous = set_session(session)
    try:
        history = taskbook.runs(flow_name="weather-etl")
        assert list(history["state_name"]) == ["Completed", "Completed"]
        second, first = (taskbook.get_run(run_id) for run_id in history["id"])
        by_task = {
            run.id: {t.task_name: t for t in run.task_runs} for run in (first, second)
        }
        first_tasks, second_tasks = by_task[first.id], by_task[second.id]
        assert [s.name for s in first_tasks["extract"].states] == [
            "Pending",
            "Running",
            "AwaitingRetry",
            "Retrying",
            "AwaitingRetry",
            "Retrying",
            "Completed",
        ]
        assert first_tasks["extract"].run_count == 3
        assert first_tasks["transform"].state_name == "Completed"
        assert second_tasks["transform"].state_name == "Cached"
        assert second_tasks["load"].state_name == "Cached"
        # extract has no cache policy: it runs (and retries) again.
        assert second_tasks["extract"].state_name == "Completed"
        assert sorted(a["key"] for a in second.artifacts) == [
            "weather-report",
            "weather-table",
        ]
        table = next(a for a in second.artifacts if a["key"] == "weather-table")
        assert table["data"][0] == {"city": "Oslo", "temp_f": 40.1}
        assert any("Loaded 3 rows" in line["message"] for line in second.logs)
    finally:
        set_session(previous)
        session.close()


@pytest.mark.slow
@pytest.mark.parametrize(
    "case", [RETURNED_STATES, METHODS_INPUTS_TRANSACTIONS], ids=lambda c: c.script
)
def test_script_prints_the_same_under_real_prefect(
    case: ScriptCase, tmp_path: Path
) -> None:
    python = prefect_python()  # the prefect extra, or $TASKBOOK_TEST_PREFECT_PYTHON
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env |= {
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_LOGGING_LEVEL": "CRITICAL",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
    }
    proc = subprocess.run(
        [python, str(SCRIPTS / case.script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    expected = [PREFECT_DIFFERS.get(line, line) for line in case.expected]
    assert proc.stdout.splitlines() == expected
