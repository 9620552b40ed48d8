"""binder/ builds a working environment, as repo2docker would build it.

A fresh virtualenv gets ``binder/requirements.txt``, then ``binder/postBuild``
runs from a copy of the repository (repo2docker's order and working directory).
The environment must hold this checkout's taskbook (not PyPI's), list its
JupyterLab extensions, and run every tutorial headless and in a kernel. Slow: it
installs JupyterLab, pandas and pyarrow (from pip's cache when warm).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .tutorials import (
    PRINTED,
    REPO,
    copy_project,
    in_order,
    printed_lines,
    problems,
    run_headless,
    run_in_kernel,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]
# What a fresh clone has; the rest is local state repo2docker never sees.
_NOT_CLONED = shutil.ignore_patterns(
    ".git",
    ".cache",
    ".venv",
    "test-artifacts",
    "__pycache__",
    ".taskbook",
    "site",
    "output",
    "node_modules",
    "*.egg-info",
    ".pytest_cache",
    ".ruff_cache",
    "dist",
    "build",
)


def _run(command: list[str], cwd: Path, env: dict[str, str]) -> str:
    """Run ``command``; fail with its output unless it succeeds; return all it printed."""
    done = subprocess.run(
        command,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    assert done.returncode == 0, f"{command}:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def binder_env(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the binder environment; return its ``bin`` folder."""
    root = tmp_path_factory.mktemp("binder")
    repo = root / "repo"
    shutil.copytree(REPO, repo, ignore=_NOT_CLONED)
    venv = root / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], root, dict(os.environ))
    bin_dir = venv / "bin"
    env = {
        k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")
    }
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    env["VIRTUAL_ENV"] = str(venv)
    pip = [str(bin_dir / "python"), "-m", "pip", "install", "--quiet"]
    _run([*pip, "-r", "binder/requirements.txt"], repo, env)
    _run(["bash", "binder/postBuild"], repo, env)
    return bin_dir


def test_postbuild_only_installs_this_checkout_with_the_widgets_extra() -> None:
    lines = (REPO / "binder" / "postBuild").read_text().splitlines()
    commands = [ln for ln in lines if ln.strip() and not ln.startswith("#")]
    assert commands[-1] == 'python -m pip install ".[widgets,notebook]"'
    assert all(c.startswith(("set ", "cd ")) for c in commands[:-1]), commands
    requirements = (REPO / "binder" / "requirements.txt").read_text().splitlines()
    assert not [r for r in requirements if "taskbook" in r and not r.startswith("#")]


def test_binder_environment_holds_this_checkouts_taskbook(binder_env: Path) -> None:
    python = str(binder_env / "python")
    code = "import taskbook, pathlib; print(pathlib.Path(taskbook.__file__).parent)"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    installed = Path(_run([python, "-c", code], binder_env, env).splitlines()[0])
    assert binder_env.parent in installed.parents  # in the venv, not the checkout
    ours = REPO / "src" / "taskbook"
    for module in ("__init__.py", "runtime/__init__.py", "cellflow/headless.py"):
        assert _digest(installed / module) == _digest(ours / module), module
    widgets = "import ipywidgets, plotly, anywidget, pandas, pyarrow"
    _run([python, "-c", widgets], binder_env, env)


def test_binder_environment_lists_its_jupyterlab_extensions(binder_env: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    # jupyter prints the list on stderr; _run returns both streams.
    listing = _run(
        [str(binder_env / "jupyter"), "labextension", "list"], binder_env, env
    )
    assert "@jupyter-widgets/jupyterlab-manager" in listing, listing
    assert "enabled" in listing
    assert "OK" in listing


@pytest.mark.parametrize("name", sorted(PRINTED))
def test_tutorial_runs_in_the_binder_environment(
    name: str, binder_env: Path, tmp_path: Path
) -> None:
    folder = copy_project(tmp_path)
    out = tmp_path / "out.ipynb"
    headless = run_headless(binder_env, folder / name, out, tmp_path / "cli")
    assert headless.returncode == 0, headless.stdout + headless.stderr
    assert printed_lines(out) == PRINTED[name]

    kernel = run_in_kernel(binder_env, folder / name, tmp_path / "kernel")
    assert kernel.returncode == 0, kernel.stdout + kernel.stderr
    assert problems(folder / name) == []
    lines = printed_lines(folder / name, displays=True)
    assert in_order(PRINTED[name], lines), lines
