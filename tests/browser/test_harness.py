"""The browser harness works: taskbook, ipywidgets and plotly live in a real JupyterLab."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]

FLOW_CELL = """\
import os
import ipywidgets as widgets
import plotly.graph_objects as go
import taskbook
from taskbook import flow, task

@task
def extract(n):
    return list(range(1, n + 1))

@task
def total(xs):
    return sum(xs)

@flow
def etl(n: int = 4):
    return total(extract(n))

result = etl(4)
status = widgets.HTML(f"<span id='tb-status'>flow result {result}</span>")
fig = go.FigureWidget(go.Bar(x=["extract", "total"], y=[4, 1]))
fig.update_layout(height=300, title_text="flow tasks")
print("TASKBOOK_HOME=" + os.environ["TASKBOOK_HOME"])
print("taskbook=" + taskbook.__file__)
display(status, fig)
"""

# Each step waits for a file the test creates once it saw the previous update, so
# every update the test sees comes from the thread while this cell still executes.
THREAD_CELL = """\
import pathlib, threading, time

def wait_for(name):
    while not pathlib.Path(name).exists():
        time.sleep(0.02)

def tick():
    for i in (1, 2):
        status.value = f"<span id='tb-status'>tick {i}</span>"
        fig.layout.title.text = f"tick {i}"
        wait_for(f"thread_updates.seen{i}")
    print("thread stopped after 2 ticks")

worker = threading.Thread(target=tick)
worker.start()
worker.join()
"""


def test_flow_cell_renders_ipywidget_and_plotly_figurewidget(notebook_page, lab_server):
    nb = notebook_page([FLOW_CELL], "flow_widgets")
    nb.run_all()

    status = nb.wait_in_output(0, ".widget-html #tb-status")
    assert status.text_content() == "flow result 10"
    assert nb.output(0).locator(".jupyter-widgets").count() >= 1
    nb.wait_in_output(0, ".js-plotly-plot .barlayer path")
    assert nb.output(0).locator(".js-plotly-plot .barlayer path").count() == 2
    # The kernel imports the taskbook under test and records runs under tmp.
    text = nb.output(0).inner_text()
    assert f"TASKBOOK_HOME={lab_server.taskbook_home}" in text
    assert f"taskbook={REPO / 'src' / 'taskbook' / '__init__.py'}" in text
    assert any(lab_server.taskbook_home.iterdir())
    shot = nb.screenshot("rendered")
    assert shot.stat().st_size > 10_000
    assert nb.errors() == []


def test_widgets_updated_from_a_thread_show_while_the_cell_runs(
    notebook_page, lab_server
):
    nb = notebook_page([FLOW_CELL, THREAD_CELL], "thread_updates")
    nb.run_cell(0)
    nb.wait_in_output(0, ".js-plotly-plot .barlayer path")

    nb.run_cell(1, wait=False)
    for tick in (1, 2):
        nb.wait_text(0, ".widget-html #tb-status", f"tick {tick}")
        nb.wait_text(0, ".js-plotly-plot .gtitle", f"tick {tick}")
        # The update arrived while the thread (and so the cell) is still running.
        assert nb.is_running(1)
        assert nb.cell(1).locator(".jp-InputPrompt").inner_text().strip() == "[*]:"
        if tick == 2:
            nb.screenshot("live")
        (lab_server.root / f"thread_updates.seen{tick}").touch()
    nb.wait_idle()
    assert "thread stopped after 2 ticks" in nb.output(1).inner_text()
    assert nb.errors() == []


# A thread that outlives its cell, while the user moves a slider (frontend comm
# traffic): with ipykernel 7 its output needs the parent captured in the cell.
LATE_CELL = """\
import threading, time
import ipywidgets as widgets
slider = widgets.IntSlider(value=1)
box = widgets.Output()
display(slider, box)
parent = get_ipython().get_parent()

def late():
    get_ipython().set_parent(parent)
    time.sleep(2)
    print("late print")
    with box:
        print("late into Output widget")

threading.Thread(target=late).start()
"""


def test_thread_output_with_captured_parent_survives_frontend_traffic(notebook_page):
    nb = notebook_page([LATE_CELL], "late_output")
    nb.run_cell(0)
    handle = nb.wait_in_output(0, ".widget-slider .noUi-handle")
    handle.focus()
    nb.page.keyboard.press("ArrowRight")
    nb.wait_in_output(0, ".widget-readout:text-is('2')")

    nb.wait_in_output(0, ".jupyter-widgets .jp-OutputArea :text('late into Output')")
    nb.wait_in_output(0, ":text('late print')")
    assert nb.errors() == []


STATIC_CELL = """\
from IPython.display import HTML
HTML("<div id='tb-static'><svg width='120' height='20'><rect width='120' height='20'"
     " fill='seagreen'/></svg> run summary: 3 tasks completed</div>")
"""


def test_saved_notebook_reopened_without_kernel_shows_static_html(
    notebook_page, lab_server
):
    nb = notebook_page([STATIC_CELL], "static_html")
    nb.run_all()
    nb.wait_in_output(0, "#tb-static svg")

    saved = nb.save()
    outputs = json.loads(saved.read_text())["cells"][0]["outputs"]
    assert "text/html" in outputs[0]["data"]

    nb.reopen_without_kernel()
    assert lab_server.api("GET", "/api/sessions") == []
    static = nb.wait_in_output(0, "#tb-static")
    assert "run summary: 3 tasks completed" in static.inner_text()
    assert static.locator("svg rect").count() == 1
    nb.screenshot("no-kernel")
    assert nb.errors() == [], json.dumps(nb.errors(), indent=1)
