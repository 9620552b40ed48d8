"""The magics in an in-process IPython shell: errors, status lines, %flow subcommands."""

from __future__ import annotations

import time

import pytest
from IPython.utils.capture import capture_output


def run(ip, source):
    with capture_output() as captured:
        result = ip.run_cell(source)
    shown = "".join(str(o.data.get("text/plain", "")) + "\n" for o in captured.outputs)
    return result, captured.stdout + captured.stderr + shown


def test_a_task_cell_runs_through_the_engine_and_shows_its_status(ip):
    run(ip, "n = 3")
    result, out = run(
        ip,
        "%%task squares --retries 1\nxs = [i * i for i in range(n)]\nprint('made', xs)",
    )
    assert result.success
    assert ip.user_ns["xs"] == [0, 1, 4]
    assert "made [0, 1, 4]" in out
    assert "squares: Completed" in out
    _, again = run(
        ip,
        "%%task squares --retries 1\nxs = [i * i for i in range(n)]\nprint('made', xs)",
    )
    assert "squares: Cached" in again
    assert "made [0, 1, 4]" in again  # the cache hit replays the output


def test_an_unknown_flag_names_the_flag_and_the_valid_ones(ip):
    result, out = run(ip, "%%task t --retriez 2\nx = 1")
    assert not result.success
    assert "Unknown option '--retriez' for %%task" in out
    assert "--retries" in out
    assert "x" not in ip.user_ns


def test_a_missing_input_names_its_producer_and_how_to_run_it(ip):
    run(ip, "%%task make\nbase = 2")
    del ip.user_ns["base"]
    result, out = run(ip, "%%task use\ndoubled = base * 2")
    assert not result.success
    assert "reads 'base', which 'make' produces" in out
    assert "%flow run --to make" in out


def test_a_failing_task_marks_the_cell_failed_with_its_error(ip):
    result, out = run(ip, "%%task boom\nraise ValueError('bad row 7')")
    assert not result.success
    assert "ValueError: bad row 7" in out
    assert "boom: Failed" in out


def test_flow_run_runs_every_executed_cell_and_reports_a_summary(ip):
    run(ip, "a = 1")
    run(ip, "%%task left\nb = a + 1")
    run(ip, "%%task right\nc = a + 2")
    result, out = run(ip, "%flow run")
    assert result.success
    assert "Flow run Completed" in out
    assert "left: Cached" in out
    assert "right: Cached" in out


def test_flow_run_background_leaves_the_shell_usable(ip):
    run(ip, "%%task slow --no-cache\nimport time\ntime.sleep(0.5)\ndone = True")
    started = time.perf_counter()
    result, _out = run(ip, "%flow run --background")
    assert result.success
    assert time.perf_counter() - started < 0.4
    side = ip._taskbook_magics[0].side
    side.background.join(timeout=10)
    assert side.last_result is not None
    assert side.last_result.state.is_completed()


def test_flow_subcommand_and_flag_errors_are_one_line(ip):
    _result, out = run(ip, "%flow sprint")
    assert "Unknown option 'sprint' for %flow" in out
    _result, out = run(ip, "%flow run --max-workers zero")
    assert "--max-workers" in out
    assert "a positive integer" in out


def test_flow_why_explains_a_rerun(ip):
    run(ip, "k = 1")
    run(ip, "%%task twice\nv = k * 2")
    run(ip, "%flow run")
    _, out = run(ip, "%flow why twice")
    assert "cache hit" in out
    run(ip, "%%task twice\nv = k * 3")  # edited and rerun: same task, new source
    _, out = run(ip, "%flow why twice")
    assert "its source changed" in out


def test_task_cells_keep_the_flow_lifecycle_lines_off_the_output(ip):
    _result, out = run(ip, "%%task quiet\nx = 1")
    assert "quiet: Completed" in out
    assert "Beginning flow run" not in out
    assert "Finished in state" not in out
    _result, out = run(ip, "%flow run")
    assert "Beginning flow run" not in out


def test_flow_logs_prints_the_lines_a_task_logged(ip):
    run(
        ip,
        "%%task talk\nfrom taskbook import get_run_logger\n"
        "get_run_logger().warning('rows dropped: 3')",
    )
    from taskbook.engine.session import get_session

    get_session().store.flush()
    _result, out = run(ip, "%flow logs talk")
    assert "rows dropped: 3" in out


@pytest.mark.slow
def test_flow_run_on_a_dask_local_cluster_brings_values_back(ip):
    import os

    run(ip, "base = 4")
    run(ip, "%%task far\nimport os\nwhere = os.getpid()\nsquare = base * base")
    result, out = run(ip, "%flow run --runner dask --max-workers 1 --force --no-view")
    assert result.success, out
    assert "far: Completed" in out
    assert ip.user_ns["square"] == 16
    assert ip.user_ns["where"] != os.getpid()


def test_flow_export_writes_the_executed_cells_as_a_module(ip, tmp_path):
    run(ip, "n = 3")
    run(ip, "%%task squares --retries 1\nxs = [i * i for i in range(n)]")
    module = tmp_path / "flow.py"
    result, out = run(ip, f"%flow export {module}")
    assert result.success, out
    assert f"to {module} (target taskbook)" in out
    text = module.read_text(encoding="utf-8")
    assert '@task(name="squares", cache_policy=NO_CACHE, retries=1)\n' in text
    assert "    xs = squares(n)\n" in text
    result, out = run(ip, f"%flow export {tmp_path / 'pf.py'} --target prefect")
    assert result.success, out
    assert "from prefect import flow, task\n" in (tmp_path / "pf.py").read_text()


def test_flow_export_refuses_an_unknown_target_and_writes_nothing(ip, tmp_path):
    run(ip, "n = 3")
    result, out = run(ip, f"%flow export {tmp_path / 'x.py'} --target airflow")
    assert not result.success
    assert "Unknown export target 'airflow'" in out
    assert list(tmp_path.iterdir()) == []
