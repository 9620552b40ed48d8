"""Task runners: threads, processes and Dask run the same tasks with the same records.

Real thread pools, real spawned worker processes and real Dask LocalClusters.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
import warnings
from pathlib import Path

import pytest

import taskbook
from taskbook import flow, task
from taskbook.cache_policies import INPUTS
from taskbook.errors import AbandonedThreadWarning, TaskRunTimeoutError
from taskbook.task_runners import (
    DaskTaskRunner,
    ProcessPoolTaskRunner,
    ThreadPoolTaskRunner,
)

pytestmark = pytest.mark.usefixtures("isolated_home")


def _last_run():
    return taskbook.get_run(taskbook.runs().id[0])


# --- threads ---------------------------------------------------------------------------


def test_a_thread_pool_of_two_runs_four_tasks_two_at_a_time():
    lock = threading.Lock()
    active = [0]
    peak = [0]

    @task
    def nap(i):
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.3)
        with lock:
            active[0] -= 1
        return i

    @flow(task_runner=ThreadPoolTaskRunner(max_workers=2))
    def pipeline():
        return [f.result() for f in [nap.submit(i) for i in range(4)]]

    start = time.monotonic()
    assert pipeline() == [0, 1, 2, 3]
    elapsed = time.monotonic() - start
    assert peak[0] == 2
    assert 0.55 < elapsed < 1.1, f"4 x 0.3 s on 2 workers took {elapsed:.2f} s"
    assert [t.state_type for t in _last_run().task_runs] == ["COMPLETED"] * 4


def test_a_thread_pool_rejects_a_non_positive_worker_count():
    with pytest.raises(
        taskbook.errors.InvalidOptionError, match=r"max_workers=0 is invalid"
    ):
        ThreadPoolTaskRunner(max_workers=0)


# --- processes -------------------------------------------------------------------------


def test_a_process_pool_runs_tasks_in_other_processes_with_retries_and_cache(
    tmp_path: Path,
):
    attempts = tmp_path / "attempts.txt"

    @task(retries=1)
    def flaky(path: str) -> int:
        from pathlib import Path as P

        with P(path).open("a") as f:
            f.write(f"{os.getpid()}\n")
        if len(P(path).read_text().splitlines()) < 2:
            raise RuntimeError("the first attempt fails")
        return os.getpid()

    @task(cache_policy=INPUTS)
    def square(x: int) -> tuple[int, int]:
        return x * x, os.getpid()

    @flow(task_runner=ProcessPoolTaskRunner(max_workers=2))
    def pipeline():
        worker = flaky.submit(str(attempts))
        squares = square.map([1, 2, 3])
        return worker.result(), [s.result() for s in squares]

    worker_pid, squares = pipeline()
    assert worker_pid != os.getpid()
    assert [value for value, _ in squares] == [1, 4, 9]
    assert {pid for _, pid in squares} - {os.getpid()} == {pid for _, pid in squares}
    assert len(attempts.read_text().splitlines()) == 2

    record = _last_run()
    by_name = {t.name: t for t in record.task_runs}
    assert by_name["flaky-0"].run_count == 2
    assert [s.name for s in by_name["flaky-0"].states] == [
        "Pending",
        "Running",
        "Retrying",
        "Completed",
    ]
    assert (
        "Task run failed with exception: RuntimeError('the first attempt fails') "
        "- Retry 1/1 will start immediately"
    ) in [log["message"] for log in record.logs]

    # A second flow run finds the squares in the cache: no process is asked again.
    @flow(task_runner=ProcessPoolTaskRunner(max_workers=1))
    def again():
        return [s.result() for s in square.map([1, 2, 3])]

    assert again() == squares
    assert [t.state_name for t in _last_run().task_runs] == ["Cached"] * 3


def test_a_failure_in_a_worker_process_is_the_users_exception():
    @task
    def bad():
        raise ZeroDivisionError("in the worker")

    @flow(task_runner=ProcessPoolTaskRunner(max_workers=1))
    def pipeline():
        return bad.submit()

    state = pipeline(return_state=True)
    assert state.is_failed()
    with pytest.raises(ZeroDivisionError, match="in the worker"):
        state.result()
    with pytest.raises(ZeroDivisionError, match="in the worker"):
        pipeline()  # a returned future raises its failure, as in Prefect
    assert _last_run().task_runs[0].states[-1].message == (
        "Task run encountered an exception ZeroDivisionError: in the worker"
    )


# --- Dask -------------------------------------------------------------------------------


def _dask_map(runner: DaskTaskRunner) -> list[tuple[int, int]]:
    @task
    def triple(x: int) -> tuple[int, int]:
        return 3 * x, os.getpid()

    @flow(task_runner=runner)
    def pipeline():
        return [f.result() for f in triple.map(range(10))]

    return pipeline()


def test_a_dask_runner_without_address_starts_a_local_cluster_of_processes():
    out = _dask_map(DaskTaskRunner())
    assert [value for value, _ in out] == [3 * x for x in range(10)]
    assert os.getpid() not in {pid for _, pid in out}
    record = _last_run()
    assert record.state_type == "COMPLETED"
    assert sorted(t.name for t in record.task_runs) == sorted(
        f"triple-{i}" for i in range(10)
    )
    assert {t.state_type for t in record.task_runs} == {"COMPLETED"}


def test_a_dask_runner_uses_an_existing_cluster_at_its_address():
    from distributed import Client, LocalCluster

    with LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        out = _dask_map(DaskTaskRunner(address=cluster.scheduler_address))
        assert [value for value, _ in out] == [3 * x for x in range(10)]
        with Client(cluster.scheduler_address) as client:
            # the cluster ran our calls (processes=False: in this pid) and is still up
            assert len(client.scheduler_info()["workers"]) == 1
    assert {t.state_type for t in _last_run().task_runs} == {"COMPLETED"}


@task(retries=1)
def flaky_where(label: str) -> tuple[str, int, str, int]:
    from taskbook import runtime

    # The first attempt fails, as a task that reads its own retry count would.
    if runtime.task_run.run_count == 1:
        raise ConnectionError("first attempt")
    return (runtime.task_run.name, runtime.task_run.run_count, label, os.getpid())


def test_runtime_reads_the_task_run_in_a_worker_process():
    @flow(task_runner=ProcessPoolTaskRunner(max_workers=1))
    def remote() -> tuple[str, int, str, int]:
        return flaky_where.submit("x").result()

    name, count, label, pid = remote()

    assert pid != os.getpid()
    assert (name, count, label) == ("flaky_where-0", 2, "x")
    (run,) = _last_run().task_runs
    assert (run.state_name, run.run_count) == ("Completed", 2)


# --- async tasks in sync flows ---------------------------------------------------------------


def test_async_tasks_submitted_from_a_sync_flow_run_concurrently_and_return_values():
    @task
    async def slow_double(x: int) -> int:
        await asyncio.sleep(0.3)
        return 2 * x

    @flow
    def pipeline():
        futures = [slow_double.submit(i) for i in range(5)]
        direct = slow_double(10)  # a direct call returns a value, not a coroutine
        return [f.result() for f in futures], direct

    start = time.monotonic()
    assert pipeline() == ([0, 2, 4, 6, 8], 20)
    assert time.monotonic() - start < 1.2  # not 6 x 0.3 s one after another
    assert [t.state_type for t in _last_run().task_runs] == ["COMPLETED"] * 6


# --- timeouts --------------------------------------------------------------------------------


def test_a_sync_task_stuck_in_sleep_times_out_and_its_thread_is_abandoned_with_a_warning():
    @task(timeout_seconds=0.2)
    def stuck():
        time.sleep(1.5)
        return "too late"

    @flow
    def pipeline():
        return stuck(return_state=True).name

    start = time.monotonic()
    with pytest.warns(
        AbandonedThreadWarning,
        match=r"Task 'stuck' timed out after 0.2 s but its thread is blocked",
    ):
        state = pipeline(return_state=True)
    assert time.monotonic() - start < 1.0
    assert state.result() == "TimedOut"
    (task_run,) = _last_run().task_runs
    assert (task_run.state_type, task_run.state_name) == ("FAILED", "TimedOut")
    assert "exceeded timeout of 0.2 second(s)" in task_run.states[-1].message


def test_a_busy_python_loop_is_interrupted_at_its_timeout_without_a_warning():
    @task(timeout_seconds=0.2)
    def spin():
        n = 0
        while True:
            n += 1

    @flow
    def pipeline():
        return spin()

    start = time.monotonic()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        state = pipeline(return_state=True)
    assert time.monotonic() - start < 1.0
    assert [w for w in caught if issubclass(w.category, AbandonedThreadWarning)] == []
    assert (state.type.value, state.name) == ("FAILED", "Failed")
    with pytest.raises(
        TaskRunTimeoutError, match=r"^Scope timed out after 0\.2 second\(s\)\.$"
    ):
        state.result()
    (task_run,) = _last_run().task_runs
    assert task_run.state_name == "TimedOut"


def test_a_timed_out_task_is_retried_like_any_failure():
    calls = []

    @task(timeout_seconds=0.2, retries=1)
    def slow_then_fast():
        calls.append(1)
        if len(calls) == 1:
            while True:
                pass
        return "second try"

    @flow
    def pipeline():
        return slow_then_fast()

    assert pipeline() == "second try"
    assert [s.name for s in _last_run().task_runs[0].states] == [
        "Pending",
        "Running",
        "Retrying",
        "Completed",
    ]
