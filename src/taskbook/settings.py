"""``prefect.settings``: the settings Prefect's docs examples read (``PREFECT_HOME``).

``PREFECT_HOME.value()`` is taskbook's home folder (``$TASKBOOK_HOME``, else the
project's ``.taskbook``), where a docs example puts, say, its lock files.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from taskbook.engine.home import find_home

__all__ = ("PREFECT_HOME", "Setting")


@dataclass(frozen=True, slots=True)
class Setting:
    """A named setting; ``value()`` reads it now."""

    name: str
    _read: Callable[[], Path]

    def value(self) -> Path:
        """Return the setting's current value."""
        return self._read()


PREFECT_HOME = Setting("PREFECT_HOME", find_home)
