"""Cells that only call a module (``time.sleep``) run side by side (issue 12, item 16).

A notebook of four cells: one imports, two independent ones each wait for the
other to start (so they can only both finish if they run at the same time), one
joins them. ``%flow run``'s Gantt shows the two middle bars overlapping.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser


def _meet(me: str, other: str, folder: Path) -> str:
    return (
        f"%%task {me}\n"
        f"(pathlib.Path({str(folder)!r}) / {me!r}).touch()\n"
        f"waited = 0\n"
        f"while not (pathlib.Path({str(folder)!r}) / {other!r}).exists():\n"
        f"    time.sleep(0.01)\n"
        f"    waited += 1\n"
        f"    if waited > 6000:\n"
        f"        raise TimeoutError('{other} never started')\n"
        f"time.sleep(0.3)  # both are running now: keep the bars long enough to see\n"
        f"{me}_done = True"
    )


# JS: task label -> [[x, x + width] of its running segments] in the static Gantt.
_BARS = """(root) => Object.fromEntries(
    Array.from(root.querySelectorAll('.taskbook-run svg.tb-gantt g.tb-row')).map((g) => [
        g.querySelector('text').textContent,
        Array.from(g.querySelectorAll('rect.tb-seg[data-kind="running"]')).map((r) => [
            parseFloat(r.getAttribute('x')),
            parseFloat(r.getAttribute('x')) + parseFloat(r.getAttribute('width'))])]))"""


def test_two_cells_that_sleep_after_one_import_run_at_the_same_time(
    notebook_page: Any, tmp_path: Path
) -> None:
    nb = notebook_page(
        [
            "%load_ext taskbook",
            "import pathlib\nimport time",
            _meet("left", "right", tmp_path),
            _meet("right", "left", tmp_path),
            "%%task join\nboth = left_done and right_done",
            "%flow run --force",
        ],
        "parallel_cells",
    )
    nb.run_cell(0)
    nb.run_cell(5)

    output = nb.output(5)
    nb.wait_in_output(5, ".taskbook-run svg.tb-gantt")
    assert "Flow run Completed" in output.inner_text()
    bars = output.evaluate(_BARS)
    left = next(spans for label, spans in bars.items() if label.startswith("left"))
    right = next(spans for label, spans in bars.items() if label.startswith("right"))
    assert left, bars
    assert right, bars
    (l0, l1), (r0, r1) = left[-1], right[-1]
    # Two intervals overlap when each starts before the other ends.
    assert l0 < r1, f"left {l0}-{l1} starts after right {r0}-{r1} ends"
    assert r0 < l1, f"right {r0}-{r1} starts after left {l0}-{l1} ends"
    nb.screenshot("overlapping-bars")
