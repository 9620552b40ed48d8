"""One rule for where the store lives: $TASKBOOK_HOME, else the nearest .taskbook/ up."""

from __future__ import annotations

from pathlib import Path

import pytest

from taskbook.engine.home import find_home


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("TASKBOOK_HOME", raising=False)
    root = tmp_path / "repo"
    (root / "notebooks" / "deep").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    return root


def test_taskbook_home_wins(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TASKBOOK_HOME", str(project / "elsewhere"))
    (project / ".taskbook").mkdir()
    assert find_home(project / "notebooks") == project / "elsewhere"


def test_the_nearest_store_above_the_notebook_is_shared(project: Path) -> None:
    (project / ".taskbook").mkdir()
    assert find_home(project / "notebooks" / "deep") == project / ".taskbook"
    assert find_home(project) == project / ".taskbook"


def test_a_nearer_store_wins(project: Path) -> None:
    (project / ".taskbook").mkdir()
    (project / "notebooks" / ".taskbook").mkdir()
    assert find_home(project / "notebooks" / "deep") == (
        project / "notebooks" / ".taskbook"
    )


def test_without_a_store_a_new_one_goes_next_to_the_notebook(project: Path) -> None:
    assert find_home(project / "notebooks") == project / "notebooks" / ".taskbook"
    assert not (project / "notebooks" / ".taskbook").exists()  # not created here


def test_a_store_above_the_project_root_is_not_taken(project: Path) -> None:
    (project.parent / ".taskbook").mkdir()
    assert find_home(project / "notebooks") == project / "notebooks" / ".taskbook"


def test_the_working_directory_is_the_default_start(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / ".taskbook").mkdir()
    monkeypatch.chdir(project / "notebooks")
    assert find_home() == project / ".taskbook"
