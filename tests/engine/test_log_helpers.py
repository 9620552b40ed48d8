"""Prefect's logging helpers: disable_run_logger, get_logger, LogEavesdropper, caplog."""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from taskbook import flow, get_run_logger, task
from taskbook.errors import MissingContextError
from taskbook.logging import LogEavesdropper, disable_run_logger, get_logger


@task
def logs_and_returns() -> int:
    get_run_logger().info("from the task")
    return 42


@flow
def runs_it() -> int:
    return logs_and_returns()


def test_fn_of_a_logging_task_runs_inside_disable_run_logger_only() -> None:
    with disable_run_logger():
        assert logs_and_returns.fn() == 42
    with pytest.raises(MissingContextError, match="disable_run_logger"):
        logs_and_returns.fn()


def test_disable_run_logger_puts_both_run_loggers_back_as_they_were() -> None:
    names = ("taskbook.flow_runs", "taskbook.task_runs")
    logging.getLogger(names[0]).disabled = True
    try:
        with disable_run_logger():
            assert all(logging.getLogger(n).disabled for n in names)
        assert [logging.getLogger(n).disabled for n in names] == [True, False]
    finally:
        logging.getLogger(names[0]).disabled = False


def test_get_logger_names_children_of_taskbook_as_prefect_does_for_prefect() -> None:
    assert get_logger().name == "taskbook"
    assert get_logger("engine").name == "taskbook.engine"
    assert get_logger("taskbook.engine").name == "taskbook.engine"


def test_log_eavesdropper_collects_a_run_s_lines_in_the_block_only(
    isolated_home: Path,
) -> None:
    with LogEavesdropper("taskbook.task_runs", level=logging.INFO) as eavesdropper:
        runs_it()
    runs_it()
    assert eavesdropper.text() == "[INFO]: from the task"


@pytest.fixture
def root_handlers() -> Iterator[tuple[io.StringIO, logging.Handler]]:
    """A file-like handler and a console handler on the root logger, as a user adds."""
    collected = io.StringIO()
    handlers = [logging.StreamHandler(collected), logging.StreamHandler(sys.stderr)]
    root = logging.getLogger()
    for handler in handlers:
        root.addHandler(handler)
    try:
        yield collected, handlers[1]
    finally:
        for handler in handlers:
            root.removeHandler(handler)


def test_run_lines_reach_root_handlers_but_print_to_the_console_once(
    isolated_home: Path,
    root_handlers: tuple[io.StringIO, logging.Handler],
    capsys: pytest.CaptureFixture[str],
) -> None:
    collected, console = root_handlers
    console.stream = sys.stderr  # capsys swapped sys.stderr after the fixture ran
    runs_it()
    assert "from the task" in collected.getvalue()
    assert capsys.readouterr().err.count("from the task") == 1


def test_caplog_sees_lines_logged_in_runs(
    isolated_home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    runs_it()
    assert "from the task" in caplog.messages
