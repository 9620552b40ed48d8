"""Errors of saved configuration: blocks, variables, notifications, concurrency limits.

Where Prefect documents a message (saving a block under a name in use, loading an
unknown block, setting an existing variable), its wording comes first, since users
match on it; taskbook's fix follows.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from taskbook.errors._base import TaskbookError, listing

if TYPE_CHECKING:
    from typing_extensions import Self  # typing.Self from Python 3.11


class BlockNotFoundError(TaskbookError, ValueError):
    """``Block.load``/``delete`` of a name that no saved block of that type has."""

    @classmethod
    def from_name(
        cls, name: str, block_type: str, saved: Iterable[str], class_name: str
    ) -> Self:
        return cls(
            f"Unable to find block document named {name} for block type "
            f"{block_type}. Saved {block_type} blocks: {listing(saved)}. Save one "
            f"first with {class_name}(...).save({name!r})."
        )


class BlockNameInUseError(TaskbookError, ValueError):
    """``Block.save(name)`` of a name already saved, without ``overwrite=True``."""

    @classmethod
    def from_name(cls, name: str, block_type: str) -> Self:
        return cls(
            "You are attempting to save values with a name that is already in use "
            "for this block type. If you would like to overwrite the values that are "
            f"saved, then save with `overwrite=True`. (Block type {block_type}, "
            f"name {name!r}.)"
        )


class InvalidBlockNameError(TaskbookError, ValueError):
    """A block, variable or concurrency limit name with characters it may not have."""

    @classmethod
    def from_name(cls, name: object, owner: str, allowed: str, example: str) -> Self:
        return cls(
            f"{owner} name {name!r} is invalid: it must only contain {allowed}. "
            f"Use a name like {example!r}."
        )


class UnknownBlockTypeError(TaskbookError, ValueError):
    """``Block.load("type/name")`` of a block type no imported class defines."""

    @classmethod
    def from_slug(cls, slug: str, known: Iterable[str]) -> Self:
        return cls(
            f"No block class for block type {slug!r} is defined in this process. "
            f"Known block types: {listing(known)}. Import the module that defines "
            f"the class, or call load() on the class itself."
        )


class VariableExistsError(TaskbookError, ValueError):
    """``Variable.set(name, ...)`` of an existing name without ``overwrite=True``."""

    @classmethod
    def from_name(cls, name: str) -> Self:
        return cls(
            f"Variable {name!r} already exists. Use `overwrite=True` to update it."
        )


class VariableValueError(TaskbookError, TypeError):
    """``Variable.set`` of a value JSON cannot hold."""

    @classmethod
    def from_value(cls, name: str, value: object, cause: Exception) -> Self:
        return cls(
            f"Variable {name!r} cannot hold a value of type {type(value).__name__} "
            f"({cause}). Pass a str, int, float, bool, None, or lists and dicts of "
            f"them."
        )


class NotificationError(TaskbookError, ConnectionError):
    """A notification could not be sent after all its attempts."""

    @classmethod
    def from_attempts(cls, block: str, attempts: int, cause: BaseException) -> Self:
        return cls(
            f"{block} could not send the notification after {attempts} attempt(s): "
            f"{type(cause).__name__}: {cause}. Check the block's URL or server and "
            f"that it is reachable from this machine."
        )


class ConcurrencyLimitNotFoundError(TaskbookError, KeyError):
    """A concurrency limit that does not exist (``strict=True``, or CLI delete)."""

    @classmethod
    def from_name(cls, name: str, known: Iterable[str]) -> Self:
        return cls(
            f"Concurrency limit {name!r} does not exist. Existing limits: "
            f"{listing(known)}. Create it with: taskbook concurrency-limit create "
            f"{name} N"
        )


class ConcurrencyOccupyError(TaskbookError, ValueError):
    """``occupy`` is not a positive number or exceeds the limit (it would wait forever)."""

    @classmethod
    def from_occupy(cls, name: str, occupy: object, limit: int | None) -> Self:
        bound = f" and at most the limit {limit}" if limit is not None else ""
        # Prefect's server answers an occupy above the limit with this sentence.
        over = (
            "Slots requested is greater than the limit. "
            if limit is not None and isinstance(occupy, int) and occupy > limit
            else ""
        )
        return cls(
            f"{over}Cannot occupy {occupy!r} slot(s) of concurrency limit {name!r}. "
            f"Pass occupy as a whole number of at least 1{bound}."
        )


class RateLimitWithoutDecayError(TaskbookError, ValueError):
    """``rate_limit`` on a limit whose slots do not decay (they would never free)."""

    @classmethod
    def from_names(cls, names: Iterable[str]) -> Self:
        listed = ",".join(names)
        first = listed.split(",")[0]
        # The first sentence is the message of Prefect's server, word for word.
        return cls(
            "Only concurrency limits with slot decay can be used for rate limiting. "
            f"The following limits do not have a decay configured: {listed!r}. "
            f"Give the limit a decay, e.g. one slot a second: taskbook gcl update "
            f"{first} --slot-decay-per-second 1, or hold its slots with "
            f"concurrency({first!r}) instead."
        )


class InvalidSlotDecayError(TaskbookError, ValueError):
    """A slot decay per second that is negative, infinite or not a number."""

    @classmethod
    def from_value(cls, name: str, value: object) -> Self:
        return cls(
            f"Slot decay per second {value!r} of concurrency limit {name!r} is "
            f"invalid: it must be a number of at least 0. Pass 0 for a limit whose "
            f"slots are given back on exit, or a positive rate such as 1.0 (one "
            f"slot freed a second) for a rate limit."
        )


class AcquireConcurrencySlotTimeoutError(TaskbookError, TimeoutError):
    """No slot of a concurrency limit became free within ``timeout_seconds``."""

    @classmethod
    def from_timeout(cls, names: Iterable[str], seconds: float) -> Self:
        return cls(
            f"Timed out after {seconds}s while acquiring concurrency slots of "
            f"{listing(names, sort=False)}. Raise timeout_seconds, raise the limit "
            f"(taskbook concurrency-limit create NAME N) or occupy fewer slots."
        )
