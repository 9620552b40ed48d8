"""Tasks and flows as methods, and their options as attributes (Prefect 3's API).

Observed under Prefect 3.9.1: ``@task``/``@flow`` over a method bind ``self`` (the
descriptor protocol), over ``@classmethod`` bind the class; ``self`` is one of the
run's parameters, so INPUTS cache keys and run-name templates see it.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import taskbook
from taskbook import flow, task
from taskbook.cache_policies import INPUTS


class Scaler:
    calls: list[tuple[int, int]] = []  # noqa: RUF012 - shared on purpose: counts runs

    def __init__(self, factor: int) -> None:
        self.factor = factor

    @task(cache_policy=INPUTS, task_run_name="scale-{self.factor}-{x}")
    def scale(self, x: int) -> int:
        Scaler.calls.append((self.factor, x))
        return self.factor * x

    @task
    @classmethod
    def label(cls, x: int) -> str:
        return f"{cls.__name__}:{x}"

    @task
    @staticmethod
    def plus_one(x: int) -> int:
        return x + 1

    @flow(flow_run_name="scaler-{self.factor}")
    def run(self, xs: list[int]) -> dict[str, Any]:
        return {
            "called": [self.scale(x) for x in xs],
            "submitted": self.scale.submit(10).result(),
            "mapped": self.scale.map(xs).result(),
            "label": self.label(1),
            "static": self.plus_one(1),
        }


def test_methods_bind_self_and_classmethods_bind_the_class(isolated_home: Path) -> None:
    Scaler.calls.clear()
    assert Scaler(2).run([1, 2]) == {
        "called": [2, 4],
        "submitted": 20,
        "mapped": [2, 4],
        "label": "Scaler:1",
        "static": 2,
    }
    assert (Scaler.label(5), Scaler.plus_one(5)) == ("Scaler:5", 6)


def test_run_names_read_self_attributes(isolated_home: Path) -> None:
    Scaler(3).run([1])
    (run_id,) = taskbook.runs()["id"]
    record = taskbook.get_run(run_id)
    assert record.name == "scaler-3"
    assert {t.name for t in record.task_runs if t.task_name == "scale"} == {
        "scale-3-1",
        "scale-3-10",
    }


def test_self_is_part_of_the_inputs_cache_key(isolated_home: Path) -> None:
    Scaler.calls.clear()
    Scaler(2).run([1])
    Scaler(3).run([1])  # another factor: another key, runs again
    Scaler(2).run([1])  # the same state as the first: cache hits
    assert Scaler.calls == [(2, 1), (2, 10), (3, 1), (3, 10)]


def test_a_cache_key_function_may_ignore_self(isolated_home: Path) -> None:
    seen: list[int] = []

    class Counter:
        def __init__(self, name: str) -> None:
            self.name = name

        @task(cache_key_fn=lambda _ctx, params: f"x={params['x']}")
        def double(self, x: int) -> int:
            seen.append(x)
            return 2 * x

    @flow
    def twice() -> list[int]:
        return [Counter("a").double(4), Counter("b").double(4)]

    assert twice() == [8, 8]
    assert seen == [4]


def test_options_are_attributes_and_with_options_copies_the_rest() -> None:
    def hook(*_args: Any) -> None:
        return None

    @task(
        retries=2,
        retry_delay_seconds=[1, 2],
        retry_jitter_factor=0.5,
        cache_expiration=timedelta(seconds=5),
        timeout_seconds=3,
        tags=["nightly"],
        persist_result=True,
        log_prints=True,
        on_failure=[hook],
    )
    def extract() -> None:
        return None

    assert (extract.retries, extract.retry_delay_seconds) == (2, [1, 2])
    assert (extract.retry_jitter_factor, extract.cache_expiration) == (
        0.5,
        timedelta(seconds=5),
    )
    assert (extract.timeout_seconds, extract.tags) == (3, {"nightly"})
    assert (extract.persist_result, extract.log_prints) == (True, True)
    assert (extract.cache_key_fn, extract.refresh_cache) == (None, None)
    assert extract.on_failure_hooks == [hook]
    changed = extract.with_options(retries=5)
    assert (changed.retries, changed.retry_delay_seconds, changed.tags) == (
        5,
        [1, 2],
        {"nightly"},
    )
    assert (changed.timeout_seconds, changed.on_failure_hooks) == (3, [hook])
    assert extract.retries == 2

    @flow(retries=1, retry_delay_seconds=4, timeout_seconds=60, log_prints=True)
    def pipeline() -> None:
        return None

    assert (pipeline.retries, pipeline.retry_delay_seconds) == (1, 4)
    assert (pipeline.timeout_seconds, pipeline.log_prints) == (60, True)
    assert pipeline.with_options(retries=3).retry_delay_seconds == 4
