"""Python-API flows draw their data edges: the live fold and the stored run agree.

A real flow runs on the thread-pool runner; its events are folded live (a bus
subscriber) and replayed from the run store (``fold_record(get_run(...))``).
"""

from __future__ import annotations

from typing import Any

from taskbook import allow_failure, flow, runtime, task, unmapped
from taskbook.widgets.details import details_model
from taskbook.widgets.records import fold_record
from taskbook.widgets.viewmodel import RunFold


@task
def load(n: int = 1000) -> int:
    return n


@task
def clean(x: int, offset: int = 0) -> int:
    return x + offset


@task
def report(*values: Any) -> str:
    return repr(values)


@task
def broken() -> None:
    raise ValueError("broken")


@task
def rescue(value: Any) -> str:
    return "rescued"


@flow
def pipeline() -> str:
    a = load.submit()
    b = clean.submit(a)
    c = report.submit(a, wait_for=[b])
    cleaned = clean.map([load.submit(n) for n in (1, 2)], unmapped(a))
    failed = broken.submit()
    rescued = rescue.submit(allow_failure(failed))
    for future in (c, rescued, *cleaned):
        future.wait()
    return runtime.flow_run.id


def _edges(fold: RunFold) -> set[tuple[str, str]]:
    return {(e["from"], e["to"]) for e in fold.graph_model()["edges"]}


def test_live_and_stored_folds_draw_the_edges_of_futures_wait_for_and_allow_failure(
    run_recorded: Any,
) -> None:
    live, record = run_recorded(pipeline)
    stored = fold_record(record)

    expected = {
        ("task:load", "task:clean"),  # b from a; each mapped run from its load
        ("task:load", "task:report"),  # c from a
        ("task:clean", "task:report"),  # c waited for b
        ("task:broken", "task:rescue"),  # allow_failure(failed)
    }
    assert _edges(live) == expected
    assert _edges(stored) == expected
    assert stored.graph_model()["edges"] == live.graph_model()["edges"]
    assert all(e["kind"] == "data" for e in live.graph_model()["edges"])

    # The details panel names each run's inputs.
    inputs = {
        run["name"]: run["inputs"]
        for node in ("task:clean", "task:report", "task:rescue")
        for run in details_model(stored, node)["runs"]  # type: ignore[index]
    }
    assert inputs == {
        "clean-0": ["load-0"],
        "clean-1": ["load-1", "load-0"],
        "clean-2": ["load-2", "load-0"],
        "report-0": ["load-0", "clean-0"],
        "rescue-0": ["broken-0"],
    }
