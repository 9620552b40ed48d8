from __future__ import annotations

import math
from dataclasses import dataclass

import pytest

from taskbook.core.slot_decay import DecayPool, check_decay


@dataclass(frozen=True)
class AtCase:
    id: str
    pool: DecayPool
    now: float
    rate: float
    expected: DecayPool


AT_CASES = [
    AtCase("nothing decayed yet", DecayPool(3, 10.0), 10.9, 1.0, DecayPool(3, 10.0)),
    AtCase("one whole slot", DecayPool(3, 10.0), 11.5, 1.0, DecayPool(2, 11.0)),
    AtCase("keeps the fraction", DecayPool(5, 0.0), 2.5, 2.0, DecayPool(0, 2.5)),
    AtCase("fraction at rate 2", DecayPool(5, 0.0), 1.75, 2.0, DecayPool(2, 1.5)),
    AtCase("empties, no credit", DecayPool(2, 0.0), 100.0, 1.0, DecayPool(0, 100.0)),
    AtCase("no decay never frees", DecayPool(2, 0.0), 100.0, 0.0, DecayPool(2, 100.0)),
    AtCase("slow rate", DecayPool(1, 0.0), 9.99, 0.1, DecayPool(1, 0.0)),
]


@pytest.mark.parametrize("case", AT_CASES, ids=[c.id for c in AT_CASES])
def test_a_pool_frees_whole_slots_at_its_rate(case: AtCase) -> None:
    assert case.pool.at(case.now, case.rate) == case.expected


def test_freeing_in_small_steps_frees_as_many_slots_as_one_big_step() -> None:
    pool, now = DecayPool(10, 0.0), 0.0
    for _ in range(30):  # one update every 0.3 s at 1 slot/s, 9 s in all
        now += 0.3
        pool = pool.at(now, 1.0)
    assert pool.active == 10 - 9 == DecayPool(10, 0.0).at(9.0, 1.0).active


def test_adding_to_an_empty_pool_starts_its_decay_now() -> None:
    assert DecayPool(0, 0.0).add(2, 50.0, 1.0) == DecayPool(2, 50.0)
    assert DecayPool(1, 10.0).add(1, 10.5, 1.0) == DecayPool(2, 10.0)
    assert DecayPool(1, 10.0).add(-3, 10.5, 1.0) == DecayPool(0, 10.5)


def test_the_wait_until_slots_decay() -> None:
    pool = DecayPool(3, 10.0)
    assert pool.seconds_until_free(1, 10.25, 2.0) == 0.25
    assert pool.seconds_until_free(3, 10.0, 2.0) == 1.5
    assert pool.seconds_until_free(4, 10.0, 2.0) == math.inf  # not all in the pool
    assert pool.seconds_until_free(1, 10.0, 0.0) == math.inf


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, 0.0),
        (1, 1.0),
        (0.5, 0.5),
        (-1, None),
        (math.nan, None),
        (math.inf, None),
        ("1", None),
        (True, None),
    ],
)
def test_a_decay_is_a_finite_number_of_at_least_zero(
    value: object, expected: float | None
) -> None:
    assert check_decay(value) == expected
