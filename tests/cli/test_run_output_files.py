"""``taskbook run`` of the example notebook after its output files were deleted.

The cache must not hide a missing effect: the cell that wrote a deleted file runs
again (and writes it back), every other cell stays a cache hit.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the example notebook and its data, as a user's project."""
    shutil.copytree(
        REPO / "notebooks",
        tmp_path / "notebooks",
        ignore=shutil.ignore_patterns("output", ".taskbook"),
    )
    shutil.copytree(REPO / "examples" / "data", tmp_path / "examples" / "data")
    return tmp_path


def _run(project: Path) -> tuple[str, dict[str, str]]:
    """Run the notebook as the README says; return stdout and cell -> state name."""
    out = project / "out.ipynb"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "taskbook.cli",
            "run",
            "notebooks/01_etl.ipynb",
            str(out),
            "--cwd",
            "notebooks",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "TASKBOOK_HOME": str(project / "home")},
        cwd=project,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    cells = nbformat.read(out, as_version=4).cells
    states = {
        c.metadata["taskbook"]["name"]: c.metadata["taskbook"]["state_name"]
        for c in cells
        if "taskbook" in c.metadata
    }
    return result.stderr, states


@pytest.mark.parametrize("lost", ["region_totals.csv", "product_totals.parquet"])
def test_a_deleted_output_file_reruns_load_only(project: Path, lost: str) -> None:
    output = project / "notebooks" / "output"
    _run(project)
    output.joinpath(lost).unlink()

    stderr, states = _run(project)

    assert {name for name, state in states.items() if state != "Cached"} == {"load"}
    assert states["load"] == "Completed"
    assert "(1 ran, 9 cached)" in stderr
    assert output.joinpath(lost).is_file()
    _, again = _run(project)
    assert set(again.values()) == {"Cached"}
