"""Limits Prefect 3 documents, raised with Prefect's sentence first (users match on it).

Each message and builtin class was observed under Prefect 3.9.1; taskbook adds its fix
after Prefect's sentence.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from taskbook import flow, task
from taskbook.futures import wait


def test_more_than_fifty_retry_delays_is_an_error() -> None:
    with pytest.raises(
        ValueError,
        match=r"^Can not configure more than 50 retry delays per task\. .*got 51",
    ):
        task(retries=51, retry_delay_seconds=[1] * 51)(lambda: None)
    task(retries=50, retry_delay_seconds=[1] * 50)(lambda: None)  # the limit itself


def test_a_negative_retry_jitter_factor_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"^`retry_jitter_factor` must be >= 0\. "):
        task(retry_jitter_factor=-1)(lambda: None)


def test_a_negative_wait_timeout_is_an_error(isolated_home: Path) -> None:
    @task
    def one() -> int:
        return 1

    @flow
    def waits() -> Any:
        return wait([one.submit()], timeout=-1)

    with pytest.raises(
        ValueError, match=r"^'timeout' must be a non-negative number, got -1\. "
    ):
        waits()


def test_a_run_name_callable_must_return_a_string(isolated_home: Path) -> None:
    @flow(flow_run_name=lambda: 5)
    def numbered() -> None:
        return None

    with pytest.raises(
        TypeError,
        match=r"^Callable .* for 'flow_run_name' returned type int but a string is "
        r"required\. ",
    ):
        numbered()

    @task(task_run_name=lambda parameters: f"load-{parameters['n']}")
    def load(n: int) -> int:
        return n

    @flow
    def named() -> int:
        return load(3, return_state=True).result()

    assert named() == 3  # a callable taking parameters= gets them, as in Prefect


def test_an_async_retry_condition_is_awaited(isolated_home: Path) -> None:
    attempts: list[str] = []

    async def only_transient(_task: Any, _run: Any, state: Any) -> bool:
        return "transient" in str(state.result(raise_on_failure=False))

    @task(retries=5, retry_condition_fn=only_transient)
    async def fetch() -> None:
        attempts.append("try")
        raise ValueError("transient" if len(attempts) < 3 else "permanent")

    @flow
    def pipeline() -> str:
        return fetch(return_state=True).type.value

    assert pipeline() == "FAILED"
    assert attempts == ["try", "try", "try"]  # two retries, then the condition said no
