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


# -- the README's table: what each scenario's test observed ------------------------

_OBSERVED: dict[str, list[str]] = {}
_FAILED: dict[str, str] = {}
_KEY = pytest.StashKey[str]()


@pytest.fixture
def observe(request: pytest.FixtureRequest) -> Callable[[str], Callable[[str], None]]:
    """``seen = observe(key)`` first, then ``seen(text)``: what the test saw at the end.

    A test that fails in between shows as FAILED in the table's row for ``key``.
    """
    from faults.scenarios import SCENARIOS

    def start(key: str) -> Callable[[str], None]:
        assert key in SCENARIOS, f"add {key!r} to tests/faults/scenarios.py"
        request.node.stash[_KEY] = key
        return lambda text: _OBSERVED.setdefault(key, []).append(text)

    return start


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Iterator[None]:
    report = yield
    if report.failed and call.when == "call":
        _FAILED[item.nodeid] = item.stash.get(_KEY, "")
    return report


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Write the table to ``$TASKBOOK_FAULTS_TABLE`` (``scripts/faults_table.py``)."""
    target = os.environ.get("TASKBOOK_FAULTS_TABLE")
    if not target:
        return
    from faults.scenarios import SCENARIOS

    lines = ["| scenario | expected | observed |", "| --- | --- | --- |"]
    for key, (scenario, expected) in SCENARIOS.items():
        lines.append(f"| {scenario} | {expected} | {_observed(key)} |")
    Path(target).write_text("\n".join(lines) + "\n")


def _observed(key: str) -> str:
    seen = _OBSERVED.get(key, [])
    failed = [node for node, k in _FAILED.items() if k == key]
    if failed or not seen:
        return f"**FAILED** ({len(failed)} test(s))" if failed else "**not run**"
    texts = list(dict.fromkeys(seen))
    if len(seen) > 1 and len(texts) == 1:
        return f"{len(seen)}/{len(seen)}: {texts[0]}"
    return "; ".join(texts)
