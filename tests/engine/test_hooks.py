"""Task and flow hooks share one path: async hooks are awaited, errors only logged."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest

from taskbook import flow, task


def test_async_hooks_of_tasks_and_flows_are_awaited(isolated_home: Path) -> None:
    seen: list[str] = []

    async def record(owner: Any, run: Any, state: Any) -> None:
        await asyncio.sleep(0)
        seen.append(f"{owner.name} {state.name}")

    @task(on_completion=[record])
    def step() -> int:
        return 1

    @flow(on_completion=[record])
    def pipeline() -> int:
        return step()

    assert pipeline() == 1
    assert seen == ["step Completed", "pipeline Completed"]


def test_a_failing_hook_is_logged_and_the_run_still_completes(
    isolated_home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(_owner: Any, _run: Any, _state: Any) -> None:
        raise RuntimeError("hook broke")

    @task(on_completion=[broken])
    def step() -> int:
        return 1

    @flow(on_completion=[broken])
    def pipeline() -> int:
        return step()

    with caplog.at_level(logging.ERROR, logger="taskbook"):
        state = pipeline(return_state=True)

    assert state.is_completed()
    errors = [(r.name, r.getMessage()) for r in caplog.records]
    assert errors == [
        ("taskbook.task_runs", "An error was encountered while running hook 'broken'"),
        ("taskbook.flow_runs", "An error was encountered while running hook 'broken'"),
    ]
