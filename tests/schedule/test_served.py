"""What ``flow.serve`` stores, checked in-process (the real serving processes are in
``tests/public/test_flow_serve.py``)."""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any

import pytest

from taskbook import flow
from taskbook.api.deployments import ServeOptions
from taskbook.engine.store import RunStore
from taskbook.errors import (
    DuplicateScheduleError,
    InvalidScheduleError,
    ParameterTypeError,
    UnservableFlowError,
)
from taskbook.schedule import rows
from taskbook.schedule.served import (
    add_commands,
    flow_target,
    pause_served,
    served_schedules,
    store_served,
)
from taskbook.schedules import Cron, Interval

NOW = 1_700_000_000.0
HERE = Path(__file__).resolve()


@flow
def etl(n: int = 1, label: str = "x") -> int:
    return n


def served(name: str = "nightly", options: ServeOptions | None = None, **keywords: Any):
    return served_schedules(
        etl.to_deployment(name, **keywords), options or ServeOptions(), cwd="/w"
    )


@pytest.fixture
def store(tmp_path: Path) -> RunStore:
    return RunStore(tmp_path / "home")


def names(store: RunStore) -> dict[str, str]:
    return {r.spec.name: r.id for r in rows.load_schedules(store)}


def test_a_flow_of_a_module_is_served_from_its_file_by_its_name() -> None:
    assert flow_target(etl) == f"{HERE}:etl"
    [only] = served(cron="0 6 * * *")
    assert (only.spec.name, only.spec.target, only.spec.overlap) == (
        "nightly",
        f"{HERE}:etl",
        "allow",
    )


def test_a_flow_defined_without_a_file_cannot_be_served() -> None:
    module = types.ModuleType("__interactive__")
    sys.modules[module.__name__] = module
    try:
        exec(
            compile(
                "from taskbook import flow\n@flow\ndef adhoc(): pass", "<cell>", "exec"
            ),
            vars(module),
        )
        with pytest.raises(
            UnservableFlowError,
            match=r"^Cannot serve flow 'adhoc': it was defined in a notebook or an "
            r"interactive session.*taskbook export NOTEBOOK.*%flow schedule add",
        ):
            module.adhoc.serve(name="adhoc", cron="0 6 * * *")
    finally:
        del sys.modules[module.__name__]


def test_several_schedules_are_stored_one_per_row_named_by_slug_or_position() -> None:
    made = served(
        schedules=[Cron("0 6 * * *"), Interval(60), Cron("0 7 * * *", slug="am")]
    )
    assert [s.spec.name for s in made] == ["nightly.1", "nightly.2", "nightly.am"]


def test_schedule_parameters_win_over_the_deployments_and_are_checked() -> None:
    [only] = served(
        parameters={"n": 2, "label": "a"},
        schedule=Cron("0 6 * * *", parameters={"n": 3}),
    )
    assert only.spec.parameters == {"n": 3, "label": "a"}
    with pytest.raises(
        ParameterTypeError, match=r"(?s)^Flow run received invalid parameters:.*- m: "
    ):
        served(cron="0 6 * * *", parameters={"m": 1})
    with pytest.raises(
        ParameterTypeError, match="- n: Input should be a valid integer"
    ):
        served(cron="0 6 * * *", parameters={"n": "many"})


def test_paused_and_inactive_schedules_are_stored_paused() -> None:
    assert [s.paused for s in served(cron="0 6 * * *", paused=True)] == [True]
    made = served(schedules=[Cron("0 6 * * *", active=False), Interval(60)])
    assert [s.paused for s in made] == [True, False]


@pytest.mark.parametrize(("limit", "overlap"), [(None, "allow"), (1, "queue")])
def test_a_limit_of_one_queues_slots(limit: int | None, overlap: str) -> None:
    [only] = served(cron="0 6 * * *", options=ServeOptions(limit=limit))
    assert only.spec.overlap == overlap


def test_a_limit_taskbook_cannot_keep_is_refused() -> None:
    with pytest.raises(InvalidScheduleError, match=r"limit of 3 runs at once.*limit=1"):
        served(cron="0 6 * * *", options=ServeOptions(limit=3))


def test_a_name_the_store_cannot_hold_is_refused() -> None:
    with pytest.raises(InvalidScheduleError, match="deployment name 'my etl'"):
        served("my etl", cron="0 6 * * *")


def test_serving_again_replaces_the_schedules_and_keeps_their_history(
    store: RunStore,
) -> None:
    store_served(store, served(schedules=[Cron("0 6 * * *"), Interval(60)]), NOW)
    first = names(store)
    store_served(store, served(schedules=[Cron("0 5 * * *")]), NOW + 10)
    assert list(names(store)) == ["nightly"]
    store_served(store, served(cron="0 4 * * *"), NOW + 20)
    again = names(store)
    store_served(store, served(cron="0 3 * * *"), NOW + 30)
    assert names(store) == again  # same row: its runs stay linked
    [row] = rows.load_schedules(store)
    assert row.spec.when.cron == "0 3 * * *"
    assert set(first) == {"nightly.1", "nightly.2"}


def test_a_name_taken_by_another_target_is_refused(store: RunStore) -> None:
    with store.transaction() as conn:
        other = served(cron="0 6 * * *")[0].spec
        from dataclasses import replace

        rows.insert_schedule_row(conn, replace(other, target="/x/other.py:f"), NOW)
    with pytest.raises(
        DuplicateScheduleError,
        match=r"^A schedule named 'nightly' exists already, for /x/other.py:f\. "
        r"Pass serve\(\) another name=",
    ):
        store_served(store, served(cron="0 6 * * *"), NOW)


def test_pause_on_shutdown_pauses_only_the_served_schedules(store: RunStore) -> None:
    made = served(cron="0 6 * * *")
    store_served(store, made, NOW)
    assert pause_served(store, made) == ["nightly"]
    assert [r.paused for r in rows.load_schedules(store)] == [True]
    assert pause_served(store, made) == []


def test_the_add_commands_store_the_same_schedule() -> None:
    [command] = add_commands(
        served(
            schedule=Cron("0 6 * * *", timezone="Europe/Berlin", parameters={"n": 2})
        )
    )
    assert command == (
        f"taskbook schedule add {HERE}:etl --cron '0 6 * * *' --tz Europe/Berlin "
        """-y '{"n": 2}' --overlap allow --name nightly"""
    )


def test_to_deployment_refuses_two_schedule_keywords_as_prefect_does() -> None:
    with pytest.raises(
        InvalidScheduleError,
        match=r"^Only one of interval, cron, rrule, schedule, or schedules can be "
        r"provided\.",
    ):
        etl.to_deployment("both", cron="0 6 * * *", interval=60)


def test_serve_takes_only_deployments() -> None:
    import taskbook

    with pytest.raises(
        InvalidScheduleError,
        match=r"^serve\(\) was given 'etl', which is no deployment",
    ):
        taskbook.serve("etl")  # type: ignore[arg-type]


def test_a_deployment_carries_prefects_attributes() -> None:
    made = etl.to_deployment("nightly", cron="0 6 * * *", tags=["a"], version="1")
    assert (made.name, made.flow_name, made.tags, made.version) == (
        "nightly",
        "etl",
        ("a",),
        "1",
    )
    assert [s.cron for s in made.schedules] == ["0 6 * * *"]
