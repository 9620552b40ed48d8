"""The run graph fits the output's width, zooms and pans, and leads to the cells.

Two notebooks (``big_notebooks``): a 12-node ETL whose drawing is 1,616 px wide at
full size, and a 200-node DAG. While each run is in flight (tasks held by gate
files), the live graph must show every node inside the output's width, with the
running and failed ones in view; the zoom buttons enlarge it into a box that pans
by dragging; Fit brings it back; a click on a node scrolls the notebook to its
cell. The static copy fits the width too, and no two edge labels overlap.
Screenshots of both live views go to ``test-artifacts/browser/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from big_notebooks import ETL_HELD, WIDE_HELD, etl_cells, wide_cells
from five_tasks import Gates

pytestmark = pytest.mark.browser

# JS: label -> state of every node drawn in an element.
LABEL_STATES = """(root) => Object.fromEntries(
    Array.from(root.querySelectorAll('g.tb-node')).map(
        (g) => [g.querySelector('text.tb-label').textContent, g.dataset.state]))"""

# JS: whether every wanted label has its wanted state in the live view.
STATES_ARE = """([root, want]) => {
    const live = root.querySelector('.taskbook-live');
    if (!live) return false;
    const got = {};
    for (const g of live.querySelectorAll('g.tb-node'))
        got[g.querySelector('text.tb-label').textContent] = g.dataset.state;
    return Object.entries(want).every(([k, v]) => got[k] === v);
}"""

# JS: how the graph sits in its box (pixels on screen).
GEOMETRY = """(root) => {
    const box = root.querySelector('.tb-graph-box');
    const svg = box.querySelector('svg.tb-graph');
    const b = box.getBoundingClientRect(), s = svg.getBoundingClientRect();
    const nodes = Array.from(svg.querySelectorAll('g.tb-node rect')).map(
        (r) => r.getBoundingClientRect());
    return {
        boxWidth: box.clientWidth, svgWidth: s.width,
        scrollWidth: box.scrollWidth, scrollLeft: box.scrollLeft,
        inside: nodes.filter((n) => n.left >= b.left - 1 && n.right <= b.right + 1).length,
        nodes: nodes.length, nodeWidth: nodes.length ? nodes[0].width : 0,
    };
}"""

# JS: pairs of edge labels whose boxes overlap, in an element.
LABEL_OVERLAPS = """(root) => {
    const boxes = Array.from(root.querySelectorAll('text.tb-edge-label')).map(
        (t) => t.getBoundingClientRect());
    let overlaps = 0;
    for (let i = 0; i < boxes.length; i++)
        for (let j = i + 1; j < boxes.length; j++) {
            const a = boxes[i], b = boxes[j];
            if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom)
                overlaps++;
        }
    return [boxes.length, overlaps];
}"""


def wait_states(nb: Any, index: int, want: dict[str, str]) -> None:
    handle = nb.output(index).element_handle()
    nb.page.wait_for_function(STATES_ARE, arg=[handle, want])


def shoot(nb: Any, index: int, artifacts: Path, label: str) -> Path:
    """Screenshot the output of cell ``index`` alone, whatever its height."""
    nb.page.mouse.move(0, 0)
    nb.page.wait_for_timeout(500)  # plotly animates its first draw
    path = artifacts / f"test_graph_fit-{label}.png"
    nb.output(index).screenshot(path=path)
    return path


def start_run(
    notebook_page: Any, lab_server: Any, name: str, make: Any, want: dict[str, str]
) -> tuple[Any, int, Gates]:
    """Open the notebook ``make(gates)`` builds, start its last cell (``%flow run``),
    and wait until the live view shows the states ``want``; return the page, the
    run cell's index and the gates."""
    gates = Gates(lab_server.root, name)
    cells = make(gates)
    run = len(cells) - 1
    nb = notebook_page(cells, name)
    nb.run_cell(0)
    nb.run_cell(run, wait=False)
    wait_states(nb, run, want)
    nb.cell(run).evaluate("(c) => c.scrollIntoView({block: 'start'})")
    return nb, run, gates


def assert_fits(output: Any, nodes: int) -> dict[str, Any]:
    """Check that all ``nodes`` are drawn inside the graph box's width; return how."""
    fit = dict(output.evaluate(GEOMETRY))
    assert fit["nodes"] == nodes, fit
    assert fit["inside"] == nodes, fit
    assert fit["svgWidth"] <= fit["boxWidth"] + 1, fit
    assert fit["scrollWidth"] <= fit["boxWidth"] + 1, fit
    return fit


def in_view(nb: Any, index: int) -> bool:
    """Whether cell ``index`` is (at least partly) inside the notebook's viewport."""
    panel = nb.panel().locator(".jp-WindowedPanel-outer").first.bounding_box()
    cell = nb.cell(index).bounding_box()
    return bool(
        panel
        and cell
        and cell["y"] < panel["y"] + panel["height"]
        and cell["y"] + cell["height"] > panel["y"]
    )


def test_the_live_graph_of_a_12_node_run_fits_zooms_pans_and_finds_cells(
    notebook_page: Any, lab_server: Any, artifacts_dir: Path
) -> None:
    want = {"by_day": "FAILED", "extract_rates": "RUNNING", "join": "COMPLETED"}
    nb, run, gates = start_run(notebook_page, lab_server, "fit_etl", etl_cells, want)
    output = nb.output(run)
    shoot(nb, run, artifacts_dir, "etl-live")

    # Fit: the whole graph inside the output's width, smaller than full size.
    fit = assert_fits(output, 12)
    assert fit["nodeWidth"] < 150  # 1,616 px of drawing scaled down

    # Zoom in: bigger than the box, which now pans by dragging.
    toolbar = output.locator(".taskbook-live .tb-graph-tools")
    for _ in range(3):
        toolbar.locator("button.tb-zoom-in").click()
    zoomed = output.evaluate(GEOMETRY)
    assert zoomed["nodeWidth"] > fit["nodeWidth"] * 1.5, zoomed
    assert zoomed["scrollWidth"] > zoomed["boxWidth"], zoomed
    box = output.locator(".taskbook-live .tb-graph-box").bounding_box()
    assert box is not None
    start = (box["x"] + box["width"] * 0.6, box["y"] + 8)
    nb.page.mouse.move(*start)
    nb.page.mouse.down()
    nb.page.mouse.move(start[0] - 200, start[1], steps=5)
    nb.page.mouse.up()
    panned = output.evaluate(GEOMETRY)
    assert panned["scrollLeft"] >= 150, panned
    toolbar.locator("button.tb-fit").click()
    assert_fits(output, 12)

    # A click on a node brings its cell into view.
    assert not in_view(nb, 3)
    output.locator(
        ".taskbook-live g.tb-node",
        has=nb.page.locator("text.tb-label", has_text="extract_orders"),
    ).click()
    nb.page.wait_for_function(
        "(cell) => cell.classList.contains('tb-cell-flash')",
        arg=nb.cell(3).element_handle(),
    )
    assert in_view(nb, 3)

    # The end: the static copy fits the width as well; edge labels stay apart.
    gates.release(*ETL_HELD)
    nb.wait_idle()
    nb.wait_in_output(run, ".taskbook-run svg.tb-graph")
    states = output.evaluate(LABEL_STATES)
    assert states["by_day"] == "FAILED"
    assert states["report"] == "PENDING"  # NotReady: by_day failed
    static = output.locator(".tb-static-graph svg.tb-graph")
    assert static.bounding_box()["width"] <= output.bounding_box()["width"]  # type: ignore[index]
    labels, overlaps = output.evaluate(LABEL_OVERLAPS)
    assert labels >= 8
    assert overlaps == 0
    nb.cell(run).evaluate("(c) => c.scrollIntoView({block: 'start'})")
    shoot(nb, run, artifacts_dir, "etl-end")


def test_the_live_graph_of_a_200_node_run_fits_the_width(
    notebook_page: Any, lab_server: Any, artifacts_dir: Path
) -> None:
    want = {name: "RUNNING" for name in WIDE_HELD[:1]}
    nb, run, gates = start_run(notebook_page, lab_server, "fit_wide", wide_cells, want)
    output = nb.output(run)
    shoot(nb, run, artifacts_dir, "wide-live")
    assert_fits(output, 200)
    gates.release(*WIDE_HELD)
    nb.wait_idle(timeout=300_000)
    nb.wait_in_output(run, ".taskbook-run svg.tb-graph")
    nb.cell(run).evaluate("(c) => c.scrollIntoView({block: 'start'})")
    shoot(nb, run, artifacts_dir, "wide-end")
