"""``prefect.logging.loggers``: run loggers, also for state hooks, and test helpers."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from taskbook.engine.logs import (
    disable_run_logger,
    flow_run_logger,
    get_logger,
    get_run_logger,
    task_run_logger,
)

if TYPE_CHECKING:
    from typing_extensions import Self  # typing.Self from Python 3.11

__all__ = (
    "LogEavesdropper",
    "disable_run_logger",
    "flow_run_logger",
    "get_logger",
    "get_run_logger",
    "task_run_logger",
)


class LogEavesdropper(logging.Handler):
    """Collect the lines a logger (and its children) log inside a ``with`` block.

    As Prefect's: ``with LogEavesdropper("taskbook.flow_runs") as e: ...`` then
    ``e.text()`` is every line, formatted ``[LEVEL]: message``.
    """

    def __init__(self, eavesdrop_on: str, level: int = logging.NOTSET) -> None:
        """Listen to the logger named ``eavesdrop_on`` at ``level`` and above."""
        super().__init__(level=level)
        self.eavesdrop_on = eavesdrop_on
        self._target: logging.Logger | None = None
        self._original_level = logging.NOTSET
        self._lines: list[str] = []
        # Level and message only: what is shown back to a user leaks no paths.
        self.formatter = logging.Formatter("[%(levelname)s]: %(message)s")

    def __enter__(self) -> Self:
        self._target = logging.getLogger(self.eavesdrop_on)
        self._original_level = self._target.level
        self._target.level = self.level
        self._target.addHandler(self)
        self._lines = []
        return self

    def __exit__(self, *_: Any) -> None:
        if self._target is not None:
            self._target.removeHandler(self)
            self._target.level = self._original_level

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the formatted record (the ``logging.Handler`` hook)."""
        self._lines.append(self.format(record))

    def text(self) -> str:
        """Return the collected lines, newline-separated."""
        return "\n".join(self._lines)
