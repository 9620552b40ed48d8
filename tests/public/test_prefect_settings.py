"""taskbook.settings as Prefect's: get_current_settings and temporary_settings."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

import taskbook
from taskbook import flow
from taskbook.settings import (
    PREFECT_HOME,
    PREFECT_LOGGING_LEVEL,
    get_current_settings,
    temporary_settings,
)


@flow
def one() -> int:
    return 1


def test_current_settings_read_taskbook_home_and_logging_level(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TASKBOOK_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TASKBOOK_LOGGING_LEVEL", "warning")
    settings = get_current_settings()
    assert (settings.home, settings.logging.level) == (tmp_path / "home", "WARNING")


def test_temporary_settings_run_the_block_on_another_home_then_restore(
    isolated_home: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    one()
    with temporary_settings(updates={PREFECT_HOME: other}) as settings:
        assert settings.home == PREFECT_HOME.value() == other
        one()
        one()
        assert len(taskbook.runs()) == 2
    assert PREFECT_HOME.value() == isolated_home
    assert len(taskbook.runs()) == 1


def test_temporary_logging_level_quiets_run_lines_in_the_block_only(
    isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with temporary_settings(updates={PREFECT_LOGGING_LEVEL: "WARNING"}):
        assert PREFECT_LOGGING_LEVEL.value() == "WARNING"
        one()
    assert "Beginning flow run" not in capsys.readouterr().err
    assert logging.getLogger("taskbook").level == logging.INFO
    one()
    assert "Beginning flow run" in capsys.readouterr().err
