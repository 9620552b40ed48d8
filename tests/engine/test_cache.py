"""The result cache: persistent across processes, expiring, refreshing, and robust.

Real diskcache under a per-test ``$TASKBOOK_HOME``; expiration runs on a fake clock.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import diskcache
import pytest

import taskbook
from taskbook import flow, task
from taskbook.cache_policies import (
    DEFAULT,
    FLOW_PARAMETERS,
    INPUTS,
    NO_CACHE,
    RUN_ID,
    TASK_SOURCE,
    CompoundCachePolicy,
    Inputs,
)
from taskbook.engine.clock import FakeClock
from taskbook.engine.session import Session, set_session
from taskbook.errors import (
    CachePolicyError,
    CorruptCacheEntryWarning,
    UnhashableInputsWarning,
    UnpersistableResultWarning,
)

pytestmark = pytest.mark.usefixtures("isolated_home")


@pytest.fixture
def fake_clock(isolated_home: Path) -> FakeClock:
    """A session on the isolated home whose clock only moves when told to."""
    clock = FakeClock()
    set_session(Session(isolated_home, clock=clock))
    return clock


def _entries(home: Path) -> int:
    with diskcache.Cache(str(home / "cache")) as cache:
        return len(cache)


# --- across processes ---------------------------------------------------------------

_CACHED_SCRIPT = """
    import pathlib, sys
    from taskbook import flow, task
    from taskbook.cache_policies import INPUTS, TASK_SOURCE

    marker = pathlib.Path(sys.argv[1])

    @task(cache_policy=INPUTS + TASK_SOURCE)
    def expensive(x):
        with marker.open("a") as f:
            f.write("ran\\n")
        return {"square": x * x}

    @flow
    def pipeline(x: int):
        return {"state": expensive(x, return_state=True)}

    state = pipeline(7)["state"]
    print(state.name, state.result()["square"])
"""


def test_a_cached_result_is_reused_by_a_new_process(isolated_home, tmp_path):
    script = tmp_path / "cached.py"
    script.write_text(textwrap.dedent(_CACHED_SCRIPT))
    marker = tmp_path / "ran.txt"
    env = {**os.environ, "TASKBOOK_HOME": str(isolated_home)}

    outputs = []
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, str(script), str(marker)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout.strip())

    assert outputs == ["Completed 49", "Cached 49"]
    assert marker.read_text() == "ran\n"  # the second process did not run the function
    names = [taskbook.get_run(i).task_runs[0].state_name for i in taskbook.runs().id]
    assert names == ["Cached", "Completed"]


# --- expiration and refresh --------------------------------------------------------------


def test_an_entry_is_a_hit_until_cache_expiration_then_a_miss(fake_clock):
    runs: list[int] = []

    @task(cache_policy=INPUTS, cache_expiration=timedelta(seconds=60))
    def load(x):
        runs.append(x)
        return x * 10

    @flow
    def pipeline():
        return {"state": load(1, return_state=True)}

    first = pipeline()["state"]
    assert first.name == "Completed"
    assert first.cache_expiration == fake_clock.now() + 60

    fake_clock.sleep(59)
    second = pipeline()["state"]
    assert (second.name, second.result()) == ("Cached", 10)

    fake_clock.sleep(2)
    third = pipeline()["state"]
    assert (third.name, third.result()) == ("Completed", 10)
    assert runs == [1, 1]


def test_an_entry_without_expiration_never_expires(fake_clock):
    @task(cache_policy=INPUTS)
    def load(x):
        return x

    @flow
    def pipeline():
        return {"state": load(1, return_state=True)}

    pipeline()
    fake_clock.sleep(10 * 365 * 24 * 3600)
    assert pipeline()["state"].name == "Cached"


def test_refresh_cache_runs_the_task_and_replaces_the_entry():
    values = iter([1, 2, 3])

    @task(cache_policy=INPUTS)
    def sample(seed):
        return next(values)

    @flow
    def pipeline(refresh: bool):
        t = sample.with_options(refresh_cache=True) if refresh else sample
        return {"state": t(0, return_state=True)}

    assert pipeline(False)["state"].result() == 1
    refreshed = pipeline(True)["state"]
    assert (refreshed.name, refreshed.result()) == ("Completed", 2)
    again = pipeline(False)["state"]
    assert (again.name, again.result()) == ("Cached", 2)


# --- what cannot be cached --------------------------------------------------------------


def test_a_corrupt_entry_is_a_miss_with_a_warning_naming_the_key(isolated_home):
    runs: list[int] = []

    @task(cache_policy=INPUTS)
    def load(x):
        runs.append(x)
        return x + 1

    @flow
    def pipeline():
        return {"state": load(1, return_state=True)}

    pipeline()
    key = taskbook.get_run(taskbook.runs().id[0]).task_runs[0].cache_key
    assert key
    with diskcache.Cache(str(isolated_home / "cache")) as raw:
        raw.set(key, (b"garbage", None, ()))

    with pytest.warns(
        CorruptCacheEntryWarning,
        match=rf"Cache entry '{key}' of task 'load' is corrupt",
    ):
        state = pipeline()["state"]
    assert (state.name, state.result()) == ("Completed", 2)
    assert runs == [1, 1]
    # The rerun wrote a good entry back: the next run is a clean hit.
    assert pipeline()["state"].name == "Cached"


@pytest.mark.parametrize(
    ("make_value", "shown"),
    [
        pytest.param(threading.Lock, "lock", id="lock"),
        pytest.param(lambda: (i for i in range(3)), "generator", id="generator"),
    ],
)
def test_an_unpicklable_result_warns_and_still_completes_uncached(
    isolated_home, make_value, shown
):
    runs: list[int] = []

    @task(cache_policy=INPUTS)
    def produce(x):
        runs.append(x)
        return make_value()

    @flow
    def pipeline():
        return {"state": produce(1, return_state=True)}

    with pytest.warns(UnpersistableResultWarning) as record:
        state = pipeline()["state"]
    (warning,) = record
    message = str(warning.message)
    assert f"The result of task 'produce' ({shown}: " in message
    assert "Return a picklable value, or set persist_result=False" in message
    assert state.is_completed()
    assert state.name == "Completed"
    assert _entries(isolated_home) == 0

    with pytest.warns(UnpersistableResultWarning):
        assert pipeline()["state"].name == "Completed"  # a miss: it runs again
    assert runs == [1, 1]


def test_unhashable_inputs_warn_naming_the_input_and_run_uncached(isolated_home):
    runs: list[str] = []
    lock = threading.Lock()

    @task(cache_policy=INPUTS)
    def guarded(label, resource):
        runs.append(label)
        return label

    @flow
    def pipeline():
        return {"state": guarded("a", lock, return_state=True)}

    for _ in range(2):
        with pytest.warns(
            UnhashableInputsWarning,
            match=r"Input 'resource' of task 'guarded' cannot be hashed",
        ) as record:
            state = pipeline()["state"]
        assert "cache_policy=INPUTS - 'resource'" in str(record[0].message)
        assert (state.name, state.result()) == ("Completed", "a")
    assert runs == ["a", "a"]
    assert _entries(isolated_home) == 0
    assert taskbook.get_run(taskbook.runs().id[0]).task_runs[0].cache_key is None


def test_excluding_the_unhashable_input_makes_the_task_cacheable():
    runs: list[str] = []
    lock = threading.Lock()

    @task(cache_policy=INPUTS - "resource")
    def guarded(label, resource):
        runs.append(label)
        return label

    @flow
    def pipeline():
        return {"state": guarded("a", lock, return_state=True)}

    assert [pipeline()["state"].name for _ in range(2)] == ["Completed", "Cached"]
    assert runs == ["a"]


def test_a_pydantic_input_is_keyed_on_what_it_serializes_to():
    # Prefect's caching how-to: a model whose model_serializer leaves out an object
    # that refuses to be pickled is cacheable on INPUTS, keyed on the rest.
    pydantic = pytest.importorskip("pydantic")

    class Unpicklable:
        def __getstate__(self):
            raise TypeError("not me")

    class Holder(pydantic.BaseModel):
        model_config = pydantic.ConfigDict(arbitrary_types_allowed=True)
        name: str
        bad: Unpicklable

        @pydantic.model_serializer
        def _only_the_name(self) -> dict:
            return {"name": self.name}

    one, same = (Holder(name="a", bad=Unpicklable()) for _ in range(2))
    assert _key(INPUTS, {"x": one}) == _key(INPUTS, {"x": same})
    assert _key(INPUTS, {"x": one}) != _key(
        INPUTS, {"x": Holder(name="b", bad=one.bad)}
    )


# --- policy algebra -----------------------------------------------------------------------


@dataclass
class _Ctx:
    task_source: str = "def f(x): ..."
    flow_run_id: str | None = "run-1"
    task_run_id: str = "task-run-1"


def _key(policy: Any, inputs: dict[str, Any], params: dict | None = None, **ctx: Any):
    return policy.compute_key(_Ctx(**ctx), inputs, params or {})


def test_subtracting_an_input_ignores_it_in_the_key():
    policy = INPUTS - "x"
    assert isinstance(policy, Inputs)
    assert policy.exclude == ["x"]
    assert INPUTS.exclude == []  # the shared constant is not changed
    assert _key(policy, {"x": 1, "y": 2}) == _key(policy, {"x": 99, "y": 2})
    assert _key(policy, {"x": 1, "y": 2}) != _key(policy, {"x": 1, "y": 3})
    assert _key(policy, {"x": 1}) is None  # nothing left to key on


def test_subtracting_from_a_compound_policy_drops_the_input_too():
    policy = (TASK_SOURCE + INPUTS) - "x"
    assert _key(policy, {"x": 1, "y": 2}) == _key(policy, {"x": 2, "y": 2})
    assert _key(policy, {"x": 1, "y": 2}) != _key(policy, {"x": 1, "y": 3})


def test_subtracting_a_non_string_is_a_type_error_that_says_what_to_write():
    with pytest.raises(CachePolicyError) as info:
        INPUTS - 1  # type: ignore[operator]
    assert isinstance(info.value, TypeError)
    assert str(info.value) == (
        "Can only subtract strings (input names) from cache policies, got 1. "
        "Write the input's name, as in INPUTS - 'x'."
    )


def test_adding_policies_keys_on_each_part():
    policy = TASK_SOURCE + INPUTS
    assert isinstance(policy, CompoundCachePolicy)
    base = _key(policy, {"x": 1})
    assert base == _key(policy, {"x": 1})
    assert base != _key(policy, {"x": 2})
    assert base != _key(policy, {"x": 1}, task_source="def f(x): return 2")


@pytest.mark.parametrize(
    "policy", [INPUTS, TASK_SOURCE, RUN_ID, FLOW_PARAMETERS, DEFAULT], ids=repr
)
def test_no_cache_is_the_identity_of_addition(policy):
    assert NO_CACHE + policy is policy
    assert policy + NO_CACHE is policy


def test_no_cache_never_gives_a_key():
    assert _key(NO_CACHE, {"x": 1}) is None


def test_the_default_policy_keys_on_the_flow_run():
    assert _key(DEFAULT, {"x": 1}, flow_run_id="a") != _key(
        DEFAULT, {"x": 1}, flow_run_id="b"
    )


def test_the_default_policy_hits_within_a_flow_run_and_misses_in_the_next():
    runs: list[int] = []

    @task(persist_result=True)
    def double(x):
        runs.append(x)
        return 2 * x

    @flow
    def pipeline():
        return [double(3, return_state=True).name for _ in range(2)]

    assert pipeline() == ["Completed", "Cached"]
    assert pipeline() == ["Completed", "Cached"]
    assert runs == [3, 3]


def test_the_default_policy_does_not_cache_without_persist_result():
    runs: list[int] = []

    @task
    def double(x):
        runs.append(x)
        return 2 * x

    @flow
    def pipeline():
        return [double(3, return_state=True).name for _ in range(2)]

    assert pipeline() == ["Completed", "Completed"]
    assert runs == [3, 3]


def test_flow_parameters_policy_hits_for_the_same_flow_parameters_only():
    runs: list[int] = []
    inputs = iter(range(100))

    @task(cache_policy=FLOW_PARAMETERS)
    def fetch(i):
        runs.append(i)
        return i

    @flow
    def pipeline(day: str):
        return {"state": fetch(next(inputs), return_state=True)}

    assert pipeline("mon")["state"].name == "Completed"
    hit = pipeline("mon")["state"]  # inputs are not part of the key: same entry
    assert (hit.name, hit.result()) == ("Cached", 0)
    assert pipeline("tue")["state"].name == "Completed"
    assert runs == [0, 2]


def test_a_cache_key_fn_replaces_the_policy():
    runs: list[int] = []

    @task(cache_key_fn=lambda ctx, params: f"even-{params['x'] % 2}")
    def parity(x):
        runs.append(x)
        return x % 2

    @flow
    def pipeline(x: int):
        return {"state": parity(x, return_state=True)}

    assert [pipeline(x)["state"].name for x in (2, 4, 3)] == [
        "Completed",
        "Cached",
        "Completed",
    ]
    assert runs == [2, 3]


def test_no_cache_policy_never_hits(isolated_home):
    runs: list[int] = []

    @task(cache_policy=NO_CACHE, persist_result=True)
    def load(x):
        runs.append(x)
        return x

    @flow
    def pipeline():
        return load(1, return_state=True).name

    assert [pipeline(), pipeline()] == ["Completed", "Completed"]
    assert runs == [1, 1]
