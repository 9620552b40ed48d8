"""What the store keeps: parameters as the flow saw them, in files only the owner reads."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

import taskbook
from taskbook import flow, task
from taskbook.cache_policies import INPUTS

pytestmark = pytest.mark.usefixtures("isolated_home")


@task(cache_policy=INPUTS)
def double(n: int) -> int:
    return 2 * n


@flow
def pipeline(n: int, label: str = "x"):
    return double(n)


def test_parameters_are_stored_after_coercion(observe):
    seen = observe("coerced-parameters")
    assert pipeline("5") == 10
    stored = taskbook.get_run(taskbook.runs().id[0]).parameters
    assert stored == {"n": 5, "label": "x"}
    seen(f"stored n = {stored['n']!r}")


def test_store_and_cache_files_are_readable_by_their_owner_only(
    isolated_home: Path, observe
):
    seen = observe("private-files")
    pipeline(3)
    taskbook.runs()  # the store's writes are committed
    paths = [
        isolated_home,
        isolated_home / "runs.sqlite",
        isolated_home / "cache",
        isolated_home / "cache" / "cache.db",
    ]
    paths += [p for p in isolated_home.glob("runs.sqlite-*")]
    modes = {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in paths}
    assert {name: mode for name, mode in modes.items() if int(mode, 8) & 0o077} == {}
    seen(", ".join(f"{name} {mode[2:]}" for name, mode in modes.items()))
