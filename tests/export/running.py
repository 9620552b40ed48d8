"""Run what the tests export: the module with plain python, the notebook with
``taskbook run``, each in a child process with its own TASKBOOK_HOME; and the
Prefect 3 server that Prefect runs in tests talk to."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest
from tests.cli.conftest import Cell, write_notebook

__all__ = (
    "Run",
    "export_notebook",
    "prefect_python",
    "prefect_server",
    "run_module",
    "run_notebook",
)

Run = subprocess.CompletedProcess[str]


def _env(home: Path) -> dict[str, str]:
    env = {**os.environ, "TASKBOOK_HOME": str(home), "MPLBACKEND": "Agg"}
    # As a user's shell runs them: Python's stdout block-buffered into a pipe.
    env.pop("PYTHONUNBUFFERED", None)
    env.setdefault("TASKBOOK_LOGGING_LEVEL", "WARNING")
    return env


def run_module(module: Path, *args: str, cwd: Path, timeout: float = 120) -> Run:
    """``python MODULE ARGS`` in ``cwd``."""
    return subprocess.run(
        [sys.executable, str(module), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=_env(cwd / ".home-module"),
        timeout=timeout,
        check=False,
    )


def run_notebook(notebook: Path, *args: str, cwd: Path, timeout: float = 120) -> Run:
    """``taskbook run NOTEBOOK ARGS`` in ``cwd`` (outputs echoed on stdout)."""
    return subprocess.run(
        [sys.executable, "-m", "taskbook.cli", "run", str(notebook), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=_env(cwd / ".home-run"),
        timeout=timeout,
        check=False,
    )


def export_notebook(
    folder: Path, cells: Sequence[Cell | None], *args: str, name: str = "nb"
) -> tuple[Path, Path]:
    """Write a notebook in ``folder`` and export it; return (notebook, module)."""
    notebook = write_notebook(folder / f"{name}.ipynb", cells)
    module = folder / f"{name}.py"
    done = subprocess.run(
        [sys.executable, "-m", "taskbook.cli", "export", str(notebook), *args],
        capture_output=True,
        text=True,
        cwd=folder,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return notebook, module


def prefect_python() -> str:
    """The Python that runs Prefect modules: this one (scripts/test.sh installs the
    ``prefect`` extra), or ``$TASKBOOK_TEST_PREFECT_PYTHON``; skip if it has no Prefect.

    The check finds the package without importing it (an import would touch
    Prefect's home folder).
    """
    python = os.environ.get("TASKBOOK_TEST_PREFECT_PYTHON", sys.executable)
    probe = (
        "import importlib.util, sys; sys.exit(not importlib.util.find_spec('prefect'))"
    )
    if subprocess.run([python, "-c", probe], check=False).returncode:
        pytest.skip('Prefect is not installed here: pip install "taskbook[prefect]"')
    return python


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def prefect_server(home: Path) -> Iterator[dict[str, str]]:
    """Run a Prefect 3 server with its home in ``home``; give the environment that
    points Prefect runs at it (one server for many runs: each run of an ephemeral
    server would migrate a new database first)."""
    python = prefect_python()
    port = free_port()
    env = {
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_UI_ENABLED": "false",
    }
    log = (home / "server.log").open("w")
    server = subprocess.Popen(
        [
            *(python, "-m", "prefect", "server", "start", "--host", "127.0.0.1"),
            *("--port", str(port), "--no-ui", "--no-services"),
        ],
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/api"
    try:
        wait_until_healthy(url, server, home / "server.log")
        yield {**env, "PREFECT_API_URL": url}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
        log.close()


def wait_until_healthy(url: str, server: subprocess.Popen, log: Path) -> None:
    """Return once the server answers; fail if it exits or never answers."""
    deadline = time.monotonic() + 600  # a generous bound, not a speed assumption
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the Prefect server exited:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    pytest.fail(f"the Prefect server did not answer:\n{log.read_text()}")
