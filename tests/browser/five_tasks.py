"""The five-task flow the live-view browser tests run, and how they read its graph.

A chain of five 1-second ``@task``s in a plain ``@flow`` named ``five``; the cell
also imports ``LiveView`` and ``kernel_host`` for tests that attach a view by hand.
"""

from __future__ import annotations

from typing import Any

DEFINE = """\
import time
from taskbook import flow, task
from taskbook.widgets import LiveView, kernel_host

def make(name):
    @task(name=name)
    def step(previous=None):
        time.sleep(1)
        return name
    return step

steps = [make(f"t{i}") for i in range(1, 6)]

@flow(name="five")
def five():
    future = None
    for step in steps:
        future = step.submit(future)
    return future.result()
"""

NODES = [f"task:t{i}" for i in range(1, 6)]

# JS: node id -> [data-state, rect fill] for every graph node in an element.
NODE_STATES = """(root) => Object.fromEntries(
    Array.from(root.querySelectorAll('g.tb-node')).map(
        (g) => [g.dataset.nodeId, [g.dataset.state, g.querySelector('rect').getAttribute('fill')]]))"""


def node_states(output: Any) -> dict[str, list[str]]:
    return dict(output.evaluate(NODE_STATES))
