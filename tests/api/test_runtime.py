from __future__ import annotations

from pathlib import Path

import pytest

from taskbook import flow, runtime, task


def test_runtime_names_the_current_flow_and_task_run(isolated_home: Path) -> None:
    @task(tags=["etl"])
    def inner() -> tuple[object, ...]:
        return (
            runtime.task_run.name,
            runtime.task_run.task_name,
            runtime.task_run.tags,
            runtime.task_run.parameters,
            runtime.flow_run.flow_name,
        )

    @flow
    def outer(n: int = 3) -> tuple[object, ...]:
        return runtime.flow_run.parameters, runtime.flow_run.run_count, inner()

    state = outer(return_state=True)
    parameters, run_count, inside = state.result()
    assert parameters == {"n": 3}
    assert run_count == 1
    assert inside == ("inner-0", "inner", ["etl"], {}, "outer")


def test_runtime_outside_a_run_is_empty_like_prefect() -> None:
    assert runtime.flow_run.id is None
    assert runtime.task_run.name is None
    assert runtime.flow_run.parameters == {}
    assert runtime.task_run.run_count == 0


def test_runtime_unknown_attribute_lists_the_available_ones() -> None:
    with pytest.raises(
        AttributeError, match=r"no attribute 'idd'; available: id, name"
    ):
        _ = runtime.flow_run.idd


@pytest.mark.parametrize("name", ["flow_run", "task_run"])
def test_runtime_views_survive_a_pickle_round_trip_as_the_same_object(
    name: str,
) -> None:
    # A notebook cell that ran `from taskbook.runtime import task_run` caches
    # the name with its values; restoring the cell unpickles it.
    import pickle

    import cloudpickle

    view = getattr(runtime, name)
    assert pickle.loads(cloudpickle.dumps(view)) is view
    assert pickle.loads(pickle.dumps(view)) is view
