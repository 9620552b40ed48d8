"""Shared fixtures: every test gets its own TASKBOOK_HOME and a fresh session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from taskbook.engine import masking
from taskbook.engine import session as session_module


@pytest.fixture(autouse=True)
def _forget_secrets() -> Iterator[None]:
    """Secrets one test registers (masked from then on) must not mask another's text."""
    yield
    masking.clear()


@pytest.fixture
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh ``$TASKBOOK_HOME`` under tmp_path, with no default session open."""
    home = tmp_path / "home"
    monkeypatch.setenv("TASKBOOK_HOME", str(home))
    previous = session_module.set_session(None)
    if previous is not None:
        previous.close()
    yield home
    current = session_module.set_session(None)
    if current is not None:
        current.close()
