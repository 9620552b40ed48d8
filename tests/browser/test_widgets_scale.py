"""A 1,000-task run in a real JupyterLab: its graph draws every node, fitted, and
readable at full size.

The kernel runs a flow of 1,000 distinct tasks, then a cell opens the past run
(``show_run``). How long the browser takes to draw it is a benchmark, not a test
(``benchmarks/bench_live_view.py --browser``): a time budget fails on a busy
machine whatever the code does.
"""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser

RUN = """\
import random, time
import taskbook
from taskbook import flow, task

def work(*upstream):
    return len(upstream)

steps = [task(work).with_options(name=f"t{i:04d}") for i in range(1000)]
rng = random.Random(0)
parents = [sorted({rng.randrange(max(0, i - 40), i) for _ in range(2)}) if i else [] for i in range(1000)]

@flow(name="thousand")
def thousand():
    futures = []
    for i, step in enumerate(steps):
        futures.append(step.submit(*(futures[p] for p in parents[i])))
    return sum(f.result() for f in futures)

thousand()
from taskbook.engine.session import get_session
get_session().store.flush()
run_id = taskbook.runs("thousand", limit=1)["id"][0]
"""

SHOW = """\
from taskbook.widgets import show_run
show_run(run_id)
"""


def test_the_graph_of_a_thousand_task_run_draws_every_node(
    notebook_page: Any,
) -> None:
    from playwright.sync_api import expect

    nb = notebook_page([RUN, SHOW], "thousand")
    nb.run_cell(0)
    nb.run_cell(1)
    area = nb.output(1)
    nodes = area.locator("g.tb-node")
    expect(nodes).to_have_count(1000)
    nb.screenshot("thousand-nodes")
    # Fitted to the output's width at first; full size (1:1) is a click away, and
    # then the box scrolls instead of shrinking the boxes.
    box = area.locator(".tb-graph-box").first
    assert box.evaluate("(b) => b.scrollWidth <= b.clientWidth + 1")
    area.locator(".tb-graph-tools button.tb-actual").click()
    assert box.evaluate(
        "(b) => b.scrollHeight > b.clientHeight || b.scrollWidth > b.clientWidth"
    )
    width = area.locator("g.tb-node rect").first.evaluate(
        "(r) => r.getBoundingClientRect().width"
    )
    assert width >= 140
