"""Lock managers: the LockManager protocol's behaviour, the same for both managers."""

from __future__ import annotations

import pickle
import threading
import uuid
from pathlib import Path

import pytest

from taskbook.errors import LockNotHeldError
from taskbook.locking.filesystem import FileSystemLockManager
from taskbook.locking.memory import MemoryLockManager
from taskbook.locking.protocol import LockManager


@pytest.fixture(params=["memory", "filesystem"])
def manager(request: pytest.FixtureRequest, tmp_path: Path) -> LockManager:
    if request.param == "memory":
        return MemoryLockManager()
    return FileSystemLockManager(lock_files_directory=tmp_path / "locks")


@pytest.fixture
def key() -> str:
    # MemoryLockManager is one per process: every test locks keys of its own.
    return f"key-{uuid.uuid4()}"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def test_both_managers_implement_the_protocol(manager: LockManager) -> None:
    assert isinstance(manager, LockManager)


def test_a_lock_is_held_by_its_holder_until_released(
    manager: LockManager, key: str
) -> None:
    assert not manager.is_locked(key)
    assert manager.acquire_lock(key, "a")
    assert manager.is_locked(key)
    assert manager.is_lock_holder(key, "a")
    assert not manager.is_lock_holder(key, "b")
    assert manager.acquire_lock(key, "a")  # its holder takes it again at once
    assert not manager.acquire_lock(key, "b", acquire_timeout=0)
    assert not manager.wait_for_lock(key, timeout=0)
    manager.release_lock(key, "a")
    assert not manager.is_locked(key)
    assert manager.wait_for_lock(key, timeout=0)
    assert manager.acquire_lock(key, "b", acquire_timeout=0)
    manager.release_lock(key, "b")


def test_only_the_holder_may_release(manager: LockManager, key: str) -> None:
    manager.acquire_lock(key, "a")
    with pytest.raises(
        LockNotHeldError, match=f"^No lock held by b for transaction with key {key}. "
    ):
        manager.release_lock(key, "b")
    manager.release_lock(key, "a")
    with pytest.raises(LockNotHeldError, match="Release a lock with the holder"):
        manager.release_lock(key, "a")


def test_a_waiting_thread_gets_the_lock_once_it_is_released(
    manager: LockManager, key: str
) -> None:
    manager.acquire_lock(key, "a")
    got: list[bool] = []
    waiter = threading.Thread(target=lambda: got.append(manager.acquire_lock(key, "b")))
    waiter.start()
    manager.release_lock(key, "a")
    waiter.join()
    assert got == [True]
    assert manager.is_lock_holder(key, "b")
    manager.release_lock(key, "b")


def test_a_hold_timeout_releases_the_lock_by_itself(
    manager: LockManager, key: str
) -> None:
    manager.acquire_lock(key, "a", hold_timeout=0.05)
    assert manager.wait_for_lock(key)  # returns once the lock expired
    assert not manager.is_lock_holder(key, "a")
    assert manager.acquire_lock(key, "b", acquire_timeout=0)
    manager.release_lock(key, "b")


@pytest.mark.anyio
async def test_the_async_methods_take_and_wait_for_locks(
    manager: LockManager, key: str
) -> None:
    assert await manager.aacquire_lock(key, "a")
    assert not await manager.aacquire_lock(key, "b", acquire_timeout=0)
    assert not await manager.await_for_lock(key, timeout=0)
    manager.release_lock(key, "a")
    assert await manager.await_for_lock(key, timeout=0)


def test_memory_lock_manager_is_one_per_process() -> None:
    assert MemoryLockManager() is MemoryLockManager()
    assert pickle.loads(pickle.dumps(MemoryLockManager())) is MemoryLockManager()


@pytest.fixture
def file_manager(tmp_path: Path) -> FileSystemLockManager:
    return FileSystemLockManager(lock_files_directory=tmp_path / "locks")


def test_file_locks_of_two_managers_on_one_directory_exclude_each_other(
    file_manager: FileSystemLockManager, key: str
) -> None:
    other = FileSystemLockManager(
        lock_files_directory=file_manager.lock_files_directory
    )
    assert other == file_manager
    file_manager.acquire_lock(key, "a")
    assert other.is_locked(key)
    assert other.is_lock_holder(key, "a")  # read from the lock file
    assert not other.acquire_lock(key, "b", acquire_timeout=0)
    file_manager.release_lock(key, "a")
    assert other.acquire_lock(key, "b", acquire_timeout=0)
    other.release_lock(key, "b")


def test_a_key_that_is_no_file_name_gets_a_hashed_lock_file(
    file_manager: FileSystemLockManager,
) -> None:
    path = file_manager.lock_path("../a/b c")
    assert path.parent == file_manager.lock_files_directory
    assert path.name.endswith(".lock")
    assert "/" not in path.stem
    assert file_manager.acquire_lock("../a/b c", "a")
    file_manager.release_lock("../a/b c", "a")
