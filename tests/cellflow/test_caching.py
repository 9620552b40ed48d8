"""Every cell is cached: reruns replay, restarts restore, edits rerun exactly what changed."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from taskbook.cellflow.keys import explain_miss
from taskbook.cellflow.result import NotebookRunResult
from taskbook.cellflow.runner import NotebookRunner
from taskbook.core.run_options import RunOptions
from taskbook.errors import UnpersistableResultWarning

from .helpers import by_name, notebook, states, stdout

Run = Callable[..., NotebookRunResult]

PIPELINE = (
    "import math\nfactor = 2",
    "def scaled(v):\n    return v * factor\n",
    "%%task make\nxs = [1, 2, 3]\nprint('making')\nxs",
    "%%task use_helper\nys = [scaled(x) for x in xs]\nprint('scaling', ys)",
    "%%task other\nroot = math.sqrt(factor)\nroot",
    "total = sum(ys) + root\nprint('total', round(total, 3))",
)


def test_second_run_is_all_cached_and_replays_outputs(run: Run, shell: Any) -> None:
    first = run(*PIPELINE)
    shell.user_ns["ys"] = None  # what a rerun restores, whatever happened since

    second = run(*PIPELINE)

    assert set(states(first).values()) == {"Completed"}
    assert set(states(second).values()) == {"Cached"}
    for cell_id, outcome in second.cells.items():
        assert outcome.outputs == first.cells[cell_id].outputs
    assert stdout(by_name(second)["use_helper"]) == "scaling [2, 4, 6]\n"
    assert shell.user_ns["ys"] == [2, 4, 6]


def test_a_cache_hit_replays_outputs_to_the_listener(shell: Any) -> None:
    specs = notebook("%%task hello\nprint('hi')\n42")
    NotebookRunner(shell, "nb").run(specs, RunOptions())
    seen: list[tuple[str, str]] = []

    listening = NotebookRunner(
        shell, "nb", listener=lambda s, o: seen.append((s.name, o["output_type"]))
    )
    result = listening.run(specs, RunOptions())

    assert states(result) == {"hello": "Cached"}
    assert seen == [("hello", "stream"), ("hello", "execute_result")]


def test_a_restarted_kernel_gets_every_value_back_from_the_cache(
    run: Run, shell: Any, restart: Callable[[], None]
) -> None:
    run(*PIPELINE)
    restart()
    assert "ys" not in shell.user_ns

    result = run(*PIPELINE, using=NotebookRunner(shell, "nb"))

    assert set(states(result).values()) == {"Cached"}
    ns = shell.user_ns
    assert (ns["factor"], ns["xs"], ns["ys"]) == (2, [1, 2, 3], [2, 4, 6])
    assert ns["math"].sqrt(4) == 2
    assert ns["scaled"](5) == 10


def test_a_function_restored_from_the_cache_sees_later_globals(
    run: Run, shell: Any, restart: Callable[[], None]
) -> None:
    run(*PIPELINE)
    restart()
    run(*PIPELINE, using=NotebookRunner(shell, "nb"))

    shell.user_ns["factor"] = 10

    assert shell.user_ns["scaled"](5) == 50
    assert shell.user_ns["scaled"].__globals__ is shell.user_ns


def test_editing_a_helper_reruns_exactly_the_cells_that_call_it(run: Run) -> None:
    run(*PIPELINE)
    edited = list(PIPELINE)
    edited[1] = "def scaled(v):\n    return v * factor + 1\n"

    result = run(*edited)

    assert states(result) == {
        "cell-1": "Cached",
        "cell-2": "Completed",
        "make": "Cached",
        "use_helper": "Completed",
        "other": "Cached",
        "cell-6": "Completed",
    }
    assert stdout(by_name(result)["use_helper"]) == "scaling [3, 5, 7]\n"


def test_a_comment_in_a_helper_reruns_nothing(run: Run) -> None:
    run(*PIPELINE)
    edited = list(PIPELINE)
    edited[1] = "def scaled(v):\n    # twice, or more\n    return v * factor\n"

    result = run(*edited)

    assert set(states(result).values()) == {"Cached"}


def test_a_semantics_preserving_edit_upstream_keeps_readers_cached(run: Run) -> None:
    run(*PIPELINE)
    edited = list(PIPELINE)
    edited[2] = "%%task make\nxs = list(range(1, 4))\nprint('making')\nxs"

    result = run(*edited)

    assert states(result)["make"] == "Completed"
    assert states(result)["use_helper"] == "Cached"
    assert states(result)["cell-6"] == "Cached"


def test_a_changed_value_upstream_reruns_its_readers_only(run: Run) -> None:
    run(*PIPELINE)
    edited = list(PIPELINE)
    edited[2] = "%%task make\nxs = [1, 2, 4]\nprint('making')\nxs"

    result = run(*edited)

    assert states(result) == {
        "cell-1": "Cached",
        "cell-2": "Cached",
        "make": "Completed",
        "use_helper": "Completed",
        "other": "Cached",
        "cell-6": "Completed",
    }


def test_why_names_the_changed_components(run: Run, shell: Any) -> None:
    runner = NotebookRunner(shell, "nb")
    run(*PIPELINE, using=runner)
    make = "c2"
    before = runner.last_parts[make]
    edited = list(PIPELINE)
    edited[2] = "%%task make\nxs = [3, 2, 1]\nprint('making')\nxs"

    run(*edited, using=runner)

    assert explain_miss(before, runner.last_parts[make]) == ["its source changed."]
    assert explain_miss(runner.last_parts["c3"], runner.last_parts["c3"]) == [
        "nothing in its key changed: the entry expired, was refreshed or cleared."
    ]


def test_why_after_a_helper_edit_names_the_helper(run: Run, shell: Any) -> None:
    runner = NotebookRunner(shell, "nb")
    run(*PIPELINE, using=runner)
    before = runner.last_parts["c3"]
    edited = list(PIPELINE)
    edited[1] = "def scaled(v):\n    return v * factor * 3\n"

    run(*edited, using=runner)

    reasons = explain_miss(before, runner.last_parts["c3"])
    assert reasons[0] == "helper function 'scaled' changed."
    assert set(reasons[1:]) <= {"input 'scaled' changed."}


def test_no_cache_cells_always_run(run: Run, shell: Any) -> None:
    cells = (
        "%%task stamp --no-cache\nimport itertools\nruns = globals().get('runs', 0) + 1",
    )
    # `runs` is read through globals(): not an input, so only --no-cache reruns it.

    first = run(*cells)
    second = run(*cells)

    assert states(first) == {"stamp": "Completed"}
    assert states(second) == {"stamp": "Completed"}
    assert shell.user_ns["runs"] == 2


def test_force_reruns_everything_and_refreshes_the_cache(run: Run) -> None:
    run(*PIPELINE)

    forced = run(*PIPELINE, force=True)
    after = run(*PIPELINE)

    assert set(states(forced).values()) == {"Completed"}
    assert set(states(after).values()) == {"Cached"}


def test_refresh_flag_reruns_that_cell(run: Run) -> None:
    cells = ("x = 1", "%%task again --refresh\ny = x + 1")
    run(*cells)

    result = run(*cells)

    assert states(result) == {"cell-1": "Cached", "again": "Completed"}


def test_an_unpicklable_output_warns_and_the_task_still_completes(
    run: Run, shell: Any
) -> None:
    cells = ("%%task locky\nimport threading\nguard = threading.Lock()\nready = 1",)

    with pytest.warns(UnpersistableResultWarning) as caught:
        result = run(*cells)

    assert states(result) == {"locky": "Completed"}
    assert isinstance(shell.user_ns["guard"], type(threading.Lock()))
    message = str(caught[0].message)
    assert "Output 'guard' (lock) cannot be pickled" in message
    assert "del guard" in message
    assert "%%task --no-cache" in message
    with pytest.warns(UnpersistableResultWarning):
        again = run(*cells)
    assert states(again) == {"locky": "Completed"}


def test_deleting_the_unpicklable_value_makes_the_cell_cacheable(run: Run) -> None:
    cells = (
        "%%task locky\nimport threading\nguard = threading.Lock()\nready = 1\ndel guard",
    )

    run(*cells)
    result = run(*cells)

    assert states(result) == {"locky": "Cached"}


def test_a_changed_input_typed_by_hand_reruns_its_reader(run: Run, shell: Any) -> None:
    shell.user_ns["limit"] = 3
    cells = ("%%task head\nfirst = list(range(limit))",)
    run(*cells)
    shell.user_ns["limit"] = 4

    result = run(*cells)

    assert states(result) == {"head": "Completed"}
    assert shell.user_ns["first"] == [0, 1, 2, 3]


def test_cache_expiry_reruns_the_cell_once_expired(run: Run) -> None:
    cells = ("%%task short --cache=0.5s\nimport time\nstamp = time.time()",)
    run(*cells)
    soon = run(*cells)
    time.sleep(0.6)

    later = run(*cells)

    assert states(soon) == {"short": "Cached"}
    assert states(later) == {"short": "Completed"}


def test_makes_and_needs_override_what_the_cache_tracks(run: Run, shell: Any) -> None:
    # The reader's input is declared with --needs: a change of `config` reruns it
    # even though the cell reads it only through globals().
    cells = (
        "config = {'depth': 1}",
        "%%task fit --needs config\ndepth = globals()['config']['depth']",
    )
    run(*cells)
    edited = ("config = {'depth': 2}", cells[1])

    result = run(*edited)

    assert states(result) == {"cell-1": "Completed", "fit": "Completed"}
    assert shell.user_ns["depth"] == 2
