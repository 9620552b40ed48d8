"""``taskbook run`` checks what can fail before running: an output it cannot write."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat


def _notebook(folder: Path) -> Path:
    nb = nbformat.v4.new_notebook(
        metadata={
            "kernelspec": {
                "name": "python3",
                "language": "python",
                "display_name": "Python 3",
            }
        }
    )
    nb.cells.append(nbformat.v4.new_code_cell("open('ran', 'w').close()"))
    nb.cells[0].id = "c0"
    path = folder / "nb.ipynb"
    nbformat.write(nb, path)
    return path


def test_an_output_on_a_read_only_disk_is_a_usage_error_before_anything_runs(
    tmp_path, small_disk, observe
):
    seen = observe("unwritable-output")
    disk = small_disk("1m")
    disk.read_only()
    notebook = _notebook(tmp_path)
    target = disk.path / "out.ipynb"
    result = subprocess.run(
        [sys.executable, "-m", "taskbook.cli", "run", str(notebook), str(target)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "TASKBOOK_HOME": str(tmp_path / "home")},
        timeout=120,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert f"cannot write to the folder {str(disk.path)!r}" in result.stderr
    assert "Read-only file system" in result.stderr
    assert not (tmp_path / "ran").exists()  # nothing ran
    seen(
        f"exit {result.returncode}, naming the folder (Read-only file system); no cell ran"
    )
