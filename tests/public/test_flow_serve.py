"""``flow.serve`` and ``taskbook.serve`` as users run them: a script in a process of
its own, real time, real signals.

Ordering is controlled by what the tests watch (the starting message in the
script's output, rows in the store), never by sleeps; every wait has a generous
deadline. Intervals are one second, so a run falls due within a second of serving.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

FLOWS = """
from taskbook import flow
from taskbook.schedules import Cron, Interval

@flow
def tick(label: str = "tick"):
    return label

@flow
def tock():
    return "tock"

if __name__ == "__main__":
"""

STARTED = "is being served and polling for scheduled runs!"


class Project:
    """A folder with a flow script, a store, and the processes a test starts."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.home = root / "home"
        self.env = {**os.environ, "TASKBOOK_HOME": str(self.home)}
        self.processes: list[subprocess.Popen[str]] = []
        self.logs: list[Path] = []

    def script(self, main: str, name: str = "flows.py") -> Path:
        path = self.root / name
        path.write_text(FLOWS + textwrap.indent(textwrap.dedent(main), "    "))
        return path

    def start(self, *args: str) -> subprocess.Popen[str]:
        log = self.root / f"process{len(self.processes)}.out"
        self.logs.append(log)
        with log.open("w") as out:
            process = subprocess.Popen(
                [sys.executable, *args],
                stdout=out,
                stderr=subprocess.STDOUT,
                text=True,
                env=self.env,
                cwd=self.root,
            )
        self.processes.append(process)
        return process

    def output(self, process: subprocess.Popen[str]) -> str:
        return self.logs[self.processes.index(process)].read_text()

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, *args],
            capture_output=True,
            text=True,
            env=self.env,
            cwd=self.root,
            timeout=120,
            check=False,
        )

    def taskbook(self, *args: str) -> str:
        done = self.run("-m", "taskbook.cli", *args)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        if not (self.home / "runs.sqlite").exists():
            return []
        conn = sqlite3.connect(self.home / "runs.sqlite", timeout=30)
        try:
            return conn.execute(sql).fetchall()
        except sqlite3.OperationalError:  # tables not created yet
            return []
        finally:
            conn.close()

    def completed_runs(self, flow_name: str) -> int:
        return len(
            self.query(
                "SELECT id FROM flow_runs WHERE state_type = 'COMPLETED' AND "
                f"parent_task_run_id IS NULL AND flow_name = '{flow_name}'"
            )
        )

    def schedules(self) -> list[tuple[str, int]]:
        return self.query("SELECT name, paused FROM schedules ORDER BY name")

    def stop(self, process: subprocess.Popen[str], signum: int) -> int:
        process.send_signal(signum)
        return process.wait(timeout=90)

    def cleanup(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                process.wait(30)
        for (pid,) in self.query(
            "SELECT pid FROM schedule_slots WHERE state = 'running' AND pid IS NOT NULL"
        ):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)


def wait_until(check: Callable[[], Any], what: str, timeout: float = 90) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    made = Project(tmp_path)
    yield made
    made.cleanup()


def serving(project: Project, main: str) -> subprocess.Popen[str]:
    script = project.script(main)
    process = project.start(str(script))
    wait_until(
        lambda: STARTED in project.output(process) or process.poll() is not None,
        "the starting message",
    )
    assert process.poll() is None, project.output(process)
    return process


@pytest.mark.parametrize(
    ("signum", "received"),
    [(signal.SIGINT, "KeyboardInterrupt"), (signal.SIGTERM, "TerminationSignal")],
)
def test_a_served_flow_runs_on_its_interval_until_a_signal_ends_it_with_code_0(
    project: Project, signum: int, received: str
) -> None:
    process = serving(project, 'tick.serve(name="every-second", interval=1)')
    listing = project.taskbook("schedule", "ls")
    assert "every-second [active]" in listing
    assert f"{project.root / 'flows.py'}:tick" in listing
    wait_until(lambda: project.completed_runs("tick") >= 1, "a completed run")

    assert project.stop(process, signum) == 0
    out = project.output(process)
    assert "Your flow 'tick' is being served and polling for scheduled runs!" in out
    assert "Schedule 'every-second': every 1 s from" in out
    assert "python -c 'from flows import tick; tick()'" in out
    assert f"Received {received}, shutting down..." in out
    assert "stopped" in out
    assert "paused schedule 'every-second' (pause_on_shutdown=True)" in out
    assert "Traceback" not in out
    assert project.schedules() == [("every-second", 1)]


def test_serving_again_replaces_the_schedule_and_unpauses_it(project: Project) -> None:
    first = serving(project, 'tick.serve(name="again", cron="0 0 1 1 *")')
    assert project.stop(first, signal.SIGINT) == 0
    assert project.schedules() == [("again", 1)]
    second = serving(
        project, 'tick.serve(name="again", interval=1, pause_on_shutdown=False)'
    )
    assert project.schedules() == [("again", 0)]
    assert "every 1 s" in project.taskbook("schedule", "ls")
    assert project.stop(second, signal.SIGTERM) == 0
    assert project.schedules() == [("again", 0)]  # still fires under `taskbook serve`


def test_a_cron_and_an_interval_schedule_of_one_flow(project: Project) -> None:
    process = serving(
        project,
        """
        tick.serve(
            name="both",
            schedules=[Cron("0 6 * * *", timezone="Europe/Berlin"), Interval(1, slug="fast")],
            parameters={"label": "from-serve"},
            tags=["onboarding"],
        )
        """,
    )
    assert project.schedules() == [("both.1", 0), ("both.fast", 0)]
    listing = project.taskbook("schedule", "ls")
    assert "cron '0 6 * * *' in Europe/Berlin" in listing
    assert "-p label 'from-serve'" in listing
    wait_until(lambda: project.completed_runs("tick") >= 1, "a run of the interval")
    [(parameters, tags), *_] = project.query(
        "SELECT parameters, tags FROM flow_runs WHERE flow_name = 'tick'"
    )
    assert "from-serve" in parameters
    assert "onboarding" in tags
    assert project.stop(process, signal.SIGTERM) == 0


def test_deployments_of_two_flows_are_served_together(project: Project) -> None:
    process = project.start(
        str(
            project.script(
                """
                from taskbook import serve
                serve(
                    tick.to_deployment("ticks", interval=1),
                    tock.to_deployment(name="tocks"),
                )
                """
            )
        )
    )
    wait_until(
        lambda: (
            "Your deployments are being served" in project.output(process)
            or process.poll() is not None
        ),
        "the starting message",
    )
    assert process.poll() is None, project.output(process)
    out = project.output(process)
    assert "  tick/ticks\n  tock/tocks" in out
    assert "tock/tocks has no schedule" in out
    assert "python -c 'from flows import tock; tock()'" in out
    wait_until(lambda: project.completed_runs("tick"), "a run of the scheduled flow")
    assert project.stop(process, signal.SIGINT) == 0
    assert project.schedules() == [("ticks", 1)]


def test_a_flow_served_without_a_schedule_says_how_to_run_it(project: Project) -> None:
    process = serving(project, 'tick.serve(name="by-hand")')
    out = project.output(process)
    assert "tick/by-hand has no schedule: it runs only when its flow is called" in out
    assert project.schedules() == []
    assert project.stop(process, signal.SIGINT) == 0


def test_a_bad_cron_fails_the_script_and_stores_nothing(project: Project) -> None:
    done = project.run(str(project.script('tick.serve(name="bad", cron="61 * * * *")')))
    assert done.returncode == 1
    assert 'InvalidCronError: Invalid cron string: "61 * * * *"' in done.stderr
    assert project.schedules() == []


def test_a_flow_from_python_c_cannot_be_served(project: Project) -> None:
    code = "from taskbook import flow\n@flow\ndef f(): pass\nf.serve(interval=60)"
    done = project.run("-c", code)
    assert done.returncode == 1
    assert "UnservableFlowError: Cannot serve flow 'f': it was defined in a " in (
        done.stderr
    )
    assert project.schedules() == []


def test_serve_is_refused_while_taskbook_serve_runs_and_says_what_to_do(
    project: Project,
) -> None:
    server = project.start("-m", "taskbook.cli", "serve")
    wait_until(
        lambda: "serving the schedules of" in project.output(server), "taskbook serve"
    )
    done = project.run(str(project.script('tick.serve(name="late", interval=60)')))
    assert done.returncode == 1
    assert (
        f"Another `taskbook serve` (process {server.pid}) already serves the store"
    ) in done.stderr
    assert f"kill -TERM {server.pid}" in done.stderr
    assert "taskbook schedule add" in done.stderr
    assert "--interval 60" in done.stderr
    assert "--name late" in done.stderr
    assert project.schedules() == []
    assert project.stop(server, signal.SIGTERM) == 0
