"""A corrupt or garbage result cache costs a rerun and a warning, never a failed flow."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import taskbook
from taskbook import flow, task
from taskbook.cache_policies import INPUTS
from taskbook.errors import (
    CacheError,
    CacheWriteWarning,
    CorruptCacheEntryWarning,
    CorruptCacheFileWarning,
)

pytestmark = pytest.mark.usefixtures("isolated_home")


def _cached_pipeline(runs: list[int]):
    @task(cache_policy=INPUTS)
    def load(x):
        runs.append(x)
        return x + 1

    @flow
    def pipeline():
        return {"state": load(1, return_state=True)}

    return pipeline


def _cache_rows(home: Path, query: str, args: tuple = ()) -> list[tuple]:
    with sqlite3.connect(home / "cache" / "cache.db") as db:
        return db.execute(query, args).fetchall()


def test_a_truncated_entry_in_cache_db_is_a_miss_that_names_the_task_and_is_deleted(
    isolated_home, observe
):
    seen = observe("corrupt-entry")
    runs: list[int] = []
    pipeline = _cached_pipeline(runs)
    pipeline()
    key = taskbook.get_run(taskbook.runs().id[0]).task_runs[0].cache_key
    # What a torn write leaves: the pickled entry cut short inside cache.db.
    _cache_rows(
        isolated_home,
        "UPDATE Cache SET value = substr(value, 1, 12) WHERE key = ?",
        (key,),
    )

    with pytest.warns(CorruptCacheEntryWarning) as caught:
        state = pipeline()["state"]
    assert f"Cache entry '{key}' of task 'load' is corrupt" in str(caught[0].message)
    assert (state.name, state.result()) == ("Completed", 2)
    assert runs == [1, 1]
    # The corrupt entry is gone; the rerun stored a good one: the next run is a hit.
    assert pipeline()["state"].name == "Cached"
    seen(
        f"{state.name} (ran again), {type(caught[0].message).__name__} names "
        f"'load' and the key; next run Cached"
    )


def test_a_garbage_cache_db_is_moved_aside_with_a_warning_and_the_flow_runs(
    isolated_home, observe
):
    seen = observe("garbage-cache-db")
    runs: list[int] = []
    pipeline = _cached_pipeline(runs)
    pipeline()
    from taskbook.engine.session import get_session

    get_session().cache.close()  # as a new process would find it
    db = isolated_home / "cache" / "cache.db"
    db.write_bytes(b"this is not a database" * 100)

    with pytest.warns(CorruptCacheFileWarning) as caught:
        state = pipeline()["state"]
    assert (state.name, state.result()) == ("Completed", 2)
    moved = [p for p in db.parent.iterdir() if p.name.startswith("cache.db.corrupt-")]
    assert len(moved) == 1
    assert moved[0].read_bytes().startswith(b"this is not a database")
    message = str(caught[0].message)
    assert f"The result cache {db} is not a usable database" in message
    assert f"moved to {moved[0]}" in message
    assert pipeline()["state"].name == "Cached"  # the new cache works
    seen(
        f"{state.name}; {type(caught[0].message).__name__}; kept as "
        f"`{moved[0].name.rsplit('-', 2)[0]}-<time>-<pid>`; next run Cached"
    )


@task(cache_policy=INPUTS)
def big(n: int) -> bytes:
    return b"x" * n


@flow
def big_flow_run(n: int):
    return {"state": big(n, return_state=True)}


def big_flow(n: int):
    return big_flow_run(n)["state"]


def _cache_on(disk_path: Path, home: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "cache").symlink_to(disk_path, target_is_directory=True)


def test_a_result_that_does_not_fit_the_full_cache_disk_completes_uncached_with_a_warning(
    isolated_home, small_disk, observe
):
    seen = observe("cache-full")
    disk = small_disk("4m")
    _cache_on(disk.path, isolated_home)
    assert big_flow(10).name == "Completed"  # the cache opens while there is room
    disk.fill(leave=16 * 1024)

    with pytest.warns(CacheWriteWarning) as caught:
        state = big_flow(1_000_000)
    assert state.name == "Completed"
    assert len(state.result()) == 1_000_000
    message = str(caught[0].message)
    assert "The result of task 'big' was not cached" in message
    assert f"The result cache at {isolated_home / 'cache'} cannot be written" in message
    disk.free()
    assert big_flow(1_000_000).name == "Completed"  # ran again: stored this time
    assert big_flow(1_000_000).name == "Cached"
    seen(
        f"{state.name}, {type(caught[0].message).__name__}; after space returned: "
        f"stored, then Cached"
    )


def test_a_read_only_cache_fails_the_flow_naming_the_cache_and_the_fix(
    isolated_home, small_disk, observe
):
    seen = observe("cache-read-only")
    disk = small_disk("4m")
    _cache_on(disk.path, isolated_home)
    assert big_flow(10).name == "Completed"
    from taskbook.engine.session import get_session

    get_session().cache.close()
    disk.read_only()

    with pytest.raises(CacheError, match=r"The result cache at .* cannot be written"):
        big_flow(20)
    recorded = taskbook.runs().state_name[0]
    assert recorded == "Failed"  # and the store says so
    seen(f"`CacheError` naming the folder; run recorded {recorded}")
