"""Every tutorial in ``notebooks/`` runs headless and in a real kernel, as documented.

Each one must finish without an error and print the lines ``tutorials.PRINTED``
expects; the scenarios the tutorials describe in prose (``-p``, a failure and
resume, a kernel restart) are run here too.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .tutorials import (
    NOTEBOOKS,
    PRINTED,
    WRITES,
    copy_project,
    in_order,
    printed_lines,
    problems,
    run_headless,
    run_in_kernel,
    tutorials,
)

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent


def _cell_states(notebook: Path) -> dict[str, str]:
    cells = json.loads(notebook.read_text())["cells"]
    return {
        c["metadata"]["taskbook"]["name"]: c["metadata"]["taskbook"]["state_name"]
        for c in cells
        if "taskbook" in c.get("metadata", {})
    }


def test_every_tutorial_has_expected_output_and_none_is_left_out() -> None:
    assert tutorials() == sorted(PRINTED)
    assert len(tutorials()) >= 5


@pytest.mark.parametrize("name", sorted(PRINTED))
def test_committed_tutorials_carry_no_outputs(name: str) -> None:
    cells = json.loads((NOTEBOOKS / name).read_text())["cells"]
    code = [c for c in cells if c["cell_type"] == "code"]
    assert [c["outputs"] for c in code] == [[] for _ in code]
    assert {c["execution_count"] for c in code} == {None}
    assert (
        json.loads((NOTEBOOKS / name).read_text())["metadata"]["kernelspec"]["name"]
        == "python3"
    )


@pytest.mark.parametrize("name", sorted(PRINTED))
def test_tutorial_runs_headless_and_prints_what_it_says(
    name: str, tmp_path: Path
) -> None:
    folder = copy_project(tmp_path)
    out = tmp_path / "out.ipynb"
    done = run_headless(BIN, folder / name, out, tmp_path / "home")
    assert done.returncode == 0, done.stdout + done.stderr
    assert printed_lines(out) == PRINTED[name]
    assert problems(out) == []
    assert set(_cell_states(out).values()) == {"Completed"}
    for written in WRITES.get(name, []):
        assert (folder / written).is_file(), written


@pytest.mark.parametrize("name", sorted(PRINTED))
def test_tutorial_runs_in_a_real_kernel_and_prints_what_it_says(
    name: str, tmp_path: Path
) -> None:
    folder = copy_project(tmp_path)
    done = run_in_kernel(BIN, folder / name, tmp_path / "home")
    assert done.returncode == 0, done.stdout + done.stderr
    executed = folder / name
    assert problems(executed) == []
    lines = printed_lines(executed, displays=True)
    assert in_order(PRINTED[name], lines), lines
    for written in WRITES.get(name, []):
        assert (folder / written).is_file(), written


def test_parameters_tutorial_takes_p_values_and_rejects_a_bad_one(
    tmp_path: Path,
) -> None:
    folder = copy_project(tmp_path)
    notebook, home = folder / "02_parameters.ipynb", tmp_path / "home"
    out = tmp_path / "out.ipynb"
    assert run_headless(BIN, notebook, out, home).returncode == 0

    args = ("-p", "region", "south", "-p", "top_n", "3")
    done = run_headless(BIN, notebook, out, home, *args)

    assert done.returncode == 0, done.stderr
    assert printed_lines(out) == [
        "read 62 orders",
        "17 orders in south with quantity >= 1",
        "top 3 in south: widget (77), gizmo (53), gadget (41)",
    ]
    # As the tutorial says: extract reads no parameter, so it stays a cache hit.
    states = _cell_states(out)
    assert states["extract"] == "Cached"
    assert (states["select"], states["top_products"]) == ("Completed", "Completed")

    bad = run_headless(BIN, notebook, out, home, "-p", "top_n", "9")
    assert bad.returncode == 2
    assert "Parameter 'top_n' got 9, which is not an int >= 1 and <= 5." in bad.stderr
    assert "Valid parameters: orders_csv (str), region (str)" in bad.stderr


def test_resume_tutorial_fails_then_reruns_only_what_failed(tmp_path: Path) -> None:
    folder = copy_project(tmp_path)
    notebook, out, home = (
        folder / "04_resume.ipynb",
        tmp_path / "out.ipynb",
        tmp_path / "home",
    )

    failed = run_headless(BIN, notebook, out, home, "-p", "outage", "True")
    assert failed.returncode == 1
    assert "rates service is down (simulated)" in failed.stdout + failed.stderr
    states = _cell_states(out)
    assert (states["extract"], states["rates"]) == ("Completed", "Failed")
    assert states["report"] == "NotReady"

    resumed = run_headless(BIN, notebook, out, home)
    assert resumed.returncode == 0, resumed.stderr
    states = _cell_states(out)
    assert states["extract"] == "Cached"
    assert (states["rates"], states["report"]) == ("Completed", "Completed")
    assert printed_lines(out) == PRINTED["04_resume.ipynb"]


def _without_flow_cells(source: Path, dest: Path) -> None:
    """Copy a notebook without its ``%flow`` cells: each cell runs on its own."""
    nb = json.loads(source.read_text())
    nb["cells"] = [
        c for c in nb["cells"] if not "".join(c["source"]).startswith("%flow")
    ]
    dest.write_text(json.dumps(nb))


def test_resume_tutorial_after_a_kernel_restart_is_all_cache_hits(
    tmp_path: Path,
) -> None:
    folder = copy_project(tmp_path)
    notebook, home = folder / "04_resume.ipynb", tmp_path / "home"
    statuses = [f"{task}: " for task in ("extract", "rates", "report")]

    _without_flow_cells(NOTEBOOKS / "04_resume.ipynb", notebook)
    first = run_in_kernel(BIN, notebook, home)
    assert first.returncode == 0, first.stderr
    lines = printed_lines(notebook, displays=True)
    for status in statuses:
        assert any(ln.startswith(f"✓ {status}Completed in") for ln in lines), lines

    _without_flow_cells(NOTEBOOKS / "04_resume.ipynb", notebook)
    again = run_in_kernel(BIN, notebook, home)  # a new kernel: the restart

    assert again.returncode == 0, again.stderr
    lines = printed_lines(notebook, displays=True)
    for status in statuses:
        assert f"↻ {status}Cached (cache hit)" in lines, lines
    assert in_order(PRINTED["04_resume.ipynb"], lines), lines  # replayed


def test_production_tutorial_in_a_kernel_adds_lists_and_removes_its_schedule(
    tmp_path: Path,
) -> None:
    # `%flow schedule` lines steer the kernel: a headless run leaves them out,
    # and the next fire times depend on today, so PRINTED cannot hold them.
    folder = copy_project(tmp_path)
    notebook, home = folder / "06_production.ipynb", tmp_path / "home"
    done = run_in_kernel(BIN, notebook, home)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = printed_lines(notebook, displays=True)

    added = lines.index(
        f"Added schedule 'top-products-south': {folder / '02_parameters.ipynb'} "
        "-p region 'south', cron '0 6 * * 1-5' in Europe/Paris."
    )
    assert lines[added + 1] == "Next fire times:"
    fire_time = re.compile(r"  \d{4}-\d\d-\d\d 06:00 CES?T \(0[45]:00 UTC\)")
    assert all(fire_time.fullmatch(ln) for ln in lines[added + 2 : added + 7]), lines
    assert any(ln.startswith("top-products-south [active]") for ln in lines), lines
    assert lines[-1] == "Removed schedule 'top-products-south'."
    listing = subprocess.run(
        [str(BIN / "taskbook"), "schedule", "ls"],
        capture_output=True,
        text=True,
        env={**os.environ, "TASKBOOK_HOME": str(home)},
        check=True,
    )
    assert "top-products-south" not in listing.stdout
