"""The roots of taskbook's exception tree and the helpers every message uses.

``TaskbookSignal`` (control flow) derives ``BaseException``; ``TaskbookError`` prints
its message unquoted even under ``KeyError``; ``listing``/``short_repr`` format names
and values the same way in every message.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class TaskbookSignal(BaseException):
    """Base of control-flow signals.

    Derives ``BaseException`` on purpose, so a user's ``except Exception:`` cannot
    swallow a cancellation (Prefect and marimo do the same).
    """


class CancelRun(TaskbookSignal):
    """Raised inside a run to stop it as Cancelled."""


class TaskbookError(Exception):
    """Base of every error taskbook raises on purpose."""

    def __str__(self) -> str:
        # The message as built; KeyError subclasses would otherwise print it quoted.
        return str(self.args[0]) if len(self.args) == 1 else super().__str__()


class TaskbookWarning(UserWarning):
    """Base of taskbook's warnings."""


def listing(names: Iterable[str], *, sort: bool = True) -> str:
    """List ``names`` for a message: comma-separated, sorted unless told, or "none"."""
    listed = sorted(names) if sort else list(names)
    return ", ".join(listed) or "none"


def short_repr(value: Any, limit: int = 60) -> str:
    """Return ``repr(value)`` cut to ``limit`` characters, for quoting in a message."""
    try:
        text = repr(value)
    except Exception:  # a broken __repr__ must not hide the real warning
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."
