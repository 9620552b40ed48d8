"""SERIALIZABLE isolation, from Prefect 3's "Transactions" and "Caching" pages.

Two runs with one key, in two threads or two processes: the first holds the key's
lock while the second asks for it (a spy on the lock manager says when), so the
second always waits, then finds the first one's record. Ordering comes from events
and files, never from sleeping.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from taskbook import task
from taskbook.cache_policies import INPUTS
from taskbook.errors import (
    CachePolicyConflictError,
    InvalidIsolationLevelError,
    IsolationLevelNotSupportedError,
    MissingLockManagerError,
)
from taskbook.locking.filesystem import FileSystemLockManager
from taskbook.locking.memory import MemoryLockManager
from taskbook.results import ResultStore
from taskbook.transactions import IsolationLevel, transaction


class SpyLocks:
    """A lock manager that says when someone asks for a lock, then asks the real one."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.asked: list[str] = []
        self.second_asks = threading.Event()

    def acquire_lock(self, key: str, holder: str, *args: Any) -> bool:
        self.asked.append(holder)
        if len(self.asked) == 2:
            self.second_asks.set()
        return bool(self.inner.acquire_lock(key, holder, *args))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@pytest.fixture(autouse=True)
def _home(isolated_home: Path) -> None:
    pass


def test_two_threads_with_one_key_run_the_transaction_body_once() -> None:
    key = f"race-{uuid.uuid4()}"
    locks = SpyLocks(MemoryLockManager())
    ran: list[str] = []
    skipped: list[str] = []
    first_inside, go = threading.Event(), threading.Event()

    def pipeline(name: str) -> None:
        with transaction(
            key=key,
            isolation_level=IsolationLevel.SERIALIZABLE,
            store=ResultStore(lock_manager=locks),
        ) as txn:
            if txn.is_committed():
                skipped.append(name)
                return
            ran.append(name)
            first_inside.set()
            go.wait()

    first = threading.Thread(target=pipeline, args=("first",))
    first.start()
    first_inside.wait()
    second = threading.Thread(target=pipeline, args=("second",))
    second.start()
    locks.second_asks.wait()  # the second asks while the first holds the lock
    go.set()
    first.join()
    second.join()
    assert (ran, skipped) == (["first"], ["second"])
    assert not MemoryLockManager().is_locked(key)


def test_two_threads_calling_one_serializable_task_compute_once() -> None:
    locks = SpyLocks(MemoryLockManager())
    policy = INPUTS.configure(isolation_level="SERIALIZABLE", lock_manager=locks)
    calls: list[int] = []
    started, go = threading.Event(), threading.Event()
    x = uuid.uuid4().int  # a key of this test's own (the manager is per process)

    @task(cache_policy=policy)
    def compute(x: int) -> int:
        calls.append(x)
        started.set()
        go.wait()
        return x + 1

    states: dict[str, Any] = {}

    def call(name: str) -> None:
        states[name] = compute(x, return_state=True)

    first = threading.Thread(target=call, args=("first",))
    first.start()
    started.wait()
    second = threading.Thread(target=call, args=("second",))
    second.start()
    locks.second_asks.wait()
    go.set()
    first.join()
    second.join()
    assert calls == [x]
    assert states["first"].name == "Completed"
    assert states["second"].name == "Cached"
    assert states["second"].result() == x + 1


_PROCESS = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from taskbook.locking.filesystem import FileSystemLockManager
    from taskbook.results import ResultStore
    from taskbook.transactions import transaction

    name, key, signals = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    locks = FileSystemLockManager(lock_files_directory=signals / "locks")
    acquire = locks.acquire_lock

    def spy(*args, **kwargs):
        (signals / f"{name}-asks").touch()
        return acquire(*args, **kwargs)

    locks.acquire_lock = spy
    store = ResultStore(lock_manager=locks)
    with transaction(key=key, isolation_level="SERIALIZABLE", store=store) as txn:
        if txn.is_committed():
            print("skipped")
        else:
            print("ran")
            (signals / f"{name}-inside").touch()
            while not (signals / "go").exists():  # the test says when to go on
                time.sleep(0.01)
    """
)


def _wait_for(path: Path, proc: subprocess.Popen[str]) -> None:
    # Waits for a file the other process writes (pytest's timeout bounds it).
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.01)


def test_two_processes_with_one_key_run_the_transaction_body_once(
    tmp_path: Path, isolated_home: Path
) -> None:
    script = tmp_path / "pipeline.py"
    script.write_text(_PROCESS)
    key = f"race-{uuid.uuid4()}"

    def start(name: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, str(script), name, key, str(tmp_path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    first = start("first")
    _wait_for(tmp_path / "first-inside", first)
    second = start("second")
    _wait_for(tmp_path / "second-asks", second)
    (tmp_path / "go").touch()
    outputs = [proc.communicate()[0].strip() for proc in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0]
    assert outputs == ["ran", "skipped"]


def test_serializable_without_a_lock_manager_names_the_fix() -> None:
    with (
        pytest.raises(
            IsolationLevelNotSupportedError,
            match=r"^Isolation level SERIALIZABLE is not supported by provided "
            r"configuration\. The transaction has no lock manager\. Pass "
            r"store=ResultStore\(lock_manager=MemoryLockManager\(\)\)",
        ),
        transaction(key="k", isolation_level=IsolationLevel.SERIALIZABLE),
    ):
        pass  # pragma: no cover - not entered


def test_a_serializable_task_without_a_lock_manager_fails_naming_the_fix() -> None:
    @task(cache_policy=INPUTS.configure(isolation_level="SERIALIZABLE"))
    def compute(x: int) -> int:
        return x  # pragma: no cover - not called

    with pytest.raises(
        IsolationLevelNotSupportedError,
        match=r"The cache policy has no lock manager\. .*cache_policy\.configure\(",
    ):
        compute(1)


def test_read_committed_needs_no_lock_manager() -> None:
    with transaction(key=f"k-{uuid.uuid4()}", store=ResultStore()) as txn:
        assert txn.isolation_level is IsolationLevel.READ_COMMITTED
    assert ResultStore().supports_isolation_level("READ_COMMITTED")
    assert not ResultStore().supports_isolation_level("SERIALIZABLE")


def test_a_nested_transaction_inherits_the_isolation_level(tmp_path: Path) -> None:
    store = ResultStore(lock_manager=FileSystemLockManager(tmp_path / "locks"))
    with (
        transaction(key="outer", isolation_level="SERIALIZABLE", store=store),
        transaction(key="inner", store=store) as inner,
    ):
        assert inner.isolation_level is IsolationLevel.SERIALIZABLE
        assert store.is_locked("outer")
        assert store.is_locked("inner")
    assert not store.is_locked("outer")
    assert not store.is_locked("inner")


def test_a_failed_serializable_transaction_releases_its_lock() -> None:
    store = ResultStore(lock_manager=MemoryLockManager())
    key = f"k-{uuid.uuid4()}"
    with (
        pytest.raises(ValueError, match="boom"),
        transaction(key=key, isolation_level="SERIALIZABLE", store=store),
    ):
        raise ValueError("boom")
    assert not store.is_locked(key)


def test_a_store_without_lock_manager_refuses_to_lock() -> None:
    with pytest.raises(
        MissingLockManagerError,
        match=r"^Result store is not configured with a lock manager\. Create it as",
    ):
        ResultStore().acquire_lock("k")


def test_an_unknown_isolation_level_names_the_valid_ones() -> None:
    with pytest.raises(
        InvalidIsolationLevelError,
        match=r"^Unsupported isolation level: 'SERIAL'\. Use IsolationLevel\.",
    ):
        transaction(key="k", isolation_level="SERIAL").__enter__()


def test_configured_policies_keep_their_settings_through_plus_and_minus() -> None:
    locks = MemoryLockManager()
    policy = INPUTS.configure(isolation_level="SERIALIZABLE", lock_manager=locks)
    assert INPUTS.isolation_level is None  # configure copies
    for derived in (policy - "x", policy + INPUTS, (policy + INPUTS) - "x"):
        assert derived.isolation_level is IsolationLevel.SERIALIZABLE
        assert derived.lock_manager is locks
    with pytest.raises(
        CachePolicyConflictError,
        match=r"^Cannot add CachePolicies with different isolation levels\. ",
    ):
        policy + INPUTS.configure(isolation_level="READ_COMMITTED")
