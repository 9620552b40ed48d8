"""Run names never touch the user's random numbers."""

from __future__ import annotations

import random

from taskbook import flow


def test_a_flow_run_leaves_the_global_random_stream_alone(isolated_home):
    @flow
    def draw() -> float:
        return random.random()

    random.seed(7)
    expected = random.Random(7).random()
    assert draw() == expected  # as in plain Python: naming the run drew nothing
