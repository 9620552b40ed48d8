"""State colours and symbols shared by the live widgets and the static output.

Pure: plain strings in, hex colours out. Named states (``Cached``, ``Retrying``)
refine their type's colour, as in Prefect's UI; unknown names fall back to the type.
"""

from __future__ import annotations

__all__ = (
    "NOT_RUN_COLOR",
    "SEGMENT_COLORS",
    "STALE_COLOR",
    "state_color",
    "state_symbol",
    "text_color",
)

# Prefect UI's palette, slightly darkened so white labels stay readable.
_TYPE_COLORS: dict[str, str] = {
    "SCHEDULED": "#d4a106",
    "PENDING": "#9ca3af",
    "RUNNING": "#2563eb",
    "COMPLETED": "#16a34a",
    "FAILED": "#dc2626",
    "CANCELLED": "#6b7280",
    "CRASHED": "#ea580c",
    "PAUSED": "#a1a1aa",
    "CANCELLING": "#4b5563",
}
_NAME_COLORS: dict[str, str] = {
    "Cached": "#4ade80",
    "Retrying": "#7c3aed",
    "AwaitingRetry": "#f59e0b",
    "TimedOut": "#b91c1c",
    "NotReady": "#78716c",
    "Late": "#ca8a04",
}
_TYPE_SYMBOLS: dict[str, str] = {
    "SCHEDULED": "◷",
    "PENDING": "…",
    "RUNNING": "▶",
    "COMPLETED": "✓",
    "FAILED": "✗",
    "CANCELLED": "⊘",
    "CRASHED": "☠",
    "PAUSED": "⏸",
    "CANCELLING": "⊘",
}

NOT_RUN_COLOR = "#e5e7eb"
"""Fill of a node that has no task run (yet) in the run shown."""

STALE_COLOR = "#d97706"
"""Outline of a node a parameter change made stale."""

SEGMENT_COLORS: dict[str, str] = {
    "waiting": "#d1d5db",
    "retrying": _NAME_COLORS["AwaitingRetry"],
}
"""Gantt segments that do not take their run's state colour."""


def state_color(type_: str | None, name: str | None = None) -> str:
    """Return the fill colour of a state, or of "not run" when there is none.

    Args:
        type_: The state type (``"COMPLETED"``...) or None for no state.
        name: The state name; a known name (``"Cached"``) refines the type's colour.

    Returns:
        A ``#rrggbb`` colour.
    """
    if type_ is None:
        return NOT_RUN_COLOR
    if name is not None and name in _NAME_COLORS:
        return _NAME_COLORS[name]
    return _TYPE_COLORS.get(type_, NOT_RUN_COLOR)


def state_symbol(type_: str | None) -> str:
    """Return a one-character symbol for a state type (``✓`` for COMPLETED...)."""
    return _TYPE_SYMBOLS.get(type_ or "", "○")


def text_color(fill: str) -> str:
    """Return black or white, whichever reads better on ``fill``."""
    red, green, blue = (int(fill[i : i + 2], 16) for i in (1, 3, 5))
    # Perceived luminance (ITU-R BT.601 weights).
    return "#111827" if 0.299 * red + 0.587 * green + 0.114 * blue > 150 else "#ffffff"
