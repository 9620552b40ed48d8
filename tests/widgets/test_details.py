from __future__ import annotations

from typing import Any

import pandas as pd
from inline_snapshot import snapshot

from taskbook.core.states import State
from taskbook.widgets.details import details_model, preview_value


def test_details_of_a_failed_run_after_a_retry(script: Any) -> None:
    s = script().task("r", "load", 0.0)
    s.state("r", "Running", 1.0).log("r", "fetching", 1.25)
    s.state("r", "AwaitingRetry", 2.0).state("r", "Retrying", 2.5)
    s.state(
        "r", "Failed", 4.0, "Task run encountered an exception", ValueError("bad row 7")
    )
    details = details_model(s.fold(), "task:load")
    assert details == snapshot(
        {
            "id": "task:load",
            "label": "load",
            "kind": "task",
            "reads": [],
            "defines": [],
            "inputs": [],
            "runs": [
                {
                    "id": "r",
                    "name": "load-0",
                    "state": "FAILED",
                    "state_name": "Failed",
                    "fill": "#dc2626",
                    "attempts": 2,
                    "duration": 3.0,
                    "states": [
                        {
                            "type": "RUNNING",
                            "name": "Running",
                            "t": 1.0,
                            "ts": 1001.0,
                            "message": None,
                        },
                        {
                            "type": "SCHEDULED",
                            "name": "AwaitingRetry",
                            "t": 2.0,
                            "ts": 1002.0,
                            "message": None,
                        },
                        {
                            "type": "RUNNING",
                            "name": "Retrying",
                            "t": 2.5,
                            "ts": 1002.5,
                            "message": None,
                        },
                        {
                            "type": "FAILED",
                            "name": "Failed",
                            "t": 4.0,
                            "ts": 1004.0,
                            "message": "Task run encountered an exception",
                        },
                    ],
                    "inputs": [],
                    "error": {"kind": "ValueError", "message": "bad row 7"},
                    "logs": [{"t": 1.25, "level": 20, "message": "fetching"}],
                    "result": None,
                    "cache_key": None,
                    "artifacts": [],
                    "tags": [],
                }
            ],
            "more_runs": 0,
        }
    )


def test_result_preview_shows_a_dataframe_head(script: Any) -> None:
    frame = pd.DataFrame({"city": [f"c{i}" for i in range(50)], "n": range(50)})
    s = script().task("r", "load", 0.0).state("r", "Running", 1.0)
    s.state("r", "Completed", 2.0, data=frame)
    (run,) = details_model(s.fold(), "task:load")["runs"]
    assert run["result"]["mime"] == "text/html"
    assert run["result"]["type"] == "DataFrame 50×2"
    assert "<td>c4</td>" in run["result"]["data"]
    assert "<td>c5</td>" not in run["result"]["data"]  # only the head


def test_result_preview_comes_from_the_caller_when_given(script: Any) -> None:
    s = script().task("r", "load", 0.0).state("r", "Completed", 1.0, data=41)
    seen: list[tuple[str, State | None]] = []

    def preview(run_id: str, state: State | None) -> dict[str, str]:
        seen.append((run_id, state))
        return {"mime": "text/plain", "data": "forty-one", "type": "int"}

    (run,) = details_model(s.fold(), "task:load", preview)["runs"]
    assert run["result"]["data"] == "forty-one"
    assert seen[0][0] == "r"
    assert seen[0][1] is not None
    assert seen[0][1].data == 41


def test_a_broken_preview_does_not_break_the_panel(script: Any) -> None:
    s = script().task("r", "load", 0.0).state("r", "Completed", 1.0, data=1)

    def preview(run_id: str, state: State | None) -> dict[str, str]:
        raise RuntimeError("no")

    (run,) = details_model(s.fold(), "task:load", preview)["runs"]
    assert run["result"] == {
        "mime": "text/plain",
        "data": "(no preview: the preview failed)",
    }


def test_a_value_with_a_broken_repr_still_previews() -> None:
    class Broken:
        def __repr__(self) -> str:
            raise RuntimeError("repr")

    assert preview_value(Broken()) == {
        "mime": "text/plain",
        "data": "<Broken object>",
        "type": "Broken",
    }


def test_long_reprs_are_cut() -> None:
    preview = preview_value("x" * 5000, limit=100)
    assert len(preview["data"]) == 100
    assert preview["data"].endswith("…")


def test_failed_runs_come_first_in_a_mapped_node(script: Any) -> None:
    s = script()
    for i in range(30):
        s.task(f"r{i}", "sq", 0.0).state(
            f"r{i}", "Completed" if i != 17 else "Failed", 1.0
        )
    details = details_model(s.fold(), "task:sq", max_runs=5)
    assert details["runs"][0]["name"] == "sq-17"
    assert len(details["runs"]) == 5
    assert details["more_runs"] == 25


def test_notebook_node_details_name_the_cells_it_reads_from(
    script: Any, nb_graph: Any
) -> None:
    graph = nb_graph(
        ("p", "params", "n = 3"),
        ("load", "task", "rows = list(range(n))"),
        ("total", "task", "s = sum(rows) + n"),
    )
    details = details_model(script().fold(graph), "total")
    assert details["inputs"] == [
        {"from": "p", "kind": "data", "names": ["n"]},
        {"from": "load", "kind": "data", "names": ["rows"]},
    ]
    assert details["reads"] == ["n", "rows"]
    assert details["defines"] == ["s"]
    assert details["runs"] == []


def test_unknown_node_has_no_details(script: Any) -> None:
    assert details_model(script().fold(), "nope") is None
