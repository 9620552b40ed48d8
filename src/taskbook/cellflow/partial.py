"""Values a failed or cancelled cell left behind, marked so nothing passes them off as good.

A cell that stops half-way leaves what it bound so far in the namespace, as in any
notebook. They stay (they are what a user inspects to find the bug, and an in-place
change could only be undone by copying every input before every cell) but are
marked: a cell that reads a marked value still runs when asked, says so and is not
cached, and what it defines is marked in turn. A mark holds while its name holds
that very value; a success of the producer, or any rebinding, clears it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ("Mark", "PartialValues")


@dataclass(frozen=True, slots=True)
class Mark:
    """Where a marked value came from.

    Attributes:
        value: The value marked (kept: its identity is the mark's scope).
        producer: The cell that left it (``Task 'clean' (cell 8)``).
        state: The state of the run that went wrong (``Failed``, ``Cancelled``...).
        root: The cell whose run went wrong, when ``producer`` only read its values.
    """

    value: Any
    producer: str
    state: str
    root: str | None = None

    def says(self, name: str) -> str:
        """Return how a reader's status names this input."""
        if self.root is None:
            return f"its input {name!r} comes from {self.producer}, which ended {self.state}"
        return (
            f"its input {name!r} comes from {self.producer}, which read what "
            f"{self.root} left when it ended {self.state}"
        )

    def passed_on(self, producer: str, value: Any) -> Mark:
        """Return the mark of a value computed from this one by ``producer``."""
        return Mark(value, producer, self.state, self.root or self.producer)


class PartialValues:
    """The marks on one namespace's values."""

    def __init__(self, namespace: dict[str, Any]) -> None:
        self._namespace = namespace
        self._marks: dict[str, Mark] = {}

    def mark(self, names: Iterable[str], producer: str, state: str) -> None:
        """Mark what ``names`` hold now as left by a run that ended in ``state``."""
        for name in names:
            if name in self._namespace:
                self._marks[name] = Mark(self._namespace[name], producer, state)

    def pass_on(self, names: Iterable[str], mark: Mark, producer: str) -> None:
        """Mark what ``names`` hold now as computed from a value marked ``mark``."""
        for name in names:
            if name in self._namespace:
                self._marks[name] = mark.passed_on(producer, self._namespace[name])

    def clear(self, names: Iterable[str]) -> None:
        """Drop the marks of ``names`` (a good run bound them)."""
        for name in names:
            self._marks.pop(name, None)

    def marks(self, names: Iterable[str]) -> dict[str, Mark]:
        """Return the marks of ``names`` that still hold their marked value."""
        found = {}
        for name in sorted(names):
            mark = self._marks.get(name)
            if mark is None:
                continue
            if name in self._namespace and self._namespace[name] is mark.value:
                found[name] = mark
            else:
                del self._marks[name]  # rebound since: the mark is for another value
        return found
