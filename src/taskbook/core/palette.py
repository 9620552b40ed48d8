"""How a state looks, wherever taskbook shows one: one colour, symbol and label each.

The cell status line, the graph, the Gantt and the static copy all take states'
looks from here, so they agree. Colours are Prefect UI's, slightly darkened so white
text stays readable on them. A named state (``Cached``, ``TimedOut``) refines its
type; an unknown name keeps its type's colour and symbol. Pure data, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = (
    "NOT_RUN",
    "SEGMENT_COLORS",
    "STALE_COLOR",
    "StateStyle",
    "state_style",
    "text_color",
)


@dataclass(frozen=True, slots=True)
class StateStyle:
    """The look of one state.

    Attributes:
        color: ``#rrggbb`` fill (graph node, Gantt bar, pill, status-line badge).
        symbol: One character, for places too small for the label.
        label: The words shown for the state (Prefect's state name).
    """

    color: str
    symbol: str
    label: str


NOT_RUN = StateStyle("#e5e7eb", "○", "not run")
"""A node or row with no state (yet) in the run shown."""

_TYPES: dict[str, StateStyle] = {
    "SCHEDULED": StateStyle("#d4a106", "◷", "Scheduled"),
    "PENDING": StateStyle("#9ca3af", "…", "Pending"),
    "RUNNING": StateStyle("#2563eb", "▶", "Running"),
    "COMPLETED": StateStyle("#16a34a", "✓", "Completed"),
    "FAILED": StateStyle("#dc2626", "✗", "Failed"),
    "CANCELLED": StateStyle("#6b7280", "⊘", "Cancelled"),
    "CRASHED": StateStyle("#ea580c", "☠", "Crashed"),
    "PAUSED": StateStyle("#a1a1aa", "⏸", "Paused"),
    "CANCELLING": StateStyle("#4b5563", "⊘", "Cancelling"),
}

# Each named state has its own colour and its type's symbol; a cache hit gets its
# own symbol too, so it stands apart from a fresh run in a count ("✓3 ↻5").
_NAMES: dict[str, StateStyle] = {
    "Cached": StateStyle("#4ade80", "↻", "Cached"),
    "Retrying": StateStyle("#7c3aed", _TYPES["RUNNING"].symbol, "Retrying"),
    "AwaitingRetry": StateStyle("#f59e0b", _TYPES["SCHEDULED"].symbol, "AwaitingRetry"),
    "TimedOut": StateStyle("#b91c1c", _TYPES["FAILED"].symbol, "TimedOut"),
    "NotReady": StateStyle("#78716c", _TYPES["PENDING"].symbol, "NotReady"),
    "Late": StateStyle("#ca8a04", _TYPES["SCHEDULED"].symbol, "Late"),
}

STALE_COLOR = "#d97706"
"""Outline of a node a parameter change made stale."""

SEGMENT_COLORS: dict[str, str] = {
    "waiting": "#d1d5db",
    "retrying": _NAMES["AwaitingRetry"].color,
}
"""Gantt segments that do not take their run's state colour."""


def state_style(type_: str | None, name: str | None = None) -> StateStyle:
    """Return the look of a state, or ``NOT_RUN`` when there is no state.

    Args:
        type_: The state type (``"COMPLETED"``...) or None for no state.
        name: The state name; a known name (``"Cached"``) refines the type's look,
            another one is shown as the label in the type's colour and symbol.

    Returns:
        The colour, symbol and label to draw.
    """
    if type_ is None:
        return NOT_RUN
    if name is not None and name in _NAMES:
        return _NAMES[name]
    style = _TYPES.get(type_)
    if style is None:
        style = StateStyle(NOT_RUN.color, NOT_RUN.symbol, type_.capitalize())
    if name and name != style.label:
        return StateStyle(style.color, style.symbol, name)
    return style


def text_color(fill: str) -> str:
    """Return black or white, whichever reads better on ``fill``."""
    red, green, blue = (int(fill[i : i + 2], 16) for i in (1, 3, 5))
    # Perceived luminance (ITU-R BT.601 weights).
    return "#111827" if 0.299 * red + 0.587 * green + 0.114 * blue > 150 else "#ffffff"
