"""Real processes against one project: killed kernels, concurrent writers, leaks, size.

Kernels are real IPython kernels (jupyter_client), the CLI is ``python -m
taskbook.cli``; the tests control when a cell ends with files they create.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from jupyter_client.manager import KernelManager

from faults.programs import home_env, run_taskbook, write_notebook

pytestmark = pytest.mark.slow


def rows(home: Path, query: str) -> list[tuple]:
    with sqlite3.connect(home / "runs.sqlite") as db:
        return db.execute(query).fetchall()


def wait_for(path: Path, process_alive) -> None:
    """Return once ``path`` exists; fail if the process doing the work died."""
    while not path.exists():
        assert process_alive(), f"gone before {path.name} appeared"
        time.sleep(0.02)  # polling a file the work writes, not a time budget


class Kernel:
    """A real kernel: execute cells, or kill -9 it."""

    def __init__(self, cwd: Path, env: dict[str, str]) -> None:
        self.manager = KernelManager(kernel_name="python3")
        self.manager.kernel_spec.argv[0] = sys.executable
        self.manager.start_kernel(cwd=str(cwd), env=env)
        self.client = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=60)

    def run(self, code: str, timeout: float = 120) -> dict:
        """Execute ``code``; return the reply's content (status, error)."""
        reply = self.client.execute_interactive(
            code, timeout=timeout, output_hook=lambda _msg: None
        )
        return reply["content"]

    def start(self, code: str) -> str:
        """Send ``code`` without waiting; return the request id."""
        return self.client.execute(code)

    def finish(self, timeout: float = 120) -> dict:
        """Wait for the reply to the request ``start`` sent."""
        return self.client.get_shell_msg(timeout=timeout)["content"]

    def alive(self) -> bool:
        return self.manager.is_alive()

    def kill9(self) -> None:
        self.manager.signal_kernel(signal.SIGKILL)  # no cleanup, no atexit
        while self.manager.is_alive():
            time.sleep(0.01)  # polling until the process is gone

    def shutdown(self) -> None:
        self.client.stop_channels()
        if self.manager.is_alive():
            self.manager.shutdown_kernel(now=True)


@pytest.fixture
def kernels(tmp_path: Path) -> Iterator:
    started: list[Kernel] = []

    def start(notebook: Path | None = None) -> Kernel:
        env = home_env(tmp_path)
        env["IPYTHONDIR"] = str(tmp_path / "ipython")
        env.pop("JPY_SESSION_NAME", None)
        if notebook is not None:
            env["JPY_SESSION_NAME"] = str(notebook)
        kernel = Kernel(tmp_path, env)
        started.append(kernel)
        return kernel

    yield start
    for kernel in started:
        kernel.shutdown()


# A cell that runs until the test creates 'release' (at once if it exists).
_HELD = (
    "%%task held\n"
    "import pathlib, time\n"
    "pathlib.Path('started').write_text('yes')\n"
    "while not pathlib.Path('release').exists():\n"
    "    time.sleep(0.02)\n"
    "done = loaded * 2"
)


def test_a_kernel_killed_mid_flow_run_leaves_it_crashed_and_a_rerun_resumes(
    tmp_path, kernels, observe
):
    seen = observe("kill-9-kernel")
    notebook = write_notebook(
        tmp_path / "etl.ipynb",
        [
            "%%task load\nimport pathlib\n"
            "pathlib.Path('load-ran').open('a').write('x')\nloaded = 21",
            _HELD,
        ],
    )
    first = kernels(notebook)
    assert first.run("%load_ext taskbook")["status"] == "ok"
    first.start("%flow run")
    wait_for(tmp_path / "started", first.alive)
    # Mid-run: the store holds the run (the writer commits within ~50 ms).
    while not (tmp_path / "home" / "runs.sqlite").exists() or not rows(
        tmp_path / "home", "SELECT id FROM flow_runs WHERE state_type = 'RUNNING'"
    ):
        assert first.alive()
        time.sleep(0.02)  # polling the store, not a time budget
    first.kill9()

    (tmp_path / "release").touch()
    second = kernels(notebook)
    assert second.run("%load_ext taskbook")["status"] == "ok"
    assert second.run("%flow run")["status"] == "ok"
    assert second.run("assert done == 42")["status"] == "ok"
    assert (tmp_path / "load-ran").read_text() == "x"  # load was a cache hit
    home = tmp_path / "home"
    flows = rows(home, "SELECT state_type FROM flow_runs ORDER BY created")
    assert flows == [("CRASHED",), ("COMPLETED",)]
    first_run, second_run = (
        dict(
            rows(
                home,
                "SELECT t.name, t.state_name FROM task_runs t JOIN flow_runs f "
                f"ON t.flow_run_id = f.id WHERE f.state_type = '{state}'",
            )
        )
        for state in ("CRASHED", "COMPLETED")
    )
    # What the killed kernel had recorded is final now: nothing is left Running.
    # (Its last ~50 ms of events were still in memory: the store writes in batches.)
    assert set(first_run.values()) <= {"Completed", "Crashed"}
    assert first_run.get("held-0", "Crashed") == "Crashed"
    assert second_run == {"load-0": "Cached", "held-0": "Completed"}
    seen(
        f"runs {flows[0][0].title()} then {flows[1][0].title()}; rerun: load "
        f"{second_run['load-0']}, held {second_run['held-0']}"
    )


_FLOW = """
from taskbook import flow, task

@task
def square(i):
    return i * i

@flow(name="{name}")
def many(n: int):
    return sum(square(i) for i in range(n))

many(200)
"""


def test_two_kernels_and_a_cli_run_writing_one_store_lose_nothing(
    tmp_path, kernels, observe
):
    seen = observe("concurrent-writers")
    notebook = write_notebook(
        tmp_path / "cli.ipynb",
        ["%%task\nvalues = list(range(100))", "total = sum(values)"],
    )
    first, second = kernels(), kernels()
    for kernel, name in ((first, "k1"), (second, "k2")):
        kernel.start(
            _FLOW.format(name=name).replace(
                "many(200)", "[many(200) for _ in range(5)]"
            )
        )
    cli = run_taskbook(tmp_path, "run", str(notebook), "out.ipynb")
    assert cli.returncode == 0, cli.stderr
    assert first.finish()["status"] == "ok"
    assert second.finish()["status"] == "ok"
    first.shutdown()
    second.shutdown()  # their writers flush on exit

    home = tmp_path / "home"
    flows = rows(
        home, "SELECT flow_name, state_type, COUNT(*) FROM flow_runs GROUP BY 1, 2"
    )
    assert sorted(flows) == [
        ("cli", "COMPLETED", 1),
        ("k1", "COMPLETED", 5),
        ("k2", "COMPLETED", 5),
    ]
    tasks = rows(home, "SELECT state_type, COUNT(*) FROM task_runs GROUP BY 1")
    assert tasks == [("COMPLETED", 2 * 5 * 200 + 2)]
    seen(f"11/11 runs and {tasks[0][1]}/{tasks[0][1]} task runs Completed")


def test_a_task_that_leaks_a_thread_does_not_keep_the_cli_from_exiting(
    tmp_path, observe
):
    seen = observe("leaked-thread")
    notebook = write_notebook(
        tmp_path / "leak.ipynb",
        [
            "%%task\nimport threading\n"
            "threading.Thread(target=threading.Event().wait, name='leaked').start()\n"
            "x = 1",
            "print(x + 1)",
        ],
    )
    # A leaked non-daemon thread would hold the process forever: the guard fails it.
    result = run_taskbook(tmp_path, "run", str(notebook), "out.ipynb")
    assert (result.returncode, result.stdout) == (0, "2\n"), result.stderr
    assert rows(tmp_path / "home", "SELECT state_type FROM flow_runs") == [
        ("COMPLETED",)
    ]
    seen(f"exit {result.returncode}, run Completed")


_LARGE = """
import hashlib, sys
from taskbook import flow, task
from taskbook.cache_policies import INPUTS

@task(cache_policy=INPUTS)
def produce(n):
    return bytes(range(256)) * (n // 256)

@flow
def large(n: int):
    state = produce(n, return_state=True)
    return state.name, hashlib.sha256(state.result()).hexdigest()

print(*large(int(sys.argv[1])))
"""


def test_a_one_gigabyte_result_is_cached_and_read_back_intact(tmp_path, observe):
    seen = observe("large-result")
    size = 2**30
    env = home_env(tmp_path)
    runs = [
        subprocess.run(
            [sys.executable, "-c", _LARGE, str(size)],
            env=env,
            capture_output=True,
            text=True,
            timeout=110,
            check=False,
        )
        for _ in range(2)
    ]
    for run in runs:
        assert run.returncode == 0, run.stderr
    first, second = (run.stdout.split() for run in runs)
    assert (first[0], second[0]) == ("Completed", "Cached")
    assert first[1] == second[1]  # the same bytes came back
    seen(f"{first[0]}, then {second[0]}; same SHA-256")
