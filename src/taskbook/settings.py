"""``prefect.settings``: the settings taskbook has, under Prefect's names.

``PREFECT_HOME`` is taskbook's home folder (``$TASKBOOK_HOME``, else the
project's ``.taskbook``), where a docs example puts, say, its lock files;
``PREFECT_LOGGING_LEVEL`` is the level of run loggers (``$TASKBOOK_LOGGING_LEVEL``).
``get_current_settings()`` reads both; ``temporary_settings(updates={...})``
changes them for a ``with`` block. Prefect's server settings have no meaning here.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from taskbook.engine.home import find_home
from taskbook.engine.logs import configure_logging
from taskbook.engine.session import Session, using_session

__all__ = (
    "PREFECT_HOME",
    "PREFECT_LOGGING_LEVEL",
    "Setting",
    "Settings",
    "get_current_settings",
    "temporary_settings",
)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Setting(Generic[T]):
    """A named setting; ``value()`` reads it now."""

    name: str
    _read: Callable[[], T]
    env: str = ""  # taskbook's environment variable for it

    def value(self) -> T:
        """Return the setting's current value."""
        return self._read()


def _logging_level() -> str:
    return os.environ.get("TASKBOOK_LOGGING_LEVEL", "INFO").upper()


PREFECT_HOME: Setting[Path] = Setting("PREFECT_HOME", find_home, "TASKBOOK_HOME")
PREFECT_LOGGING_LEVEL: Setting[str] = Setting(
    "PREFECT_LOGGING_LEVEL", _logging_level, "TASKBOOK_LOGGING_LEVEL"
)


@dataclass(frozen=True, slots=True)
class LoggingSettings:
    """``settings.logging``: the level of run loggers."""

    level: str


@dataclass(frozen=True, slots=True)
class Settings:
    """The current settings, as ``get_current_settings()`` read them."""

    home: Path
    logging: LoggingSettings


def get_current_settings() -> Settings:
    """Return the settings in effect now (``.home``, ``.logging.level``)."""
    return Settings(
        PREFECT_HOME.value(), LoggingSettings(PREFECT_LOGGING_LEVEL.value())
    )


@contextmanager
def temporary_settings(
    updates: Mapping[Setting[Any], Any] | None = None,
) -> Iterator[Settings]:
    """Change settings for the body, then restore them; yield the new settings.

    ``PREFECT_HOME`` also gives the body a session on that home (its run store,
    cache, blocks and variables), as ``prefect_test_harness`` does with a
    temporary one; ``PREFECT_LOGGING_LEVEL`` sets the run loggers' level.
    """
    updates = dict(updates or {})
    if PREFECT_LOGGING_LEVEL in updates:
        configure_logging()  # now, so that the level restored below is its own
    previous = {s.env: os.environ.get(s.env) for s in updates}
    logger = logging.getLogger("taskbook")
    level = logger.level
    with ExitStack() as stack:
        try:
            for setting, value in updates.items():
                os.environ[setting.env] = str(value)
            if PREFECT_LOGGING_LEVEL in updates:
                logger.setLevel(PREFECT_LOGGING_LEVEL.value())
            if PREFECT_HOME in updates:
                stack.enter_context(using_session(Session(home=PREFECT_HOME.value())))
            yield get_current_settings()
        finally:
            logger.setLevel(level)
            for env, value in previous.items():
                if value is None:
                    os.environ.pop(env, None)
                else:
                    os.environ[env] = value
