from __future__ import annotations

from pathlib import Path

import pytest

import taskbook
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
        AttributeError,
        match=r"no attribute 'idd'; available: api_url, flow_name, flow_version, id, ",
    ):
        _ = runtime.flow_run.idd


@pytest.mark.parametrize("name", ["flow_run", "task_run"])
def test_runtime_views_survive_a_pickle_round_trip_as_the_same_object(
    name: str,
) -> None:
    # A notebook cell that ran `from taskbook.runtime import task_run` caches
    # the name with its values (cloudpickle, as the result cache writes them);
    # restoring the cell unpickles it. They are modules, as Prefect's: by name.
    import pickle

    import cloudpickle

    view = getattr(runtime, name)
    assert pickle.loads(cloudpickle.dumps({name: view})) == {name: view}


def test_runtime_parts_are_modules_read_when_imported_as_in_prefect(
    isolated_home: Path,
) -> None:
    @flow(flow_run_name="named-{n}")
    def named(n: int) -> tuple[object, ...]:
        import taskbook.runtime.flow_run
        from taskbook.runtime.deployment import flow_run_id
        from taskbook.runtime.flow_run import name

        return name, taskbook.runtime.flow_run.parameters, flow_run_id

    name, parameters, flow_run_id = named(4)
    assert (name, parameters) == ("named-4", {"n": 4})
    assert flow_run_id == taskbook.get_run(flow_run_id).id
    assert sorted(dir(runtime.task_run)) == sorted(runtime.task_run.__all__)
