"""Wrappers that change how a value passed to a task is treated."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

T = TypeVar("T")


class _Annotation(Generic[T]):
    __slots__ = ("value",)

    def __init__(self, value: T) -> None:
        self.value = value

    def unwrap(self) -> T:
        """Return the wrapped value."""
        return self.value

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.value!r})"

    def __eq__(self, other: Any) -> bool:
        return type(self) is type(other) and self.value == other.value

    def __hash__(self) -> int:
        return hash((type(self), id(self.value)))


class Unmapped(_Annotation[T]):
    """Pass this value whole to every call of ``.map()``."""


class AllowFailure(_Annotation[T]):
    """Run the downstream task even if this upstream future failed."""


unmapped = Unmapped
allow_failure = AllowFailure
