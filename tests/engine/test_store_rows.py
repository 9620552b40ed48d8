"""The run store's rows: what a batch of events becomes in SQLite, whatever its size.

Real SQLite in a temp dir; events are recorded the way the engine's bus does.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from taskbook.core.events import (
    FlowRunCreated,
    LogEmitted,
    StateChanged,
    TaskRunCreated,
)
from taskbook.core.states import State, StateType
from taskbook.engine.store import RunStore


@pytest.fixture
def store(tmp_path: Path):
    s = RunStore(tmp_path / "store")
    yield s
    s.close()


def _created(
    run_id: str, ts: float = 1.0, tags: tuple[str, ...] = ()
) -> TaskRunCreated:
    return TaskRunCreated(run_id, "flow-1", "add", "add-abc", f"add-{run_id}", tags, ts)


def _state(
    run_id: str, kind: StateType, ts: float, count: int = 1, **kw
) -> StateChanged:
    cache_key = kw.pop("cache_key", None)
    return StateChanged(run_id, "task", State(kind, ts=ts, **kw), count, cache_key)


def _task_row(store: RunStore, run_id: str) -> tuple:
    (row,) = store.query(
        "SELECT state_type, state_name, message, run_count, start_time, end_time, "
        "cache_key, tags FROM task_runs WHERE id = ?",
        (run_id,),
    )
    return tuple(row)


def _states(store: RunStore, run_id: str) -> list[tuple]:
    return [
        tuple(r)
        for r in store.query(
            "SELECT type, name, ts FROM states WHERE run_id = ? ORDER BY seq", (run_id,)
        )
    ]


def test_a_run_created_and_finished_in_one_batch_ends_in_its_final_state(
    store,
):
    store.record(_created("a", 1.0, ("etl", "daily")))
    store.record(_state("a", StateType.RUNNING, 2.0))
    store.record(_state("a", StateType.COMPLETED, 3.0, cache_key="k1"))
    store.flush()
    assert _task_row(store, "a") == (
        "COMPLETED",
        "Completed",
        None,
        1,
        2.0,
        3.0,
        "k1",
        '["etl", "daily"]',
    )
    assert _states(store, "a") == [
        ("PENDING", "Pending", 1.0),
        ("RUNNING", "Running", 2.0),
        ("COMPLETED", "Completed", 3.0),
    ]


def test_a_run_finished_in_a_later_batch_keeps_its_first_start_and_retry_count(
    store,
):
    store.record(_created("a"))
    store.record(_state("a", StateType.RUNNING, 2.0))
    store.flush()
    assert _task_row(store, "a")[:6] == ("RUNNING", "Running", None, 1, 2.0, None)
    store.record(_state("a", StateType.RUNNING, 4.0, 2, name="Retrying"))
    store.record(_state("a", StateType.FAILED, 5.0, 2, message="boom"))
    store.flush()
    assert _task_row(store, "a")[:6] == ("FAILED", "Failed", "boom", 2, 2.0, 5.0)
    assert [s[1] for s in _states(store, "a")] == [
        "Pending",
        "Running",
        "Retrying",
        "Failed",
    ]


@pytest.mark.parametrize("runs", [1, 7, 2049, 4100])
def test_batches_of_any_size_write_every_row_once(store, runs):
    ids = [f"run-{i:05d}" for i in range(runs)]
    for i, run_id in enumerate(ids):
        store.record(_created(run_id, float(i)))
    store.flush()  # creations in one batch, states in the next: the update path
    for i, run_id in enumerate(ids):
        store.record(_state(run_id, StateType.RUNNING, i + 0.5))
        store.record(_state(run_id, StateType.COMPLETED, i + 0.7))
    store.flush()
    assert store.query("SELECT COUNT(*), COUNT(DISTINCT id) FROM task_runs")[0][:] == (
        runs,
        runs,
    )
    assert (
        store.query(
            "SELECT COUNT(*) FROM task_runs WHERE state_type = 'COMPLETED' AND "
            "start_time < end_time"
        )[0][0]
        == runs
    )
    assert store.query("SELECT COUNT(*), COUNT(run_id) FROM states")[0][:] == (
        3 * runs,
        3 * runs,
    )


def test_flow_runs_and_logs_without_a_flow_run_are_kept(store):
    store.record(FlowRunCreated("f1", "etl", "calm-otter", {"n": 3}, ("x",), None, 1.0))
    store.record(StateChanged("f1", "flow", State(StateType.RUNNING, ts=2.0), 1))
    store.record(LogEmitted(None, None, 20, "outside any run", 2.5))
    store.record(LogEmitted("f1", None, 30, "in the flow", 2.6))
    store.record(StateChanged("f1", "flow", State(StateType.COMPLETED, ts=3.0), 1))
    store.flush()
    (flow_row,) = store.query(
        "SELECT state_type, run_count, start_time, end_time, parameters, tags "
        "FROM flow_runs WHERE id = 'f1'"
    )
    assert tuple(flow_row) == ("COMPLETED", 1, 2.0, 3.0, '{"n": 3}', '["x"]')
    logs = [tuple(r) for r in store.query("SELECT flow_run_id, message FROM logs")]
    assert logs == [(None, "outside any run"), ("f1", "in the flow")]


def test_a_state_message_sqlite_cannot_store_is_kept_as_its_text(store):
    class Reason:
        def __repr__(self) -> str:
            return "Reason('disk full')"

    store.record(_created("a"))
    store.record(_state("a", StateType.FAILED, 2.0, message=Reason()))
    store.flush()
    assert _task_row(store, "a")[2] == "Reason('disk full')"


def test_an_event_that_cannot_be_written_is_logged_and_the_rest_are_kept(store, caplog):
    store.record(_created("a"))
    store.record(StateChanged("a", "task", None, 1))  # type: ignore[arg-type]
    store.record(_state("a", StateType.COMPLETED, 3.0))
    store.flush()
    assert _task_row(store, "a")[:2] == ("COMPLETED", "Completed")
    assert [s[0] for s in _states(store, "a")] == ["PENDING", "COMPLETED"]
    assert "The run store could not record StateChanged(run_id='a'" in caplog.text


def test_upstream_ids_are_stored_as_json_lists_whatever_their_characters(store):
    upstream = {
        "r1": (),
        "r2": ("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",),
        "r3": ("a", "b"),
        "r4": ('quote"d', "back\\slash", "new\nline", "é"),
    }
    for rid, ids in upstream.items():
        store.record(TaskRunCreated(rid, "flow-1", "add", "add-abc", rid, (), 1.0, ids))
    rows = store.query("SELECT id, upstream FROM task_runs")
    assert {r["id"]: tuple(json.loads(r["upstream"])) for r in rows} == upstream
