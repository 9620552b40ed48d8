"""Task runs record which runs feed them: what ``get_run`` gives as ``upstream``.

Real flows on the default thread-pool runner, read back from the SQLite run store.
"""

from __future__ import annotations

import asyncio

import pytest

import taskbook
from taskbook import allow_failure, flow, runtime, task, unmapped

pytestmark = pytest.mark.usefixtures("isolated_home")


@task
def make(n: int = 1000) -> int:
    return n


@task
def add(x: int, y: int = 0) -> int:
    return x + y


@task
def pair(x: object, y: object = None) -> list[object]:
    return [x, y]


@task
def boom() -> None:
    raise ValueError("boom")


def _upstream(flow_run_id: str) -> dict[str, tuple[str, ...]]:
    """Task run id -> its recorded upstream ids."""
    record = taskbook.get_run(flow_run_id)
    return {t.id: t.upstream for t in record.task_runs}


def test_submitted_futures_and_wait_for_are_recorded_in_order():
    @flow
    def pipeline():
        a = make.submit()
        b = add.submit(a)
        c = pair.submit(a, wait_for=[b])
        c.wait()
        return runtime.flow_run.id, a.task_run_id, b.task_run_id, c.task_run_id

    flow_run_id, a, b, c = pipeline()
    assert _upstream(flow_run_id) == {a: (), b: (a,), c: (a, b)}


def test_a_future_given_twice_is_recorded_once():
    @flow
    def pipeline():
        a = make.submit()
        b = pair.submit(a, [a], wait_for=[a])
        return runtime.flow_run.id, a.task_run_id, b.task_run_id, b.result()

    flow_run_id, a, b, result = pipeline()
    assert result == [1000, [1000]]
    assert _upstream(flow_run_id)[b] == (a,)


def test_each_mapped_run_records_its_own_future_and_the_shared_ones():
    @flow
    def pipeline():
        xs = [make.submit(n) for n in (1000, 2000, 3000)]
        offset = make.submit(5)
        gate = make.submit(7)
        ys = add.map(xs, unmapped(offset), wait_for=[gate])
        return (
            runtime.flow_run.id,
            [x.task_run_id for x in xs],
            offset.task_run_id,
            gate.task_run_id,
            [y.task_run_id for y in ys],
            ys.result(),
        )

    flow_run_id, xs, offset, gate, ys, results = pipeline()
    assert results == [1005, 2005, 3005]
    upstream = _upstream(flow_run_id)
    assert [upstream[y] for y in ys] == [(x, offset, gate) for x in xs]


def test_a_future_mapped_over_feeds_every_element():
    @task
    def numbers() -> list[int]:
        return [1000, 2000]

    @flow
    def pipeline():
        source = numbers.submit()
        ys = add.map(source)
        ids = [y.task_run_id for y in ys]
        return runtime.flow_run.id, source.task_run_id, ids, ys.result()

    flow_run_id, source, ys, results = pipeline()
    assert results == [1000, 2000]
    upstream = _upstream(flow_run_id)
    assert [upstream[y] for y in ys] == [(source,), (source,)]


def test_allow_failure_inputs_are_recorded_and_the_run_goes_ahead():
    @flow
    def pipeline():
        failed = boom.submit()
        a = make.submit()
        wrapped = pair.submit(allow_failure(failed))
        nested = pair.submit([allow_failure(failed), a])
        blocked = pair.submit(failed)
        for future in (wrapped, nested, blocked):
            future.wait()
        return (
            runtime.flow_run.id,
            failed.task_run_id,
            a.task_run_id,
            wrapped.task_run_id,
            nested.task_run_id,
            blocked.task_run_id,
        )

    flow_run_id, failed, a, wrapped, nested, blocked = pipeline(return_state=True).data
    record = taskbook.get_run(flow_run_id)
    runs = {t.id: t for t in record.task_runs}
    assert (runs[wrapped].upstream, runs[wrapped].state_name) == (
        (failed,),
        "Completed",
    )
    assert (runs[nested].upstream, runs[nested].state_name) == (
        (failed, a),
        "Completed",
    )
    # Without allow_failure the failed upstream still blocks the run.
    assert (runs[blocked].upstream, runs[blocked].state_name) == ((failed,), "NotReady")


def test_runs_given_plain_values_record_no_upstream():
    @flow
    def pipeline():
        ys = add.map(range(3), 1)
        ys.wait()
        return runtime.flow_run.id

    flow_run_id = pipeline()
    assert set(_upstream(flow_run_id).values()) == {()}


def test_a_direct_call_given_an_earlier_result_records_that_run():
    @flow
    def pipeline():
        x = make()
        y = add(x, 1)
        z = pair(y, 2000)
        ys = add.map(z, unmapped(x))
        small = make(5)
        unrelated = add(5)  # 5 is a cached int: its identity says nothing
        return runtime.flow_run.id, ys.result(), small, unrelated

    flow_run_id, results, _, _ = pipeline()
    assert results == [2001, 3000]
    record = taskbook.get_run(flow_run_id)
    by_name = {t.name: t.id for t in record.task_runs}
    upstream = {t.name: t.upstream for t in record.task_runs}
    x, y, z = by_name["make-0"], by_name["add-0"], by_name["pair-0"]
    assert upstream["add-0"] == (x,)
    assert upstream["pair-0"] == (y,)
    # The mapped list came from pair-0; its first element is add-0's result object.
    assert upstream["add-1"] == (z, y, x)
    assert upstream["add-2"] == (z, x)
    assert upstream["add-3"] == ()


@task
async def amake() -> list[int]:
    return [1000]


@task
async def alen(xs: list[int]) -> int:
    return len(xs)


def test_direct_calls_of_async_tasks_record_their_upstream():
    @flow
    async def in_async_flow():
        xs = await amake()
        await alen(xs)
        return runtime.flow_run.id

    @flow
    def in_sync_flow():
        xs = amake()  # run on the engine loop, returns the value
        alen(xs)
        return runtime.flow_run.id

    for flow_run_id in (asyncio.run(in_async_flow()), in_sync_flow()):
        record = taskbook.get_run(flow_run_id)
        ids = {t.name: t.id for t in record.task_runs}
        upstream = {t.name: t.upstream for t in record.task_runs}
        assert upstream == {"amake-0": (), "alen-0": (ids["amake-0"],)}
