"""The five-task flow the live-view browser tests run, and how they read its graph.

A chain of five ``@task``s in a plain ``@flow`` named ``five``. Each task waits
until the test releases it (``Gates.release``, a file the test creates), so a test
sees the run at the step it chose, however busy the machine is. The cell also
imports ``LiveView`` and ``kernel_host`` for tests that attach a view by hand.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

NODES = [f"task:t{i}" for i in range(1, 6)]

_DEFINE = """\
import pathlib, time
from taskbook import flow, task
from taskbook.widgets import LiveView, kernel_host

GATES = pathlib.Path({gates!r})

def make(name):
    @task(name=name)
    def step(previous=None):
        while not (GATES / name).exists():  # released by the test
            time.sleep(0.02)
        return name
    return step

steps = [make(f"t{{i}}") for i in range(1, 6)]

@flow(name="five")
def five():
    future = None
    for step in steps:
        future = step.submit(future)
    return future.result()
"""


class Gates:
    """The files that release the tasks of one notebook's five-task flow.

    Args:
        root: The server root (the kernel's working directory).
        name: A name unique to the test (the notebook's name).
    """

    def __init__(self, root: Path, name: str) -> None:
        self.folder = root / "gates" / name
        self.folder.mkdir(parents=True, exist_ok=True)
        self.define = _DEFINE.format(gates=str(self.folder))
        """The defining cell's source."""

    def release(self, *names: str) -> None:
        """Let the tasks (``"t1"``...) or gates of these names finish."""
        for name in names:
            (self.folder / name).touch()

    def release_all(self) -> None:
        """Let every task finish."""
        self.release(*(n.split(":")[1] for n in NODES))


# JS: node id -> [data-state, rect fill] for every graph node in an element.
NODE_STATES = """(root) => Object.fromEntries(
    Array.from(root.querySelectorAll('g.tb-node')).map(
        (g) => [g.dataset.nodeId, [g.dataset.state, g.querySelector('rect').getAttribute('fill')]]))"""


def node_states(output: Any) -> dict[str, list[str]]:
    return dict(output.evaluate(NODE_STATES))


def states_selector(done: int, root: str = "") -> str:
    """Return a selector that matches once t1..t{done} are done and the next runs."""
    prefix = f"{root} " if root else ""
    parts = [
        f'g.tb-node[data-node-id="task:t{i}"][data-state="COMPLETED"]'
        for i in range(1, done + 1)
    ]
    running = f'g.tb-node[data-node-id="task:t{done + 1}"][data-state="RUNNING"]'
    return f"{prefix}{' ~ '.join([*parts, running])}"
