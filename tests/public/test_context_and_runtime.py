"""``taskbook.context``, the whole of ``taskbook.runtime``, run loggers for hooks, and
``ConcurrentTaskRunner``, as Prefect 3 has them (values observed under Prefect 3.9.1;
taskbook has no server, so URLs are None, as for a run without an API).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

import taskbook
from taskbook import flow, runtime, task
from taskbook.context import FlowRunContext, TaskRunContext, get_run_context
from taskbook.exceptions import MissingContextError
from taskbook.logging.loggers import flow_run_logger, task_run_logger
from taskbook.task_runners import ConcurrentTaskRunner, ThreadPoolTaskRunner


def test_get_run_context_gives_the_task_run_else_the_flow_run(
    isolated_home: Path,
) -> None:
    @task
    def inner(x: int) -> tuple[str, str, dict[str, Any]]:
        ctx = get_run_context()
        assert TaskRunContext.get() is ctx
        return type(ctx).__name__, ctx.task_run.name, ctx.parameters

    @flow
    def outer(a: int = 1) -> list[Any]:
        ctx = get_run_context()
        assert FlowRunContext.get() is ctx
        assert TaskRunContext.get() is None
        return [type(ctx).__name__, ctx.flow_run.name == runtime.flow_run.name]

    assert outer() == ["FlowRunContext", True]

    @flow
    def with_task() -> Any:
        return inner(3)

    assert with_task() == ("TaskRunContext", "inner-0", {"x": 3})
    with pytest.raises(
        MissingContextError,
        match=r"^No run context available\. You are not in a flow or task run "
        r"context\. ",
    ):
        get_run_context()


def test_runtime_outside_any_run() -> None:
    assert (runtime.flow_run.id, runtime.flow_run.flow_version) == (None, None)
    assert (runtime.flow_run.root_flow_run_id, runtime.flow_run.job_variables) == (
        None,
        None,
    )
    assert isinstance(runtime.flow_run.scheduled_start_time, datetime)
    assert (runtime.task_run.api_url, runtime.task_run.parameters) == (None, {})
    assert (runtime.deployment.id, runtime.deployment.flow_run_id) == (None, None)
    assert (runtime.deployment.name, runtime.deployment.version) == (None, None)
    assert runtime.deployment.parameters == {}


def test_runtime_inside_flows_subflows_and_tasks(isolated_home: Path) -> None:
    @task
    def seen_by_task() -> dict[str, Any]:
        return {
            "task_name": runtime.task_run.task_name,
            "parameters": runtime.task_run.parameters,
            "run_count": runtime.task_run.run_count,
        }

    @flow
    def child() -> dict[str, Any]:
        return {
            "parent": runtime.flow_run.parent_flow_run_id,
            "root": runtime.flow_run.root_flow_run_id,
        }

    @flow(version="1.2")
    def parent(a: int = 1) -> dict[str, Any]:
        return {
            "id": runtime.flow_run.id,
            "root": runtime.flow_run.root_flow_run_id,
            "version": runtime.flow_run.flow_version,
            "urls": (runtime.flow_run.api_url, runtime.flow_run.ui_url),
            "job_variables": runtime.flow_run.job_variables,
            "deployment": (
                runtime.deployment.id,
                runtime.deployment.flow_run_id,
                runtime.deployment.parameters,
            ),
            "task": seen_by_task(),
            "child": child(),
        }

    seen = parent()
    run_id = seen["id"]
    assert seen["root"] == run_id
    assert (seen["version"], seen["urls"], seen["job_variables"]) == (
        "1.2",
        (None, None),
        {},
    )
    assert seen["deployment"] == (None, run_id, {"a": 1})
    assert seen["task"] == {
        "task_name": "seen_by_task",
        "parameters": {},
        "run_count": 1,
    }
    assert seen["child"] == {"parent": run_id, "root": run_id}


def test_run_loggers_in_state_hooks_are_recorded_with_the_run(
    isolated_home: Path,
) -> None:
    def flow_hook(flow_: Any, flow_run: Any, _state: Any) -> None:
        flow_run_logger(flow_run, flow_).info("flow %s done", flow_.name)

    def task_hook(task_: Any, task_run: Any, _state: Any) -> None:
        task_run_logger(task_run, task_).warning("task %s done", task_.name)

    @task(on_completion=[task_hook])
    def step() -> int:
        return 1

    @flow(on_completion=[flow_hook])
    def hooked() -> int:
        return step()

    assert hooked() == 1
    (run_id,) = taskbook.runs()["id"]
    lines = [(log["message"], log["level"]) for log in taskbook.get_run(run_id).logs]
    assert ("flow hooked done", 20) in lines
    assert ("task step done", 30) in lines
    with pytest.raises(ValueError, match="Either 'flow_run' or 'flow_run_id'"):
        flow_run_logger()


def test_concurrent_task_runner_is_the_thread_runner(isolated_home: Path) -> None:
    assert ConcurrentTaskRunner is ThreadPoolTaskRunner

    @task
    def double(x: int) -> int:
        return 2 * x

    @flow(task_runner=ConcurrentTaskRunner())
    def doubled() -> list[int]:
        return double.map([1, 2]).result()

    assert doubled() == [2, 4]
