"""The wheel ships the built extension: a fresh venv without Node gets it enabled.

Builds the wheel from this checkout (the JS must be built already: the test
command's install builds it; ``skip-if-exists`` then keeps Node out of the wheel
build), installs it with JupyterLab into a new venv, and asks Jupyter what it sees.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import venv
from pathlib import Path

import pytest

import taskbook

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
BUILT = REPO / "src" / "taskbook" / "labextension"


def run(*args: str | Path, **kwargs) -> str:
    done = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, check=False, **kwargs
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return re.sub(r"\x1b\[[0-9;]*m", "", done.stdout + done.stderr)  # no colours


def test_the_extension_version_is_the_packages():
    package = json.loads((REPO / "labextension" / "package.json").read_text())
    assert package["version"] == taskbook.__version__
    assert package["name"] == "taskbook"  # = share/jupyter/labextensions/taskbook


@pytest.mark.timeout(900)  # pip builds the wheel and installs JupyterLab
def test_a_fresh_wheel_install_lists_the_extension_enabled(tmp_path):
    assert (BUILT / "static" / "style.js").is_file(), (
        "build the extension first: cd labextension && jlpm install && jlpm build:prod"
    )
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", tmp_path, REPO)
    (wheel,) = tmp_path.glob("taskbook-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    run(python, "-m", "pip", "install", "--quiet", wheel, "jupyterlab>=4,<5")
    # No Node on PATH: only the venv's bin and the system's core tools.
    env = {"PATH": f"{env_dir / 'bin'}:/bin", "HOME": str(tmp_path)}
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    listed = run(env_dir / "bin" / "jupyter", "labextension", "list", env=env)
    assert "taskbook v0.1.0 enabled" in listed
    assert "OK (python, taskbook)" in listed
    servers = run(env_dir / "bin" / "jupyter", "server", "extension", "list", env=env)
    assert "taskbook enabled" in servers
    shipped = env_dir / "share" / "jupyter" / "labextensions" / "taskbook"
    assert (shipped / "static" / "style.js").is_file()
    assert not any(p.name == "node_modules" for p in shipped.rglob("*"))
