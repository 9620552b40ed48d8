"""``%flow run --stale``: exactly the cells whose key changed since their last success."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
import pytest

CELLS = {
    "a": "%%task a\nx = 1",
    "b": "%%task b\ny = x + 1",
    "c": "%%task c\nz = y * 2\nprint('z is', z)",
    "d": "%%task d --no-cache\nw = 5",
}


@pytest.fixture
def saved(ip: Any, tmp_path: Path) -> Any:
    """A saved notebook the kernel knows (as JupyterLab's session tells it)."""
    path = tmp_path / "stale.ipynb"

    def save(**sources: str) -> None:
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell("%load_ext taskbook")]
        for name, source in {**CELLS, **sources}.items():
            cell = nbformat.v4.new_code_cell(source)
            cell.id = f"cell-{name}"
            nb.cells.append(cell)
        nbformat.write(nb, path)

    save()
    ip.user_ns["__session__"] = str(path)
    yield save
    ip.user_ns.pop("__session__", None)


def _flow_run(ip: Any, line: str = "") -> dict[str, str]:
    """Run ``%flow run LINE``; return {cell name: state name} of the cells that ran."""
    result = ip.run_cell(f"%flow run --no-view {line}")
    assert result.success, result.error_in_exec
    side = ip._taskbook_magics[0].side
    return {c.name: c.state_name for c in side.last_result.cells.values()}


def test_after_an_edit_only_the_edited_cell_and_what_it_changes_rerun(
    ip: Any, saved: Any
) -> None:
    assert _flow_run(ip) == dict.fromkeys("abcd", "Completed")

    saved(b="%%task b\ny = x + 10")
    ran = _flow_run(ip, "--stale")

    assert ran == {"b": "Completed", "c": "Completed"}
    assert (ip.user_ns["y"], ip.user_ns["z"]) == (11, 22)


def test_nothing_changed_means_nothing_runs(ip: Any, saved: Any) -> None:
    _flow_run(ip)

    assert _flow_run(ip, "--stale") == {}


def test_a_rerun_that_gives_the_same_value_does_not_make_its_readers_stale(
    ip: Any, saved: Any
) -> None:
    _flow_run(ip)

    saved(b="%%task b\ny = 1 + x  # same value, new source")
    ran = _flow_run(ip, "--stale")

    # c's key is made of y's content, which did not change.
    assert ran == {"b": "Completed"}


def test_a_failed_cell_is_stale_until_it_succeeds(ip: Any, saved: Any) -> None:
    saved(d="%%task d --no-cache\nraise ValueError('not yet')")
    assert ip.run_cell("%flow run --no-view").success is False

    saved()
    assert _flow_run(ip, "--stale") == {"d": "Completed"}
    assert _flow_run(ip, "--stale") == {}


def test_a_value_replaced_by_hand_makes_its_producer_stale(ip: Any, saved: Any) -> None:
    _flow_run(ip)
    ip.user_ns["x"] = 100  # as a scratch cell would

    ran = _flow_run(ip, "--stale")

    # a's key did not change: its value comes back from the cache, and b and c,
    # whose inputs are then what they were, stay as they are.
    assert ran == {"a": "Cached"}
    assert ip.user_ns["x"] == 1


def test_never_run_cells_are_stale(ip: Any, saved: Any) -> None:
    assert _flow_run(ip, "--stale") == dict.fromkeys("abcd", "Completed")


def test_stale_narrows_the_selection_it_is_given(ip: Any, saved: Any) -> None:
    _flow_run(ip)

    saved(a="%%task a\nx = 2", d="%%task d --no-cache\nw = 6")
    ran = _flow_run(ip, "--stale --to b")

    assert ran == {"a": "Completed", "b": "Completed"}
    assert ip.user_ns["w"] == 5  # d is stale, but not selected
