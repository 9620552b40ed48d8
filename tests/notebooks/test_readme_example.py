"""The README's 30-second example does what the README says it does."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from .tutorials import REPO, printed_lines, problems, run_headless, run_in_kernel

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent


def _readme_example(path: Path) -> Path:
    """Write the cells of the README's "In 30 seconds" section as a notebook."""
    readme = (REPO / "README.md").read_text()
    section = readme.split("## In 30 seconds", 1)[1].split("\n## ", 1)[0]
    cells = re.findall(r"```python\n(.*?)```", section, re.S)
    assert [c.split()[0] for c in cells] == [
        "%load_ext",
        "%%task",
        "%%task",
        "%%task",
        "%flow",
    ]
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(c.strip()) for c in cells]
    )
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)
    return path


def test_squares_and_cubes_depend_on_numbers_only_so_they_run_in_parallel(
    tmp_path: Path,
) -> None:
    notebook = _readme_example(tmp_path / "numbers.ipynb")
    done = subprocess.run(
        [str(BIN / "taskbook"), "graph", str(notebook), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    graph = json.loads(done.stdout)
    names = {n["id"]: n["name"] for n in graph["nodes"]}
    edges = {(names[e["from"]], names[e["to"]]) for e in graph["edges"]}
    assert ("numbers", "squares") in edges
    assert ("numbers", "cubes") in edges
    assert not {("squares", "cubes"), ("cubes", "squares")} & edges


def test_example_runs_headless_then_is_all_cache_hits(tmp_path: Path) -> None:
    notebook = _readme_example(tmp_path / "numbers.ipynb")
    out, home = tmp_path / "out.ipynb", tmp_path / "home"
    first = run_headless(BIN, notebook, out, home)
    assert first.returncode == 0, first.stderr
    assert "(3 ran)" in first.stdout + first.stderr
    again = run_headless(BIN, notebook, out, home)
    assert "(0 ran, 3 cached)" in again.stdout + again.stderr


def test_example_in_a_kernel_shows_the_graph_and_gantt(tmp_path: Path) -> None:
    notebook = _readme_example(tmp_path / "numbers.ipynb")
    done = run_in_kernel(BIN, notebook, tmp_path / "home")
    assert done.returncode == 0, done.stderr
    assert problems(notebook) == []
    lines = printed_lines(notebook, displays=True)
    assert any(ln.startswith("Flow run Completed") for ln in lines), lines
    run_cell = nbformat.read(notebook, as_version=4).cells[-1]
    html = "".join(o.get("data", {}).get("text/html", "") for o in run_cell.outputs)
    assert 'class="taskbook-run"' in html
    assert html.count("<svg") >= 2  # the state graph and the Gantt
