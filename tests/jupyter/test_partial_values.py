"""What a failed or cancelled task left behind is marked, never passed off as good.

In-process IPython shell, cells run by hand as a user runs them. A cell that reads
a value a failed run left still runs, but its status says so and it is not cached.
"""

from __future__ import annotations

import re

from IPython.utils.capture import capture_output


def run(ip, source):
    with capture_output() as captured:
        result = ip.run_cell(source)
    shown = "".join(str(o.data.get("text/plain", "")) + "\n" for o in captured.outputs)
    return result, captured.stdout + captured.stderr + shown


FAILING_CLEAN = "%%task clean\nclean = [1, 2, None]\nraise ValueError('bad row 3')"
TOTAL = "%%task total\ntotal = sum(clean[:2])"


def _status(out: str, name: str) -> str:
    lines = [ln for ln in out.splitlines() if re.match(rf"\S+ {name}: ", ln)]
    assert lines, out
    return lines[-1]


def test_a_cell_run_by_hand_on_what_a_failed_task_left_says_so_and_is_not_cached(
    ip,
):
    run(ip, FAILING_CLEAN)
    assert ip.user_ns["clean"] == [1, 2, None]  # kept: the user debugs with it

    _, first = run(ip, TOTAL)
    _, second = run(ip, TOTAL)
    _, why = run(ip, "%flow why total")

    note = (
        r"Not cached: its input 'clean' comes from Task 'clean' \(cell \d+\), "
        r"which ended Failed\."
    )
    assert re.search(rf"total: Completed in \S+ s — {note}$", _status(first, "total"))
    assert re.search(rf"total: Completed in \S+ s — {note}$", _status(second, "total"))
    assert ip.user_ns["total"] == 3
    assert re.search(
        r"total ran because its input 'clean' comes from Task 'clean' \(cell \d+\), "
        r"which ended Failed \(so it was not cached\)\.",
        why,
    )


def test_what_is_computed_from_a_marked_value_is_marked_too(ip):
    run(ip, FAILING_CLEAN)
    run(ip, TOTAL)

    _, out = run(ip, "%%task doubled\ndoubled = total * 2")

    assert re.search(
        r"doubled: Completed in \S+ s — Not cached: its input 'total' comes from "
        r"Task 'total' \(cell \d+\), which read what Task 'clean' \(cell \d+\) left "
        r"when it ended Failed\.$",
        _status(out, "doubled"),
    )


def test_a_good_run_of_the_producer_clears_the_mark(ip):
    run(ip, FAILING_CLEAN)
    run(ip, TOTAL)

    run(ip, "%%task clean\nclean = [1, 2]")
    _, first = run(ip, TOTAL)
    _, second = run(ip, TOTAL)

    assert re.search(r"total: Completed in \S+ s$", _status(first, "total"))
    assert "total: Cached" in _status(second, "total")


def test_a_name_the_failed_cell_did_not_reach_keeps_its_good_value(ip):
    run(ip, "%%task pair\nleft = 1\nright = 2")
    run(ip, "%%task pair\nleft = 10\nraise ValueError('stop')\nright = 20")

    _, first = run(ip, "%%task use_right\nthird = right + 1")
    _, left = run(ip, "%%task use_left\nfourth = left + 1")

    assert re.search(r"use_right: Completed in \S+ s$", _status(first, "use_right"))
    assert "Not cached: its input 'left' comes from Task 'pair'" in left


def test_a_value_rebound_by_hand_is_no_longer_marked(ip):
    run(ip, FAILING_CLEAN)
    run(ip, "clean = [4, 5]")

    _, out = run(ip, TOTAL)

    assert re.search(r"total: Completed in \S+ s$", _status(out, "total"))
    assert ip.user_ns["total"] == 9


def test_what_an_interrupted_task_left_is_marked_cancelled(ip):
    run(ip, "%%task stopped\npartial = [1]\nraise KeyboardInterrupt")

    _, out = run(ip, "%%task reader\nsize = len(partial)")

    assert re.search(
        r"reader: Completed in \S+ s — Not cached: its input 'partial' comes from "
        r"Task 'stopped' \(cell \d+\), which ended Cancelled\.$",
        _status(out, "reader"),
    )
