"""Console log lines: a caller that shows runs itself can quiet their lifecycle lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from taskbook import flow, get_run_logger
from taskbook.api.history import get_run
from taskbook.engine.logs import quiet_lifecycle_lines
from taskbook.engine.session import get_session
from taskbook.errors import MissingContextError


@flow
def chatty() -> int:
    get_run_logger().info("user line")
    return 1


def test_quiet_lifecycle_lines_hides_only_the_start_and_finish_lines(
    isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    chatty()
    loud = capsys.readouterr().err
    assert "Beginning flow run" in loud
    assert "Finished in state Completed" in loud

    with quiet_lifecycle_lines():
        chatty()
    quiet = capsys.readouterr().err
    assert "Beginning flow run" not in quiet
    assert "Finished in state" not in quiet
    assert "user line" in quiet  # what user code logs still shows

    # The lines are still recorded with the run.
    store = get_session().store
    store.flush()
    (row,) = store.query("SELECT id FROM flow_runs ORDER BY created DESC LIMIT 1", ())
    messages = [line["message"] for line in get_run(row["id"]).logs]
    assert any(m.startswith("Beginning flow run") for m in messages)
    assert any(m.startswith("Finished in state") for m in messages)

    chatty()  # outside the block the console has them again
    assert "Beginning flow run" in capsys.readouterr().err


def test_get_run_logger_outside_a_run_says_where_to_call_it() -> None:
    with pytest.raises(MissingContextError) as info:
        get_run_logger()
    assert isinstance(info.value, RuntimeError)
    assert str(info.value) == (
        "There is no active flow or task run context. Call get_run_logger() inside "
        "a @flow or @task, or use logging.getLogger() elsewhere; to call a task's "
        ".fn() in a test, wrap it in disable_run_logger() from taskbook.logging."
    )
