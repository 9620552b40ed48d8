"""``taskbook run`` checks what can fail before running: an output it cannot write."""

from __future__ import annotations

from faults.programs import run_taskbook, write_notebook


def test_an_output_on_a_read_only_disk_is_a_usage_error_before_anything_runs(
    tmp_path, small_disk, observe
):
    seen = observe("unwritable-output")
    disk = small_disk("1m")
    disk.read_only()
    notebook = write_notebook(tmp_path / "nb.ipynb", ["open('ran', 'w').close()"])
    target = disk.path / "out.ipynb"
    result = run_taskbook(tmp_path, "run", str(notebook), str(target))
    assert result.returncode == 2, result.stderr
    assert f"cannot write to the folder {str(disk.path)!r}" in result.stderr
    assert "Read-only file system" in result.stderr
    assert not (tmp_path / "ran").exists()  # nothing ran
    seen(
        f"exit {result.returncode}, naming the folder (Read-only file system); no cell ran"
    )
