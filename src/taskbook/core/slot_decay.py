"""Slot decay of rate limits: how many taken slots are still active at a time.

A limit with ``slot_decay_per_second = d`` frees one of its decaying slots every
``1/d`` seconds, whole slots only (Prefect 3 floors too). Pure: the caller passes
the time in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ("DecayPool", "check_decay")


def check_decay(rate: object) -> float | None:
    """Return ``rate`` as a float if it is a valid slot decay, else None."""
    if isinstance(rate, bool) or not isinstance(rate, int | float):
        return None
    value = float(rate)
    if math.isnan(value) or math.isinf(value) or value < 0:
        return None
    return value


@dataclass(frozen=True, slots=True)
class DecayPool:
    """The decaying slots of one limit: ``active`` slots, decaying since ``since``.

    ``since`` moves forward by exactly the time the freed slots took, so the
    fraction of a slot already decayed is kept across updates: over any span of
    ``t`` seconds the pool frees ``floor(t * rate)`` slots, not fewer.
    """

    active: int
    since: float

    def at(self, now: float, rate: float) -> DecayPool:
        """Return the pool as it is at ``now`` (``now`` >= ``since``)."""
        if rate <= 0 or self.active <= 0:
            return DecayPool(max(self.active, 0), max(now, self.since))
        freed = min(self.active, math.floor((now - self.since) * rate))
        if freed <= 0:
            return self
        if freed == self.active:
            return DecayPool(0, now)  # an empty pool stores no credit for later
        return DecayPool(self.active - freed, self.since + freed / rate)

    def add(self, slots: int, now: float, rate: float) -> DecayPool:
        """Return the pool at ``now`` with ``slots`` more (fewer when negative)."""
        pool = self.at(now, rate)
        active = max(pool.active + slots, 0)
        return DecayPool(active, pool.since if pool.active and active else now)

    def seconds_until_free(self, slots: int, now: float, rate: float) -> float:
        """Return how long until ``slots`` of the pool have decayed (inf: never)."""
        if slots <= 0:
            return 0.0
        if rate <= 0:
            return math.inf
        pool = self.at(now, rate)
        if slots > pool.active:
            return math.inf
        return max(pool.since + slots / rate - now, 0.0)
