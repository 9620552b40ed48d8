from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from taskbook.cellflow.result import CellOutcome
from taskbook.core.events import FlowRunCreated, StateChanged, TaskRunCreated
from taskbook.core.states import State, StateType
from taskbook.jupyter.render import running_line, status_line
from taskbook.widgets.svg import graph_svg, timeline_svg
from taskbook.widgets.viewmodel import RunFold

SVG = "{http://www.w3.org/2000/svg}"

# Every state type under its default name, then DESIGN §2's named states.
STATES = [(t.value, State(t).name) for t in StateType] + [
    ("COMPLETED", "Cached"),
    ("RUNNING", "Retrying"),
    ("SCHEDULED", "AwaitingRetry"),
    ("FAILED", "TimedOut"),
    ("PENDING", "NotReady"),
    ("SCHEDULED", "Late"),
]


def status_look(outcome: CellOutcome) -> tuple[str, str]:
    """Return the (colour, symbol) of a cell's status line: its first colour, its mark."""
    bundle = status_line(outcome)
    colour = re.search(r"(?:background|color):(#[0-9a-f]{6})", bundle["text/html"])
    symbol = bundle["text/plain"].split(" ", 1)[0]
    assert colour is not None
    assert symbol in bundle["text/html"]
    return colour.group(1), symbol


def graph_look(type_: str, name: str) -> tuple[str, str, str]:
    """Return how the static copy draws two runs that ran and are now in a state.

    The graph node's fill and the symbol of its count badge (``✗2``), and the fill
    of the Gantt bar of a run's attempt (coloured by the run's state).
    """
    fold = RunFold()
    fold.apply(FlowRunCreated("F", "etl", "brave-run", {}, (), None, 0.0))
    for run in ("a", "b"):
        fold.apply(TaskRunCreated(run, "F", "load", "load", f"load-{run}", (), 0.0))
        fold.apply(StateChanged(run, "task", State(StateType.RUNNING, ts=0.5), 1))
        fold.apply(StateChanged(run, "task", State(StateType(type_), name, ts=1.0)))
    node = ET.fromstring(graph_svg(fold.graph_model(), uid="g")).find(
        f".//{SVG}g[@class='tb-node']"
    )
    assert node is not None
    box, sub = node.find(f"{SVG}rect"), node.find(f"{SVG}text[@class='tb-sub']")
    assert box is not None
    assert sub is not None
    assert sub.text is not None
    assert sub.text.endswith("2")
    bar = ET.fromstring(timeline_svg(fold.timeline_model(now=2.0))).find(
        f".//{SVG}rect[@data-kind='running']"
    )
    assert bar is not None
    return box.get("fill", ""), sub.text[:-1], bar.get("fill", "")


@pytest.mark.parametrize(("type_", "name"), STATES, ids=[n for _, n in STATES])
def test_status_line_and_graph_show_a_state_in_the_same_colour_and_symbol(
    type_: str, name: str
) -> None:
    outcome = CellOutcome("c1", "load", "task", state_type=type_, state_name=name)
    fill, symbol, bar = graph_look(type_, name)

    assert status_look(outcome) == (fill, symbol)
    assert bar == fill


def test_the_status_line_tells_failures_and_cache_hits_apart() -> None:
    looks = {
        n: status_look(CellOutcome("c1", "x", "task", state_type=t, state_name=n))
        for t, n in STATES
    }

    failures = ["Failed", "TimedOut", "Crashed", "Cancelled"]
    assert len({looks[n] for n in failures}) == len(failures)
    assert looks["Cached"] != looks["Completed"]


def test_the_running_line_shows_running_as_the_graph_does() -> None:
    bundle = running_line("load")
    fill, symbol, _ = graph_look("RUNNING", "Running")

    assert f"background:{fill}" in bundle["text/html"]
    assert bundle["text/plain"] == f"{symbol} load: Running"
