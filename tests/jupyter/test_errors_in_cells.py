"""Errors where they belong, in a notebook: the cell at fault, final status lines,
errors before anything is drawn, one error class per condition."""

from __future__ import annotations

import threading
import time

import nbformat
import pytest
from IPython.utils.capture import capture_output


def run(ip, source):
    with capture_output() as captured:
        result = ip.run_cell(source)
    shown = "".join(str(o.data.get("text/plain", "")) + "\n" for o in captured.outputs)
    return result, captured.stdout + captured.stderr + shown, captured.outputs


def statuses(outputs) -> dict[str, str]:
    """The last text of each cell's status line (display id -> text)."""
    last = {}
    for output in outputs:
        display_id = (output.transient or {}).get("display_id", "")
        if display_id.startswith("taskbook-status-"):
            last[display_id] = str(output.data.get("text/plain", ""))
    return last


def saved_notebook(path, sources):
    """Save ``sources`` as a notebook (a markdown cell first); cell ids c1, c2..."""
    cells = [nbformat.v4.new_markdown_cell("# Orders")]
    for number, source in enumerate(sources, start=1):
        cell = nbformat.v4.new_code_cell(source)
        cell.id = f"c{number}"
        cells.append(cell)
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    return path


def last_line(reply, name):
    """The last status line a real kernel showed for task ``name``."""
    lines = [
        str(d.get("text/plain", ""))
        for d in reply.displays
        if str(d.get("text/plain", "")).split(" ", 1)[-1].startswith(f"{name}: ")
    ]
    return lines[-1] if lines else ""


def interrupted(kernel, code, started, cell_id=None):
    """Run ``code``; interrupt the kernel once file ``started`` exists; the reply."""
    replies = {}
    running = threading.Thread(
        target=lambda: replies.update(reply=kernel.execute(code, cell_id=cell_id))
    )
    running.start()
    deadline = time.monotonic() + 60  # a busy machine may take a while to start it
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert started.exists(), "the task never started"
    kernel.manager.interrupt_kernel()
    running.join(timeout=30)
    assert not running.is_alive()
    return replies["reply"]


# --- item 4: a bad %%task line fails its own cell only ---------------------------------


BAD_NOTEBOOK = [
    "%load_ext taskbook",
    "base = 2",
    "%%task broken --retires 2\nbad = base + 1",
    "%%task fine\ngood = base * 10",
    "%%task uses_bad\nworse = bad + 1",
]


@pytest.mark.slow
def test_a_bad_task_line_fails_only_its_cell_and_names_cell_and_line(
    kernel_factory, tmp_path
):
    notebook = saved_notebook(tmp_path / "orders.ipynb", BAD_NOTEBOOK)
    kernel = kernel_factory(tmp_path, notebook)
    for number in (1, 2):
        assert (
            kernel.execute(BAD_NOTEBOOK[number - 1], cell_id=f"c{number}").status
            == "ok"
        )

    # The other task cells run as usual.
    fine = kernel.execute(BAD_NOTEBOOK[3], cell_id="c4")
    assert fine.status == "ok", fine.everything
    assert last_line(fine, "fine").startswith("✓ fine: Completed")

    # The bad cell fails, saying which cell, which line and what is wrong.
    broken = kernel.execute(BAD_NOTEBOOK[2], cell_id="c3")
    assert broken.status == "error", broken.everything
    status = last_line(broken, "broken")
    assert status.startswith("✗ broken: Failed")
    assert "taskbook.errors._" not in status  # the error by its public name
    assert (
        "UnknownMagicOptionError: Cell 4 (%%task broken --retires 2): Unknown option "
        "'--retires' for %%task. Did you mean --retries?" in status
    )
    assert kernel.execute("print('bad' in globals())").text.strip() == "False"

    # %flow run runs the notebook around the failing cell.
    flow = kernel.execute("%flow run --no-view", cell_id="c9")
    assert flow.status == "error", flow.everything
    summary = flow.displays[-1]["text/plain"]
    assert "fine: Cached" in summary
    assert "broken: Failed" in summary
    assert "uses_bad: not run" in summary
    assert "Pass --after as" not in flow.everything


def test_a_bare_after_says_what_it_takes_once(ip):
    result, out, outputs = run(ip, "%%task t --after\nx = 1")
    assert not result.success
    (status,) = statuses(outputs).values()
    assert (
        "%%task option --after has no value. Write --after followed by T[,T...]."
        in status
    )
    assert "value after --after" not in out


# --- item 5: status lines end in the final state and its reason ------------------------


def test_a_missing_input_ends_the_status_line_not_ready_with_the_reason(ip):
    run(ip, "%%task make\nbase = 2")
    del ip.user_ns["base"]
    result, _out, outputs = run(ip, "%%task use\ndoubled = base * 2")
    assert not result.success
    (status,) = statuses(outputs).values()
    assert "Running" not in status
    assert status.startswith("… use: not run — Task 'use' (cell 2) reads 'base', ")
    assert "which 'make' produces" in status


@pytest.mark.slow
def test_an_interrupt_ends_the_status_line_cancelled(kernel_factory, tmp_path):
    kernel = kernel_factory(tmp_path)
    kernel.execute("%load_ext taskbook")
    started = tmp_path / "slow.started"
    cell = (
        "%%task slow --no-cache\nimport pathlib, time\n"
        f"pathlib.Path({str(started)!r}).touch()\n"
        "for _ in range(600):\n    time.sleep(0.1)"
    )
    reply = interrupted(kernel, cell, started, cell_id="s1")

    status = last_line(reply, "slow")
    assert status == "⊘ slow: Cancelled — The task run was cancelled by an interrupt."


@pytest.mark.slow
def test_an_interrupted_flow_run_leaves_each_status_line_in_its_final_state(
    kernel_factory, tmp_path
):
    kernel = kernel_factory(tmp_path)
    kernel.execute("%load_ext taskbook")
    started, go = tmp_path / "slow.started", tmp_path / "slow.go"
    go.touch()
    slow = (
        "%%task slow --no-cache\nimport pathlib, time\n"
        f"pathlib.Path({str(started)!r}).touch()\n"
        f"while not pathlib.Path({str(go)!r}).exists():\n    time.sleep(0.1)"
    )
    kernel.execute("%%task quick\nx = 1", cell_id="q1")
    kernel.execute(slow, cell_id="s1")  # both cells now show a status line
    go.unlink()
    started.unlink()
    reply = interrupted(kernel, "%flow run --no-view", started)

    assert last_line(reply, "quick") == "↻ quick: Cached (cache hit)"
    assert last_line(reply, "slow").startswith("⊘ slow: Cancelled")


def test_a_dependency_cycle_ends_the_status_line_failed_with_the_cycle(ip):
    run(ip, "%%task a\nx = 1")
    run(ip, "%%task b\ny = 1")
    run(ip, "%%task a --after b\nx = 1")
    result, _out, outputs = run(ip, "%%task b --after a\ny = 1")
    assert not result.success
    (status,) = statuses(outputs).values()
    assert "Running" not in status
    assert status.startswith("✗ b: Failed — DependencyCycleError: Dependency cycle")


# --- item 6: validate before drawing; one error class per condition --------------------


def test_an_unknown_only_is_an_error_before_anything_is_drawn(ip):
    run(ip, "%%task a\nx = 1")
    result, out, outputs = run(ip, "%flow run --only nosuch")
    assert not result.success
    assert "UnknownTaskError: No task named 'nosuch'" in out
    assert outputs == []  # no live view, no "Running the notebook's cells" line
    assert "Running the notebook" not in out


def test_a_parameter_value_that_does_not_fit_its_declaration_is_one_error(ip):
    result, out, _ = run(ip, "%%params\nn: int = 'abc'")
    assert not result.success
    assert "TraitError" not in out
    assert "Traceback" not in out
    assert (
        "ParameterValueError: The parameters cell sets n = 'abc', but its declaration "
        "wants an int, so the parameter form cannot show it. Change the value, or "
        "the annotation, so that they agree."
    ) in out


FAILING_FLOW = (
    "from taskbook import flow, task, get_run_logger\n"
    "@task\n"
    "def parse(x):\n"
    "    get_run_logger().info('parsing %s', x)\n"
    "    raise ValueError(f'bad row {x}')\n"
    "@flow\n"
    "def etl():\n"
    "    return parse(3)\n"
    "etl()"
)


@pytest.mark.slow
def test_a_failing_flow_shows_the_users_frames_and_calm_info_lines(
    kernel_factory, tmp_path
):
    kernel = kernel_factory(tmp_path)
    kernel.execute("%load_ext taskbook")
    kernel.execute("%colors nocolor")
    reply = kernel.execute(FAILING_FLOW)

    # INFO lines are not styled as errors; the ERROR lines are.
    assert "INFO    | Task run 'parse-0' - parsing 3" in reply.text
    assert "INFO" not in reply.stderr
    assert "ERROR   | Task run 'parse-0' - Task run failed" in reply.stderr

    # The traceback: the cell, the flow, the task; nothing from taskbook.
    (trace,) = reply.tracebacks
    frames = [line for line in trace.splitlines() if line.startswith(("Cell", "File"))]
    assert frames == [
        "Cell In[3], line 9",
        "Cell In[3], line 8, in etl()",
        "Cell In[3], line 5, in parse(x)",
    ]
    assert trace.rstrip().endswith("ValueError: bad row 3")
    assert "frames inside taskbook hidden; %xmode --show shows them" in reply.stderr

    # Full traces on request, with IPython's switch for hidden frames.
    kernel.execute("%xmode --show")
    (full,) = kernel.execute("etl()").tracebacks
    assert "taskbook/api/flows.py" in full
    assert "Cell In[3], line 8, in etl()" in full
    kernel.execute("%xmode --hide")
    (again,) = kernel.execute("etl()").tracebacks
    assert "taskbook/" not in again


@pytest.mark.slow
def test_taskbook_warnings_name_the_cell_not_taskbooks_files(kernel_factory, tmp_path):
    notebook = saved_notebook(
        tmp_path / "hidden.ipynb", ["%load_ext taskbook", "y = nowhere + 1"]
    )
    kernel = kernel_factory(tmp_path, notebook)
    kernel.execute("%load_ext taskbook")

    reply = kernel.execute("%flow show")

    assert (
        "NotebookGraphWarning: Cell 3 ('cell-3') reads 'nowhere', which no earlier "
        "cell defines (hidden state)."
    ) in reply.stderr
    assert ".py:" not in reply.stderr
    assert "taskbook" not in reply.stderr.replace("NotebookGraphWarning", "")
