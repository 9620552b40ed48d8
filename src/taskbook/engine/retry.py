"""Retry delays as pure functions: Prefect's lists, callables, backoff and jitter."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from typing import Any


def exponential_backoff(backoff_factor: float) -> Callable[[int], list[float]]:
    """Return a ``retry_delay_seconds`` callable: ``factor * 2**n`` for retry n.

    Args:
        backoff_factor: The delay before the first retry; each later one doubles.

    Returns:
        A function of the number of retries giving the list of delays (at most 50).
    """

    def retry_backoff_callable(retries: int) -> list[float]:
        return [backoff_factor * max(0, 2**r) for r in range(min(retries, 50))]

    return retry_backoff_callable


def resolve_delays(retry_delay_seconds: Any, retries: int) -> float | list[float]:
    """Turn the option into a number or a list (calling a callable with ``retries``)."""
    if retry_delay_seconds is None:
        return 0.0
    if callable(retry_delay_seconds):
        return [float(d) for d in retry_delay_seconds(retries)]
    if isinstance(retry_delay_seconds, Sequence):
        return [float(d) for d in retry_delay_seconds]
    return float(retry_delay_seconds)


def delay_for(
    delays: float | list[float],
    retry_index: int,
    jitter_factor: float | None = None,
    rng: random.Random | None = None,
) -> float:
    """Return the delay before retry number ``retry_index`` (0-based).

    A list shorter than the number of retries repeats its last delay, as Prefect does.
    With a jitter factor the delay is drawn from Prefect's clamped Poisson interval.
    """
    if isinstance(delays, list):
        delay = delays[min(retry_index, len(delays) - 1)] if delays else 0.0
    else:
        delay = delays
    if jitter_factor and delay > 0:
        delay = clamped_poisson_interval(delay, jitter_factor, rng)
    return delay


def clamped_poisson_interval(
    average: float, clamping_factor: float = 0.3, rng: random.Random | None = None
) -> float:
    """Draw an exponential interval around ``average``, clamped as Prefect clamps it.

    The upper bound is ``average * (1 + factor)``; the lower bound is chosen (as in
    Prefect's ``lower_clamp_multiple``) so that the average stays about ``average``.
    """
    if clamping_factor <= 0:
        return average
    k = 1 + clamping_factor
    upper = average * k
    lower = 0.0 if k >= 50 else average * math.log(max(2**k / (2**k - 1), 1e-10), 2)
    # Inverse-CDF draw of an exponential variate between the two bounds.
    lower_rv = 1 - math.exp(-lower / average)
    upper_rv = 1 - math.exp(-upper / average)
    r = (rng or random).uniform(lower_rv, upper_rv)
    return -average * math.log(max(1 - r, 1e-10))
