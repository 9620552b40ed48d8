"""Fixtures of the fault-injection suite: small filesystems, corrupt files, processes.

Every test under ``tests/faults`` is marked ``faults`` (``pytest -m faults`` runs the
suite); those that start real processes and wait for them are also ``slow``.
Full and read-only disks are real: small tmpfs mounts, which need root; without
root those tests skip and say so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/faults/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.faults)


class SmallDisk:
    """A tmpfs of a few MB: made read-only or filled up on demand."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._filler = path / "filler.bin"

    def read_only(self) -> None:
        _mount("-o", "remount,ro", str(self.path))

    def writable(self) -> None:
        _mount("-o", "remount,rw", str(self.path))

    def fill(self, leave: int = 0) -> None:
        """Write a filler file until the disk is full but for ``leave`` bytes."""
        free = shutil.disk_usage(self.path).free - leave
        with self._filler.open("ab") as f:
            try:
                f.write(b"\0" * max(free, 0))
                f.flush()
                os.fsync(f.fileno())
            except OSError:  # ENOSPC: full is what we want
                pass

    def free(self) -> None:
        self._filler.unlink(missing_ok=True)


def _mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Callable[[str], SmallDisk]]:
    """Make ``small_disk("4m")``: a tmpfs mounted under tmp_path, unmounted after."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("full and read-only disks are tmpfs mounts: they need root")
    mounted: list[Path] = []

    def make(size: str) -> SmallDisk:
        path = tmp_path / f"disk{len(mounted)}"
        path.mkdir()
        try:
            _mount("-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path))
        except subprocess.CalledProcessError as exc:
            pytest.skip(f"cannot mount a tmpfs here: {exc.stderr.decode().strip()}")
        mounted.append(path)
        return SmallDisk(path)

    yield make
    for path in mounted:
        subprocess.run(["umount", "-l", str(path)], check=False, capture_output=True)
