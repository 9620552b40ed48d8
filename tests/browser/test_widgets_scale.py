"""A 1,000-task run in a real JupyterLab: its graph renders, readable and quickly.

The kernel runs a flow of 1,000 distinct tasks, then a cell opens the past run
(``show_run``). The test times, in the page, from the moment the cell's output
area gets the widget until all 1,000 nodes are drawn, and writes the figure to
``test-artifacts/browser/scale-render.json`` next to a screenshot.
"""

from __future__ import annotations

import json
from pathlib import Path
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
started = time.perf_counter()
view = show_run(run_id)
print(f"kernel: {time.perf_counter() - started:.3f} s")
view
"""

# Resolves with ms from the first widget view in cell 1's output to 1,000 nodes.
WATCH = """(area) => { window.__tbRender = new Promise((resolve) => {
    let t0 = null;
    const marks = {};
    window.__tbMarks = marks;
    const check = () => {
        const now = performance.now();
        if (t0 === null && area.querySelector('.taskbook-live')) t0 = now;
        for (const sel of ['.tb-graph-box', '.js-plotly-plot', '.js-plotly-plot .barlayer', 'g.tb-node']) {
            if (!(sel in marks) && area.querySelector(sel)) marks[sel] = now - (t0 ?? now);
        }
        if (t0 !== null && area.querySelectorAll('g.tb-node').length >= 1000) {
            requestAnimationFrame(() => requestAnimationFrame(
                () => resolve(performance.now() - t0)));
            observer.disconnect();
        }
    };
    const observer = new MutationObserver(check);
    observer.observe(area, {childList: true, subtree: true});
    check();
}); }"""


def test_the_graph_of_a_thousand_task_run_renders_within_a_second(
    notebook_page: Any, artifacts_dir: Path
) -> None:
    nb = notebook_page([RUN, SHOW], "thousand")
    nb.run_cell(0)
    area = nb.output(1)
    area.evaluate(WATCH)  # starts watching; the promise waits on the page
    nb.run_cell(1)
    render_ms = nb.page.evaluate("() => window.__tbRender")
    marks = nb.page.evaluate("() => window.__tbMarks")
    nodes = area.locator("g.tb-node").count()
    kernel = area.locator(".jp-OutputArea-output", has_text="kernel:").inner_text()
    shot = nb.screenshot("thousand-nodes")
    (artifacts_dir / "scale-render.json").write_text(
        json.dumps(
            {
                "nodes": nodes,
                "render_ms": render_ms,
                "first_paint_ms": marks,
                "kernel": kernel.strip(),
                "screenshot": shot.name,
            }
        )
    )
    assert nodes == 1000
    assert render_ms < 1000, f"drawing 1,000 nodes took {render_ms:.0f} ms"
    # Readable: boxes keep their size and the box scrolls instead of shrinking.
    box = area.locator(".tb-graph-box").first
    assert box.evaluate(
        "(b) => b.scrollHeight > b.clientHeight || b.scrollWidth > b.clientWidth"
    )
    width = area.locator("g.tb-node rect").first.evaluate(
        "(r) => r.getBoundingClientRect().width"
    )
    assert width >= 140
