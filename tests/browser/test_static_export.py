"""The static copy of a run as nbviewer and GitHub show it: no server, no kernel.

nbviewer renders a notebook with nbconvert's HTML exporter. A notebook whose cell
attaches a ``LiveView`` and calls a flow (one task fails, caught) is executed in a
real kernel by nbclient and saved; ``jupyter nbconvert --to html`` turns it into a
page, which Chromium opens from ``file://`` with every network request refused.

GitHub's notebook renderer strips ``<script>`` and sanitises HTML: ``<style>``
blocks, ``style`` and ``id`` attributes were seen stripped (jupyter/nbviewer#450).
The static bundle is checked to hold no script or style block, and the graph is
drawn again from its HTML with every ``style``, ``class`` and ``id`` attribute
removed: its state colours are SVG attributes, so they stay. Screenshots go to
``test-artifacts/browser/``.
"""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

CELLS = [
    """\
import time
from taskbook import flow, task

@task
def extract():
    time.sleep(0.4)
    return 3

@task
def broken(x):
    time.sleep(0.2)
    raise ValueError("no luck")

@task
def load(x):
    time.sleep(0.4)
    return x * 2

@flow(name="exported")
def pipeline():
    x = extract()
    broken(x, return_state=True)
    return load(x)
""",
    """\
from taskbook.widgets import LiveView, kernel_host
view = LiveView(host=kernel_host(get_ipython())).attach()
result = pipeline()
view.finish()  # the static copy before the cell ends: nbclient stops at idle
result
""",
]

EXPECTED = {
    "task:extract": ("COMPLETED", "rgb(22, 163, 74)"),  # #16a34a
    "task:broken": ("FAILED", "rgb(220, 38, 38)"),  # #dc2626
    "task:load": ("COMPLETED", "rgb(22, 163, 74)"),
}
WIDGET = "application/vnd.jupyter.widget-view+json"

# JS: node id -> [data-state, computed fill, visible] for the graph nodes in a root.
DRAWN_NODES = """(root) => Object.fromEntries(
    Array.from(root.querySelectorAll('svg g[data-node-id]')).map((g) => {
        const rect = g.querySelector('rect');
        const box = rect.getBoundingClientRect();
        return [g.dataset.nodeId, [g.dataset.state, getComputedStyle(rect).fill,
                                   box.width > 50 && box.height > 20]];
    }))"""
# JS: the Gantt's rows as [label, number of bars wider than 1 px].
DRAWN_ROWS = """(root) => Array.from(root.querySelectorAll('svg g[data-run-id]')).map(
    (g) => [g.querySelector('text').textContent,
            Array.from(g.querySelectorAll('rect')).filter(
                (r) => r.getBoundingClientRect().width >= 1).length])"""


def _execute(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    """Run the notebook in a real kernel (as papermill does); return it and its env."""
    import nbformat
    from nbclient import NotebookClient

    env = {
        **os.environ,
        "TASKBOOK_HOME": str(tmp_path / "taskbook"),
        "IPYTHONDIR": str(tmp_path / "ipython"),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter-config"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "jupyter-runtime"),
        "JUPYTER_DATA_DIR": str(tmp_path / "jupyter-data"),
        "JUPYTER_PLATFORM_DIRS": "1",
    }
    env.pop("JPY_SESSION_NAME", None)
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(source) for source in CELLS]
    )
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    client = NotebookClient(
        nb,
        timeout=60,
        kernel_name="python3",
        resources={"metadata": {"path": tmp_path}},
    )
    client.execute(env=env)  # passed on to the kernel manager's start_kernel
    path = tmp_path / "exported.ipynb"
    nbformat.write(nb, path)
    return path, env


def _static_bundle(path: Path) -> dict[str, str]:
    import nbformat

    outputs = nbformat.read(path, as_version=4).cells[1].outputs
    assert not any(WIDGET in o.get("data", {}) for o in outputs)
    (bundle,) = [
        o["data"]
        for o in outputs
        if "taskbook-run" in o.get("data", {}).get("text/html", "")
    ]
    return dict(bundle)


def _offline(page: Page) -> None:
    """Refuse every http(s) request: the page stands alone (its CDN scripts fail)."""
    page.route(re.compile(r"^(https?|wss?)://"), lambda route: route.abort())


def _sanitised(html: str) -> str:
    """``html`` without scripts, style blocks and style/class/id attributes."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for element in soup.find_all(["script", "style"]):
        element.decompose()
    for element in soup.find_all(True):
        for attribute in ("style", "class", "id"):
            element.attrs.pop(attribute, None)
    return str(soup)


def test_nbconvert_html_shows_the_static_graph_and_gantt_without_a_server(
    page: Page, tmp_path: Path, artifacts_dir: Path, request: pytest.FixtureRequest
) -> None:
    notebook, env = _execute(tmp_path)
    subprocess.run(
        [sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", str(notebook)],
        env=env,
        check=True,
        capture_output=True,
        timeout=60,
    )
    exported = notebook.with_suffix(".html")
    _offline(page)
    page.goto(exported.as_uri())

    run = page.locator(".jp-OutputArea-output .taskbook-run")
    run.locator("svg.tb-graph").wait_for()
    assert run.count() == 1
    assert page.locator("svg.tb-graph").count() == 1  # not also drawn as the image
    assert "Loading widget" not in page.inner_text("body")
    run.scroll_into_view_if_needed()
    drawn = run.locator("svg.tb-graph").evaluate(DRAWN_NODES)
    assert drawn == {node: [*state, True] for node, state in EXPECTED.items()}
    gantt = run.locator(".tb-static-gantt svg.tb-gantt")
    assert gantt.is_visible()
    rows = dict(gantt.evaluate(DRAWN_ROWS))
    assert set(rows) == {"extract", "broken", "load"}, rows  # one run each: task names
    assert all(bars >= 1 for bars in rows.values()), rows
    header = run.locator(".tb-header").inner_text()
    assert header.startswith("exported")
    assert "3 task runs: 2 Completed · 1 Failed" in header
    assert page.locator(".jp-OutputArea-executeResult").last.inner_text() == "6"
    name = request.node.name
    page.screenshot(path=artifacts_dir / f"{name}-nbconvert.png", full_page=True)

    # GitHub: no script and no style block in the static copy, and no handlers.
    bundle = _static_bundle(notebook)
    html = bundle["text/html"]
    assert not re.search(r"<\s*(script|style|link|iframe)\b", html, re.I)
    assert not re.search(r"\son\w+\s*=|javascript:", html, re.I)

    # Drawn again from the HTML stripped as a strict sanitiser would: same colours.
    page.set_content(f"<!doctype html><body>{_sanitised(html)}</body>")
    stripped = page.locator("body")
    assert stripped.locator("svg").first.evaluate(DRAWN_NODES) == drawn
    rows_stripped = dict(stripped.locator("svg").nth(1).evaluate(DRAWN_ROWS))
    assert rows_stripped == rows
    page.screenshot(path=artifacts_dir / f"{name}-sanitised.png", full_page=True)

    # Renderers that prefer images get the same graph as an SVG image, colours and all.
    svg = base64.b64encode(bundle["image/svg+xml"].encode()).decode()
    node = re.search(
        r'data-node-id="task:broken"[^>]*translate\(([\d.]+),([\d.]+)\).*?'
        r'<rect width="([\d.]+)" height="([\d.]+)"',
        bundle["image/svg+xml"],
    )
    assert node is not None
    x, y, width, height = (float(v) for v in node.groups())
    pixel = page.evaluate(
        """async ([src, x, y]) => {
            const img = new Image();
            img.src = src;
            await img.decode();
            const canvas = document.createElement('canvas');
            canvas.width = img.naturalWidth;
            canvas.height = img.naturalHeight;
            const ctx = canvas.getContext('2d');
            ctx.drawImage(img, 0, 0);
            return Array.from(ctx.getImageData(x, y, 1, 1).data);
        }""",
        # Inside the box, right of its label.
        [f"data:image/svg+xml;base64,{svg}", x + width - 6, y + height / 2],
    )
    assert pixel == [220, 38, 38, 255]  # the failed node's red
