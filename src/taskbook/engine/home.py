"""Where a project's run store and cache live: one rule for kernels, the CLI and scripts.

``$TASKBOOK_HOME`` wins. Otherwise the nearest ``.taskbook/`` folder found walking
up from the notebook's (or the working) folder, not above the project's root (the
first folder with ``.git`` or ``pyproject.toml``) nor above the user's home; when
there is none, a new ``.taskbook/`` next to the notebook. A kernel started in
``notebooks/`` and ``taskbook run notebooks/x.ipynb`` from the repo root therefore
share one store and one cache. Both are created readable by their owner only.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ("HOME_FOLDER", "create_private", "find_home")

HOME_FOLDER = ".taskbook"
_PROJECT_MARKERS = (".git", "pyproject.toml")


def find_home(start: Path | str | None = None) -> Path:
    """Return the store folder for work started in ``start`` (default: the cwd).

    Args:
        start: The notebook's folder, or where a script runs.

    Returns:
        ``$TASKBOOK_HOME``, an existing ``.taskbook`` above ``start`` within its
        project, or ``start/.taskbook`` (not created here).
    """
    env = os.environ.get("TASKBOOK_HOME")
    if env:
        return Path(env)
    first = Path(start).resolve() if start is not None else Path.cwd()
    stop = _home_dir()
    for folder in (first, *first.parents):
        candidate = folder / HOME_FOLDER
        if candidate.is_dir():
            return candidate
        if folder == stop or any((folder / m).exists() for m in _PROJECT_MARKERS):
            break
    return first / HOME_FOLDER


def _home_dir() -> Path | None:
    try:
        return Path.home().resolve()
    except RuntimeError:  # no HOME and no passwd entry
        return None


def create_private(directory: Path, database: Path) -> None:
    """Create ``directory`` (0700) and an empty ``database`` file (0600) if missing.

    Runs, parameters, logs and results may be confidential: readable by their owner
    only. SQLite gives its -wal and -shm files the database file's mode.
    """
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not database.exists():
        os.close(os.open(database, os.O_CREAT | os.O_WRONLY, 0o600))
