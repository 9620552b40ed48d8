"""The roots of taskbook's exception tree and the helpers every message uses.

``TaskbookSignal`` (control flow) derives ``BaseException``; ``TaskbookError`` prints
its message unquoted even under ``KeyError``; ``PrefectException`` is the base of
the Prefect-named ones; ``listing``/``short_repr`` format names
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


class PrefectException(TaskbookError):
    """Base of the errors Prefect names in ``prefect.exceptions``.

    ``except PrefectException`` catches what it catches under Prefect: run
    outcomes (``FailedRun``...), configuration errors, bad calls and lookups.
    """


class ObjectNotFound(PrefectException):
    """Something looked up by name or id does not exist (Prefect: its API's 404)."""


class ObjectAlreadyExists(PrefectException):
    """Prefect's error for creating what exists (its API's 409).

    Nothing in taskbook raises it: where Prefect's Python API refuses a taken
    name it raises ``ValueError``, as taskbook's ``BlockNameInUseError`` and
    ``VariableExistsError`` do. Kept so that ``except ObjectAlreadyExists``
    ports.
    """


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
