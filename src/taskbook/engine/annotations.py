"""Wrappers that change how a value passed to a task is treated (Prefect's annotations).

``unmapped`` passes a value whole to every run of a ``.map``; ``allow_failure``
lets a run start though that upstream failed; ``quote`` passes a value as is
(futures inside it are neither waited for nor resolved); ``opaque`` resolves a
future or state itself but does not look inside the value.
"""

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

    def __getitem__(self, _index: object) -> T:
        # As Prefect's: an infinite sequence of the same value.
        return self.value


class AllowFailure(_Annotation[T]):
    """Run the downstream task even if this upstream future failed."""


class Quote(_Annotation[T]):
    """Pass this value as is: nothing inside it is waited for or resolved."""

    def unquote(self) -> T:
        """Return the quoted value."""
        return self.value


class Opaque(_Annotation[T]):
    """Resolve this future or state, but do not look inside the value."""


unmapped = Unmapped
allow_failure = AllowFailure
quote = Quote
opaque = Opaque
