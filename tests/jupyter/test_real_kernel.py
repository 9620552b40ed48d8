"""The notebook is the flow, in real kernels: cached reruns, restarts, edits, interrupts."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.slow


def _states(text: str) -> dict[str, str]:
    """Parse the run summary's lines ``  ✓ name: State ...`` into name -> state."""
    found = {}
    for match in re.finditer(
        r"^\s+\S+ ([\w-]+): (\w[\w ]*?)(?: in | after |\(| —|$)", text, re.M
    ):
        found[match.group(1)] = match.group(2).strip()
    return found


def _summary(reply) -> str:
    for data in reversed(reply.displays):
        # The summary's headline, not the live view's static copy ("Flow run 'x' ...").
        if re.match(r"Flow run \w+ in ", str(data.get("text/plain", ""))):
            return str(data["text/plain"])
    raise AssertionError(f"no run summary in:\n{reply.everything}")


def test_example_notebook_gives_the_same_results_in_a_kernel_and_headless(
    project, tmp_path
):
    notebook = project / "notebooks" / "01_etl.ipynb"
    nb = nbformat.read(notebook, as_version=4)
    client = NotebookClient(
        nb,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(project / "notebooks")}},
    )
    import os

    os.environ["TASKBOOK_HOME"] = str(tmp_path / "kernel-home")
    try:
        client.execute()
    finally:
        os.environ.pop("TASKBOOK_HOME")
    printed = "".join(
        o.get("text", "")
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
    )
    assert "top region: north (1510.15 EUR)" in printed
    assert (project / "notebooks" / "output").is_dir(), sorted(
        p.name for p in project.rglob("*")
    )
    interactive = (project / "notebooks" / "output" / "region_totals.csv").read_text()

    (project / "notebooks" / "output" / "region_totals.csv").unlink()
    headless = subprocess.run(
        [
            str(Path(sys.executable).parent / "taskbook"),
            "run",
            str(notebook),
            str(tmp_path / "out.ipynb"),
            "--cwd",
            str(project / "notebooks"),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "TASKBOOK_HOME": str(tmp_path / "cli-home")},
        timeout=120,
    )
    assert headless.returncode == 0, headless.stderr
    assert (
        project / "notebooks" / "output" / "region_totals.csv"
    ).read_text() == interactive
    out = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    headless_printed = "".join(
        o.get("text", "")
        for c in out.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
    )
    assert "top region: north (1510.15 EUR)" in headless_printed


def test_second_run_and_run_after_restart_execute_nothing(project, kernel_factory):
    notebook = project / "notebooks" / "01_etl.ipynb"
    kernel = kernel_factory(project / "notebooks", notebook)
    assert kernel.execute("%load_ext taskbook").status == "ok"
    first = kernel.execute("%flow run", timeout=120)
    assert first.status == "ok", first.everything
    assert "from the saved notebook" in first.text
    states = _states(_summary(first))
    assert states["rates"] == "Completed"
    assert states["extract"] == "Completed"
    assert (
        len(states) == 10
    )  # every DAG cell: params, 2 plain, 6 tasks, the summary cell

    second = kernel.execute("%flow run", timeout=120)
    assert set(_states(_summary(second)).values()) == {"Cached"}, second.everything
    assert "top region: north (1510.15 EUR)" in second.everything  # outputs replayed

    kernel.restart()
    assert kernel.execute("%load_ext taskbook").status == "ok"
    after = kernel.execute("%flow run", timeout=120)
    assert set(_states(_summary(after)).values()) == {"Cached"}, after.everything
    check = kernel.execute("print(len(clean), region_totals.shape)")
    assert check.text.strip() == "60 (4, 4)"  # values restored into the namespace


def test_editing_a_helper_reruns_exactly_the_tasks_that_call_it(
    project, kernel_factory
):
    notebook = project / "notebooks" / "01_etl.ipynb"
    kernel = kernel_factory(project / "notebooks", notebook)
    kernel.execute("%load_ext taskbook")
    assert kernel.execute("%flow run", timeout=120).status == "ok"

    nb = nbformat.read(notebook, as_version=4)
    helper = next(c for c in nb.cells if c.source.startswith("def to_eur"))
    # Same result, different code: the caller reruns, its readers stay cached.
    helper.source = helper.source.replace(
        'orders["quantity"] * orders["unit_price"]',
        'orders["unit_price"] * orders["quantity"]',
    )
    nbformat.write(nb, notebook)
    reply = kernel.execute("%flow run", timeout=120)
    states = _states(_summary(reply))
    ran = sorted(name for name, state in states.items() if state != "Cached")
    assert ran == ["cell-5", "clean"], (
        reply.everything
    )  # the helper's cell and its caller
    why = kernel.execute("%flow why clean")
    assert "helper function 'to_eur' changed" in why.text


def test_stale_reruns_exactly_the_cells_whose_key_changed(project, kernel_factory):
    notebook = project / "notebooks" / "01_etl.ipynb"
    kernel = kernel_factory(project / "notebooks", notebook)
    kernel.execute("%load_ext taskbook")
    assert kernel.execute("%flow run --no-view", timeout=120).status == "ok"

    nb = nbformat.read(notebook, as_version=4)
    by_product = next(c for c in nb.cells if c.source.startswith("%%task by_product"))
    by_product.source = by_product.source.replace("ascending=False", "ascending=True")
    nbformat.write(nb, notebook)
    reply = kernel.execute("%flow run --stale --no-view", timeout=120)

    assert reply.status == "ok", reply.everything
    # by_product changed; load reads its result; nothing else is part of the run.
    assert _states(_summary(reply)) == {
        "by_product": "Completed",
        "load": "Completed",
    }
    again = kernel.execute("%flow run --stale --no-view", timeout=120)
    assert _states(_summary(again)) == {}, again.everything


def test_interrupt_cancels_the_run_and_the_kernel_answers_at_once(
    project, kernel_factory
):
    notebook = project / "notebooks" / "slow.ipynb"
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("%load_ext taskbook"),
            nbformat.v4.new_code_cell("%%task quick\nx = 1"),
            nbformat.v4.new_code_cell(
                "%%task slow\nimport pathlib, time\npathlib.Path('slow.started').touch()\n"
                "for _ in range(300):\n    time.sleep(0.1)\ny = x"
            ),
            nbformat.v4.new_code_cell(
                "%%task slower\nimport time\ntime.sleep(30)\nz = x"
            ),
        ]
    )
    nbformat.write(nb, notebook)
    kernel = kernel_factory(project / "notebooks", notebook)
    kernel.execute("%load_ext taskbook")
    replies = {}
    runner = threading.Thread(
        target=lambda: replies.update(run=kernel.execute("%flow run", timeout=60))
    )
    runner.start()
    started = project / "notebooks" / "slow.started"
    deadline = time.monotonic() + 60  # a busy machine may take a while to get there
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert started.exists(), "the slow task never started"
    time.sleep(0.5)
    interrupted = time.perf_counter()
    kernel.manager.interrupt_kernel()
    runner.join(timeout=10)
    assert not runner.is_alive()
    answered = kernel.execute("print(1 + 1)", timeout=10)
    assert answered.text.strip() == "2"
    assert time.perf_counter() - interrupted < 2.0 + answered.seconds
    check = kernel.execute(
        "import taskbook\n"
        "table = taskbook.runs()\n"
        "print(len(table), 'runs')\n"
        "record = taskbook.get_run(table.iloc[0]['id'])\n"
        "print(record.state_name, sorted((t.task_name, t.state_name) for t in record.task_runs))"
    )
    assert check.text.startswith("1 runs\nCancelled"), check.everything
    assert "('slow', 'Cancelled')" in check.text
    assert "('quick', 'Completed')" in check.text


VIEWS_NOTEBOOK = [
    "%load_ext taskbook",
    "%%task quick\nx = 1",
    "%%task slow --no-cache\nimport time\ntime.sleep(0.8)\ny = x + 1",
    "%flow run",
    "from taskbook import flow, task\n\n@task\ndef inc(v):\n    return v + 1\n\n"
    "@flow\ndef small():\n    return inc(1)\n\nsmall()",
    # Attached by hand (no finish() call): the view finishes when the cell ends.
    "%config TaskbookMagics.live_view = False\n"
    "from taskbook.widgets import LiveView\nLiveView().attach()\nsmall()",
]


def test_an_executed_notebook_keeps_the_static_copies_of_its_runs(tmp_path):
    """nbclient (as papermill) saves each view's static copy, never stateless widgets."""
    import os

    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(source) for source in VIEWS_NOTEBOOK]
    )
    client = NotebookClient(
        nb,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    os.environ["TASKBOOK_HOME"] = str(tmp_path / "home")
    try:
        client.execute()
    finally:
        os.environ.pop("TASKBOOK_HOME")
    nbformat.validate(nb)

    def outputs(index):
        return nb.cells[index].outputs

    for index, names in ((3, (">quick<", ">slow<")), (4, (">inc<",)), (5, (">inc<",))):
        data = [o.get("data", {}) for o in outputs(index)]
        statics = [
            d["text/html"] for d in data if "taskbook-run" in d.get("text/html", "")
        ]
        assert len(statics) == 1, data
        for name in names:
            assert name in statics[0]
        # The slow run had live widgets; the saved notebook holds only the copy.
        assert not any("application/vnd.jupyter.widget-view+json" in d for d in data)
        assert not any("waiting for the flow run" in str(d) for d in data)
    # The flow call's own result is still the cell's result.
    assert outputs(4)[-1]["output_type"] == "execute_result"
    assert outputs(4)[-1]["data"]["text/plain"] == "2"


def test_only_after_a_restart_restores_the_inputs_from_the_cache(
    project, kernel_factory
):
    kernel = kernel_factory(project / "notebooks", project / "notebooks/01_etl.ipynb")
    for code in ("%load_ext taskbook", "%flow run --no-view"):
        assert kernel.execute(code, timeout=120).status == "ok"

    kernel.restart()
    kernel.execute("%load_ext taskbook")
    reply = kernel.execute("%flow run --only by_region --no-view", timeout=120)

    assert reply.status == "ok", reply.everything
    assert _states(_summary(reply)) == {"by_region": "Cached"}
    assert re.search(
        r"Inputs restored from the cache of cells not selected: .*\bclean\b", reply.text
    ), reply.everything
    check = kernel.execute("print(len(clean), region_totals.shape)")
    assert check.text.strip() == "60 (4, 4)"


CWD = ("--cwd", "notebooks")


def test_the_cli_and_a_kernel_in_the_notebook_folder_share_one_store(
    project, kernel_factory
):
    import os

    (project / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    (project / ".taskbook").mkdir()  # as the demo's flow leaves it at the root
    env = {k: v for k, v in os.environ.items() if k != "TASKBOOK_HOME"}
    headless = subprocess.run(
        [sys.executable, "-m", "taskbook.cli", "run", "notebooks/01_etl.ipynb", *CWD],
        capture_output=True,
        text=True,
        cwd=project,
        env=env,
        timeout=300,
        check=False,
    )
    assert headless.returncode == 0, headless.stderr

    notebook = project / "notebooks" / "01_etl.ipynb"
    kernel = kernel_factory(project / "notebooks", notebook, own_home=False)
    kernel.execute("%load_ext taskbook")
    reply = kernel.execute("%flow run --no-view", timeout=120)
    status = kernel.execute("%flow status")

    assert set(_states(_summary(reply)).values()) == {"Cached"}, reply.everything
    assert not (project / "notebooks" / ".taskbook").exists()
    assert str(project / ".taskbook") in status.text
