"""``Task.map``: each element is its own run, with Prefect's semantics, however built."""

from __future__ import annotations

import threading

import pytest

import taskbook
from taskbook import allow_failure, flow, tags, task, unmapped
from taskbook.task_runners import ThreadPoolTaskRunner

pytestmark = pytest.mark.usefixtures("isolated_home")


def _task_runs(flow_run_id: str):
    return taskbook.get_run(flow_run_id).task_runs


def test_each_mapped_element_retries_on_its_own():
    attempts: dict[int, int] = {}
    lock = threading.Lock()

    @task(retries=2)
    def flaky(x):
        with lock:
            attempts[x] = attempts.get(x, 0) + 1
            n = attempts[x]
        if x % 2 and n < 2:
            raise ValueError(f"odd {x} fails once")
        return x * 10

    @flow
    def pipeline():
        return flaky.map(range(6)).result()

    assert pipeline() == [0, 10, 20, 30, 40, 50]
    assert attempts == {0: 1, 1: 2, 2: 1, 3: 2, 4: 1, 5: 2}
    runs = {t.name: t for t in _task_runs(taskbook.runs().id[0])}
    assert runs["flaky-1"].run_count == 2
    assert [s.name for s in runs["flaky-1"].states] == [
        "Pending",
        "Running",
        "Retrying",
        "Completed",
    ]
    assert [s.name for s in runs["flaky-2"].states] == [
        "Pending",
        "Running",
        "Completed",
    ]


def test_map_with_return_state_gives_each_elements_final_state():
    @task
    def check(x):
        if x == 2:
            raise ValueError("two is bad")
        return x

    @flow
    def pipeline():
        states = check.map([1, 2, 3], return_state=True)
        return [(s.type.value, s.name) for s in states]

    assert pipeline() == [
        ("COMPLETED", "Completed"),
        ("FAILED", "Failed"),
        ("COMPLETED", "Completed"),
    ]


def test_mapping_over_futures_waits_for_each_and_allow_failure_passes_errors():
    @task
    def source(x):
        if x == 1:
            raise RuntimeError("no data for 1")
        return x

    @task
    def describe(value):
        return "error" if isinstance(value, Exception) else f"value {value}"

    @task
    def double(value):
        return value * 2

    @flow
    def pipeline():
        upstream = source.map([0, 1, 2])
        described = describe.map(allow_failure(upstream)).result()
        doubled = double.map(upstream, return_state=True)
        return described, [s.name for s in doubled]

    described, doubled = pipeline()
    assert described == ["value 0", "error", "value 2"]
    assert doubled == ["Completed", "NotReady", "Completed"]


def test_map_waits_for_wait_for_before_any_element_runs():
    order: list[str] = []
    gate = threading.Event()

    @task
    def setup():
        gate.wait(5)
        order.append("setup")

    @task
    def work(x, label):
        order.append(f"{label}{x}")

    @flow(task_runner=ThreadPoolTaskRunner(max_workers=4))
    def pipeline():
        ready = setup.submit()
        futures = work.map([1, 2], unmapped("w"), wait_for=[ready])
        gate.set()
        futures.wait()

    pipeline()
    assert order[0] == "setup"
    assert sorted(order[1:]) == ["w1", "w2"]


def test_defaults_are_passed_whole_not_mapped_over_as_in_prefect():
    @task
    def pick(x, choices=("a", "b")):
        return f"{x}{choices}"

    @flow
    def pipeline():
        return pick.map([1, 2]).result()

    assert pipeline() == ["1('a', 'b')", "2('a', 'b')"]


def test_star_args_and_keyword_catch_alls_map_as_in_prefect():
    @task
    def total(*numbers, scale=1):
        return sum(numbers) * scale

    @task
    def label(prefix, scale=1, **extra):
        return f"{prefix}x{scale}:{sorted(extra.items())}"

    @flow
    def pipeline():
        return (
            # The bound *args tuple is what is iterated: one run with all three.
            total.map([1, 2, 3], scale=unmapped(10)).result(),
            label.map(["a", "b"], scale=unmapped(3)).result(),
            # Extra keywords are mapped like named ones, then gathered back.
            label.map(["a", "b"], color=["red", "blue"], size=unmapped(2)).result(),
        )

    assert pipeline() == (
        [60],
        ["ax3:[]", "bx3:[]"],
        ["ax1:[('color', 'red'), ('size', 2)]", "bx1:[('color', 'blue'), ('size', 2)]"],
    )


def test_mapped_runs_are_named_tagged_and_recorded_in_order():
    @task(task_run_name="square-of-{x}", tags=["math"])
    def square(x):
        return x * x

    @task
    def plain(x):
        return x

    @flow
    def pipeline():
        with tags("batch"):
            square.map([2, 3]).result()
        plain.map([7, 8, 9]).result()
        plain.map([1]).result()

    pipeline()
    runs = _task_runs(taskbook.runs().id[0])
    by_name = {t.name: t for t in runs}
    assert set(by_name) == {
        "square-of-2",
        "square-of-3",
        "plain-0",
        "plain-1",
        "plain-2",
        "plain-3",
    }
    assert by_name["square-of-3"].tags == ["batch", "math"]
    assert by_name["plain-3"].tags == []
    assert all(t.state_type == "COMPLETED" for t in runs)


def test_an_empty_map_runs_nothing_and_returns_an_empty_list():
    @task
    def never(x):
        raise AssertionError("must not run")

    @flow
    def pipeline():
        return never.map([]).result()

    assert pipeline() == []
    assert _task_runs(taskbook.runs().id[0]) == []
