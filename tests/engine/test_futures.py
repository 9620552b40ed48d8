"""Task futures: waiting, as_completed, callbacks and timeouts on real worker threads."""

from __future__ import annotations

import threading
import time

import pytest

import taskbook
from taskbook import flow, task
from taskbook.futures import as_completed, wait
from taskbook.task_runners import ThreadPoolTaskRunner

pytestmark = pytest.mark.usefixtures("isolated_home")


def test_wait_reports_unfinished_futures_after_its_timeout_then_all_finish():
    gate = threading.Event()

    @task
    def held(i):
        if i == 1:
            gate.wait(5)
        return i

    @flow
    def pipeline():
        futures = held.map(range(3))
        done, not_done = wait(futures, timeout=0.3)
        early = (sorted(f.result() for f in done), len(not_done))
        gate.set()
        done, not_done = wait(futures)
        return early, sorted(f.result() for f in done), len(not_done)

    early, finished, unfinished = pipeline()
    assert early == ([0, 2], 1)
    assert (finished, unfinished) == ([0, 1, 2], 0)


def test_as_completed_yields_each_future_once_in_finishing_order():
    order = [threading.Event() for _ in range(3)]

    @task
    def step(i):
        # 2 finishes first, then 0, then 1.
        if i != 2:
            order[i].wait(5)
        return i

    @flow
    def pipeline():
        futures = step.map(range(3))
        seen = []
        for future in as_completed([*futures, futures[0]]):
            seen.append(future.result())
            if future.result() == 2:
                order[0].set()
            elif future.result() == 0:
                order[1].set()
        return seen

    assert pipeline() == [2, 0, 1]


def test_as_completed_raises_timeout_error_naming_the_unfinished_count():
    gate = threading.Event()

    @task
    def held():
        gate.wait(5)

    @flow
    def pipeline():
        future = held.submit()
        try:
            with pytest.raises(TimeoutError, match=r"1 \(of 1\) futures unfinished"):
                list(as_completed([future], timeout=0.2))
        finally:
            gate.set()
        return future.result()

    assert pipeline() is None


def test_result_with_a_timeout_raises_naming_the_run_then_returns_once_done():
    gate = threading.Event()

    @task
    def held():
        gate.wait(5)
        return "done"

    @flow
    def pipeline():
        future = held.submit()
        with pytest.raises(TimeoutError, match=r"'held-0' did not finish within 0.1"):
            future.result(timeout=0.1)
        assert not future.done()
        gate.set()
        return future.result(timeout=5)

    assert pipeline() == "done"


def test_done_callbacks_run_once_the_run_finishes_and_at_once_after():
    gate = threading.Event()
    calls: list[tuple[str, str]] = []

    @task
    def held():
        gate.wait(5)
        return 1

    @flow
    def pipeline():
        future = held.submit()
        future.add_done_callback(lambda f: calls.append(("before", f.state.name)))
        assert calls == []
        gate.set()
        future.wait()
        future.add_done_callback(lambda f: calls.append(("after", f.state.name)))
        return future.result()

    assert pipeline() == 1
    assert calls == [("before", "Completed"), ("after", "Completed")]


def test_a_failing_done_callback_is_logged_and_the_run_still_completes(caplog):
    @task
    def one():
        return 1

    def broken(_future):
        raise RuntimeError("callback bug")

    @flow
    def pipeline():
        future = one.submit()
        future.add_done_callback(broken)
        return future.result()

    assert pipeline() == 1
    assert "callback bug" in caplog.text


def test_a_large_map_on_two_workers_records_every_state_in_order():
    @task
    def double(x):
        return 2 * x

    @flow(task_runner=ThreadPoolTaskRunner(max_workers=2))
    def pipeline(n):
        return double.map(range(n)).result()

    assert pipeline(2000) == [2 * i for i in range(2000)]
    run = taskbook.get_run(taskbook.runs().id[0])
    assert len(run.task_runs) == 2000
    assert {t.state_type for t in run.task_runs} == {"COMPLETED"}
    assert {t.run_count for t in run.task_runs} == {1}
    assert all(t.start_time <= t.end_time for t in run.task_runs)
    assert {tuple(s.type for s in t.states) for t in run.task_runs} == {
        ("PENDING", "RUNNING", "COMPLETED")
    }
    names = sorted(int(t.name.rsplit("-", 1)[1]) for t in run.task_runs)
    assert names == list(range(2000))


def test_futures_of_async_tasks_submitted_from_a_sync_flow_resolve():
    @task
    async def later(x):
        return x + 1

    @flow
    def pipeline():
        futures = later.map([1, 2, 3])
        start = time.monotonic()
        results = [f.result(timeout=5) for f in futures]
        assert time.monotonic() - start < 5
        return results, [f.state.name for f in futures]

    assert pipeline() == ([2, 3, 4], ["Completed"] * 3)


def test_several_threads_waiting_on_one_future_all_wake_when_it_finishes():
    gate = threading.Event()

    @task
    def held():
        gate.wait(5)
        return "ok"

    @flow
    def pipeline():
        future = held.submit()
        woke: list[str] = []
        waiters = [
            threading.Thread(target=lambda: woke.append(future.result(timeout=5))),
            threading.Thread(target=lambda: woke.append(len(wait([future]).done))),
            threading.Thread(
                target=lambda: woke.extend(f.result() for f in as_completed([future]))
            ),
        ]
        for t in waiters:
            t.start()
        time.sleep(0.1)  # let all three block on the unfinished run
        assert woke == []
        gate.set()
        for t in waiters:
            t.join(5)
        return sorted(map(str, woke))

    assert pipeline() == ["1", "ok", "ok"]
