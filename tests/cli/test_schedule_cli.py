"""``taskbook schedule add|ls|rm|pause|resume`` and the run history commands, in
process: what users see, exit codes, and nothing stored on bad input."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from taskbook.engine.store import RunStore
from taskbook.schedule.rows import load_schedules

FLOWS = """
from taskbook import flow

@flow
def etl(n: int, label: str = "x"):
    return n
"""


@pytest.fixture
def notebook(make_notebook: Callable[..., Path]) -> Path:
    return make_notebook([("n = 3", ["parameters"]), "print(n * 2)"])


@pytest.fixture
def flows(tmp_path: Path) -> Path:
    path = tmp_path / "flows.py"
    path.write_text(FLOWS)
    return path


def _stored(home: Path) -> list[str]:
    return [row.spec.name for row in load_schedules(RunStore(home))]


def test_add_checks_then_prints_the_next_fire_times_in_the_zone_and_utc(
    invoke: Callable[..., Result], notebook: Path, isolated_home: Path
) -> None:
    result = invoke(
        "schedule",
        "add",
        str(notebook),
        "--cron",
        "0 6 * * *",
        "--tz",
        "Europe/Berlin",
        "-p",
        "n",
        "5",
        "--name",
        "nightly",
    )

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == (
        f"Added schedule 'nightly': {notebook.resolve()} -p n 5, "
        "cron '0 6 * * *' in Europe/Berlin."
    )
    assert lines[1] == "Next fire times:"
    assert len(lines) == 7
    for line in lines[2:]:
        assert line.strip().endswith(
            ("06:00 CET (05:00 UTC)", "06:00 CEST (04:00 UTC)")
        )
    [row] = load_schedules(RunStore(isolated_home))
    assert row.spec.parameters == {"n": 5}


def test_a_flow_target_stores_only_the_parameters_given(
    invoke: Callable[..., Result], flows: Path, isolated_home: Path
) -> None:
    result = invoke(
        "schedule", "add", f"{flows}:etl", "--interval", "10m", "-p", "n", "7"
    )

    assert result.exit_code == 0, result.output
    [row] = load_schedules(RunStore(isolated_home))
    assert row.spec.name == "etl"
    assert row.spec.target == f"{flows.resolve()}:etl"
    assert row.spec.parameters == {"n": 7}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--cron", "61 * * * *"], "Invalid cron expression '61 * * * *'"),
        (
            ["--cron", "0 6 * * *", "--tz", "Mars/Olympus"],
            "Unknown time zone 'Mars/Olympus'",
        ),
        (["--rrule", "FREQ=SOMETIMES"], "Invalid rrule 'FREQ=SOMETIMES'"),
        (
            ["--rrule", "DTSTART:20200101T000000\nRRULE:FREQ=DAILY;COUNT=1"],
            "has no fire time after now",
        ),
        (["--interval", "-5"], "Invalid interval '-5'"),
        (["--interval", "soon"], "Invalid interval 'soon'"),
        (["--interval", "60", "-p", "m", "1"], "Unknown parameter 'm'"),
        (["--interval", "60", "-p", "n", "many"], "Parameter 'n' got 'many'"),
        ([], "No schedule was given"),
        (
            ["--cron", "* * * * *", "--interval", "60"],
            "--cron and --interval were both given",
        ),
        (
            ["--cron", "* * * * *", "--anchor", "2024-01-01"],
            "--anchor was given without --interval",
        ),
        (["--interval", "60", "--anchor", "noon"], "--anchor 'noon' is not a date"),
        (["--interval", "60", "--name", "a b"], "The schedule name 'a b'"),
        (
            ["--interval", "60", "--notify", "slack"],
            "--notify 'slack' is not a webhook URL, a mailto: address or a notification",
        ),
        (
            ["--interval", "60", "--notify", "mailto:ops"],
            "--notify 'mailto:ops' is not a webhook URL, a mailto: address or a",
        ),
        (
            ["--interval", "60", "--notify", "slack-webhook/nobody"],
            "--notify 'slack-webhook/nobody'",
        ),
        (
            ["--interval", "60", "--runner", "gpu"],
            "expected 'threads' or 'processes' or 'dask'",
        ),
        (["--interval", "60", "--address", "tcp://h:1"], "--address"),
        (["--interval", "60", "--catchup", "some"], "'some' is not one of"),
    ],
)
def test_bad_input_is_one_clear_message_exit_2_and_nothing_stored(
    invoke: Callable[..., Result],
    notebook: Path,
    isolated_home: Path,
    args: list[str],
    message: str,
) -> None:
    result = invoke("schedule", "add", str(notebook), *args)

    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split()), result.output
    assert _stored(isolated_home) == []


@pytest.mark.parametrize(
    ("target", "args", "message"),
    [
        ("missing.ipynb", [], "Cannot read notebook 'missing.ipynb': no such file"),
        ("{flows}:nope", [], "Flow function with name 'nope' not found in"),
        ("{tmp}/gone.py:etl", [], "does not exist"),
        ("{flows}:etl", ["-p", "n", "1", "-p", "k", "2"], "Unknown parameter 'k'"),
        ("{flows}:etl", [], "Parameter 'n' got None"),
        ("{flows}:etl", ["-p", "n", "x"], "Input should be a valid integer"),
        (
            "{flows}:etl",
            ["-p", "n", "1", "--runner", "processes"],
            "--runner applies to notebook targets",
        ),
    ],
)
def test_bad_targets_exit_2_and_store_nothing(
    invoke: Callable[..., Result],
    flows: Path,
    tmp_path: Path,
    isolated_home: Path,
    target: str,
    args: list[str],
    message: str,
) -> None:
    target = target.format(flows=flows, tmp=tmp_path)
    result = invoke("schedule", "add", target, "--interval", "60", *args)

    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split()), result.output
    assert _stored(isolated_home) == []


def test_a_taken_name_is_refused(invoke: Callable[..., Result], notebook: Path) -> None:
    assert invoke("schedule", "add", str(notebook), "--interval", "60").exit_code == 0
    again = invoke("schedule", "add", str(notebook), "--cron", "* * * * *")
    assert again.exit_code == 2
    assert "A schedule named 'nb' exists already" in again.output


def test_ls_pause_resume_rm(
    invoke: Callable[..., Result], notebook: Path, isolated_home: Path
) -> None:
    invoke(
        "schedule",
        "add",
        str(notebook),
        "--rrule",
        "FREQ=HOURLY;BYMINUTE=30",
        "--name",
        "half",
    )

    listed = invoke("schedule", "ls").output
    assert "taskbook serve: not running" in listed
    assert "half [active]" in listed
    assert "when: rrule 'FREQ=HOURLY;BYMINUTE=30' in UTC" in listed
    assert "catch-up latest, overlap skip" in listed
    assert listed.count(":30 UTC") == 5
    assert "last run: none yet" in listed

    assert invoke("schedule", "pause", "half").output == "Paused schedule 'half'.\n"
    assert "half [paused]" in invoke("schedule", "ls").output
    assert invoke("schedule", "resume", "half").output.startswith(
        "Resumed schedule 'half'"
    )
    assert invoke("schedule", "rm", "half").output == "Removed schedule 'half'.\n"
    assert _stored(isolated_home) == []


@pytest.mark.parametrize("command", ["rm", "pause", "resume"])
def test_an_unknown_schedule_name_exits_2(
    invoke: Callable[..., Result], notebook: Path, command: str
) -> None:
    invoke("schedule", "add", str(notebook), "--interval", "60", "--name", "nightly")
    result = invoke("schedule", command, "nightyl")
    assert result.exit_code == 2
    assert "No schedule named 'nightyl'. Did you mean 'nightly'?" in result.output
    assert "Hint: `taskbook schedule ls` lists the schedules." in result.output


# -- run history ------------------------------------------------------------------


@pytest.fixture
def run_id(invoke: Callable[..., Result], make_notebook: Callable[..., Path]) -> str:
    notebook = make_notebook(
        [
            "%%task load\nimport logging\nlogging.getLogger('taskbook').warning('loaded')\nx = 1",
            "%%task double\ny = x * 2",
        ]
    )
    assert invoke("run", str(notebook)).exit_code == 0
    listed = invoke("runs", "--limit", "1").output.splitlines()
    return listed[1].split()[0]


def test_runs_lists_runs_newest_first_with_filters(
    invoke: Callable[..., Result], run_id: str
) -> None:
    listed = invoke("runs").output.splitlines()
    assert listed[0].split() == [
        "RUN",
        "FLOW",
        "STATE",
        "STARTED",
        "(UTC)",
        "DURATION",
        "SCHEDULE",
    ]
    assert listed[1].split()[:3] == [run_id, "nb", "Completed"]
    assert invoke("runs", "--state", "failed").output == "No runs match.\n"
    assert invoke("runs", "--flow", "other").output == "No runs match.\n"
    assert invoke("runs", "--schedule", "nightly").output == "No runs match.\n"


def test_show_prints_states_task_runs_and_logs(
    invoke: Callable[..., Result], run_id: str
) -> None:
    shown = invoke("show", run_id).output
    assert shown.startswith(f"Flow run {run_id}\n  flow: nb")
    assert "  state: Completed" in shown
    assert "Task runs (2):" in shown
    assert "load-0" in shown
    assert "double-0" in shown
    assert "Artifacts (0):" in shown


def test_logs_filters_by_task_and_names_the_known_ones(
    invoke: Callable[..., Result], run_id: str
) -> None:
    lines = invoke("logs", run_id, "--task", "load").output.splitlines()
    assert any(line.endswith("WARNING load-0: loaded") for line in lines)
    assert not any("double" in line for line in lines)
    unknown = invoke("logs", run_id, "--task", "lod")
    assert unknown.exit_code == 2
    assert "No task named 'lod'. Known tasks: double, load." in unknown.output


def test_gantt_writes_a_standalone_plotly_page(
    invoke: Callable[..., Result], run_id: str, tmp_path: Path
) -> None:
    page = tmp_path / "run.html"
    result = invoke("gantt", run_id, "-o", str(page))

    assert result.exit_code == 0, result.output
    html = page.read_text()
    assert html.startswith("<!doctype html>")
    assert "Plotly.newPlot" in html
    assert "plotly.js v" in html  # embedded: the page opens offline
    assert '"y":["load","double"]' in html.replace(" ", "")


@pytest.mark.parametrize("command", [["show"], ["logs"], ["gantt", "-o", "x.html"]])
def test_an_unknown_run_id_exits_2(
    invoke: Callable[..., Result], command: list[str]
) -> None:
    result = invoke(command[0], "no-such-run", *command[1:])
    assert result.exit_code == 2
    assert "No run with id 'no-such-run'" in result.output
    assert "Hint: `taskbook runs` lists the runs" in result.output
