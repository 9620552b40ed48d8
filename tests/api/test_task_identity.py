from __future__ import annotations

from pathlib import Path
from typing import Any

from taskbook import Task, flow
from taskbook.cache_policies import TASK_SOURCE
from taskbook.core.options import TaskOptions


def run_body() -> str:
    return "ran"


def test_a_task_given_source_and_key_reports_them() -> None:
    t = Task(run_body, TaskOptions(), source="x = 1\n", task_key="load-1a2b3c4d")

    assert t.source == "x = 1\n"
    assert t.task_key == "load-1a2b3c4d"


def test_without_them_source_and_key_come_from_the_function() -> None:
    t = Task(run_body, TaskOptions())

    assert t.source.startswith("def run_body() -> str:\n")
    assert t.task_key.startswith("run_body-")


def test_a_given_source_alone_gives_a_key_of_that_source() -> None:
    one = Task(run_body, TaskOptions(), source="x = 1\n")
    two = Task(run_body, TaskOptions(), source="x = 2\n")

    assert one.task_key.startswith("run_body-")
    assert one.task_key != two.task_key
    assert Task(run_body, TaskOptions(), source="x = 1\n").task_key == one.task_key


def test_with_options_keeps_a_given_source_and_key() -> None:
    t = Task(run_body, TaskOptions(), source="x = 1\n", task_key="load-1a2b3c4d")

    changed = t.with_options(retries=2)

    assert (changed.source, changed.task_key, changed.retries) == (
        "x = 1\n",
        "load-1a2b3c4d",
        2,
    )


def test_runs_of_one_function_carry_each_tasks_key(isolated_home: Path) -> None:
    keys: list[str] = []

    def record(_task: Any, run: Any, _state: Any) -> None:
        keys.append(run.task_key)

    options = TaskOptions(on_completion=(record,))
    load = Task(run_body, options, source="a = 1\n", task_key="load-00000001")
    clean = Task(run_body, options, source="b = 2\n", task_key="clean-00000002")

    @flow
    def notebook() -> None:
        load()
        clean()

    notebook()

    assert keys == ["load-00000001", "clean-00000002"]


def test_the_task_source_policy_hashes_the_given_source(isolated_home: Path) -> None:
    calls: list[str] = []

    def body() -> int:
        calls.append("ran")
        return len(calls)

    options = TaskOptions(cache_policy=TASK_SOURCE)
    first = Task(body, options, source="x = 1\n")
    same = Task(body, options, source="x = 1\n")
    other = Task(body, options, source="x = 2\n")

    @flow
    def notebook() -> list[int]:
        return [first(), same(), other()]

    assert notebook() == [1, 1, 2]
    assert len(calls) == 2
